/**
 * Conformance cases for the two kinds of revocation, the administrator's revocation killing the
 * user's reset tokens, and the per-token budget of refused redemptions.
 */
import assert from 'node:assert/strict';
import { revokeByAdministrator } from '../service/admin-revocation.ts';
import type { LockoutAction, PasswordWrite } from '../types.ts';
import type { CaseDefinition } from './case-definition.ts';

const REVOKE: LockoutAction = { mode: 'revoke' };

function resetWrite(passwordHash: string, previousHash = 'hash-0'): PasswordWrite {
  return { passwordHash, previousHash, historySize: 0, reinstate: true };
}

export const revocationCases: readonly CaseDefinition[] = [
  {
    id: 'user.revocation-kinds',
    title: "the lockout revokes with revokedBy 'lockout', setRevoked(true) with 'admin', setRevoked(false) clears both",
    async run(ctx) {
      const setRevoked = ctx.need('setRevoked');
      const locked = await ctx.failedUser(1, REVOKE);
      const afterLockout = await ctx.users.findById(locked.id);
      assert.equal(afterLockout?.isRevoked, true);
      assert.equal(afterLockout?.revokedBy, 'lockout', 'a lockout revocation must report revokedBy lockout');

      const revoked = await ctx.user();
      await setRevoked(revoked.id, true);
      assert.equal((await ctx.users.findById(revoked.id))?.revokedBy ?? 'admin', 'admin');
      // An administrator revoking an account the lockout revoked makes it an administrator's revocation.
      await setRevoked(locked.id, true);
      assert.equal((await ctx.users.findById(locked.id))?.revokedBy ?? 'admin', 'admin', 'setRevoked(true) over a lockout must record admin');

      await setRevoked(revoked.id, false);
      const reinstated = await ctx.users.findById(revoked.id);
      assert.equal(reinstated?.isRevoked, false);
      assert.equal(reinstated?.revokedBy ?? null, null);
    },
  },
  {
    id: 'user.created-revoked-is-admin',
    title: 'a user revoked outside the contract (created revoked) reads as revoked by an administrator',
    async run(ctx) {
      const user = await ctx.user({ isRevoked: true });
      assert.equal((await ctx.users.findById(user.id))?.revokedBy ?? 'admin', 'admin');
      await ctx.users.setPassword(user.id, resetWrite('hash-1'));
      const after = await ctx.users.findById(user.id);
      assert.equal(after?.passwordHash, 'hash-1');
      assert.equal(after?.isRevoked, true, 'a reset lifted a revocation of unknown kind');
    },
  },
  {
    id: 'user.set-password-keeps-admin-revocation',
    title: "setPassword with reinstate writes the hash but never lifts an administrator's revocation",
    async run(ctx) {
      const setRevoked = ctx.need('setRevoked');
      const user = await ctx.user();
      await setRevoked(user.id, true);
      assert.equal(await ctx.users.setPassword(user.id, resetWrite('hash-1')), true);
      const after = await ctx.users.findById(user.id);
      assert.equal(after?.passwordHash, 'hash-1');
      assert.equal(after?.isRevoked, true, "a reset lifted an administrator's revocation");
      assert.equal(after?.revokedBy ?? 'admin', 'admin');
    },
  },
  {
    id: 'user.admin-revoke-races-reset',
    title: "an administrator's revocation racing a reinstating reset always ends revoked",
    concurrent: true,
    async run(ctx, settings) {
      const setRevoked = ctx.need('setRevoked');
      const record = ctx.need('recordFailedAttempt');
      const rounds = Math.max(1, Math.min(10, Math.floor(settings.concurrentAttempts / 2)));
      for (let i = 0; i < rounds; i++) {
        const user = await ctx.user();
        await record(user.id, ctx.attempt(1, REVOKE));
        // The reset on one pair, the revocation on the other (each started before either is awaited).
        const [written] = await ctx.spread(2, (pair, index) =>
          index === 0 ? pair.users.setPassword(user.id, resetWrite('hash-1')) : (pair.users.setRevoked?.(user.id, true) ?? setRevoked(user.id, true)),
        );
        const after = await ctx.users.findById(user.id);
        assert.equal(written, true);
        assert.equal(after?.isRevoked, true, `round ${i}: the reset lifted the administrator's revocation`);
      }
    },
  },
  {
    id: 'token.admin-revocation-kills-tokens',
    title: "an administrator's revocation kills the user's outstanding tokens; a redemption racing it never lifts it",
    concurrent: true,
    async run(ctx) {
      ctx.need('setRevoked');
      const user = await ctx.user();
      const other = await ctx.user();
      const token = ctx.record(user.id);
      const others = ctx.record(other.id);
      await ctx.tokens.issue(token);
      await ctx.tokens.issue(others);
      assert.equal(await revokeByAdministrator(ctx.users, ctx.tokens, user.id), true);
      assert.equal(await ctx.tokens.find(token.id, ctx.now), null, 'the token survived the revocation');
      assert.equal(await ctx.tokens.redeem(token.id, ctx.now, async () => assert.fail('apply ran for a revoked token')), null);
      assert.ok(await ctx.tokens.find(others.id, ctx.now), "another user's token died");

      // A redemption racing the revocation: whichever commits first, the account ends revoked.
      const raced = await ctx.user();
      const racedToken = ctx.record(raced.id);
      await ctx.tokens.issue(racedToken);
      const redeem = ctx.tokens.redeem(racedToken.id, ctx.now, async () => {
        await ctx.users.setPassword(raced.id, resetWrite('hash-1'));
      });
      const secondPair = ctx.pairs[1];
      await Promise.all([redeem, revokeByAdministrator(secondPair.users, secondPair.tokens, raced.id)]);
      assert.equal((await ctx.users.findById(raced.id))?.isRevoked, true, 'the racing redemption lifted the revocation');
      assert.equal(await ctx.tokens.find(racedToken.id, ctx.now), null);

      // A token issued while revoked still works, and the account stays revoked.
      const later = ctx.record(user.id, { issuedAt: ctx.at(1000) });
      await ctx.tokens.issue(later);
      assert.ok(
        await ctx.tokens.redeem(later.id, ctx.now, async () => {
          assert.equal(await ctx.users.setPassword(user.id, resetWrite('hash-2')), true);
        }),
      );
      assert.equal((await ctx.users.findById(user.id))?.isRevoked, true);
    },
  },
  {
    id: 'token.refusal-budget',
    title: 'recordRefusal keeps the token usable until the budget is spent, then kills it',
    async run(ctx) {
      const refuse = ctx.needRefusal();
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      assert.equal(await refuse(record.id, 3, ctx.now), 2);
      assert.equal(await refuse(record.id, 3, ctx.now), 1);
      assert.ok(await ctx.tokens.find(record.id, ctx.now), 'the token died before its budget was spent');
      assert.equal(await refuse(record.id, 3, ctx.now), 0, 'the refusal that spent the budget must resolve 0');
      assert.equal(await ctx.tokens.find(record.id, ctx.now), null, 'the token survived its spent budget');
      assert.equal(await ctx.tokens.redeem(record.id, ctx.now, async () => assert.fail('apply ran for a spent token')), null);
      assert.equal(await refuse(record.id, 3, ctx.now), null, 'a dead token must resolve null: nothing to count');

      // The budget is per token: a newer token of the same user starts afresh.
      const newer = ctx.record(user.id);
      await ctx.tokens.issue(newer);
      assert.equal(await refuse(newer.id, 2, ctx.now), 1);
      assert.ok(await ctx.tokens.redeem(newer.id, ctx.now, async () => {}), 'a refusal within budget consumed the token');
    },
  },
  {
    id: 'token.refusal-unusable',
    title: 'recordRefusal resolves null for unknown, used and expired tokens',
    async run(ctx) {
      const refuse = ctx.needRefusal();
      const user = await ctx.user();
      assert.equal(await refuse('no-such-token', 5, ctx.now), null);
      const used = ctx.record(user.id);
      await ctx.tokens.issue(used);
      await ctx.tokens.redeem(used.id, ctx.now, async () => {});
      assert.equal(await refuse(used.id, 5, ctx.now), null);
      const expiring = ctx.record((await ctx.user()).id, { expiresAt: ctx.at(1000) });
      await ctx.tokens.issue(expiring);
      assert.equal(await refuse(expiring.id, 5, ctx.at(2000)), null);
    },
  },
  {
    id: 'token.refusal-concurrent',
    title: 'concurrent recordRefusal calls are counted exactly: budget of them count, each left-over a distinct value',
    concurrent: true,
    async run(ctx, settings) {
      const refuse = ctx.needRefusal();
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      const budget = 5;
      const calls = Math.max(budget + 1, settings.concurrentAttempts);
      const results = await ctx.spread(calls, (pair) => {
        const other = pair.tokens.recordRefusal?.bind(pair.tokens) ?? refuse;
        return other(record.id, budget, ctx.now);
      });
      const counted = results.filter((left) => left !== null).sort();
      assert.deepEqual(counted, [0, 1, 2, 3, 4], 'refusals were lost or double-counted');
      assert.equal(await ctx.tokens.find(record.id, ctx.now), null);
    },
  },
];
