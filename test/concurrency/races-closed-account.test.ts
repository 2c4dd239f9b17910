/**
 * Regression tests of the races the model-based test found after issue 18's first fixes: a
 * sign-in or a change that read the account in one state and met another in the store. Through the
 * public service API on memory, PGlite and a real PostgreSQL server (DATABASE_URL; skipped, saying
 * why, when unset). The competing request runs inside the hasher's verify, exactly between the read
 * and the store step. Each test failed on the code before its fix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPasswordService, PasswordApiError } from '../../lib/index.ts';
import { hookedHasher, inner, inStores, RACE_STORES as STORES, type RaceStores as Setup } from '../helpers/race-stores.ts';

const GOOD = 'Correct-Horse-42-Battery';
const NEW = 'Another-Strong-Pa55word!';

async function setUp(setup: Setup, revealAccountState = false) {
  const hasher = hookedHasher();
  const alice = await setup.createUser(`alice-${Math.random().toString(36).slice(2)}`, await inner.hash(GOOD));
  const service = createPasswordService({
    userStore: setup.users,
    tokenStore: setup.tokens,
    authorizer: { authenticate: () => null, canResetPassword: () => true },
    tokenKey: 'races-closed-account-secret-0123456789abcdef',
    hasher,
    failedAttemptsLockout: 3,
    revealAccountState,
  });
  // Makes the dummy hash now, so the hook meets the sign-in's own verify.
  await service.verifyLogin('nobody-here', GOOD);
  return { hasher, service, alice };
}

const kindOf = (error: unknown) => (error instanceof PasswordApiError ? error.kind : String(error));

for (const store of STORES) {
  describe(`closed-account races, service on ${store.name}`, { skip: store.skip }, () => {
    test('A. a sign-in on a locked account counts nothing when a reinstate commits during it', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        for (let i = 0; i < 3; i++) await service.verifyLogin(alice.login, `Wrong-Guess-${i}!x`);
        assert.equal((await setup.users.findById(alice.id))?.isRevoked, true);
        // A right-password sign-in reads the locked account; the reinstate commits before its store step.
        hasher.onNextVerify(() => service.reinstate(alice.id));
        assert.deepEqual(await service.verifyLogin(alice.login, GOOD), { ok: false, reason: 'invalid-credentials' });
        const after = await setup.users.findById(alice.id);
        assert.equal(after?.failedAttempts, 0, 'a sign-in that read the account closed counted a failure on the reinstated account');
        assert.equal(after?.isRevoked, false);
        assert.equal((await service.verifyLogin(alice.login, GOOD)).ok, true);
      }));

    test('B. a change with a wrong current password that loses to a revoke answers user-revoked', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        hasher.onNextVerify(() => service.revoke(alice.id));
        const outcome = await service.changePassword({ userId: alice.id }, 'Wrong-Guess-1!x', NEW).then(() => 'ok', kindOf);
        assert.equal(outcome, 'user-revoked', 'the change told a password verdict on an account closed before its failure was counted');
        assert.equal((await setup.users.findById(alice.id))?.failedAttempts, 0);
      }));

    test('B. a change with a wrong current password that loses to a lockout answers user-revoked', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        for (let i = 0; i < 2; i++) await service.verifyLogin(alice.login, `Wrong-Guess-${i}!x`);
        // Counter at 2 of 3: a wrong sign-in locks the account while the change checks its current password.
        hasher.onNextVerify(() => service.verifyLogin(alice.login, 'Wrong-Guess-2!x'));
        const outcome = await service.changePassword({ userId: alice.id }, 'Wrong-Guess-3!x', NEW).then(() => 'ok', kindOf);
        assert.equal(outcome, 'user-revoked', 'the change told a password verdict on an account locked before its failure was counted');
        const after = await setup.users.findById(alice.id);
        assert.equal(after?.isRevoked, true);
        assert.equal(after?.failedAttempts, 3);
      }));

    test('B. with revealAccountState, a wrong sign-in that loses to a revoke answers revoked', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup, true);
        hasher.onNextVerify(() => service.revoke(alice.id));
        const result = await service.verifyLogin(alice.login, 'Wrong-Guess-1!x');
        assert.deepEqual(result, { ok: false, reason: 'revoked' }, 'the sign-in answered as on an active account');
        assert.equal((await setup.users.findById(alice.id))?.failedAttempts, 0);
      }));

    // D': the change used to clear the counter (recordSuccessfulAttempt) before it hashed and
    // wrote; a revoke or lock that then refused the write (activeAt) left a change answered
    // user-revoked with the counter it cleared. Clearing after the write instead let failures
    // between the two lock an account the change answered 200 for. Now the store clears the
    // counter in the same atomic step as the activeAt write.
    test("D'. a right change that loses its write to a revoke leaves the counter as the order revoke, change does", () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        await service.verifyLogin(alice.login, 'Wrong-Guess-0!x');
        // Counter at 1 of 3. The right change passes its check; while it hashes the new password, an admin revokes.
        hasher.onNextHash(() => service.revoke(alice.id));
        const outcome = await service.changePassword({ userId: alice.id }, GOOD, NEW).then(() => 'ok', kindOf);
        const after = await setup.users.findById(alice.id);
        assert.equal(outcome, 'user-revoked');
        assert.equal(after?.passwordHash, alice.passwordHash, 'the change committed on a revoked account');
        assert.equal(after?.failedAttempts, 1, 'the refused change cleared the counter: no order explains user-revoked with a cleared counter');
      }));
  });
}
