import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { MemoryTokenStore, PasswordOptionsError, createPasswordService, type PasswordEvent } from '../../lib/index.ts';
import { createTestApp, GOOD_PASSWORD, OTHER_GOOD_PASSWORD, SECRET, snapshot, type TestApp } from '../helpers/app.ts';

const DAY_MS = 86_400_000;
const base = '/rbac-api/v1';

/** A user created at the test clock's time (the helper's users carry the real time of their creation). */
async function idleUser(t: TestApp, login: string, extra: { isSuperuser?: boolean } = {}) {
  return t.users.createUser({ login, passwordHash: await t.router.service.hashPassword(GOOD_PASSWORD), createdAt: t.now(), passwordChangedAt: t.now(), ...extra });
}

async function expiringApp(overrides: Parameters<typeof createTestApp>[0] = {}) {
  const events: PasswordEvent[] = [];
  const t = await createTestApp({ accountExpiryDays: 90, onEvent: (e) => void events.push(e), ...overrides });
  return { t, events };
}

describe('inactivity expiry at the sign-in attempt', () => {
  it('revokes an account idle for longer than accountExpiryDays and answers it as an unknown login, whatever the password', async () => {
    const { t, events } = await expiringApp();
    const idle = await idleUser(t, 'idle');
    const other = await idleUser(t, 'other');
    t.advance(90 * DAY_MS + 1000);
    const unknown = await t.router.service.verifyLogin('nobody', GOOD_PASSWORD);
    assert.deepEqual(await t.router.service.verifyLogin('idle', GOOD_PASSWORD), unknown);
    assert.deepEqual(await t.router.service.verifyLogin('other', 'Wrong-Password-1!'), unknown);
    for (const user of [idle, other]) {
      const after = t.users.findById(user.id);
      assert.equal(after?.isRevoked, true);
      assert.equal(after?.revokedBy, 'inactivity');
      assert.equal(after?.failedAttempts, 0, 'no failed attempt was counted');
      assert.equal(after?.lastLogin, null, 'no sign-in was recorded');
    }
    const expired = events.filter((e) => e.type === 'account-expired');
    assert.deepEqual(
      expired.map((e) => [e.userId, e.details?.['via'], e.details?.['revokedBy']]),
      [
        [idle.id, 'sign-in', 'inactivity'],
        [other.id, 'sign-in', 'inactivity'],
      ],
    );
    // From then on, as any revoked account.
    assert.deepEqual(await t.router.service.verifyLogin('idle', GOOD_PASSWORD), unknown);
  });

  it('with revealAccountState, an expired account answers revoked to any password', async () => {
    const { t } = await expiringApp({ revealAccountState: true });
    await idleUser(t, 'idle');
    t.advance(91 * DAY_MS);
    assert.deepEqual(await t.router.service.verifyLogin('idle', 'Wrong-Password-1!'), { ok: false, reason: 'revoked' });
  });

  it('counts from the last sign-in: signing in renews the account; exactly at the limit it is still active', async () => {
    const { t } = await expiringApp();
    const user = await idleUser(t, 'regular');
    t.advance(90 * DAY_MS);
    assert.equal((await t.router.service.verifyLogin('regular', GOOD_PASSWORD)).ok, true, 'at exactly 90 days it is not older than 90 days');
    t.advance(89 * DAY_MS);
    assert.equal((await t.router.service.verifyLogin('regular', GOOD_PASSWORD)).ok, true);
    assert.equal(t.users.findById(user.id)?.isRevoked, false);
  });

  it('never expires a superuser, a remote user, or anyone when the option is unset', async () => {
    const { t } = await expiringApp();
    const root = await idleUser(t, 'root', { isSuperuser: true });
    t.advance(400 * DAY_MS);
    assert.equal((await t.router.service.verifyLogin('root', GOOD_PASSWORD)).ok, true);
    assert.equal(t.users.findById(root.id)?.isRevoked, false);
    assert.equal(t.users.findById(t.remote.id)?.isRevoked, false);

    const plain = await createTestApp();
    await idleUser(plain, 'idle');
    plain.advance(400 * DAY_MS);
    assert.equal((await plain.router.service.verifyLogin('idle', GOOD_PASSWORD)).ok, true);
  });

  it('POST /auth/change-password of an expired account answers as an unknown login and changes no password', async () => {
    const { t } = await expiringApp();
    const idle = await idleUser(t, 'idle');
    t.advance(91 * DAY_MS);
    const unknown = await request(t.app).post(`${base}/auth/change-password`).send({ login: 'nobody', current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD });
    const res = await request(t.app).post(`${base}/auth/change-password`).send({ login: 'idle', current_password: GOOD_PASSWORD, password: OTHER_GOOD_PASSWORD });
    assert.deepEqual([res.status, res.body], [unknown.status, unknown.body]);
    assert.equal(t.users.findById(idle.id)?.passwordHash, idle.passwordHash);
    assert.equal(t.users.findById(idle.id)?.revokedBy, 'inactivity');
  });
});

describe('the inactivity sweep: expireInactiveAccounts', () => {
  it('dry run lists and changes nothing; the sweep revokes each idle account once and emits account-expired', async () => {
    const { t, events } = await expiringApp();
    const idle = await idleUser(t, 'idle');
    const active = await idleUser(t, 'active');
    await idleUser(t, 'root', { isSuperuser: true });
    t.advance(60 * DAY_MS);
    await t.router.service.verifyLogin('active', GOOD_PASSWORD);
    t.advance(31 * DAY_MS);
    const before = snapshot(t);
    const dry = await t.router.service.expireInactiveAccounts(t.now(), { dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.deepEqual(dry.cutoff, new Date(t.now().getTime() - 90 * DAY_MS));
    // The helper's own users were created at the real time, after the test clock's: never idle here.
    assert.deepEqual(
      dry.accounts.map((u) => u.login),
      ['idle'],
    );
    assert.equal(snapshot(t), before, 'a dry run changes nothing');
    assert.equal(events.filter((e) => e.type === 'account-expired').length, 0);

    const swept = await t.router.service.expireInactiveAccounts(t.now());
    assert.deepEqual(
      swept.accounts.map((u) => u.id),
      [idle.id],
    );
    assert.equal(t.users.findById(idle.id)?.revokedBy, 'inactivity');
    assert.equal(t.users.findById(active.id)?.isRevoked, false);
    assert.deepEqual(
      events.filter((e) => e.type === 'account-expired').map((e) => [e.userId, e.details?.['via']]),
      [[idle.id, 'sweep']],
    );
    assert.deepEqual((await t.router.service.expireInactiveAccounts(t.now())).accounts, [], 'a second sweep finds nothing');
  });

  it('needs the option, and a valid date', async () => {
    const t = await createTestApp();
    await assert.rejects(t.router.service.expireInactiveAccounts(t.now()), /accountExpiryDays/);
    const { t: on } = await expiringApp();
    await assert.rejects(on.router.service.expireInactiveAccounts(new Date('nope')), TypeError);
  });
});

describe('the way back from an inactivity revocation', () => {
  it("an administrator's reset token lifts it; the account signs in with the new password", async () => {
    const { t } = await expiringApp();
    const idle = await idleUser(t, 'idle');
    t.advance(91 * DAY_MS);
    await t.router.service.expireInactiveAccounts(t.now());
    const token = (await request(t.app).post(`${base}/users/${idle.id}/password/reset`).set('X-Authentication', t.auth.admin).expect(200)).text;
    const reset = await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.deepEqual(reset.body, { msg: 'The password has been reset' });
    assert.equal(t.users.findById(idle.id)?.isRevoked, false);
    assert.equal((await t.router.service.verifyLogin('idle', OTHER_GOOD_PASSWORD)).ok, true);
  });

  it('setPasswordAsAdmin and reinstate lift it too', async () => {
    const { t } = await expiringApp();
    const a = await idleUser(t, 'a');
    const b = await idleUser(t, 'b');
    t.advance(91 * DAY_MS);
    await t.router.service.expireInactiveAccounts(t.now());
    assert.deepEqual(await t.router.service.setPasswordAsAdmin(a.id, OTHER_GOOD_PASSWORD), { stillRevoked: false });
    // The answer of a write that left a revocation says whose: an administrator's revocation stays through a reset.
    await t.router.service.revoke(t.alice.id);
    assert.deepEqual(await t.router.service.setPasswordAsAdmin(t.alice.id, OTHER_GOOD_PASSWORD), { stillRevoked: true, revokedBy: 'admin' });
    assert.equal(t.users.findById(a.id)?.isRevoked, false);
    assert.equal(await t.router.service.reinstate(b.id), true);
    assert.equal(t.users.findById(b.id)?.isRevoked, false);
    assert.equal((await t.router.service.verifyLogin('b', GOOD_PASSWORD)).ok, true);
  });

  it('a self-service link (asked before the expiry) sets the password, but the account stays revoked', async () => {
    const links: string[] = [];
    const { t } = await expiringApp({ publicUrl: 'https://rbac.example.test/reset', passwordResetExpiration: 72, sendResetLink: (_user, link) => void links.push(link) });
    const idle = t.users.createUser({
      login: 'idle',
      email: 'idle@example.com',
      passwordHash: await t.router.service.hashPassword(GOOD_PASSWORD),
      createdAt: t.now(),
      passwordChangedAt: t.now(),
    });
    t.advance(89 * DAY_MS);
    await t.router.service.requestResetLink({ login: 'idle' });
    assert.equal(links.length, 1);
    t.advance(2 * DAY_MS);
    await t.router.service.expireInactiveAccounts(t.now());
    const token = new URL(links[0] as string).hash.slice('#token='.length);
    const reset = await request(t.app).post(`${base}/auth/reset`).send({ token, password: OTHER_GOOD_PASSWORD }).expect(200);
    assert.equal(reset.body.msg, 'The password has been reset, but the account stays revoked: it was not used for too long, and only an administrator can reinstate it');
    assert.equal(t.users.findById(idle.id)?.revokedBy, 'inactivity');
  });
});

describe('accountExpiryDays: options', () => {
  const tokenStore = () => new MemoryTokenStore({ sweepIntervalMs: 0 });
  const store = (members: Record<string, unknown>) => ({
    findById: () => null,
    setPassword: () => false,
    getPasswordHistory: () => [],
    recordFailedAttempt: () => null,
    clearFailedAttempts: () => {},
    ...members,
  });
  const options = (userStore: object, accountExpiryDays: unknown) =>
    ({ userStore, tokenStore: tokenStore(), authorizer: { canResetPassword: () => true }, tokenKey: SECRET, accountExpiryDays }) as never;

  it('a store lacking findInactive or expireInactive is refused at start, naming the missing members', () => {
    for (const [members, named] of [
      [{}, ['findInactive', 'expireInactive']],
      [{ findInactive: () => [] }, ['expireInactive']],
      [{ expireInactive: () => false }, ['findInactive']],
    ] as const) {
      assert.throws(
        () => createPasswordService(options(store(members), 90)),
        (error: unknown) =>
          error instanceof PasswordOptionsError &&
          error.problems.some((p) => p.option === 'accountExpiryDays' && p.code === 'missing-method' && named.every((m) => p.message.includes(`userStore.${m}()`))),
        JSON.stringify(named),
      );
    }
    assert.doesNotThrow(() => createPasswordService(options(store({}), undefined)));
  });

  it('refuses bad values', () => {
    const full = store({ findInactive: () => [], expireInactive: () => false });
    for (const [value, code] of [
      [0, 'out-of-range'],
      [-1, 'out-of-range'],
      ['90', 'wrong-type'],
      [Number.NaN, 'wrong-type'],
    ] as const) {
      assert.throws(
        () => createPasswordService(options(full, value)),
        (error: unknown) => error instanceof PasswordOptionsError && error.problems.some((p) => p.option === 'accountExpiryDays' && p.code === code),
        String(value),
      );
    }
  });
});
