import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { MemoryTokenStore, PasswordOptionsError, createPasswordService, type PasswordEvent, type UserStore } from '../../lib/index.ts';
import { createOpenApiDocument } from '../../lib/openapi/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, SECRET, siblingApp, snapshot } from '../helpers/app.ts';

const CHANGE = '/rbac-api/v1/auth/change-password';
const DAY_MS = 86_400_000;

const change = (app: Parameters<typeof request>[0], login: string, current: string, password: string) =>
  request(app).post(CHANGE).send({ login, current_password: current, password });

describe('forced password change: verifyLogin', () => {
  it('answers password-change-required only to the right password of a flagged account, without recording a login', async () => {
    const t = await createTestApp();
    assert.equal(await t.router.service.requirePasswordChange(t.alice.id, t.admin.id), true);
    assert.deepEqual(await t.router.service.verifyLogin('alice', GOOD_PASSWORD), {
      ok: false,
      reason: 'password-change-required',
      changeCause: 'required',
      userId: t.alice.id,
    });
    assert.equal(t.users.findById(t.alice.id)?.lastLogin, null, 'no sign-in happened');
    // A wrong password answers exactly as before, and counts.
    assert.deepEqual(await t.router.service.verifyLogin('alice', 'Wrong-Password-1!'), { ok: false, reason: 'invalid-credentials' });
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 1);
  });

  it('the right password clears the failed-attempt counter even when a change is required', async () => {
    const t = await createTestApp();
    await t.router.service.verifyLogin('alice', 'Wrong-Password-1!');
    await t.router.service.requirePasswordChange(t.alice.id);
    assert.equal((await t.router.service.verifyLogin('alice', GOOD_PASSWORD)).ok, false);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 0);
  });

  it('passwordMaxAgeDays: a password older than that answers password-change-required (cause expired) until a new one is chosen', async () => {
    const t = await createTestApp({ passwordMaxAgeDays: 90 });
    // The test users' passwords were set at the real time of their creation; one written now has the test clock's time.
    await t.router.service.setPasswordAsAdmin(t.alice.id, OTHER_GOOD_PASSWORD);
    t.advance(90 * DAY_MS - 1000);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true, 'not yet 90 days old');
    t.advance(1000);
    const aged = await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD);
    assert.equal(aged.ok, false);
    assert.equal(!aged.ok && aged.reason, 'password-change-required');
    assert.equal(!aged.ok && aged.changeCause, 'expired');
    assert.deepEqual(await t.router.service.verifyLogin('alice', 'Wrong-Password-1!'), { ok: false, reason: 'invalid-credentials' });
    await change(t.app, 'alice', OTHER_GOOD_PASSWORD, 'A-Third-Strong-Passw0rd!').expect(200);
    assert.equal((await t.router.service.verifyLogin('alice', 'A-Third-Strong-Passw0rd!')).ok, true);
  });

  it('a hash upgrade is not a new password: it neither renews the age nor clears the flag', async () => {
    const t = await createTestApp();
    await t.router.service.requirePasswordChange(t.alice.id);
    const before = t.users.findById(t.alice.id);
    // Same password, another hash (what an upgrade writes).
    const rehashed = await t.router.service.hashPassword(GOOD_PASSWORD);
    t.users.setPassword(t.alice.id, { passwordHash: rehashed, previousHash: before?.passwordHash ?? null, historySize: 5, reinstate: false, rehash: true });
    const after = t.users.findById(t.alice.id);
    assert.equal(after?.passwordChangeRequired, true);
    assert.deepEqual(after?.passwordChangedAt, before?.passwordChangedAt);
  });

  it('resetRequiresChange: a password an administrator sets must be changed at the next sign-in; without it, it signs in', async () => {
    const plain = await createTestApp();
    await plain.router.service.setPasswordAsAdmin(plain.alice.id, OTHER_GOOD_PASSWORD);
    assert.equal((await plain.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);

    const t = await createTestApp({ resetRequiresChange: true });
    await t.router.service.setPasswordAsAdmin(t.alice.id, OTHER_GOOD_PASSWORD);
    const result = await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD);
    assert.equal(!result.ok && result.reason, 'password-change-required');
    await change(t.app, 'alice', OTHER_GOOD_PASSWORD, 'A-Third-Strong-Passw0rd!').expect(200);
    assert.equal(t.users.findById(t.alice.id)?.passwordChangeRequired, false);
    assert.equal((await t.router.service.verifyLogin('alice', 'A-Third-Strong-Passw0rd!')).ok, true);
  });
});

describe('forced password change: POST /auth/change-password', () => {
  it('changes the password with login and current password, clears the flag, and emits password-changed', async () => {
    const events: PasswordEvent[] = [];
    const t = await createTestApp({ onEvent: (e) => void events.push(e) });
    await t.router.service.requirePasswordChange(t.alice.id, t.admin.id);
    const res = await change(t.app, 'alice', GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(200);
    assert.deepEqual(res.body, { msg: 'The password has been changed' });
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(t.users.findById(t.alice.id)?.passwordChangeRequired, false);
    assert.equal((await t.router.service.verifyLogin('alice', OTHER_GOOD_PASSWORD)).ok, true);
    assert.deepEqual(
      events.map((e) => [e.type, e.actorId]),
      [
        ['password-change-required', t.admin.id],
        ['password-changed', t.alice.id],
      ],
    );
  });

  it('a wrong current password of a change-required, locked or revoked account answers exactly as an unknown login', async () => {
    const t = await createTestApp({ failedAttemptsLockout: 3 });
    const bob = t.users.createUser({ login: 'bob', passwordHash: await t.router.service.hashPassword(GOOD_PASSWORD) });
    const carol = t.users.createUser({ login: 'carol', passwordHash: await t.router.service.hashPassword(GOOD_PASSWORD) });
    await t.router.service.requirePasswordChange(t.alice.id);
    await t.router.service.revoke(bob.id);
    for (let i = 0; i < 3; i++) await t.router.service.verifyLogin('carol', 'Wrong-Password-1!');
    assert.equal(t.users.findById(carol.id)?.isRevoked, true, 'carol is locked out');
    const unknown = await change(t.app, 'nobody', 'Wrong-Password-1!', OTHER_GOOD_PASSWORD);
    assert.equal(unknown.status, 401);
    for (const login of ['alice', 'bob', 'carol']) {
      const res = await change(t.app, login, 'Wrong-Password-1!', OTHER_GOOD_PASSWORD);
      assert.equal(res.status, unknown.status, login);
      assert.deepEqual(res.body, unknown.body, login);
      assert.equal(res.headers['retry-after'], undefined, login);
    }
    // The right password of a closed account tells nothing either.
    for (const login of ['bob', 'carol']) assert.deepEqual((await change(t.app, login, GOOD_PASSWORD, OTHER_GOOD_PASSWORD)).body, unknown.body, login);
    assert.deepEqual(unknown.body, { kind: 'puppetlabs.rbac/user-unauthenticated', msg: 'The login or password is incorrect' });
  });

  it('a wrong current password counts toward the lockout and changes nothing else', async () => {
    const t = await createTestApp({ failedAttemptsLockout: 2 });
    await t.router.service.requirePasswordChange(t.alice.id);
    await change(t.app, 'alice', 'Wrong-Password-1!', OTHER_GOOD_PASSWORD).expect(401);
    assert.equal(t.users.findById(t.alice.id)?.failedAttempts, 1);
    await change(t.app, 'alice', 'Wrong-Password-2!', OTHER_GOOD_PASSWORD).expect(401);
    const locked = t.users.findById(t.alice.id);
    assert.equal(locked?.isRevoked, true);
    assert.equal(locked?.revokedBy, 'lockout');
    // Locked out: even the right current password is refused, as an unknown login.
    await change(t.app, 'alice', GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(401);
    assert.equal(t.users.findById(t.alice.id)?.passwordHash, locked?.passwordHash);
  });

  it('policy and history apply: a refused new password changes nothing and keeps the flag', async () => {
    const t = await createTestApp();
    await t.router.service.requirePasswordChange(t.alice.id);
    const before = snapshot(t);
    const weak = await change(t.app, 'alice', GOOD_PASSWORD, 'short').expect(400);
    assert.equal(weak.body.kind, 'puppetlabs.rbac/password-policy-violation');
    const same = await change(t.app, 'alice', GOOD_PASSWORD, GOOD_PASSWORD).expect(400);
    assert.equal(same.body.kind, 'puppetlabs.rbac/password-policy-violation');
    assert.equal(snapshot(t), before);
    // History: a password used before is refused too.
    await change(t.app, 'alice', GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(200);
    await t.router.service.requirePasswordChange(t.alice.id);
    const reused = await change(t.app, 'alice', OTHER_GOOD_PASSWORD, GOOD_PASSWORD).expect(400);
    assert.equal(reused.body.kind, 'puppetlabs.rbac/password-policy-violation');
    assert.equal(t.users.findById(t.alice.id)?.passwordChangeRequired, true);
  });

  it('bad input gets a 400 in the API error format and changes nothing', async () => {
    const t = await createTestApp();
    await t.router.service.requirePasswordChange(t.alice.id);
    const before = snapshot(t);
    for (const body of [
      {},
      { login: 'alice', current_password: GOOD_PASSWORD },
      { login: 'alice', current_password: GOOD_PASSWORD, password: 'x', extra: 1 },
      { login: 7, current_password: 'a', password: 'b' },
    ]) {
      const res = await request(t.app).post(CHANGE).send(body).expect(400);
      assert.equal(res.body.kind, 'puppetlabs.rbac/schema-violation', JSON.stringify(body));
    }
    const notJson = await request(t.app).post(CHANGE).set('Content-Type', 'text/plain').send('login=alice').expect(400);
    assert.equal(notJson.body.kind, 'puppetlabs.rbac/malformed-request');
    const broken = await request(t.app).post(CHANGE).set('Content-Type', 'application/json').send('{"login":').expect(400);
    assert.equal(broken.body.kind, 'puppetlabs.rbac/malformed-request');
    assert.equal(snapshot(t), before);
  });

  it('a remote user is answered as an unknown login', async () => {
    const t = await createTestApp();
    const unknown = await change(t.app, 'nobody', GOOD_PASSWORD, OTHER_GOOD_PASSWORD);
    const remote = await change(t.app, 'ldap-bob', GOOD_PASSWORD, OTHER_GOOD_PASSWORD);
    assert.deepEqual([remote.status, remote.body], [unknown.status, unknown.body]);
  });

  it('is not mounted when the user store has no findByLogin', async () => {
    const base = await createTestApp();
    const { findByLogin: _omit, ...rest } = Object.fromEntries(
      ['findById', 'setPassword', 'getPasswordHistory', 'recordFailedAttempt', 'clearFailedAttempts'].map((m) => [
        m,
        (base.users as unknown as Record<string, (...a: unknown[]) => unknown>)[m]?.bind(base.users),
      ]),
    ) as Record<string, unknown>;
    // A sibling app: it has no OpenAPI recorder, since the document of such a router leaves the route out (changePasswordWithLogin: false).
    await change(siblingApp(base, { userStore: rest as unknown as UserStore }), 'alice', GOOD_PASSWORD, OTHER_GOOD_PASSWORD).expect(404);
    assert.equal(createOpenApiDocument({ changePasswordWithLogin: false }).paths['/auth/change-password'], undefined);
    assert.notEqual(createOpenApiDocument().paths['/auth/change-password'], undefined);
  });
});

describe('forced password change: requirePasswordChange and the options', () => {
  it('requirePasswordChange: false for an unknown user, invalid-uuid for a bad id, permission-denied for a remote user', async () => {
    const t = await createTestApp();
    assert.equal(await t.router.service.requirePasswordChange('00000000-0000-4000-8000-000000000000'), false);
    await assert.rejects(t.router.service.requirePasswordChange('not-a-uuid'), { kind: 'invalid-uuid' });
    await assert.rejects(t.router.service.requirePasswordChange(t.remote.id), { kind: 'permission-denied' });
    assert.equal(t.users.findById(t.remote.id)?.passwordChangeRequired, false);
  });

  it('a store without setPasswordChangeRequired is refused at start only when a feature needs it (missing-method, named)', async () => {
    const users = new (class {
      findById() {
        return null;
      }
      setPassword() {
        return false;
      }
      getPasswordHistory() {
        return [];
      }
      recordFailedAttempt() {
        return null;
      }
      clearFailedAttempts() {}
    })();
    const base = { userStore: users, tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }), authorizer: { canResetPassword: () => true }, tokenKey: SECRET };
    const service = createPasswordService(base);
    await assert.rejects(service.requirePasswordChange('00000000-0000-4000-8000-000000000000'), /setPasswordChangeRequired/);
    for (const [option, value] of [
      ['passwordMaxAgeDays', 90],
      ['resetRequiresChange', true],
    ] as const) {
      assert.throws(
        () => createPasswordService({ ...base, [option]: value }),
        (error: unknown) =>
          error instanceof PasswordOptionsError &&
          error.problems.some((p) => p.option === option && p.code === 'missing-method' && p.message.includes('setPasswordChangeRequired')),
        option,
      );
    }
  });

  it('refuses bad values of the options', () => {
    const base = {
      userStore: {
        findById: () => null,
        setPassword: () => false,
        setPasswordChangeRequired: () => false,
        getPasswordHistory: () => [],
        recordFailedAttempt: () => null,
        clearFailedAttempts: () => {},
      },
      tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }),
      authorizer: { canResetPassword: () => true },
      tokenKey: SECRET,
    };
    for (const [option, value, code] of [
      ['passwordMaxAgeDays', 0, 'out-of-range'],
      ['passwordMaxAgeDays', '90', 'wrong-type'],
      ['passwordMaxAgeDays', 100_000, 'out-of-range'],
      ['resetRequiresChange', 'yes', 'wrong-type'],
    ] as const) {
      assert.throws(
        () => createPasswordService({ ...base, [option]: value } as never),
        (error: unknown) => error instanceof PasswordOptionsError && error.problems.some((p) => p.option === option && p.code === code),
        `${option}=${String(value)}`,
      );
    }
  });
});
