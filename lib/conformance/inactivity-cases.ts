/**
 * Conformance cases for `accountExpiryDays`: `findInactive` (a read) and `expireInactive` (one
 * atomic revocation with kind `'inactivity'`), what lifts that kind, and N concurrent expiries
 * revoking once. They run only on stores with `expireInactive`.
 */
import assert from 'node:assert/strict';
import type { PasswordWrite } from '../types.ts';
import type { CaseDefinition } from './case-definition.ts';

/** A cutoff one minute after the case's clock: every user the case just created is inactive before it. */
const AFTER_CREATION_MS = 60_000;

function resetWrite(liftInactivity: boolean): PasswordWrite {
  return { passwordHash: 'hash-1', previousHash: 'hash-0', historySize: 0, reinstate: true, ...(liftInactivity ? { liftInactivity } : {}) };
}

export const inactivityCases: readonly CaseDefinition[] = [
  {
    id: 'user.expire-inactive',
    title: "expireInactive revokes an inactive user once, with revokedBy 'inactivity'; never a remote, revoked or unknown one",
    requires: 'expireInactive',
    async run(ctx) {
      const expire = ctx.need('expireInactive');
      const cutoff = ctx.at(AFTER_CREATION_MS);
      const user = await ctx.user();
      assert.equal(await expire(user.id, cutoff), true, 'an inactive user must be revoked');
      const after = await ctx.users.findById(user.id);
      assert.equal(after?.isRevoked, true);
      assert.equal(after?.revokedBy, 'inactivity', "the kind must be 'inactivity'");
      assert.equal(await expire(user.id, cutoff), false, 'an account already revoked is not revoked again');
      assert.equal(await expire(ctx.missingId(), cutoff), false, 'an unknown user answers false');
      const remote = await ctx.user({ isRemote: true, passwordHash: null });
      assert.equal(await expire(remote.id, cutoff), false, 'a remote user is never expired');
      const setRevoked = ctx.need('setRevoked');
      const revoked = await ctx.user();
      await setRevoked(revoked.id, true);
      assert.equal(await expire(revoked.id, cutoff), false);
      assert.equal((await ctx.users.findById(revoked.id))?.revokedBy ?? 'admin', 'admin', "an administrator's revocation keeps its kind");
      assert.equal(await expire((await ctx.user()).id, ctx.at(-AFTER_CREATION_MS)), false, 'a user active after the cutoff is not expired');
    },
  },
  {
    id: 'user.find-inactive',
    title: 'findInactive lists local active users last active before the cutoff; a recorded sign-in after it keeps a user out',
    requires: 'expireInactive',
    async run(ctx) {
      const findInactive = ctx.need('findInactive');
      const recordLogin = ctx.need('recordLogin');
      const expire = ctx.need('expireInactive');
      const cutoff = ctx.at(AFTER_CREATION_MS);
      const idle = await ctx.user();
      const signedIn = await ctx.user();
      await recordLogin(signedIn.id, ctx.at(2 * AFTER_CREATION_MS));
      const remote = await ctx.user({ isRemote: true, passwordHash: null });
      const revoked = await ctx.user({ isRevoked: true });
      const found = new Set((await findInactive(cutoff)).map((user) => user.id));
      assert.equal(found.has(idle.id), true, 'an idle user must be found');
      for (const [user, why] of [
        [signedIn, 'signed in after the cutoff'],
        [remote, 'remote'],
        [revoked, 'revoked'],
      ] as const) {
        assert.equal(found.has(user.id), false, `a user ${why} must not be found`);
      }
      assert.equal(await expire(signedIn.id, cutoff), false, 'a sign-in after the cutoff keeps the account active');
      assert.equal((await ctx.users.findById(signedIn.id))?.lastLogin?.getTime(), ctx.at(2 * AFTER_CREATION_MS).getTime(), 'users must report lastLogin');
    },
  },
  {
    id: 'user.inactivity-lifted-by-admin-reset',
    title: 'a revocation for inactivity stays through a plain reset, and is lifted by an administrator’s reset (liftInactivity) or reinstate (which records reactivatedAt)',
    requires: 'expireInactive',
    async run(ctx) {
      const expire = ctx.need('expireInactive');
      const setRevoked = ctx.need('setRevoked');
      const cutoff = ctx.at(AFTER_CREATION_MS);
      const first = await ctx.user();
      await expire(first.id, cutoff);
      assert.equal(await ctx.users.setPassword(first.id, resetWrite(false)), true);
      const kept = await ctx.users.findById(first.id);
      assert.equal(kept?.isRevoked, true, 'a reset without liftInactivity must leave the revocation');
      assert.equal(kept?.revokedBy, 'inactivity');
      assert.equal(await ctx.users.setPassword(first.id, { ...resetWrite(true), passwordHash: 'hash-2', previousHash: 'hash-1' }), true);
      const lifted = await ctx.users.findById(first.id);
      assert.equal(lifted?.isRevoked, false, "an administrator's reset must lift it");
      assert.equal(lifted?.revokedBy ?? null, null);
      const second = await ctx.user();
      await expire(second.id, cutoff);
      await setRevoked(second.id, false);
      const reinstated = await ctx.users.findById(second.id);
      assert.equal(reinstated?.isRevoked, false, 'a reinstate must lift it');
      // A reinstated account starts a new period: the reinstatement's time is reported, and counts as activity.
      assert.ok(reinstated?.reactivatedAt instanceof Date && reinstated.reactivatedAt.getTime() >= ctx.now.getTime(), 'a reinstate must record reactivatedAt');
      assert.equal(await expire(second.id, new Date(reinstated.reactivatedAt.getTime())), false, 'not inactive before its reinstatement');
    },
  },
  {
    id: 'user.expire-inactive-concurrent',
    title: 'N concurrent expireInactive calls on one user (from both pairs) revoke once: exactly one answers true',
    concurrent: true,
    requires: 'expireInactive',
    async run(ctx, settings) {
      const user = await ctx.user();
      const cutoff = ctx.at(AFTER_CREATION_MS);
      const results = await ctx.spread(settings.concurrentAttempts, (pair) => pair.users.expireInactive?.(user.id, cutoff));
      assert.equal(results.filter((r) => r === true).length, 1, `exactly one of ${settings.concurrentAttempts} concurrent expiries must revoke`);
      assert.equal((await ctx.users.findById(user.id))?.revokedBy, 'inactivity');
    },
  },
];
