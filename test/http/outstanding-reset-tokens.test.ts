/**
 * Outstanding reset links, for administrators: `GET /users/:sid/password/reset-tokens` lists
 * metadata (never the token), `DELETE` revokes all or one; the issuing permission applies;
 * without the optional store members every route answers 501; rejected requests change nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { MemoryTokenStore, MemoryUserStore, PasswordOptionsError, createPasswordRouter, type PasswordEvent, type TokenStore, type UserStore } from '../../lib/index.ts';
import { GOOD_PASSWORD, OTHER_GOOD_PASSWORD, SECRET, createTestApp, snapshot, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';
const PUBLIC_URL = 'https://rbac.example.com/rbac-api/v1/reset-password';
const HOUR = 3_600_000;

const tokensPath = (sid: string) => `${base}/users/${sid}/password/reset-tokens`;

async function issue(t: TestApp, sid: string): Promise<string> {
  return (await request(t.app).post(`${base}/users/${sid}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

async function list(t: TestApp, sid: string) {
  return request(t.app).get(tokensPath(sid)).set('X-Authentication', t.auth.admin).expect(200);
}

function reset(t: TestApp, token: string, password = OTHER_GOOD_PASSWORD) {
  return request(t.app).post(`${base}/auth/reset`).send({ token, password });
}

/** Every piece of a token a leak could show: the whole token, its three parts, and its jti. */
function piecesOf(token: string): string[] {
  const { jti } = jwt.decode(token) as jwt.JwtPayload;
  return [token, ...token.split('.'), String(jti)];
}

/** The memory store without the optional members: a store written before they existed. */
function withoutOutstandingMembers(tokens: MemoryTokenStore): TokenStore {
  return {
    issue: (record) => tokens.issue(record),
    find: (id, now) => tokens.find(id, now),
    redeem: (id, now, apply) => tokens.redeem(id, now, apply),
    recordRefusal: (id, budget, now) => tokens.recordRefusal(id, budget, now),
    revokeForUser: (userId) => tokens.revokeForUser(userId),
  };
}

describe('GET /users/:sid/password/reset-tokens', () => {
  it('lists the outstanding token with its metadata, and no piece of the token anywhere in the answer', async () => {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const res = await list(t, t.alice.id);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.tokens.length, 1);
    const [listed] = res.body.tokens;
    assert.deepEqual(Object.keys(listed).sort(), ['expires_at', 'handle', 'issued_at', 'issued_by', 'kind']);
    assert.match(listed.handle, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(listed.kind, 'admin');
    assert.equal(listed.issued_by, t.admin.id);
    assert.equal(listed.issued_at, t.now().toISOString());
    assert.equal(listed.expires_at, new Date(t.now().getTime() + 24 * HOUR).toISOString());
    for (const piece of piecesOf(token)) assert.ok(!res.text.includes(piece), `the answer holds a piece of the token: ${piece.slice(0, 8)}…`);
    // The handle names the token without being it: the token still works, once.
    await reset(t, token).expect(200);
  });

  it('lists a self-service link as kind self-service, issued by nobody', async () => {
    const links: string[] = [];
    const t = await createTestApp({ publicUrl: PUBLIC_URL, sendResetLink: (_user, link) => void links.push(link) });
    await request(t.app).post(`${base}/auth/forgot`).send({ login: 'alice' }).expect(202);
    await t.router.service.settled();
    assert.equal(links.length, 1);
    const res = await list(t, t.alice.id);
    assert.equal(res.body.tokens.length, 1);
    assert.equal(res.body.tokens[0].kind, 'self-service');
    assert.equal(res.body.tokens[0].issued_by, null);
    const token = new URLSearchParams(new URL(links[0] as string).hash.slice(1)).get('token') as string;
    for (const piece of piecesOf(token)) assert.ok(!res.text.includes(piece));
  });

  it('does not list a redeemed, an expired or a superseded token, nor another user’s', async () => {
    const t = await createTestApp();
    const first = await issue(t, t.alice.id);
    await issue(t, t.admin.id);
    t.advance(1000);
    const second = await issue(t, t.alice.id);
    const listed = (await list(t, t.alice.id)).body.tokens;
    assert.equal(listed.length, 1, 'the superseded token is listed');
    assert.equal(listed[0].issued_at, t.now().toISOString());
    await reset(t, first).expect(403);
    await reset(t, second).expect(200);
    assert.deepEqual((await list(t, t.alice.id)).body.tokens, [], 'a redeemed token is listed');

    await issue(t, t.alice.id);
    t.advance(24 * HOUR - 1);
    assert.equal((await list(t, t.alice.id)).body.tokens.length, 1, 'a token is gone before it expires');
    t.advance(1);
    assert.deepEqual((await list(t, t.alice.id)).body.tokens, [], 'an expired token is listed');
    assert.equal((await list(t, t.admin.id)).body.tokens.length, 0, 'the admin’s own token expired too');
  });

  it('answers an empty list for a user without tokens, a remote user included', async () => {
    const t = await createTestApp();
    assert.deepEqual((await list(t, t.alice.id)).body, { tokens: [] });
    assert.deepEqual((await list(t, t.remote.id)).body, { tokens: [] });
  });
});

describe('DELETE /users/:sid/password/reset-tokens[/:handle]', () => {
  it('revokes one token by its handle: it can no longer be redeemed, and the event says how many', async () => {
    const events: PasswordEvent[] = [];
    const t = await createTestApp({ onEvent: (event) => void events.push(event) });
    const token = await issue(t, t.alice.id);
    const [listed] = (await list(t, t.alice.id)).body.tokens;
    const res = await request(t.app)
      .delete(`${tokensPath(t.alice.id)}/${listed.handle}`)
      .set('X-Authentication', t.auth.admin)
      .expect(200);
    assert.deepEqual(res.body, { revoked: 1 });
    assert.deepEqual((await list(t, t.alice.id)).body.tokens, []);
    assert.equal((await reset(t, token).expect(403)).body.kind, 'puppetlabs.rbac/invalid-token');
    const revoked = events.filter((event) => event.type === 'reset-tokens-revoked');
    assert.deepEqual(
      revoked.map(({ userId, actorId, details }) => ({ userId, actorId, details })),
      [{ userId: t.alice.id, actorId: t.admin.id, details: { count: 1, handle: listed.handle } }],
    );
    for (const piece of piecesOf(token)) assert.ok(!JSON.stringify(events).includes(piece), 'an event holds a piece of the token');
    // Revoked once: the same handle now names nothing.
    const again = await request(t.app)
      .delete(`${tokensPath(t.alice.id)}/${listed.handle}`)
      .set('X-Authentication', t.auth.admin)
      .expect(404);
    assert.equal(again.body.kind, 'puppetlabs.rbac/not-found');
  });

  it('revokes all of them and answers how many; again, 0', async () => {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const other = await issue(t, t.admin.id);
    assert.deepEqual((await request(t.app).delete(tokensPath(t.alice.id)).set('X-Authentication', t.auth.admin).expect(200)).body, { revoked: 1 });
    assert.deepEqual((await request(t.app).delete(tokensPath(t.alice.id)).set('X-Authentication', t.auth.admin).expect(200)).body, { revoked: 0 });
    await reset(t, token).expect(403);
    // Another user's token is untouched.
    assert.equal((await list(t, t.admin.id)).body.tokens.length, 1);
    await reset(t, other, OTHER_GOOD_PASSWORD).expect(200);
  });

  it('a redeemed token cannot be revoked any more (404), and the reset stands', async () => {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const [listed] = (await list(t, t.alice.id)).body.tokens;
    await reset(t, token).expect(200);
    await request(t.app)
      .delete(`${tokensPath(t.alice.id)}/${listed.handle}`)
      .set('X-Authentication', t.auth.admin)
      .expect(404);
    assert.deepEqual((await request(t.app).delete(tokensPath(t.alice.id)).set('X-Authentication', t.auth.admin).expect(200)).body, { revoked: 0 });
    const login = await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD);
    assert.equal(login.ok, true);
  });
});

describe('outstanding reset tokens: refusals change nothing', () => {
  /** Alice with one outstanding token, and a check that it is still there and still works. */
  async function withToken() {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const [listed] = (await list(t, t.alice.id)).body.tokens;
    const before = snapshot(t);
    const unchanged = async () => {
      assert.equal(snapshot(t), before);
      assert.equal((await list(t, t.alice.id)).body.tokens[0]?.handle, listed.handle, 'a refused request changed the tokens');
      await reset(t, token).expect(200);
    };
    return { t, handle: listed.handle as string, unchanged };
  }

  it('401 without authentication, on every route', async () => {
    const { t, handle, unchanged } = await withToken();
    for (const call of [request(t.app).get(tokensPath(t.alice.id)), request(t.app).delete(tokensPath(t.alice.id)), request(t.app).delete(`${tokensPath(t.alice.id)}/${handle}`)]) {
      assert.deepEqual((await call.expect(401)).body, { kind: 'puppetlabs.rbac/user-unauthenticated', msg: 'Route requires authentication' });
    }
    await unchanged();
  });

  it('403 permission-denied for a caller without users:reset_password on the user', async () => {
    const { t, handle, unchanged } = await withToken();
    for (const call of [request(t.app).get(tokensPath(t.alice.id)), request(t.app).delete(tokensPath(t.alice.id)), request(t.app).delete(`${tokensPath(t.alice.id)}/${handle}`)]) {
      const res = await call.set('X-Authentication', t.auth.alice).expect(403);
      assert.equal(res.body.kind, 'puppetlabs.rbac/permission-denied');
    }
    await unchanged();
  });

  it('400 for a sid that is not a UUID or a handle that cannot be one; 404 for an unknown user or handle', async () => {
    const { t, handle, unchanged } = await withToken();
    const admin = (call: request.Test) => call.set('X-Authentication', t.auth.admin);
    assert.equal((await admin(request(t.app).get(tokensPath('not-a-uuid'))).expect(400)).body.kind, 'puppetlabs.rbac/invalid-uuid');
    assert.equal((await admin(request(t.app).delete(tokensPath('not-a-uuid'))).expect(400)).body.kind, 'puppetlabs.rbac/invalid-uuid');
    for (const bad of ['x', `${handle}A`, handle.slice(1), `${handle.slice(0, 21)}.`, '%E0%A4%A']) {
      const res = await admin(request(t.app).delete(`${tokensPath(t.alice.id)}/${bad}`)).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/malformed-request', bad);
    }
    const unknownUser = '00000000-0000-4000-8000-000000000000';
    assert.equal((await admin(request(t.app).get(tokensPath(unknownUser))).expect(404)).body.kind, 'puppetlabs.rbac/not-found');
    assert.equal((await admin(request(t.app).delete(tokensPath(unknownUser))).expect(404)).body.kind, 'puppetlabs.rbac/not-found');
    const unknownHandle = handle.startsWith('A') ? `B${handle.slice(1)}` : `A${handle.slice(1)}`;
    const res = await admin(request(t.app).delete(`${tokensPath(t.alice.id)}/${unknownHandle}`)).expect(404);
    assert.deepEqual(res.body, { kind: 'puppetlabs.rbac/not-found', msg: 'The user has no outstanding reset token with this handle' });
    // Alice's handle under another user's id names nothing of theirs.
    await admin(request(t.app).delete(`${tokensPath(t.admin.id)}/${handle}`)).expect(404);
    await unchanged();
  });
});

describe('outstanding reset tokens without the store members', () => {
  it('answers 501 not-implemented on every route (after authentication), and issuing and redeeming still work', async () => {
    const tokens = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const t = await createTestApp({ tokenStore: withoutOutstandingMembers(tokens) });
    const token = await issue(t, t.alice.id);
    const handle = 'A'.repeat(22);
    for (const call of [request(t.app).get(tokensPath(t.alice.id)), request(t.app).delete(tokensPath(t.alice.id)), request(t.app).delete(`${tokensPath(t.alice.id)}/${handle}`)]) {
      const res = await call.set('X-Authentication', t.auth.admin).expect(501);
      assert.deepEqual(res.body, {
        kind: 'puppetlabs.rbac/not-implemented',
        msg: 'The token store cannot list or revoke outstanding reset tokens (TokenStore.listOutstanding and revokeOutstanding)',
      });
    }
    await request(t.app).get(tokensPath(t.alice.id)).expect(401);
    assert.equal(tokens.size, 1, 'a 501 changed the tokens');
    await reset(t, token).expect(200);
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, false);
  });
});

describe('a token store with only one of the two members', () => {
  it('is refused at start with missing-method naming the other one', () => {
    const tokens = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const half = { ...withoutOutstandingMembers(tokens), listOutstanding: (userId: string, now: Date) => tokens.listOutstanding(userId, now) };
    const create = () =>
      createPasswordRouter({
        userStore: new MemoryUserStore(),
        tokenStore: half,
        authorizer: { authenticate: () => null, canResetPassword: () => true },
        tokenKey: SECRET,
      });
    assert.throws(create, (error: unknown) => {
      assert.ok(error instanceof PasswordOptionsError);
      assert.deepEqual(
        error.problems.map(({ option, code }) => ({ option, code })),
        [{ option: 'tokenStore', code: 'missing-method' }],
      );
      assert.match(error.message, /must implement revokeOutstanding\(\) too: listOutstanding\(\) and revokeOutstanding\(\) go together/);
      return true;
    });
  });
});

describe('outstanding reset tokens when the store fails', () => {
  it('answers 503 server-error, with no detail of the failure, and leaves the token as it was', async () => {
    const tokens = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const failing = { list: false, revoke: false };
    const store: TokenStore = {
      ...withoutOutstandingMembers(tokens),
      listOutstanding: async (userId, now) => {
        if (failing.list) throw new Error('connection reset while listing for 127.0.0.1');
        return tokens.listOutstanding(userId, now);
      },
      revokeOutstanding: async (userId, tokenId, now) => {
        if (failing.revoke) throw new Error('connection reset while revoking');
        return tokens.revokeOutstanding(userId, tokenId, now);
      },
    };
    const t = await createTestApp({ tokenStore: store });
    const token = await issue(t, t.alice.id);
    const [listed] = (await list(t, t.alice.id)).body.tokens;
    failing.list = true;
    for (const call of [request(t.app).get(tokensPath(t.alice.id)), request(t.app).delete(`${tokensPath(t.alice.id)}/${listed.handle}`)]) {
      const res = await call.set('X-Authentication', t.auth.admin).expect(503);
      assert.equal(res.body.kind, 'puppetlabs.rbac/server-error');
      assert.ok(!res.text.includes('connection reset'));
    }
    failing.list = false;
    failing.revoke = true;
    await request(t.app).delete(tokensPath(t.alice.id)).set('X-Authentication', t.auth.admin).expect(503);
    await request(t.app)
      .delete(`${tokensPath(t.alice.id)}/${listed.handle}`)
      .set('X-Authentication', t.auth.admin)
      .expect(503);
    failing.revoke = false;
    assert.equal((await list(t, t.alice.id)).body.tokens[0]?.handle, listed.handle);
    await reset(t, token).expect(200);
  });
});

describe('a link revoked while it is being redeemed', () => {
  /** Holds alice's password write (inside the token's redemption) until `release`; `writing` resolves once it started. */
  function holdPasswordWrite(t: TestApp, outcome: 'commit' | 'fail') {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const writing = new Promise<void>((resolve) => {
      started = resolve;
    });
    const original = t.users.setPassword.bind(t.users);
    // The memory store writes synchronously; the held write is async, as a real store's is.
    (t.users as UserStore).setPassword = async (...args: Parameters<typeof original>) => {
      started();
      await held;
      if (outcome === 'fail') throw new Error('the password write failed');
      return original(...args);
    };
    return { writing, release };
  }

  it('the redemption that holds the claim wins: the revoke counts nothing, the reset succeeds', async () => {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const { writing, release } = holdPasswordWrite(t, 'commit');
    const resetting = reset(t, token).then((res) => res);
    await writing;
    const revoked = await request(t.app).delete(tokensPath(t.alice.id)).set('X-Authentication', t.auth.admin).expect(200);
    assert.deepEqual(revoked.body, { revoked: 0 }, 'the revoke counted a token whose redemption then succeeded');
    release();
    assert.equal((await resetting).status, 200);
    assert.deepEqual((await list(t, t.alice.id)).body.tokens, []);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('when the reset’s write fails instead, the token ends revoked: neither the reset nor a later one goes through', async () => {
    const t = await createTestApp();
    const token = await issue(t, t.alice.id);
    const { writing, release } = holdPasswordWrite(t, 'fail');
    const resetting = reset(t, token).then((res) => res);
    await writing;
    await request(t.app).delete(tokensPath(t.alice.id)).set('X-Authentication', t.auth.admin).expect(200);
    release();
    assert.equal((await resetting).status, 503);
    assert.deepEqual((await list(t, t.alice.id)).body.tokens, []);
    assert.equal((await reset(t, token).expect(403)).body.kind, 'puppetlabs.rbac/invalid-token', 'the undone claim brought the revoked token back');
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, true, 'the password changed');
  });
});
