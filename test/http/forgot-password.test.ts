/**
 * Self-service reset (`POST /auth/forgot`): off unless `sendResetLink` is given; one 202 for every
 * well-formed request, sent before any lookup; a link only for accounts that may have one, to
 * their stored address; cooldown and pending cap; exact matching (dotless ı).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import {
  MemoryTokenStore,
  MemoryUserStore,
  PasswordOptionsError,
  createPasswordRouter,
  type PasswordEvent,
  type PasswordUser,
  type ResetLinkContext,
  type TokenStore,
  type UserStore,
} from '../../lib/index.ts';
import { createOpenApiDocument } from '../../lib/openapi/index.ts';
import { requestSchemas } from '../../lib/openapi/request-schemas.ts';
import { GOOD_PASSWORD, OTHER_GOOD_PASSWORD, SECRET, createTestApp, type TestApp } from '../helpers/app.ts';

const PUBLIC_URL = 'https://rbac.example.com/rbac-api/v1/reset-password';
const FORGOT = '/rbac-api/v1/auth/forgot';

interface Sent {
  readonly user: PasswordUser;
  readonly link: string;
  readonly context: ResetLinkContext;
}

async function forgotApp(overrides: Parameters<typeof createTestApp>[0] = {}) {
  const sent: Sent[] = [];
  const events: PasswordEvent[] = [];
  const t = await createTestApp({
    publicUrl: PUBLIC_URL,
    sendResetLink: (user, link, context) => {
      sent.push({ user, link, context });
    },
    onEvent: (event) => {
      events.push(event);
    },
    ...overrides,
  });
  return { t, sent, events };
}

/** A token store written before the reset-link slot members existed: the service keeps the cooldown itself. */
function withoutSlots(tokens: TokenStore): TokenStore {
  return {
    issue: (record) => tokens.issue(record),
    find: (id, now) => tokens.find(id, now),
    redeem: (id, now, apply) => tokens.redeem(id, now, apply),
    revokeForUser: (userId) => tokens.revokeForUser(userId),
  };
}

const tokenOf = (link: string) => new URLSearchParams(new URL(link).hash.slice(1)).get('token') as string;

/** Status, body and the headers a client could compare; Date and ETag aside, every answer must be identical. */
async function ask(t: TestApp, body: object) {
  const res = await request(t.app).post(FORGOT).send(body);
  const { date: _date, etag: _etag, ...headers } = res.headers as Record<string, string>;
  return { status: res.status, body: res.body as unknown, headers };
}

describe('POST /auth/forgot is off by default', () => {
  it('is not served without sendResetLink (the admin-only flow is unchanged)', async () => {
    const router = createPasswordRouter({
      userStore: new MemoryUserStore([{ login: 'alice', email: 'alice@example.com' }]),
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      authorizer: { authenticate: () => null, canResetPassword: () => false },
      tokenKey: SECRET,
      publicUrl: PUBLIC_URL,
    });
    // A bare app: the OpenAPI recorder would (rightly) call a 404 on a documented route a mismatch.
    const app = express().use('/rbac-api/v1', router);
    await request(app).post(FORGOT).send({ login: 'alice' }).expect(404);
    assert.equal(router.service.selfServiceReset, null);
    await router.close();
  });

  it('refuses sendResetLink without publicUrl, or without a lookup member', () => {
    const base = { tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }), authorizer: { authenticate: () => null, canResetPassword: () => false }, tokenKey: SECRET };
    assert.throws(() => createPasswordRouter({ ...base, userStore: new MemoryUserStore(), sendResetLink: () => {} }), /sendResetLink needs publicUrl/);
    const bare: UserStore = { findById: () => null, setPassword: () => false };
    assert.throws(
      () => createPasswordRouter({ ...base, userStore: bare, failedAttemptsLockout: 0, policy: { passwordHistory: 0 }, publicUrl: PUBLIC_URL, sendResetLink: () => {} }),
      /findByLogin\(\) or userStore.findByEmail\(\)/,
    );
    assert.throws(
      () => createPasswordRouter({ ...base, userStore: new MemoryUserStore(), publicUrl: PUBLIC_URL, resetLinkCooldownSeconds: -1, sendResetLink: () => {} }),
      /resetLinkCooldownSeconds/,
    );
  });
});

describe('POST /auth/forgot', () => {
  it('mails the stored address a link whose token sits in the fragment and resets the password', async () => {
    const { t, sent, events } = await forgotApp();
    const answer = await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    assert.match(answer.body.msg, /reset link/);
    await t.router.service.settled();
    assert.equal(sent.length, 1);
    const [mail] = sent as [Sent];
    assert.equal(mail.user.id, t.alice.id);
    assert.equal(mail.context.email, 'alice@example.com');
    assert.equal(mail.context.requestedBy, 'login');
    const url = new URL(mail.link);
    assert.equal(`${url.origin}${url.pathname}`, PUBLIC_URL);
    assert.equal(url.search, '', 'the token never travels in the query, where a GET would carry it to the server');
    assert.ok(url.hash.startsWith('#token='));
    const issued = events.find((e) => e.type === 'reset-token-issued');
    assert.equal(issued?.actorId, null);
    assert.equal(issued?.details?.['via'], 'self-service');

    await request(t.app)
      .post('/rbac-api/v1/auth/reset')
      .send({ token: tokenOf(mail.link), password: OTHER_GOOD_PASSWORD })
      .expect(200);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('finds the account by email too, and sends to the address as stored', async () => {
    const { t, sent } = await forgotApp();
    await request(t.app).post(FORGOT).send({ email: 'alice@example.com' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.context.email, 'alice@example.com');
    assert.equal(sent[0]?.context.requestedBy, 'email');
  });

  it('answers unknown, remote, admin-revoked and mail-less accounts exactly like a known one, and mails none of them', async () => {
    const { t, sent } = await forgotApp();
    const revoked = t.users.createUser({ login: 'revoked-by-admin', email: 'revoked@example.com', passwordHash: t.alice.passwordHash });
    t.users.setRevoked(revoked.id, true);
    const remote = t.users.createUser({ login: 'ldap-carol', email: 'carol@example.com', isRemote: true });
    const known = await ask(t, { login: 'alice' });
    await t.router.service.settled();
    assert.equal(sent.length, 1);
    sent.length = 0;
    for (const body of [
      { login: 'nobody' },
      { email: 'nobody@example.com' },
      { login: remote.login },
      { email: 'carol@example.com' },
      { login: revoked.login },
      { email: 'revoked@example.com' },
      { login: 'ldap-bob' },
      { login: 'admin' },
    ]) {
      assert.deepEqual(await ask(t, body), known, JSON.stringify(body));
    }
    await t.router.service.settled();
    assert.deepEqual(sent, []);
  });

  it('mails an account that the failed-attempt lockout revoked: redeeming the link reinstates it', async () => {
    const { t, sent } = await forgotApp({ failedAttemptsLockout: 2 });
    for (let i = 0; i < 2; i++) await t.router.service.verifyLogin('alice', 'Wrong-Password-1!');
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, true);
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 1);
    await request(t.app)
      .post('/rbac-api/v1/auth/reset')
      .send({ token: tokenOf(sent[0]?.link as string), password: OTHER_GOOD_PASSWORD })
      .expect(200);
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, false);
  });

  it('sends at most one mail per account per cooldown, however many requests; a newer link kills the older', async () => {
    const { t, sent } = await forgotApp();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(t.app)
          .post(FORGOT)
          .send(i % 2 === 0 ? { login: 'alice' } : { email: 'alice@example.com' })
          .expect(202),
      ),
    );
    await t.router.service.settled();
    assert.equal(sent.length, 1);
    t.advance(59_000);
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 1, 'still inside the 60 s default cooldown');
    t.advance(1_000);
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 2);
    await request(t.app)
      .post('/rbac-api/v1/auth/reset')
      .send({ token: tokenOf(sent[0]?.link as string), password: OTHER_GOOD_PASSWORD })
      .expect(403);
    await request(t.app)
      .post('/rbac-api/v1/auth/reset')
      .send({ token: tokenOf(sent[1]?.link as string), password: OTHER_GOOD_PASSWORD })
      .expect(200);
  });

  it('keeps the cooldown in the process when the token store has no slot members', async () => {
    const { t, sent } = await forgotApp({ tokenStore: withoutSlots(new MemoryTokenStore({ sweepIntervalMs: 0 })) });
    await Promise.all(Array.from({ length: 5 }, () => request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202)));
    await t.router.service.settled();
    assert.equal(sent.length, 1);
    t.advance(59_999);
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 1, 'still inside the cooldown');
    t.advance(1);
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 2);
  });

  it('honours resetLinkCooldownSeconds', async () => {
    const { t, sent } = await forgotApp({ resetLinkCooldownSeconds: 5 });
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    t.advance(5_000);
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 2);
  });

  it('drops requests past maxPendingResetLinks, still answering 202', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    const t = await createTestApp({
      publicUrl: PUBLIC_URL,
      maxPendingResetLinks: 2,
      sendResetLink: async (user) => {
        sent.push(user.login);
        await gate;
      },
    });
    const logins = ['u1', 'u2', 'u3', 'u4'];
    for (const login of logins) t.users.createUser({ login, email: `${login}@example.com` });
    for (const login of logins) await request(t.app).post(FORGOT).send({ login }).expect(202);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(sent, ['u1', 'u2'], 'the third and fourth requests were dropped while two sends hung');
    release();
    await t.router.service.settled();
    await request(t.app).post(FORGOT).send({ login: 'u3' }).expect(202);
    await t.router.service.settled();
    assert.deepEqual(sent, ['u1', 'u2', 'u3'], 'slots come back once the sends finish');
  });

  it('answers before the lookup runs: a hanging store does not delay the 202', async () => {
    const answeredAtLookup: boolean[] = [];
    const users = new MemoryUserStore([{ login: 'alice', email: 'alice@example.com' }]);
    let current: express.Response | undefined;
    const hanging: UserStore = Object.assign(Object.create(users) as UserStore, {
      findByLogin: () => {
        answeredAtLookup.push(current?.writableEnded === true);
        return new Promise(() => {});
      },
    });
    const router = createPasswordRouter({
      userStore: hanging,
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      authorizer: { authenticate: () => null, canResetPassword: () => false },
      tokenKey: SECRET,
      publicUrl: PUBLIC_URL,
      storeTimeoutMs: 50,
      sendResetLink: () => assert.fail('nothing to send'),
    });
    const app = express()
      .use((_req, res, next) => {
        current = res;
        next();
      })
      .use('/rbac-api/v1', router);
    await request(app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await router.service.settled();
    assert.deepEqual(answeredAtLookup, [true], 'the whole answer was written before the lookup started');
  });

  it('a failing sendResetLink is logged and evented, never answered', async () => {
    const { t, events } = await forgotApp({
      sendResetLink: () => {
        throw new Error('SMTP 550 for alice@example.com');
      },
    });
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    const failed = events.find((e) => e.type === 'reset-link-failed');
    assert.equal(failed?.userId, t.alice.id);
    // Markers a random request id (hex) cannot contain by chance: a bare "550" once matched one.
    assert.doesNotMatch(JSON.stringify(failed), /alice@example\.com|SMTP 550/);
  });

  for (const shared of [true, false]) {
    it(`a send that threw gives the cooldown slot back, so the next request sends again at once (${shared ? "the token store's slots" : "the process's own cooldown"})`, async () => {
      let failures = 1;
      const sent: string[] = [];
      const tokens = new MemoryTokenStore({ sweepIntervalMs: 0 });
      const { t } = await forgotApp({
        tokenStore: shared ? tokens : withoutSlots(tokens),
        sendResetLink: (user) => {
          if (failures-- > 0) throw new Error('SMTP 451 try later');
          sent.push(user.id);
        },
      });
      await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
      await t.router.service.settled();
      assert.deepEqual(sent, []);
      await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
      await t.router.service.settled();
      assert.deepEqual(sent, [t.alice.id], 'the failed send did not hold the cooldown');
      await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
      await t.router.service.settled();
      assert.equal(sent.length, 1, 'the sent link holds it');
    });
  }

  it('refuses a token store with only one of the reset-link slot members, naming the other', () => {
    const tokens = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const halfPair = Object.assign(Object.create(tokens) as MemoryTokenStore, { releaseResetLinkSlot: undefined });
    assert.throws(
      () =>
        createPasswordRouter({
          userStore: new MemoryUserStore(),
          tokenStore: halfPair,
          authorizer: { authenticate: () => null, canResetPassword: () => false },
          tokenKey: SECRET,
        }),
      (error: unknown) => {
        assert.ok(error instanceof PasswordOptionsError);
        assert.deepEqual(
          error.problems.map((p) => [p.option, p.code]),
          [['tokenStore', 'missing-method']],
        );
        assert.match(error.message, /releaseResetLinkSlot\(\)/);
        return true;
      },
    );
  });

  it('refuses malformed bodies with 400, and an identifier kind the store cannot look up', async () => {
    const { t, sent } = await forgotApp();
    for (const body of [{}, { login: 'alice', email: 'alice@example.com' }, { login: '' }, { user: 'alice' }, { login: 7 }]) {
      const res = await request(t.app).post(FORGOT).send(body).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/schema-violation', JSON.stringify(body));
    }
    await request(t.app).post(FORGOT).set('Content-Type', 'application/json').send('{"login":').expect(400);
    await request(t.app)
      .post(FORGOT)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ login: 'x'.repeat(20_000) }))
      .expect(413);

    const users = new MemoryUserStore([{ login: 'dave', email: 'dave@example.com' }]);
    const loginOnly: UserStore = Object.assign(Object.create(users) as UserStore, { findByEmail: undefined });
    const byLogin = await createTestApp({ userStore: loginOnly, publicUrl: PUBLIC_URL, sendResetLink: () => {} });
    const res = await request(byLogin.app).post(FORGOT).send({ email: 'dave@example.com' }).expect(400);
    assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request');
    assert.match(res.body.msg, /by login only/);
    await byLogin.router.service.settled();
    assert.deepEqual(sent, []);
  });
});

describe('POST /auth/forgot in OpenAPI', () => {
  it('is documented exactly when served: createOpenApiDocument({ selfServiceReset: true })', async () => {
    const { t } = await forgotApp();
    const stack = (t.router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack;
    const served = stack.flatMap((layer) => (layer.route === undefined ? [] : Object.keys(layer.route.methods).map((m) => `${m} ${layer.route?.path.replace(/:(\w+)/g, '{$1}')}`)));
    const document = createOpenApiDocument({ selfServiceReset: true });
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`));
    assert.deepEqual(served.sort(), documented.sort());
    assert.deepEqual(document.components.schemas['ForgotPasswordRequest'], requestSchemas.forgotPassword);
    assert.equal(createOpenApiDocument().paths['/auth/forgot'], undefined);
  });
});

describe('POST /auth/forgot matches exactly', () => {
  it('a look-alike address with a dotless ı never gets mike’s link, even from a store that folds case', async () => {
    const users = new MemoryUserStore();
    const mike = users.createUser({ login: 'mike', email: 'mike@example.com' });
    // A store comparing upper-cased addresses, as a case-insensitive collation would: MIKE == MıKE.toUpperCase().
    const folding: UserStore = Object.assign(Object.create(users) as UserStore, {
      // Bound: the memory store's private fields are not reachable through a prototype (the issue confirms its token with findById).
      findById: (id: string) => users.findById(id),
      findByEmail: (email: string) => users.listUsers().find((u) => u.email?.toUpperCase() === email.toUpperCase()) ?? null,
    });
    for (const userStore of [users, folding]) {
      const { t, sent } = await forgotApp({ userStore });
      await request(t.app).post(FORGOT).send({ email: 'm\u0131ke@example.com' }).expect(202);
      await request(t.app).post(FORGOT).send({ email: 'MIKE@example.com' }).expect(202);
      await t.router.service.settled();
      assert.equal(sent.length, 0, 'no link for a look-alike address');
      await request(t.app).post(FORGOT).send({ email: 'mike@example.com' }).expect(202);
      await t.router.service.settled();
      assert.equal(sent[0]?.user.id, mike.id);
      assert.equal(sent[0]?.context.email, 'mike@example.com');
    }
  });

  it('normalizes the identifier like the stored logins: NFC by default, or the host’s normalizeIdentifier', async () => {
    const { t, sent } = await forgotApp();
    t.users.createUser({ login: 'jos\u00e9', email: 'jose@example.com' });
    await request(t.app).post(FORGOT).send({ login: 'jose\u0301' }).expect(202);
    await t.router.service.settled();
    assert.equal(sent.length, 1, 'NFD input matches the NFC login');

    const lower = await forgotApp({ normalizeIdentifier: (value) => value.trim().toLowerCase() });
    await request(lower.t.app).post(FORGOT).send({ email: ' Alice@Example.com' }).expect(202);
    await lower.t.router.service.settled();
    assert.equal(lower.sent.length, 1);
    assert.equal(lower.sent[0]?.context.email, 'alice@example.com');
  });

  it('keeps passwords out of the picture: the same mail whatever the account’s password', async () => {
    const { t, sent } = await forgotApp();
    await request(t.app).post(FORGOT).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.doesNotMatch(JSON.stringify(sent), new RegExp(GOOD_PASSWORD));
    assert.doesNotMatch(JSON.stringify(sent[0]?.context), /\$2[aby]\$/);
  });
});
