/**
 * The security issue through the library's own router and service (memory stores): revocation
 * kinds and their events, no bcrypt verdict on a locked or revoked account, validate-password
 * without stored-hash comparisons, and the per-token reuse budget. A
 * spying hasher records which stored hashes were compared, so "no oracle" is checked directly.
 * (The maximum bcrypt cost is issue 14's maxBcryptCost; test/server/security.test.ts checks it
 * through HTTP on every store.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createBcryptHasher, type Hasher, type PasswordEvent } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, lockOut, OTHER_GOOD_PASSWORD, type TestApp } from '../helpers/app.ts';

const base = '/rbac-api/v1';

/** A cost-4 bcrypt hasher that records every hash it was asked to compare against. */
function spyHasher(): Hasher & { readonly compared: string[]; readonly cost: number } {
  const inner = createBcryptHasher({ cost: 4 });
  const compared: string[] = [];
  return {
    compared,
    cost: 4,
    maxPasswordBytes: inner.maxPasswordBytes,
    hash: (password) => inner.hash(password),
    verify: (password, hash) => {
      compared.push(hash);
      return inner.verify(password, hash);
    },
  };
}

async function issue(t: TestApp, userId = t.alice.id): Promise<string> {
  return (await request(t.app).post(`${base}/users/${userId}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
}

describe('revocation kinds', () => {
  it("an administrator's revocation kills outstanding tokens; a later token sets the password, the account stays revoked, and the answer says so", async () => {
    const events: PasswordEvent[] = [];
    const t = await createTestApp({ onEvent: (e) => void events.push(e) });
    const before = await issue(t);
    assert.equal(await t.router.service.revoke(t.alice.id, t.admin.id), true);
    assert.equal(t.users.findById(t.alice.id)?.revokedBy, 'admin');
    assert.equal((await request(t.app).post(`${base}/auth/reset`).send({ token: before, password: OTHER_GOOD_PASSWORD }).expect(403)).body.kind, 'puppetlabs.rbac/invalid-token');

    const during = await issue(t);
    const res = await request(t.app).post(`${base}/auth/reset`).send({ token: during, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.match(res.body.msg, /stays revoked: an administrator revoked it/);
    const alice = t.users.findById(t.alice.id);
    assert.equal(alice?.isRevoked, true);
    assert.ok(await t.router.service.hasher.verify(OTHER_GOOD_PASSWORD, alice?.passwordHash ?? ''), 'the password was not set');
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, false);

    const revoked = events.find((e) => e.type === 'account-revoked');
    assert.deepEqual({ actor: revoked?.actorId, details: revoked?.details }, { actor: t.admin.id, details: { revokedBy: 'admin' } });
    const reset = events.find((e) => e.type === 'password-reset');
    assert.deepEqual(reset?.details, { stillRevoked: true, revokedBy: 'admin' });
    assert.equal(
      events.some((e) => e.type === 'account-reinstated'),
      false,
    );

    assert.equal(await t.router.service.reinstate(t.alice.id, t.admin.id), true);
    assert.equal(events.at(-1)?.type, 'account-reinstated');
    assert.equal(events.at(-1)?.details?.['revokedBy'], 'admin');
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('a reset still lifts a revocation by the lockout, and the event names the kind', async () => {
    const events: PasswordEvent[] = [];
    const t = await createTestApp({ onEvent: (e) => void events.push(e) });
    lockOut(t, t.alice.id);
    assert.equal(t.users.findById(t.alice.id)?.revokedBy, 'lockout');
    const res = await request(t.app)
      .post(`${base}/auth/reset`)
      .send({ token: await issue(t), password: OTHER_GOOD_PASSWORD })
      .expect(200);
    assert.equal(res.body.msg, 'The password has been reset');
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, false);
    assert.equal(events.find((e) => e.type === 'account-reinstated')?.details?.['revokedBy'], 'lockout');
  });

  it('reinstateWithResetToken reinstates and hands out a token; without permission it changes nothing', async () => {
    const t = await createTestApp();
    await t.router.service.revoke(t.alice.id);
    await assert.rejects(t.router.service.reinstateWithResetToken({ userId: t.admin.id, canReset: false }, t.alice.id), /permission/);
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, true);
    const issued = await t.router.service.reinstateWithResetToken({ userId: t.admin.id, canReset: true }, t.alice.id);
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, false);
    await request(t.app).post(`${base}/auth/reset`).send({ token: issued.token, password: OTHER_GOOD_PASSWORD }).expect(200);
  });
});

describe('a locked or revoked account is no password oracle', () => {
  for (const [name, close] of [
    ['revoked by the lockout', (t: TestApp) => lockOut(t, t.alice.id)],
    ['revoked by an administrator', (t: TestApp) => void t.users.setRevoked(t.alice.id, true)],
  ] as const) {
    it(`${name}: every password gets invalid-credentials, and the real hash is never compared`, async () => {
      const hasher = spyHasher();
      const t = await createTestApp({ hasher, failedAttemptsLockout: 3 });
      close(t);
      const aliceHash = t.users.findById(t.alice.id)?.passwordHash as string;
      const right = await t.router.service.verifyLogin('alice', GOOD_PASSWORD);
      const wrong = await t.router.service.verifyLogin('alice', 'Wrong-Password-1!');
      const unknown = await t.router.service.verifyLogin('nobody', 'Wrong-Password-1!');
      assert.deepEqual(right, unknown);
      assert.deepEqual(wrong, unknown);
      assert.equal(hasher.compared.length, 3, 'each attempt costs one (dummy) compare, like an unknown login');
      assert.ok(!hasher.compared.includes(aliceHash), 'the real hash of a closed account was compared');
    });
  }

  it('revealAccountState: true tells revoked (or locked, with its end) to any password alike', async () => {
    const t = await createTestApp({ revealAccountState: true, failedAttemptsLockout: 2 });
    await t.router.service.verifyLogin('alice', 'Wrong-1!');
    assert.deepEqual(await t.router.service.verifyLogin('alice', 'Wrong-2!'), { ok: false, reason: 'revoked', lockedNow: true });
    assert.deepEqual(await t.router.service.verifyLogin('alice', GOOD_PASSWORD), { ok: false, reason: 'revoked' });
    assert.deepEqual(await t.router.service.verifyLogin('alice', 'Wrong-3!'), { ok: false, reason: 'revoked' });
    assert.deepEqual(await t.router.service.verifyLogin('nobody', 'Wrong-3!'), { ok: false, reason: 'invalid-credentials' });
  });

  it('a login with a control character is an unknown login, with the same dummy compare and no store lookup', async () => {
    const hasher = spyHasher();
    const t = await createTestApp({ hasher });
    const lookups: string[] = [];
    const findByLogin = t.users.findByLogin.bind(t.users);
    t.users.findByLogin = (login: string) => {
      lookups.push(login);
      return findByLogin(login);
    };
    assert.deepEqual(await t.router.service.verifyLogin('ali\u0000ce', GOOD_PASSWORD), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await t.router.service.verifyLogin('alice\t', GOOD_PASSWORD), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(lookups, []);
    assert.equal(hasher.compared.length, 2);
  });
});

describe('validate-password and the reuse budget', () => {
  it('validate-password never compares against the stored hashes, with a token or a session', async () => {
    const hasher = spyHasher();
    const t = await createTestApp({ hasher });
    const token = await issue(t);
    const withToken = await request(t.app).post(`${base}/command/validate-password`).send({ password: GOOD_PASSWORD, reset_token: token }).expect(200);
    const withSession = await request(t.app).post(`${base}/command/validate-password`).set('X-Authentication', t.auth.alice).send({ password: GOOD_PASSWORD }).expect(200);
    assert.deepEqual(withToken.body, { valid: true, failures: [] });
    assert.deepEqual(withSession.body, { valid: true, failures: [] });
    assert.deepEqual(hasher.compared, [], 'validate-password compared against a stored hash');
  });

  it('resetReuseRefusals: each reused-password refusal spends one; the last one kills the token; rule refusals are free', async () => {
    const t = await createTestApp({ resetReuseRefusals: 2 });
    const token = await issue(t);
    for (let i = 0; i < 5; i++) await request(t.app).post(`${base}/auth/reset`).send({ token, password: 'weak' }).expect(400);
    const first = await request(t.app).post(`${base}/auth/reset`).send({ token, password: GOOD_PASSWORD }).expect(400);
    assert.equal(first.body.details.failures[0].rule, 'password-reused');
    await request(t.app).post(`${base}/auth/reset`).send({ token, password: GOOD_PASSWORD }).expect(400);
    const dead = await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
    assert.equal(dead.body.kind, 'puppetlabs.rbac/invalid-token');
    assert.equal(t.tokens.size, 0);
  });

  it('concurrent reused-password refusals are counted exactly (default budget 5)', async () => {
    const t = await createTestApp();
    const token = await issue(t);
    const answers = await Promise.all(Array.from({ length: 12 }, () => request(t.app).post(`${base}/auth/reset`).send({ token, password: GOOD_PASSWORD })));
    const statuses = answers.map((r) => r.status).sort();
    // Five refusals were counted (the fifth killed the token); every later call finds it dead.
    assert.equal(statuses.filter((s) => s === 400).length, 5, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 403).length, 7, statuses.join(','));
  });

  it('a token store without recordRefusal loses the token at the first reuse refusal', async () => {
    const t = await createTestApp();
    const tokens = t.tokens;
    const bare = {
      issue: tokens.issue.bind(tokens),
      find: tokens.find.bind(tokens),
      redeem: tokens.redeem.bind(tokens),
      revokeForUser: tokens.revokeForUser.bind(tokens),
    };
    const u = await createTestApp({ tokenStore: bare });
    const token = await issue(u);
    await request(u.app).post(`${base}/auth/reset`).send({ token, password: GOOD_PASSWORD }).expect(400);
    await request(u.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(403);
  });
});

describe('options', () => {
  it('checks resetReuseRefusals and revealAccountState', async () => {
    await assert.rejects(createTestApp({ resetReuseRefusals: 0 }), /resetReuseRefusals/);
    await assert.rejects(createTestApp({ resetReuseRefusals: 101 }), /resetReuseRefusals/);
    await assert.rejects(createTestApp({ revealAccountState: 'yes' as unknown as boolean }), /revealAccountState/);
  });
});
