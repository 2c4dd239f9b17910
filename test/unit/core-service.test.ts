/**
 * The framework-free core, driven directly through `createPasswordService`: no Express, no
 * router, no request objects. One story (issue -> reset -> change -> lockout -> admin set), plus
 * what section 3 and 4 of issue 12 promise at this level: the service needs no `authenticate`,
 * `onPasswordChanged` gets the acting principal, a locked `LoginResult` carries
 * `retryAfterSeconds`, and the deprecated `setPassword` alias still works.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createBcryptHasher,
  createPasswordRouter,
  createPasswordService,
  MemoryTokenStore,
  MemoryUserStore,
  PasswordApiError,
  type PasswordChangedInfo,
  type PasswordEvent,
  type PasswordServiceOptions,
  type PasswordUser,
  type Principal,
} from '../../lib/index.ts';
import { memoryBasics } from '../helpers/app.ts';

const SECRET = 'core-test-secret-that-is-at-least-32-bytes!';
const FIRST = 'Correct-Horse-42-Battery';
const SECOND = 'Another-Strong-Pa55word!';
const THIRD = 'Third-Strong-Pa55word#9';
const FOURTH = 'Fourth-Strong-Pa55word$7';

interface AdminPrincipal extends Principal {
  readonly admin: boolean;
  readonly session: string;
}

async function setUp(overrides: Partial<PasswordServiceOptions<AdminPrincipal>> = {}) {
  const { now, advance, hasher, users, tokens } = memoryBasics('2026-11-29T10:00:00Z');
  const admin = users.createUser({ login: 'admin', passwordHash: await hasher.hash(FIRST) });
  const alice = users.createUser({ login: 'alice', passwordHash: await hasher.hash(FIRST) });
  const events: PasswordEvent[] = [];
  const changed: { user: PasswordUser; info: PasswordChangedInfo<AdminPrincipal> }[] = [];
  // Only permission checks: the core authenticates nothing, so no `authenticate` is given.
  const service = createPasswordService<AdminPrincipal>({
    userStore: users,
    tokenStore: tokens,
    authorizer: { canResetPassword: (principal) => principal.admin },
    tokenKey: SECRET,
    hasher,
    now,
    onEvent: (event) => void events.push(event),
    onPasswordChanged: (user, info) => void changed.push({ user, info }),
    ...overrides,
  });
  const asAdmin: AdminPrincipal = { userId: admin.id, admin: true, session: 'admin-session' };
  const asAlice: AdminPrincipal = { userId: alice.id, admin: false, session: 'alice-session' };
  return {
    service,
    users,
    tokens,
    admin,
    alice,
    asAdmin,
    asAlice,
    events,
    changed,
    advance,
    now,
  };
}

const types = (events: readonly PasswordEvent[]) => events.map((e) => e.type);

describe('the core service without Express (createPasswordService)', () => {
  it('issue -> reset -> change -> lockout -> admin set, through the public API', async () => {
    const t = await setUp({ failedAttemptsLockout: 3 });

    // Issue: only a principal allowed by canResetPassword.
    await assert.rejects(t.service.issueResetToken(t.asAlice, t.alice.id), (e: unknown) => e instanceof PasswordApiError && e.kind === 'permission-denied');
    const issued = await t.service.issueResetToken(t.asAdmin, t.alice.id.toUpperCase());
    assert.equal(issued.userId, t.alice.id);

    // Reset: the token sets the password once; no principal acted, so the hook gets none.
    assert.deepEqual(await t.service.resetPassword(issued.token, SECOND), { stillRevoked: false });
    await assert.rejects(t.service.resetPassword(issued.token, THIRD), (e: unknown) => e instanceof PasswordApiError && e.kind === 'invalid-token');
    assert.equal((await t.service.verifyLogin('alice', SECOND)).ok, true);
    assert.equal(t.changed.at(-1)?.info.via, 'reset');
    assert.equal(t.changed.at(-1)?.info.principal, undefined);

    // Change: the acting principal reaches onPasswordChanged (a host keeps that session, ends the others).
    await assert.rejects(t.service.changePassword(t.asAlice, 'Wrong-Current-Pa55!', THIRD), (e: unknown) => e instanceof PasswordApiError && e.kind === 'permission-denied');
    await t.service.changePassword(t.asAlice, SECOND, THIRD);
    assert.equal(t.changed.at(-1)?.info.via, 'change');
    assert.equal(t.changed.at(-1)?.info.principal, t.asAlice);
    const changeEvent = t.events.findLast((e) => e.type === 'password-changed');
    assert.equal(changeEvent?.actorId, t.alice.id);

    // Lockout: the wrong current password counted one failure, the successful change cleared it; three lock (revoke mode).
    assert.deepEqual(await t.service.verifyLogin('alice', 'Wrong-Password-1!'), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await t.service.verifyLogin('alice', 'Wrong-Password-2!'), { ok: false, reason: 'invalid-credentials' });
    assert.deepEqual(await t.service.verifyLogin('alice', 'Wrong-Password-3!'), { ok: false, reason: 'invalid-credentials', lockedNow: true });
    assert.deepEqual(await t.service.verifyLogin('alice', THIRD), { ok: false, reason: 'invalid-credentials' }, 'a locked account refuses even the right password');
    assert.ok(types(t.events).includes('account-locked'));
    await assert.rejects(t.service.changePassword(t.asAlice, THIRD, FOURTH), (e: unknown) => e instanceof PasswordApiError && e.kind === 'user-revoked');

    // Admin set: policy applies, the lockout is lifted, and the new password works.
    await assert.rejects(t.service.setPasswordAsAdmin(t.alice.id, 'short'), (e: unknown) => e instanceof PasswordApiError && e.kind === 'password-policy-violation');
    assert.deepEqual(await t.service.setPasswordAsAdmin(t.alice.id, FOURTH), { stillRevoked: false });
    const adminSet = t.events.findLast((e) => e.type === 'password-changed');
    assert.deepEqual(adminSet?.details, { via: 'admin' });
    assert.deepEqual(t.events.at(-1)?.details, { via: 'admin', revokedBy: 'lockout' });
    assert.equal(t.events.at(-1)?.type, 'account-reinstated');
    assert.equal(t.changed.at(-1)?.info.via, 'admin');
    assert.equal((await t.service.verifyLogin('alice', FOURTH)).ok, true);
    await t.service.close();
  });

  it('an administrator’s revocation stays across an admin set and a reset (stillRevoked)', async () => {
    const t = await setUp();
    const issued = await t.service.issueResetToken(t.asAdmin, t.alice.id);
    assert.equal(await t.service.revoke(t.alice.id, t.admin.id), true);
    assert.deepEqual(await t.service.setPasswordAsAdmin(t.alice.id, SECOND), { stillRevoked: true, revokedBy: 'admin' });
    // The revoke killed the token issued before it.
    await assert.rejects(t.service.resetPassword(issued.token, THIRD), (e: unknown) => e instanceof PasswordApiError && e.kind === 'invalid-token');
    assert.deepEqual(t.events.findLast((e) => e.type === 'password-changed')?.details, { via: 'admin', stillRevoked: true, revokedBy: 'admin' });
    assert.equal(await t.service.reinstate(t.alice.id, t.admin.id), true);
    assert.equal((await t.service.verifyLogin('alice', SECOND)).ok, true);
    await t.service.close();
  });

  it('the deprecated setPassword still sets the password as an administrator', async () => {
    const t = await setUp();
    assert.deepEqual(await t.service.setPassword(t.alice.id, SECOND), { stillRevoked: false });
    assert.equal((await t.service.verifyLogin('alice', SECOND)).ok, true);
    await t.service.close();
  });

  it('a locked LoginResult carries retryAfterSeconds (temporary lockout, revealAccountState)', async () => {
    const t = await setUp({ failedAttemptsLockout: 2, lockout: { mode: 'temporary', initialDelaySeconds: 90 }, revealAccountState: true });
    await t.service.verifyLogin('alice', 'Wrong-Password-1!');
    const locking = await t.service.verifyLogin('alice', 'Wrong-Password-2!');
    assert.equal(locking.ok, false);
    assert.equal(!locking.ok && locking.reason, 'locked');
    assert.equal(!locking.ok && locking.retryAfterSeconds, 90);
    t.advance(30_500);
    const later = await t.service.verifyLogin('alice', FIRST);
    assert.equal(!later.ok && later.reason, 'locked');
    assert.equal(!later.ok && later.retryAfterSeconds, 60, 'whole seconds, rounded up');
    assert.deepEqual(!later.ok && later.lockedUntil, new Date(Date.parse('2026-11-29T10:01:30Z')));
    await t.service.close();
  });

  it('the service accepts an authorizer with or without authenticate; the router requires it', async () => {
    const base = { userStore: new MemoryUserStore(), tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }), tokenKey: SECRET, hasher: createBcryptHasher({ cost: 4 }) };
    await createPasswordService({ ...base, authorizer: { canResetPassword: () => false } }).close();
    await createPasswordService({ ...base, authorizer: { authenticate: () => null, canResetPassword: () => false } }).close();
    assert.throws(
      () => createPasswordRouter({ ...base, authorizer: { canResetPassword: () => false } as never }),
      (e: unknown) => e instanceof TypeError && /authorizer must implement authenticate\(\)/.test(e.message),
    );
  });
});
