import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { IssuedTokenCheck, MemoryTokenStore, MemoryUserStore, ResetTokenRecord, TokenStore, UserStore } from '../../lib/index.ts';
import { createTestApp, OTHER_GOOD_PASSWORD, SECRET, snapshot, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';

describe('POST /users/:sid/password/reset', () => {
  it('answers the bare token as text/plain by default', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(res.text, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('answers {"token"} with Accept: application/json', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('Accept', 'application/json').expect(200);
    assert.deepEqual(Object.keys(res.body), ['token']);
    assert.equal(typeof res.body.token, 'string');
  });

  it('adds a link with the token in the fragment when publicUrl is set', async () => {
    const t = await createTestApp({ publicUrl: 'https://rbac.example.com/reset-password' });
    const res = await request(t.app)
      .post(`${base}/users/${t.alice.id}/password/reset`)
      .set('X-Authentication', t.auth.admin)
      .set('Accept', 'application/json')
      .set('Host', 'evil.example')
      .expect(200);
    assert.equal(res.body.link, `https://rbac.example.com/reset-password#token=${res.body.token}`);
  });

  it('issues a JWT with sub, a 256-bit jti, iat, exp 24 h later and the reset purpose', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    const claims = jwt.verify(res.text, SECRET, { algorithms: ['HS256'], clockTimestamp: t.now().getTime() / 1000 }) as jwt.JwtPayload;
    assert.equal(claims.sub, t.alice.id);
    assert.equal(claims['purpose'], 'password-reset');
    assert.ok(typeof claims.jti === 'string' && Buffer.from(claims.jti, 'base64url').length >= 16);
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 24 * 3600);
    assert.equal(jwt.decode(res.text, { complete: true })?.header.alg, 'HS256');
  });

  it('honours passwordResetExpiration in hours, fractions allowed', async () => {
    const t = await createTestApp({ passwordResetExpiration: 0.5 });
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    const claims = jwt.decode(res.text) as jwt.JwtPayload;
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 1800);
  });

  it('stores only the token id, never the token', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    const { jti } = jwt.decode(res.text) as jwt.JwtPayload;
    const record = t.tokens.find(String(jti), t.now());
    assert.ok(record);
    assert.ok(!JSON.stringify(record).includes(res.text));
    assert.ok(!JSON.stringify(record).includes(res.text.split('.')[2] ?? 'x'));
  });

  it('401 without authentication, in the API error format', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).expect(401);
    assert.deepEqual(res.body, { kind: 'puppetlabs.rbac/user-unauthenticated', msg: 'Route requires authentication' });
    assert.equal(snapshot(t), before);
  });

  it('403 when the caller may not reset this user', async () => {
    const t = await createTestApp();
    const before = snapshot(t);
    const res = await request(t.app).post(`${base}/users/${t.admin.id}/password/reset`).set('X-Authentication', t.auth.alice).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/permission-denied');
    assert.equal(snapshot(t), before);
  });

  it('403 for a remote user', async () => {
    const t = await createTestApp();
    const res = await request(t.app).post(`${base}/users/${t.remote.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(403);
    assert.equal(res.body.kind, 'puppetlabs.rbac/permission-denied');
    assert.match(res.body.msg, /remote/);
    assert.equal(t.tokens.size, 0);
  });

  it('404 for an unknown user, 400 invalid-uuid for a malformed sid', async () => {
    const t = await createTestApp();
    const missing = await request(t.app).post(`${base}/users/7f1c0c8e-4b2a-4d6e-9a55-3b1f2f1d9e00/password/reset`).set('X-Authentication', t.auth.admin).expect(404);
    assert.equal(missing.body.kind, 'puppetlabs.rbac/not-found');
    for (const sid of ['not-a-uuid', '1', '%00', 'current', `${t.alice.id}x`, '__proto__']) {
      const res = await request(t.app).post(`${base}/users/${sid}/password/reset`).set('X-Authentication', t.auth.admin).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/invalid-uuid');
    }
    assert.equal(t.tokens.size, 0);
  });

  it('401 user-revoked when the caller is revoked', async () => {
    const t = await createTestApp();
    t.users.setRevoked(t.admin.id, true);
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(401);
    assert.equal(res.body.kind, 'puppetlabs.rbac/user-revoked');
  });

  it('uses the configured error namespace', async () => {
    const t = await createTestApp({ errorNamespace: 'acme/' });
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).expect(401);
    assert.equal(res.body.kind, 'acme/user-unauthenticated');
  });

  it('emits reset-token-issued with actor and request id, never the token', async () => {
    const events: unknown[] = [];
    const t = await createTestApp({ onEvent: (e) => void events.push(e) });
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).set('X-Request-Id', 'req-123').expect(200);
    assert.equal(events.length, 1);
    assert.deepEqual(
      { ...(events[0] as object), at: undefined, details: undefined },
      { type: 'reset-token-issued', userId: t.alice.id, actorId: t.admin.id, requestId: 'req-123', at: undefined, details: undefined },
    );
    assert.ok(!JSON.stringify(events).includes(res.text));
  });
});

/**
 * A token store with the optional `issueAndCheck`, over the test app's memory stores (bound once
 * the app exists), counting what the service calls and with hooks around the insert.
 */
function checkingTokenStore() {
  let inner: MemoryTokenStore | undefined;
  let users: Pick<MemoryUserStore, 'findById'> | undefined;
  const calls = { issue: 0, find: 0, issueAndCheck: 0 };
  const records: ResetTokenRecord[] = [];
  const hooks: { beforeInsert?: (() => Promise<void>) | undefined; afterInsert?: ((record: ResetTokenRecord) => Promise<void>) | undefined } = {};
  const bound = () => {
    assert.ok(inner !== undefined && users !== undefined, 'bind the store to the app first');
    return { inner, users };
  };
  const store: TokenStore = {
    issue: (record) => {
      calls.issue += 1;
      return bound().inner.issue(record);
    },
    find: (id, now) => {
      calls.find += 1;
      return bound().inner.find(id, now);
    },
    redeem: (id, now, apply) => bound().inner.redeem(id, now, apply),
    recordRefusal: (id, budget, now) => bound().inner.recordRefusal(id, budget, now),
    revokeForUser: (userId) => bound().inner.revokeForUser(userId),
    async issueAndCheck(record, now): Promise<IssuedTokenCheck> {
      calls.issueAndCheck += 1;
      records.push(record);
      const { inner: tokens, users: userStore } = bound();
      const before = hooks.beforeInsert;
      hooks.beforeInsert = undefined;
      await before?.();
      tokens.issue(record);
      const after = hooks.afterInsert;
      hooks.afterInsert = undefined;
      await after?.(record);
      const user = userStore.findById(record.userId);
      return { outstanding: tokens.find(record.id, now) !== null, passwordHash: user === null ? undefined : user.passwordHash };
    },
  };
  return {
    store,
    calls,
    records,
    hooks,
    bind(t: TestApp) {
      inner = t.tokens;
      // Its own read, bound now: a test counting the service's lookups patches t.users.findById afterwards.
      users = { findById: t.users.findById.bind(t.users) };
    },
  };
}

describe('POST /users/:sid/password/reset on a token store with issueAndCheck', () => {
  const issuePath = (t: TestApp) => `${base}/users/${t.alice.id}/password/reset`;

  it('confirms the issue with issueAndCheck alone (no issue, no find, no re-read of the user), and the token resets the password', async () => {
    const checking = checkingTokenStore();
    const t = await createTestApp({ tokenStore: checking.store });
    checking.bind(t);
    let lookups = 0;
    const findById = t.users.findById.bind(t.users);
    t.users.findById = (id) => {
      lookups += 1;
      return findById(id);
    };
    const res = await request(t.app).post(issuePath(t)).set('X-Authentication', t.auth.admin).expect(200);
    assert.deepEqual(checking.calls, { issue: 0, find: 0, issueAndCheck: 1 });
    assert.equal(lookups, 2, 'the caller and the target are read once each; the check reads the hash');
    await request(t.app).post(`${base}/auth/reset`).send({ token: res.text, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('a check that reads a replaced hash kills that token and issues again on the fresh user', async () => {
    const checking = checkingTokenStore();
    const t = await createTestApp({ tokenStore: checking.store });
    checking.bind(t);
    // A password write lands between the issue's read of the user and its insert.
    checking.hooks.beforeInsert = async () => {
      const hash = await t.router.service.hasher.hash('Third-Strong-Pa55word!');
      assert.equal(t.users.setPassword(t.alice.id, { passwordHash: hash, previousHash: t.alice.passwordHash, historySize: 0, reinstate: false }), true);
    };
    const res = await request(t.app).post(issuePath(t)).set('X-Authentication', t.auth.admin).expect(200);
    assert.equal(checking.calls.issueAndCheck, 2);
    const [stale, live] = checking.records;
    assert.equal(t.tokens.find(String(stale?.id), t.now()), null, 'the stale token was left outstanding');
    assert.equal((jwt.decode(res.text) as jwt.JwtPayload).jti, live?.id);
    await request(t.app).post(`${base}/auth/reset`).send({ token: res.text, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('a check that reads the token superseded answers 409 and hands nothing out', async () => {
    const checking = checkingTokenStore();
    const t = await createTestApp({ tokenStore: checking.store });
    checking.bind(t);
    checking.hooks.afterInsert = async (record) => {
      t.tokens.revokeForUser(record.userId);
    };
    const res = await request(t.app).post(issuePath(t)).set('X-Authentication', t.auth.admin).expect(409);
    assert.doesNotMatch(res.text, /\w+\.\w+\.\w+/);
    assert.equal(checking.calls.issueAndCheck, 1);
    // The admin issues again and gets a live token.
    const again = await request(t.app).post(issuePath(t)).set('X-Authentication', t.auth.admin).expect(200);
    await request(t.app).post(`${base}/auth/reset`).send({ token: again.text, password: OTHER_GOOD_PASSWORD }).expect(200);
  });
});

describe('POST /users/:sid/password/reset on a user store with findByIds', () => {
  /** Gives the app's memory user store a findByIds over its own findById, counting both. */
  function withFindByIds(t: TestApp) {
    const calls = { findById: 0, findByIds: 0 };
    const findById = t.users.findById.bind(t.users);
    const store = t.users as MemoryUserStore & { findByIds?: UserStore['findByIds'] };
    store.findById = (id) => {
      calls.findById += 1;
      return findById(id);
    };
    store.findByIds = (ids) => {
      calls.findByIds += 1;
      return ids.map((id) => findById(id));
    };
    return calls;
  }

  it('reads the caller and the target in one findByIds call, and the token resets the password', async () => {
    const t = await createTestApp();
    const calls = withFindByIds(t);
    const res = await request(t.app).post(`${base}/users/${t.alice.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200);
    // The one findById left is the confirmation after the insert (the memory token store has no issueAndCheck).
    assert.deepEqual(calls, { findById: 1, findByIds: 1 });
    await request(t.app).post(`${base}/auth/reset`).send({ token: res.text, password: OTHER_GOOD_PASSWORD }).expect(200);
  });

  it('refuses as with findById alone: a revoked caller first (even with a bad id), then a bad id, then an unknown user', async () => {
    const answers = async (t: TestApp) => {
      const post = async (sid: string) => {
        const res = await request(t.app).post(`${base}/users/${sid}/password/reset`).set('X-Authentication', t.auth.admin);
        return `${res.status} ${res.body.kind}`;
      };
      t.users.setRevoked(t.admin.id, true);
      const revoked = [await post('not-a-uuid'), await post(t.alice.id)];
      t.users.setRevoked(t.admin.id, false);
      return [...revoked, await post('not-a-uuid'), await post('00000000-0000-4000-8000-00000000beef')];
    };
    const withIt = await createTestApp();
    const calls = withFindByIds(withIt);
    const seen = await answers(withIt);
    assert.ok(calls.findByIds >= 2, 'findByIds was not used');
    assert.deepEqual(seen, await answers(await createTestApp()));
    assert.deepEqual(
      seen.map((answer) => answer.split(' ')[0]),
      ['401', '401', '400', '404'],
    );
  });
});
