import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBcryptHasher, HasherBusyError, type Hasher, type PasswordEvent } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD } from '../helpers/app.ts';

describe('verifyLogin (the login helper)', () => {
  it('accepts the right password, records the login and clears the counter', async () => {
    const t = await createTestApp();
    const service = t.router.service;
    assert.equal((await service.verifyLogin('alice', 'Wrong-Password-1!')).ok, false);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 1);
    const result = await service.verifyLogin('alice', GOOD_PASSWORD);
    assert.equal(result.ok, true);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 0);
    assert.deepEqual(t.users.findById(t.alice.id)?.lastLogin, t.now());
  });

  it('a busy hasher refusing the first dummy hash does not break unknown logins for good', async () => {
    // The first hash (the dummy for unknown logins) is refused, as a full pool would; later ones work.
    const inner = createBcryptHasher({ cost: 4 });
    let refuse = true;
    const hasher: Hasher = {
      hash: (password) => {
        if (refuse) {
          refuse = false;
          return Promise.reject(new HasherBusyError(1));
        }
        return inner.hash(password);
      },
      verify: (password, hash) => inner.verify(password, hash),
    };
    const t = await createTestApp({ hasher });
    await assert.rejects(t.router.service.verifyLogin('nobody', GOOD_PASSWORD), HasherBusyError);
    assert.deepEqual(await t.router.service.verifyLogin('nobody', GOOD_PASSWORD), { ok: false, reason: 'invalid-credentials' });
  });

  it('answers unknown logins, remote users and wrong passwords alike', async () => {
    const t = await createTestApp();
    const service = t.router.service;
    for (const [login, password] of [
      ['nobody', GOOD_PASSWORD],
      ['ldap-bob', GOOD_PASSWORD],
      ['alice', 'nope'],
      ['', ''],
      ['x'.repeat(5000), GOOD_PASSWORD],
    ] as const) {
      assert.deepEqual(await service.verifyLogin(login, password), { ok: false, reason: 'invalid-credentials' });
    }
  });

  it('revokes at the threshold (default mode) and reports it once; a revoked account answers any password alike', async () => {
    const events: PasswordEvent[] = [];
    const t = await createTestApp({ failedAttemptsLockout: 3, onEvent: (e) => void events.push(e) });
    const service = t.router.service;
    assert.deepEqual(await service.verifyLogin('alice', 'bad-1'), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await service.verifyLogin('alice', 'bad-2'), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await service.verifyLogin('alice', 'bad-3'), { ok: false, reason: 'invalid-credentials', lockedNow: true });
    // The right password must not be told apart from a wrong one once the lockout tripped.
    assert.deepEqual(await service.verifyLogin('alice', GOOD_PASSWORD), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await service.verifyLogin('alice', 'bad-4'), { ok: false, reason: 'invalid-credentials' }, 'a wrong password learns nothing of the revocation');
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 3);
    assert.deepEqual(
      events.map((e) => e.type),
      ['failed-attempt', 'failed-attempt', 'failed-attempt', 'account-locked'],
    );
    assert.equal(events.at(-1)?.details?.['revokedBy'], 'lockout');
    assert.ok(events.every((e) => e.userId === t.alice.id && e.actorId === null));
    assert.equal(await service.reinstate(t.alice.id, t.admin.id), true);
    assert.equal((await service.verifyLogin('alice', GOOD_PASSWORD)).ok, true);
    assert.equal(events.at(-1)?.type, 'account-reinstated');
  });

  it('N concurrent wrong logins lock at exactly the threshold', async () => {
    const t = await createTestApp({ failedAttemptsLockout: 10 });
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => t.router.service.verifyLogin('alice', `bad-${i}`)));
    assert.equal(results.filter((r) => !r.ok && r.lockedNow === true).length, 1);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 10);
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, true);
  });

  it('temporary mode locks with growing waits and unlocks by itself', async () => {
    const t = await createTestApp({ failedAttemptsLockout: 2, lockout: { mode: 'temporary', initialDelaySeconds: 60, maxDelaySeconds: 180 }, revealAccountState: true });
    const service = t.router.service;
    await service.verifyLogin('alice', 'bad');
    const first = await service.verifyLogin('alice', 'bad');
    assert.equal(first.ok, false);
    assert.equal(!first.ok && first.reason, 'locked');
    assert.deepEqual(!first.ok && first.lockedUntil, new Date(t.now().getTime() + 60_000));
    assert.equal((await service.verifyLogin('alice', GOOD_PASSWORD)).ok, false);
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, false);
    t.advance(60_000);
    await service.verifyLogin('alice', 'bad');
    const second = await service.verifyLogin('alice', 'bad');
    assert.deepEqual(!second.ok && second.lockedUntil, new Date(t.now().getTime() + 120_000));
    t.advance(120_000);
    await service.verifyLogin('alice', 'bad');
    const third = await service.verifyLogin('alice', 'bad');
    assert.deepEqual(!third.ok && third.lockedUntil, new Date(t.now().getTime() + 180_000), 'capped at maxDelaySeconds');
    t.advance(180_000);
    assert.equal((await service.verifyLogin('alice', GOOD_PASSWORD)).ok, true);
  });

  it('a temporarily locked user gets 401 user-locked with Retry-After on authenticated routes', async () => {
    const { default: request } = await import('supertest');
    const t = await createTestApp({ failedAttemptsLockout: 1, lockout: { mode: 'temporary' } });
    await t.router.service.verifyLogin('alice', 'bad');
    const res = await request(t.app)
      .put('/rbac-api/v1/users/current/password')
      .set('X-Authentication', t.auth.alice)
      .send({ current_password: GOOD_PASSWORD, password: 'Another-Strong-Pa55word!' })
      .expect(401);
    assert.equal(res.body.kind, 'puppetlabs.rbac/user-locked');
    assert.equal(res.headers['retry-after'], '60');
  });

  it('failedAttemptsLockout: 0 turns lockout off', async () => {
    const t = await createTestApp({ failedAttemptsLockout: 0 });
    for (let i = 0; i < 12; i++) await t.router.service.verifyLogin('alice', 'bad');
    assert.equal(t.users.findById(t.alice.id)?.isRevoked, false);
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, true);
  });

  it('normalizes the password (NFKC) before verifying', async () => {
    const t = await createTestApp();
    const fullwidth = GOOD_PASSWORD.replace('C', '\uFF23');
    assert.equal((await t.router.service.verifyLogin('alice', fullwidth)).ok, true);
  });
});
