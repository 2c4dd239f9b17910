/**
 * Regression tests of issue 18's races 2 and 3, through the public service API on memory,
 * PGlite and a real PostgreSQL server (DATABASE_URL; skipped, saying why, when unset). Each race
 * is forced deterministically: a hook in the hasher or the token store runs the competing request
 * at the exact point where it used to slip in. Each test failed on the code before the fix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPasswordService, PasswordApiError, type PasswordService, type TokenStore } from '../../lib/index.ts';
import { hookedHasher, inner, inStores, outcomeOf, RACE_STORES as STORES, type RaceStores as Setup } from '../helpers/race-stores.ts';

const GOOD = 'Correct-Horse-42-Battery';
const NEW = 'Another-Strong-Pa55word!';
const THIRD = 'Third-Quiet-Lantern-8!';

async function setUp(setup: Setup, threshold = 3) {
  const hasher = hookedHasher();
  const admin = await setup.createUser(`admin-${Math.random().toString(36).slice(2)}`, await inner.hash(GOOD));
  const alice = await setup.createUser(`alice-${Math.random().toString(36).slice(2)}`, await inner.hash(GOOD));
  const service: PasswordService = createPasswordService({
    userStore: setup.users,
    tokenStore: setup.tokens,
    authorizer: { authenticate: () => null, canResetPassword: () => true },
    tokenKey: 'races-service-test-secret-0123456789abcdef',
    hasher,
    failedAttemptsLockout: threshold,
  });
  return { hasher, service, admin, alice };
}

const kindOf = (error: unknown) => (error instanceof PasswordApiError ? error.kind : String(error));

/**
 * Runs `before` ahead of each insert of a reset token: in `issue`, and in `issueAndCheck` where the
 * store has it (the service then calls only that one).
 */
function beforeIssue(tokens: TokenStore, before: () => Promise<void>): void {
  const issue = tokens.issue.bind(tokens);
  tokens.issue = async (record, options) => {
    await before();
    return issue(record, options);
  };
  const issueAndCheck = tokens.issueAndCheck?.bind(tokens);
  if (issueAndCheck !== undefined) {
    tokens.issueAndCheck = async (record, now, options) => {
      await before();
      return issueAndCheck(record, now, options);
    };
  }
}

for (const store of STORES) {
  describe(`issue 18 races, service on ${store.name}`, { skip: store.skip }, () => {
    test('2. a right change racing failures that lock the account does not answer success on a locked account', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        assert.equal((await service.verifyLogin(alice.login, 'Wrong-Guess-0!x')).ok, false);
        // Counter at 1 of 3. While the right change checks the current password, a wrong change
        // and a wrong sign-in lock the account.
        hasher.onNextVerify(async () => {
          await service.changePassword({ userId: alice.id }, 'Wrong-Guess-1!x', THIRD).catch(() => undefined);
          assert.equal((await service.verifyLogin(alice.login, 'Wrong-Guess-2!x')).ok, false);
        });
        const outcome = await outcomeOf(service.changePassword({ userId: alice.id }, GOOD, NEW));
        const after = await setup.users.findById(alice.id);
        assert.equal(after?.isRevoked, true, 'the lockout was lost');
        assert.notEqual(outcome, 'ok', 'the right change answered success, yet the account ended locked');
        assert.equal(outcome, 'user-revoked');
        assert.equal(after?.passwordHash, alice.passwordHash, 'the change committed on a locked account');
      }));

    test('2. a right change whose write comes after a lockout does not commit', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        assert.equal((await service.verifyLogin(alice.login, 'Wrong-Guess-0!x')).ok, false);
        // The change cleared the counter; while it hashes the new password, three failures lock the account.
        hasher.onNextHash(async () => {
          for (let i = 1; i <= 3; i++) assert.equal((await service.verifyLogin(alice.login, `Wrong-Guess-${i}!x`)).ok, false);
        });
        const outcome = await outcomeOf(service.changePassword({ userId: alice.id }, GOOD, NEW));
        const after = await setup.users.findById(alice.id);
        assert.equal(after?.isRevoked, true, 'the lockout was lost');
        assert.equal(outcome, 'user-revoked', 'the change answered success on an account a concurrent failure locked');
        assert.equal(after?.passwordHash, alice.passwordHash, 'the change committed on a locked account');
      }));

    test('2. a right sign-in racing failures that lock the account does not answer ok', () =>
      inStores(store, async (setup) => {
        const { hasher, service, alice } = await setUp(setup);
        assert.equal((await service.verifyLogin(alice.login, 'Wrong-Guess-0!x')).ok, false);
        hasher.onNextVerify(async () => {
          await service.changePassword({ userId: alice.id }, 'Wrong-Guess-1!x', THIRD).catch(() => undefined);
          assert.equal((await service.verifyLogin(alice.login, 'Wrong-Guess-2!x')).ok, false);
        });
        const result = await service.verifyLogin(alice.login, GOOD);
        const after = await setup.users.findById(alice.id);
        assert.equal(after?.isRevoked, true, 'the lockout was lost');
        assert.equal(after?.failedAttempts, 3, 'the success cleared the counter of a locked account');
        assert.equal(result.ok, false, 'the right sign-in answered ok, yet the account ended locked');
        assert.deepEqual(result, { ok: false, reason: 'invalid-credentials' });
      }));

    test('3. an issue racing a redemption of the older token never hands out a dead token', () =>
      inStores(store, async (setup) => {
        const { service, admin, alice } = await setUp(setup);
        const older = await service.issueResetToken({ userId: admin.id }, alice.id);
        // The redemption of the older token commits between the issue's read of the hash and its insert.
        let raced = false;
        beforeIssue(setup.tokens, async () => {
          if (!raced) {
            raced = true;
            await service.resetPassword(older.token, NEW);
          }
        });
        const outcome = await service.issueResetToken({ userId: admin.id }, alice.id).then(
          (issued) => issued,
          (error: unknown) => kindOf(error),
        );
        assert.ok(raced);
        if (typeof outcome === 'string') {
          assert.equal(outcome, 'conflict');
        } else {
          // A token that was handed out must work.
          await service.resetPassword(outcome.token, THIRD).catch((error: unknown) => assert.fail(`the issued token is dead on arrival: ${kindOf(error)}`));
        }
        // The admin retries and gets a live token.
        const retried = await service.issueResetToken({ userId: admin.id }, alice.id);
        await service.resetPassword(retried.token, 'Fourth-Bright-Meadow-3!');
        assert.equal((await service.verifyLogin(alice.login, 'Fourth-Bright-Meadow-3!')).ok, true);
      }));

    test("3. of two issues racing a redemption, the stale one does not kill the other's token and answer 409", () =>
      inStores(store, async (setup) => {
        const { service, admin, alice } = await setUp(setup);
        const older = await service.issueResetToken({ userId: admin.id }, alice.id);
        // Issue A read the old hash; before its insert, the older token is redeemed and issue B
        // reads the new hash, inserts and confirms. A's insert then supersedes B's token.
        let b: unknown;
        let raced = false;
        beforeIssue(setup.tokens, async () => {
          if (!raced) {
            raced = true;
            await service.resetPassword(older.token, NEW);
            b = await service.issueResetToken({ userId: admin.id }, alice.id).then(
              (issued) => issued,
              (error: unknown) => kindOf(error),
            );
          }
        });
        const a = await service.issueResetToken({ userId: admin.id }, alice.id).then(
          (issued) => issued,
          (error: unknown) => kindOf(error),
        );
        assert.ok(raced);
        assert.equal(typeof b, 'object', 'issue B, alone after the redemption, answers 200');
        const bToken = (b as { token: string }).token;
        if (typeof a === 'string') {
          // A 409 hands nothing out; then it must not have ended B's token either.
          assert.equal(a, 'conflict');
          await service.resetPassword(bToken, THIRD).catch((error: unknown) => assert.fail(`issue A answered 409, yet its stale insert killed B's token: ${kindOf(error)}`));
        } else {
          // A answered after B: its token is the live one (B's was superseded, as in the order B, A).
          await service.resetPassword(a.token, THIRD).catch((error: unknown) => assert.fail(`issue A's token is dead on arrival: ${kindOf(error)}`));
        }
      }));
  });
}
