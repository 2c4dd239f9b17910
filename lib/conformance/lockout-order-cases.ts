/**
 * Conformance cases for ordering a success against failures (issue 18): `recordSuccessfulAttempt`
 * clears the counter only on an active account with the verified hash, a password write with
 * `activeAt` loses to a lock (and, when it writes, clears the counter in the same step), and a success racing a failure at the threshold comes out as one of
 * the two orders, across two store pairs. Stores without `recordSuccessfulAttempt` skip them.
 */
import assert from 'node:assert/strict';
import type { LockoutAction, PasswordWrite, SuccessfulAttemptOutcome } from '../types.ts';
import type { StorePair } from './case-context.ts';
import type { CaseDefinition } from './case-definition.ts';

const REVOKE: LockoutAction = { mode: 'revoke' };
const TEMPORARY: LockoutAction = { mode: 'temporary', baseMs: 1000, maxMs: 3000 };
/** How many users the race case tries: one interleaving is luck, several are a check. */
const RACE_ROUNDS = 8;

function changeWrite(passwordHash: string, activeAt: Date): PasswordWrite {
  return { passwordHash, previousHash: 'hash-0', historySize: 0, reinstate: false, activeAt };
}

function successOn(pair: StorePair, id: string, now: Date): Promise<SuccessfulAttemptOutcome | null> {
  const success = pair.users.recordSuccessfulAttempt;
  if (typeof success !== 'function') throw new assert.AssertionError({ message: 'the second pair has no UserStore.recordSuccessfulAttempt' });
  return Promise.resolve(success.call(pair.users, id, { passwordHash: 'hash-0', now }));
}

export const lockoutOrderCases: readonly CaseDefinition[] = [
  {
    id: 'user.successful-attempt',
    title: 'recordSuccessfulAttempt clears the counter only on an active account with the verified hash, else answers what it found',
    requires: 'recordSuccessfulAttempt',
    async run(ctx) {
      const success = ctx.need('recordSuccessfulAttempt');
      const counting = await ctx.failedUser(5, REVOKE, 2);
      assert.equal(await success(counting.id, { passwordHash: 'hash-1', now: ctx.now }), 'password-changed');
      assert.equal((await ctx.users.findById(counting.id))?.failedAttempts, 2, 'a success on another hash cleared the counter');
      assert.equal(await success(counting.id, { passwordHash: 'hash-0', now: ctx.now }), 'ok');
      assert.equal((await ctx.users.findById(counting.id))?.failedAttempts ?? 0, 0);

      const revoked = await ctx.failedUser(1, REVOKE);
      assert.equal(await success(revoked.id, { passwordHash: 'hash-0', now: ctx.now }), 'revoked');
      const stillRevoked = await ctx.users.findById(revoked.id);
      assert.equal(stillRevoked?.isRevoked, true);
      assert.equal(stillRevoked?.failedAttempts, 1, 'a success on a revoked account cleared its counter');

      const locked = await ctx.failedUser(1, TEMPORARY);
      assert.equal(await success(locked.id, { passwordHash: 'hash-0', now: ctx.now }), 'locked');
      assert.equal((await ctx.users.findById(locked.id))?.lockedUntil?.getTime(), ctx.now.getTime() + 1000, 'a success lifted a running lock');
      // Once the lock ran out, a success clears it and the lock history: the next lock waits baseMs again.
      const later = ctx.at(5000);
      assert.equal(await success(locked.id, { passwordHash: 'hash-0', now: later }), 'ok');
      assert.equal(
        (await ctx.need('recordFailedAttempt')(locked.id, ctx.attempt(1, TEMPORARY, later)))?.lockedUntil?.getTime(),
        later.getTime() + 1000,
        'lock history was not reset',
      );

      assert.equal(await success(ctx.missingId(), { passwordHash: 'hash-0', now: ctx.now }), null);
    },
  },
  {
    id: 'user.set-password-active-at',
    title: 'setPassword with activeAt writes only while the account is neither revoked nor locked at that instant',
    requires: 'recordSuccessfulAttempt',
    async run(ctx) {
      const revoked = await ctx.failedUser(1, REVOKE);
      assert.equal(await ctx.users.setPassword(revoked.id, changeWrite('hash-1', ctx.now)), false);
      assert.equal((await ctx.users.findById(revoked.id))?.passwordHash, 'hash-0', 'a change committed on a revoked account');

      const locked = await ctx.failedUser(1, TEMPORARY);
      assert.equal(await ctx.users.setPassword(locked.id, changeWrite('hash-1', ctx.now)), false);
      assert.equal((await ctx.users.findById(locked.id))?.passwordHash, 'hash-0', 'a change committed on a locked account');
      assert.equal(await ctx.users.setPassword(locked.id, changeWrite('hash-1', ctx.at(5000))), true, 'a lock that ran out still refused the write');

      const active = await ctx.user();
      assert.equal(await ctx.users.setPassword(active.id, changeWrite('hash-1', ctx.now)), true);
      assert.equal((await ctx.users.findById(active.id))?.passwordHash, 'hash-1');
    },
  },
  {
    id: 'user.set-password-active-at-clears-counter',
    title: 'setPassword with activeAt clears the counter and lock history in the same step as the write, and only when it writes',
    requires: 'recordSuccessfulAttempt',
    async run(ctx) {
      // The right current password is a success; its clear goes with the write (issue 18, D').
      const counting = await ctx.failedUser(5, REVOKE, 2);
      assert.equal(await ctx.users.setPassword(counting.id, changeWrite('hash-1', ctx.now)), true);
      assert.equal((await ctx.users.findById(counting.id))?.failedAttempts ?? 0, 0, 'the write with activeAt left the counter');

      // A write the revocation refused clears nothing: no order explains a refused change with a cleared counter.
      const revoked = await ctx.failedUser(1, REVOKE);
      assert.equal(await ctx.users.setPassword(revoked.id, changeWrite('hash-1', ctx.now)), false);
      assert.equal((await ctx.users.findById(revoked.id))?.failedAttempts, 1, 'a refused write cleared the counter');

      // Refused while the lock runs (the lock stays); once it ran out, the write lifts it and resets the lock history.
      const locked = await ctx.failedUser(1, TEMPORARY);
      assert.equal(await ctx.users.setPassword(locked.id, changeWrite('hash-1', ctx.now)), false);
      assert.equal((await ctx.users.findById(locked.id))?.lockedUntil?.getTime(), ctx.now.getTime() + 1000, 'a refused write lifted a running lock');
      const later = ctx.at(5000);
      assert.equal(await ctx.users.setPassword(locked.id, changeWrite('hash-1', later)), true);
      assert.equal(
        (await ctx.need('recordFailedAttempt')(locked.id, ctx.attempt(1, TEMPORARY, later)))?.lockedUntil?.getTime(),
        later.getTime() + 1000,
        'lock history was not reset by the write',
      );

      // Without activeAt (a reset that does not reinstate, an upgrade) the counter is left alone.
      const plain = await ctx.failedUser(5, REVOKE, 2);
      assert.equal(await ctx.users.setPassword(plain.id, { passwordHash: 'hash-1', previousHash: 'hash-0', historySize: 0, reinstate: false }), true);
      assert.equal((await ctx.users.findById(plain.id))?.failedAttempts, 2, 'a write without activeAt cleared the counter');
    },
  },
  {
    id: 'user.success-races-failure-at-threshold',
    title: 'a success and a failure racing at the threshold come out in one order: never a cleared counter on a locked account',
    concurrent: true,
    requires: 'recordSuccessfulAttempt',
    async run(ctx) {
      for (const action of [REVOKE, TEMPORARY]) {
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const user = await ctx.failedUser(3, action, 2);
          // One failure and one success at once, on different pairs (alternating which goes first).
          const [first, second] = await ctx.spread<unknown>(2, (pair, i) =>
            i === round % 2 ? successOn(pair, user.id, ctx.now) : Promise.resolve(pair.users.recordFailedAttempt?.call(pair.users, user.id, ctx.attempt(3, action)) ?? null),
          );
          const outcome = (round % 2 === 0 ? first : second) as SuccessfulAttemptOutcome | null;
          const failure = (round % 2 === 0 ? second : first) as { lockedNow: boolean; failedAttempts: number } | null;
          const after = await ctx.users.findById(user.id);
          const closed = after?.isRevoked === true || (after?.lockedUntil != null && after.lockedUntil > ctx.now);
          if (outcome === 'ok') {
            // The success came first: the failure then counted 1 of 3 and locked nothing.
            assert.equal(failure?.lockedNow, false, `${action.mode}: both the success and the failure went first (the success answered ok, the failure locked)`);
            assert.equal(failure?.failedAttempts, 1, `${action.mode}: the failure did not see the success's cleared counter`);
            assert.equal(closed, false, `${action.mode}: the account ended locked after a success that answered ok`);
            assert.equal(after?.failedAttempts, 1, `${action.mode}: the counter lost the failure that followed the success`);
          } else {
            // The failure came first and locked: the success found the account closed and changed nothing.
            assert.equal(outcome, action.mode === 'revoke' ? 'revoked' : 'locked', `${action.mode}: the success answered ${String(outcome)}`);
            assert.equal(failure?.lockedNow, true, `${action.mode}: the success found the account closed but the failure did not lock it`);
            assert.equal(closed, true, `${action.mode}: the lock was lost`);
          }
        }
      }
    },
  },
];
