/** Conformance cases for every member of `TokenStore`. */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { ResetTokenRecord, TokenStore } from '../types.ts';
import type { CaseDefinition } from './case-definition.ts';

/** An `apply` that records its calls. */
function applySpy(): { calls: ResetTokenRecord[]; apply: (record: ResetTokenRecord) => Promise<void> } {
  const calls: ResetTokenRecord[] = [];
  return {
    calls,
    apply: async (record) => {
      calls.push(record);
    },
  };
}

/**
 * Redeems `record` with an `apply` that starts `action` (on another pair) while the claim is held,
 * then throws; resolves once both are done. A store on one connection, or one that locks, may make
 * the action wait for the claim to end: it then runs after the undo, which must hold just the same.
 */
async function failedRedeemWhile(tokens: TokenStore, record: ResetTokenRecord, now: Date, action: () => unknown): Promise<void> {
  const failure = new Error('password write failed');
  let during: Promise<unknown> | undefined;
  const redeeming = tokens.redeem(record.id, now, async () => {
    during = Promise.resolve().then(action);
    await Promise.race([during, delay(250, undefined, { ref: false })]);
    throw failure;
  });
  await assert.rejects(redeeming, (error) => error === failure);
  await during;
}

/** The optional outstanding-token members of `tokens`, bound (the cases that use them declare `requiresTokenStore`). */
function outstanding(tokens: TokenStore) {
  const { listOutstanding, revokeOutstanding } = tokens;
  assert.ok(typeof listOutstanding === 'function' && typeof revokeOutstanding === 'function', 'the store has no TokenStore.listOutstanding / revokeOutstanding');
  return {
    list: async (userId: string, now: Date) => (await listOutstanding.call(tokens, userId, now)).map((record) => ({ ...record })),
    revoke: async (userId: string, tokenId: string | null, now: Date) => Number(await revokeOutstanding.call(tokens, userId, tokenId, now)),
  };
}

const OUTSTANDING_MEMBERS = ['listOutstanding', 'revokeOutstanding'] as const;

/** The token-store cases, in a stable order. */
export const tokenStoreCases: readonly CaseDefinition[] = [
  {
    id: 'token.find-missing',
    title: 'find returns null for an unknown id',
    async run(ctx) {
      assert.equal(await ctx.tokens.find('no-such-token', ctx.now), null);
    },
  },
  {
    id: 'token.issue-find',
    title: 'find returns the issued record, field for field, and does not consume it',
    async run(ctx) {
      const user = await ctx.user();
      const record = ctx.record(user.id, { issuedBy: user.id });
      await ctx.tokens.issue(record);
      assert.deepEqual({ ...(await ctx.tokens.find(record.id, ctx.now)) }, { ...record });
      assert.deepEqual({ ...(await ctx.tokens.find(record.id, ctx.now)) }, { ...record });
      const unattributed = ctx.record((await ctx.user()).id, { issuedBy: null });
      await ctx.tokens.issue(unattributed);
      assert.equal((await ctx.tokens.find(unattributed.id, ctx.now))?.issuedBy, null);
    },
  },
  {
    id: 'token.redeem',
    title: 'redeem runs apply once with the record, resolves the record, and consumes the token',
    async run(ctx) {
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      const spy = applySpy();
      assert.deepEqual({ ...(await ctx.tokens.redeem(record.id, ctx.now, spy.apply)) }, { ...record });
      assert.equal(spy.calls.length, 1);
      assert.deepEqual({ ...spy.calls[0] }, { ...record });
      assert.equal(await ctx.tokens.find(record.id, ctx.now), null, 'a redeemed token is still found');
    },
  },
  {
    id: 'token.redeem-twice',
    title: 'redeeming twice gives the record, then null without running apply',
    async run(ctx) {
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      const spy = applySpy();
      assert.ok(await ctx.tokens.redeem(record.id, ctx.now, spy.apply));
      assert.equal(await ctx.tokens.redeem(record.id, ctx.now, spy.apply), null);
      assert.equal(spy.calls.length, 1);
    },
  },
  {
    id: 'token.redeem-missing',
    title: 'redeem of an unknown id resolves null without running apply',
    async run(ctx) {
      const spy = applySpy();
      assert.equal(await ctx.tokens.redeem('no-such-token', ctx.now, spy.apply), null);
      assert.equal(spy.calls.length, 0);
    },
  },
  {
    id: 'token.redeem-concurrent',
    title: 'concurrent redeems of one token run apply exactly once',
    concurrent: true,
    async run(ctx, settings) {
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      const spy = applySpy();
      const results = await ctx.spread(settings.concurrentRedeems, (pair) => pair.tokens.redeem(record.id, ctx.now, spy.apply));
      assert.equal(results.filter((r) => r !== null).length, 1, 'not exactly one redeem got the record');
      assert.equal(spy.calls.length, 1, 'apply ran more than once');
    },
  },
  {
    id: 'token.purge-during-redeem',
    title: 'purgeExpired while a claim is in flight never deletes the claimed token, so a failed apply leaves it usable',
    concurrent: true,
    async run(ctx) {
      ctx.needPurge();
      const purgeOnSecond = ctx.pairs[1].tokens.purgeExpired?.bind(ctx.pairs[1].tokens);
      assert.ok(purgeOnSecond, 'the second pair has no TokenStore.purgeExpired');
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      await failedRedeemWhile(ctx.tokens, record, ctx.now, () => purgeOnSecond(ctx.now));
      assert.ok(await ctx.tokens.find(record.id, ctx.now), 'purgeExpired during the redemption deleted the claimed token: after the failed apply it is gone');
      const spy = applySpy();
      assert.ok(await ctx.pairs[1].tokens.redeem(record.id, ctx.now, spy.apply), 'the token cannot be redeemed after the purge and the failed apply');
      assert.equal(spy.calls.length, 1);
    },
  },
  {
    id: 'token.revoke-during-redeem',
    title: 'a token revoked (or superseded) while its claim is in flight stays dead when the claim is undone',
    concurrent: true,
    async run(ctx) {
      const other = ctx.pairs[1].tokens;
      const revoked = await ctx.user();
      const record = ctx.record(revoked.id);
      await ctx.tokens.issue(record);
      await failedRedeemWhile(ctx.tokens, record, ctx.now, () => other.revokeForUser(revoked.id));
      assert.equal(await ctx.tokens.find(record.id, ctx.now), null, 'the undone claim brought back a token revoked by revokeForUser meanwhile');
      const spy = applySpy();
      assert.equal(await ctx.tokens.redeem(record.id, ctx.now, spy.apply), null);

      const superseded = await ctx.user();
      const older = ctx.record(superseded.id);
      const newer = ctx.record(superseded.id);
      await ctx.tokens.issue(older);
      await failedRedeemWhile(ctx.tokens, older, ctx.now, () => other.issue(newer));
      assert.equal(await ctx.tokens.find(older.id, ctx.now), null, 'the undone claim brought back a token superseded by a newer issue meanwhile');
      assert.ok(await ctx.tokens.find(newer.id, ctx.now), 'the newer token is not usable');
      assert.equal(await ctx.tokens.redeem(older.id, ctx.now, spy.apply), null);
      assert.equal(spy.calls.length, 0);
    },
  },
  {
    id: 'token.redeem-apply-throws',
    title: 'when apply throws, redeem rethrows and the token stays usable',
    async run(ctx) {
      const user = await ctx.user();
      const record = ctx.record(user.id);
      await ctx.tokens.issue(record);
      const failure = new Error('password write failed');
      await assert.rejects(
        ctx.tokens.redeem(record.id, ctx.now, async () => {
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.ok(await ctx.tokens.find(record.id, ctx.now), 'the failed redeem consumed the token');
      const spy = applySpy();
      assert.ok(await ctx.tokens.redeem(record.id, ctx.now, spy.apply), 'the token cannot be redeemed after a failed apply');
      assert.equal(spy.calls.length, 1);
    },
  },
  {
    id: 'token.expired',
    title: 'a token is refused from its expiry instant on, by find and redeem',
    async run(ctx) {
      const user = await ctx.user();
      const record = ctx.record(user.id, { expiresAt: ctx.at(60_000) });
      await ctx.tokens.issue(record);
      assert.ok(await ctx.tokens.find(record.id, ctx.at(59_999)));
      assert.equal(await ctx.tokens.find(record.id, ctx.at(60_000)), null);
      const spy = applySpy();
      assert.equal(await ctx.tokens.redeem(record.id, ctx.at(60_000), spy.apply), null);
      assert.equal(spy.calls.length, 0);
    },
  },
  {
    id: 'token.expiry-uses-now',
    title: 'expiry is judged at exactly expiresAt by the now argument alone, never by the store clock',
    async run(ctx) {
      // One token expired long ago and one that expires years from now: a store that checks or
      // expires records by its own clock gets one of them wrong.
      const check = async (expiresAt: Date) => {
        const user = await ctx.user();
        const record = ctx.record(user.id, { issuedAt: new Date(expiresAt.getTime() - 3_600_000), expiresAt });
        await ctx.tokens.issue(record);
        const justBefore = new Date(expiresAt.getTime() - 1);
        const when = expiresAt.toISOString();
        assert.ok(await ctx.tokens.find(record.id, justBefore), `a token expiring ${when} was refused 1 ms before: the store used its own clock, not now`);
        assert.equal(await ctx.tokens.find(record.id, expiresAt), null, `a token expiring ${when} was still usable at exactly expiresAt`);
        const spy = applySpy();
        assert.equal(await ctx.tokens.redeem(record.id, expiresAt, spy.apply), null, `a token expiring ${when} was redeemed at exactly expiresAt`);
        assert.equal(spy.calls.length, 0);
        const purge = ctx.tokens.purgeExpired?.bind(ctx.tokens);
        if (purge) await purge(justBefore);
        assert.ok(await ctx.tokens.redeem(record.id, justBefore, spy.apply), `a token expiring ${when} could not be redeemed 1 ms before`);
      };
      await check(new Date('2001-02-03T04:05:06.789Z'));
      await check(new Date(Date.UTC(new Date().getUTCFullYear() + 20, 0, 1, 0, 0, 0, 123)));
    },
  },
  {
    id: 'token.revoke-for-user',
    title: "revokeForUser kills the user's outstanding tokens and no one else's",
    async run(ctx) {
      const a = await ctx.user();
      const b = await ctx.user();
      const tokenA = ctx.record(a.id);
      const tokenB = ctx.record(b.id);
      await ctx.tokens.issue(tokenA);
      await ctx.tokens.issue(tokenB);
      await ctx.tokens.revokeForUser(a.id);
      assert.equal(await ctx.tokens.find(tokenA.id, ctx.now), null);
      const spy = applySpy();
      assert.equal(await ctx.tokens.redeem(tokenA.id, ctx.now, spy.apply), null);
      assert.equal(spy.calls.length, 0);
      assert.ok(await ctx.tokens.find(tokenB.id, ctx.now), "another user's token was revoked");
      await ctx.tokens.revokeForUser(ctx.missingId());
    },
  },
  {
    id: 'token.issue-supersedes',
    title: "issue revokes the same user's older outstanding tokens only",
    async run(ctx) {
      const user = await ctx.user();
      const other = await ctx.user();
      const older = ctx.record(user.id);
      const others = ctx.record(other.id);
      const newer = ctx.record(user.id, { issuedAt: ctx.at(1000), expiresAt: ctx.at(16 * 60_000) });
      await ctx.tokens.issue(older);
      await ctx.tokens.issue(others);
      await ctx.tokens.issue(newer);
      assert.equal(await ctx.tokens.find(older.id, ctx.at(1000)), null, 'the older token survived');
      assert.ok(await ctx.tokens.find(newer.id, ctx.at(1000)));
      assert.ok(await ctx.tokens.find(others.id, ctx.at(1000)), "another user's token was superseded");
    },
  },
  {
    id: 'token.issue-concurrent',
    title: 'N concurrent issues for one user leave exactly one usable token',
    concurrent: true,
    async run(ctx, settings) {
      const user = await ctx.user();
      const count = Math.max(2, settings.concurrentAttempts);
      const records = Array.from({ length: count }, () => ctx.record(user.id));
      await ctx.spread(count, (pair, i) => pair.tokens.issue(records[i] as ResetTokenRecord));
      for (const pair of ctx.pairs) {
        const usable = (await Promise.all(records.map((record) => pair.tokens.find(record.id, ctx.now)))).filter((found) => found !== null);
        assert.equal(usable.length, 1, `${usable.length} of ${count} concurrently issued tokens are usable; a newer token must supersede the others`);
      }
    },
  },
  {
    id: 'token.purge-expired',
    title: 'purgeExpired deletes used, revoked and expired records, keeps usable ones, and counts',
    async run(ctx) {
      const purge = ctx.needPurge();
      const [a, b, c] = [await ctx.user(), await ctx.user(), await ctx.user()];
      const expired = ctx.record(a.id, { expiresAt: ctx.at(1000) });
      const used = ctx.record(b.id);
      const superseded = ctx.record(c.id);
      const usable = ctx.record(c.id);
      for (const record of [expired, used, superseded, usable]) await ctx.tokens.issue(record);
      assert.ok(await ctx.tokens.redeem(used.id, ctx.now, async () => {}));
      const later = ctx.at(2000);
      // Stores may drop used and superseded records eagerly, so those may already be gone: the
      // count includes at least the expired one and at most all three.
      const purged = await purge(later);
      assert.ok(purged >= 1 && purged <= 3, `purgeExpired counted ${purged}, expected 1 to 3`);
      assert.equal(await purge(later), 0);
      assert.equal(await ctx.tokens.find(expired.id, ctx.now), null, 'an expired record survived the purge');
      assert.ok(await ctx.tokens.find(usable.id, later), 'purge deleted a usable token');
      assert.ok(await ctx.tokens.redeem(usable.id, later, async () => {}));
    },
  },
  {
    id: 'token.list-outstanding',
    title: "listOutstanding gives the user's outstanding token, field for field, and no superseded, expired, used, revoked or other user's one",
    requiresTokenStore: OUTSTANDING_MEMBERS,
    async run(ctx) {
      const { list } = outstanding(ctx.tokens);
      const [a, b] = [await ctx.user(), await ctx.user()];
      assert.deepEqual(await list(a.id, ctx.now), [], 'a user without tokens has some listed');
      const older = ctx.record(a.id, { issuedBy: b.id });
      const newer = ctx.record(a.id, { issuedBy: b.id, issuedAt: ctx.at(1000), expiresAt: ctx.at(60_000) });
      const others = ctx.record(b.id, { issuedBy: null });
      for (const record of [older, others, newer]) await ctx.tokens.issue(record);
      assert.deepEqual(await list(a.id, ctx.at(1000)), [{ ...newer }], 'not exactly the newer token, field for field (the superseded one must not be listed)');
      assert.deepEqual(await list(b.id, ctx.at(1000)), [{ ...others }], 'a token issued by nobody (issuedBy null) is not listed as it was issued');
      assert.deepEqual(await list(a.id, ctx.at(59_999)), [{ ...newer }], 'a token is not listed 1 ms before it expires');
      assert.deepEqual(await list(a.id, ctx.at(60_000)), [], 'a token is listed at exactly expiresAt');
      assert.ok(await ctx.tokens.redeem(newer.id, ctx.at(1000), async () => {}));
      assert.deepEqual(await list(a.id, ctx.at(1000)), [], 'a redeemed token is listed');
      await ctx.tokens.revokeForUser(b.id);
      assert.deepEqual(await list(b.id, ctx.at(1000)), [], 'a token revoked by revokeForUser is listed');
      assert.deepEqual(await list(ctx.missingId(), ctx.now), []);
    },
  },
  {
    id: 'token.revoke-outstanding',
    title: "revokeOutstanding revokes one or all of the user's outstanding tokens, counts them, and touches nothing else",
    requiresTokenStore: OUTSTANDING_MEMBERS,
    async run(ctx) {
      const { list, revoke } = outstanding(ctx.tokens);
      const [a, b, c] = [await ctx.user(), await ctx.user(), await ctx.user()];
      const tokenA = ctx.record(a.id);
      const tokenB = ctx.record(b.id);
      const expiring = ctx.record(c.id, { expiresAt: ctx.at(1000) });
      for (const record of [tokenA, tokenB, expiring]) await ctx.tokens.issue(record);
      assert.equal(await revoke(a.id, tokenB.id, ctx.now), 0, "another user's token was revoked under this user's id");
      assert.equal(await revoke(a.id, 'no-such-token', ctx.now), 0);
      assert.ok(await ctx.tokens.find(tokenA.id, ctx.now), 'revoking an unknown id killed the token');
      assert.ok(await ctx.tokens.find(tokenB.id, ctx.now), "another user's token died");
      assert.equal(await revoke(a.id, tokenA.id, ctx.now), 1, 'revoking the token by its id did not count 1');
      assert.equal(await ctx.tokens.find(tokenA.id, ctx.now), null, 'a revoked token is still found');
      const spy = applySpy();
      assert.equal(await ctx.tokens.redeem(tokenA.id, ctx.now, spy.apply), null, 'a revoked token was redeemed');
      assert.equal(spy.calls.length, 0);
      assert.equal(await revoke(a.id, tokenA.id, ctx.now), 0, 'a token was counted twice');
      assert.equal(await revoke(a.id, null, ctx.now), 0);

      const again = ctx.record(a.id);
      await ctx.tokens.issue(again);
      assert.equal(await revoke(a.id, null, ctx.now), 1, 'revoking all did not count the outstanding token');
      assert.deepEqual(await list(a.id, ctx.now), []);
      assert.equal(await ctx.tokens.redeem(again.id, ctx.now, spy.apply), null);
      assert.equal(await revoke(c.id, null, ctx.at(1000)), 0, 'an expired token was counted');
      assert.ok(await ctx.tokens.redeem(tokenB.id, ctx.now, spy.apply), "another user's token cannot be redeemed");
      assert.equal(await revoke(b.id, null, ctx.now), 0, 'a used token was counted');
      assert.equal(await revoke(ctx.missingId(), null, ctx.now), 0);
    },
  },
  {
    id: 'token.revoke-outstanding-during-redeem',
    title: 'revokeOutstanding while a claim is in flight: a committed redemption wins and is not counted; an undone one leaves the token revoked',
    concurrent: true,
    requiresTokenStore: OUTSTANDING_MEMBERS,
    async run(ctx) {
      const other = outstanding(ctx.pairs[1].tokens);
      for (const one of [false, true]) {
        const user = await ctx.user();
        const record = ctx.record(user.id);
        await ctx.tokens.issue(record);
        let during: Promise<number> | undefined;
        // A store that locks makes the revoke wait for the commit; one that marks the claim answers at once.
        const redeemed = await ctx.tokens.redeem(record.id, ctx.now, async () => {
          during = Promise.resolve().then(() => other.revoke(user.id, one ? record.id : null, ctx.now));
          await Promise.race([during, delay(250, undefined, { ref: false })]);
        });
        assert.ok(redeemed, 'the redemption that held the claim did not succeed');
        assert.equal(await during, 0, 'revokeOutstanding counted a token whose redemption committed');
        assert.deepEqual(await other.list(user.id, ctx.now), []);

        const undone = await ctx.user();
        const claimed = ctx.record(undone.id);
        await ctx.tokens.issue(claimed);
        let counted: number | undefined;
        await failedRedeemWhile(ctx.tokens, claimed, ctx.now, async () => {
          counted = await other.revoke(undone.id, one ? claimed.id : null, ctx.now);
        });
        assert.ok(counted === 0 || counted === 1, `revokeOutstanding counted ${counted} for one token`);
        assert.equal(await ctx.tokens.find(claimed.id, ctx.now), null, 'the undone claim brought back a token revoked by revokeOutstanding meanwhile');
        const spy = applySpy();
        assert.equal(await ctx.tokens.redeem(claimed.id, ctx.now, spy.apply), null);
        assert.equal(spy.calls.length, 0);
      }
    },
  },
  {
    id: 'token.revoke-outstanding-races-redeem',
    title: 'revokeOutstanding racing redeem of the same token: exactly one wins (counted and not redeemed, or redeemed and not counted)',
    concurrent: true,
    requiresTokenStore: OUTSTANDING_MEMBERS,
    async run(ctx, settings) {
      const rounds = Math.max(4, settings.concurrentAttempts);
      const users = await Promise.all(Array.from({ length: rounds }, () => ctx.user()));
      const records = users.map((user) => ctx.record(user.id));
      for (const record of records) await ctx.tokens.issue(record);
      const outcomes = await Promise.all(
        records.map(async (record, i) => {
          // Alternate which pair redeems, which call starts first, and one token or all.
          const [first, second] = i % 2 === 0 ? ctx.pairs : [ctx.pairs[1], ctx.pairs[0]];
          const redeemer = first.tokens;
          const revoker = outstanding(second.tokens);
          const spy = applySpy();
          const apply = async (claimed: ResetTokenRecord) => {
            await new Promise((resolve) => setImmediate(resolve));
            await spy.apply(claimed);
          };
          const redeem = () => redeemer.redeem(record.id, ctx.now, apply);
          const revoke = () => revoker.revoke(record.userId, i % 4 < 2 ? null : record.id, ctx.now);
          let redeemed: ResetTokenRecord | null;
          let counted: number;
          if (i % 3 === 0) [redeemed, counted] = await Promise.all([redeem(), revoke()]);
          else [counted, redeemed] = await Promise.all([revoke(), redeem()]);
          return { redeemed: redeemed !== null, counted, applied: spy.calls.length };
        }),
      );
      for (const [i, { redeemed, counted, applied }] of outcomes.entries()) {
        assert.ok(counted === 0 || counted === 1, `round ${i}: revokeOutstanding counted ${String(counted)} for one token`);
        assert.equal(redeemed, counted === 0, `round ${i}: ${redeemed ? 'both the redemption and the revoke won' : 'neither the redemption nor the revoke won'}`);
        assert.equal(applied, redeemed ? 1 : 0, `round ${i}: apply ran ${applied} time(s) for a redemption that ${redeemed ? 'won' : 'lost'}`);
      }
      for (const record of records) assert.equal(await ctx.tokens.find(record.id, ctx.now), null, 'a token is usable after the race');
    },
  },
];
