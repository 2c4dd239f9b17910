/**
 * Conformance cases for the password's life: the change-required flag (`setPasswordChangeRequired`)
 * and the time and flag every password write records (`PasswordWrite.changedAt`, `changeRequired`),
 * which a hash upgrade leaves alone. They run only on stores with `setPasswordChangeRequired`.
 */
import assert from 'node:assert/strict';
import type { PasswordWrite } from '../types.ts';
import type { CaseDefinition } from './case-definition.ts';

function write(passwordHash: string, previousHash: string, extra: Partial<PasswordWrite> = {}): PasswordWrite {
  return { passwordHash, previousHash, historySize: 0, reinstate: false, ...extra };
}

export const passwordLifecycleCases: readonly CaseDefinition[] = [
  {
    id: 'user.change-required-flag',
    title: 'setPasswordChangeRequired sets and clears passwordChangeRequired (seen by the other pair), and answers false for an unknown user',
    requires: 'setPasswordChangeRequired',
    async run(ctx) {
      const user = await ctx.user();
      assert.equal((await ctx.users.findById(user.id))?.passwordChangeRequired ?? false, false, 'a new user must not need a change');
      const other = ctx.pairs[1].users;
      assert.equal(await other.setPasswordChangeRequired?.(user.id, true), true);
      assert.equal((await ctx.users.findById(user.id))?.passwordChangeRequired, true, 'the flag set through one pair must read true through the other');
      assert.equal((await ctx.users.findByLogin?.(user.login))?.passwordChangeRequired ?? true, true, 'findByLogin must report the flag too');
      assert.equal(await ctx.users.setPasswordChangeRequired?.(user.id, false), true);
      assert.equal((await other.findById(user.id))?.passwordChangeRequired ?? false, false);
      assert.equal(await ctx.users.setPasswordChangeRequired?.(ctx.missingId(), true), false, 'an unknown user answers false');
    },
  },
  {
    id: 'user.password-write-time-and-flag',
    title: 'setPassword records changedAt as passwordChangedAt and changeRequired as the flag, in the same write',
    requires: 'setPasswordChangeRequired',
    async run(ctx) {
      const user = await ctx.user();
      await ctx.users.setPasswordChangeRequired?.(user.id, true);
      const first = ctx.at(-60_000);
      assert.equal(await ctx.users.setPassword(user.id, write('hash-1', 'hash-0', { changedAt: first, changeRequired: false })), true);
      let read = await ctx.users.findById(user.id);
      assert.equal(read?.passwordChangeRequired ?? false, false, 'a new password (changeRequired false) must clear the flag');
      assert.equal(read?.passwordChangedAt?.getTime(), first.getTime(), 'passwordChangedAt must be the write’s changedAt');
      assert.equal(await ctx.users.setPassword(user.id, write('hash-2', 'hash-1', { changedAt: ctx.now, changeRequired: true })), true);
      read = await ctx.users.findById(user.id);
      assert.equal(read?.passwordChangeRequired, true, 'a temporary password (changeRequired true) must set the flag');
      assert.equal(read?.passwordChangedAt?.getTime(), ctx.now.getTime());
      // A write that loses its compare-and-set changes neither.
      assert.equal(await ctx.users.setPassword(user.id, write('hash-3', 'hash-0', { changedAt: ctx.at(1000), changeRequired: false })), false);
      read = await ctx.users.findById(user.id);
      assert.equal(read?.passwordChangeRequired, true, 'a refused write must leave the flag');
      assert.equal(read?.passwordChangedAt?.getTime(), ctx.now.getTime(), 'a refused write must leave the time');
    },
  },
  {
    id: 'user.rehash-keeps-time-and-flag',
    title: 'a hash upgrade (rehash) keeps passwordChangedAt and the change-required flag',
    requires: 'setPasswordChangeRequired',
    async run(ctx) {
      const user = await ctx.user();
      assert.equal(await ctx.users.setPassword(user.id, write('hash-1', 'hash-0', { changedAt: ctx.now, changeRequired: true })), true);
      assert.equal(await ctx.users.setPassword(user.id, write('hash-1b', 'hash-1', { rehash: true })), true);
      const read = await ctx.users.findById(user.id);
      assert.equal(read?.passwordHash, 'hash-1b');
      assert.equal(read?.passwordChangeRequired, true, 'an upgrade is the same password: the flag stays');
      assert.equal(read?.passwordChangedAt?.getTime(), ctx.now.getTime(), 'an upgrade is the same password: its time stays');
    },
  },
];
