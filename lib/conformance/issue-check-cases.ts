/**
 * Conformance cases for the members that save an issue round trips: the optional
 * `UserStore.findByIds` (the caller and the target in one read) and `TokenStore.issueAndCheck`
 * (an issue and, after its commit, one read of the token and its user's hash).
 */
import assert from 'node:assert/strict';
import type { IssuedTokenCheck, ResetTokenRecord, TokenStore } from '../types.ts';
import type { CaseDefinition } from './case-definition.ts';

function issueAndCheck(tokens: TokenStore): (record: ResetTokenRecord, now: Date) => Promise<IssuedTokenCheck> {
  const member = tokens.issueAndCheck;
  assert.ok(typeof member === 'function', 'the store has no TokenStore.issueAndCheck');
  return async (record, now) => ({ ...(await member.call(tokens, record, now)) });
}

export const issueCheckCases: readonly CaseDefinition[] = [
  {
    id: 'user.find-by-ids',
    title: 'findByIds resolves what findById does for each id, in their order, null for none, a repeated id twice',
    requires: 'findByIds',
    async run(ctx) {
      const findByIds = ctx.need('findByIds').bind(ctx.users);
      const [a, b] = [await ctx.user(), await ctx.user({ passwordHash: null })];
      const missing = ctx.missingId();
      const ids = [b.id, missing, a.id, b.id];
      const found = [...(await findByIds(ids))].map((user) => (user === null ? null : { ...user }));
      const one = await Promise.all(ids.map(async (id) => ctx.users.findById(id)));
      assert.deepEqual(
        found,
        one.map((user) => (user === null ? null : { ...user })),
        'findByIds differs from findById',
      );
      assert.equal(found[0]?.id, b.id);
      assert.equal(found[1], null);
      assert.equal(found[2]?.id, a.id);
      assert.deepEqual([...(await findByIds([]))], []);
    },
  },
  {
    id: 'token.issue-and-check',
    title: "issueAndCheck issues as issue does (superseding the user's older tokens only) and reads the token outstanding and the user's current hash",
    requiresTokenStore: ['issueAndCheck'],
    async run(ctx) {
      const check = issueAndCheck(ctx.tokens);
      const user = await ctx.user();
      const other = await ctx.user();
      const older = ctx.record(user.id);
      const others = ctx.record(other.id);
      await ctx.tokens.issue(older);
      await ctx.tokens.issue(others);
      const newer = ctx.record(user.id, { issuedAt: ctx.at(1000), expiresAt: ctx.at(16 * 60_000) });
      assert.deepEqual(await check(newer, ctx.at(1000)), { outstanding: true, passwordHash: 'hash-0' });
      assert.equal(await ctx.tokens.find(older.id, ctx.at(1000)), null, 'the older token survived');
      assert.ok(await ctx.pairs[1].tokens.find(newer.id, ctx.at(1000)), 'the issued token is not usable (on the other pair)');
      assert.ok(await ctx.tokens.find(others.id, ctx.at(1000)), "another user's token was superseded");

      // The hash is read as it is now, not as the record's stamp was made.
      assert.equal(await ctx.users.setPassword(user.id, { passwordHash: 'hash-1', previousHash: 'hash-0', historySize: 0, reinstate: false }), true);
      const afterWrite = ctx.record(user.id, { issuedAt: ctx.at(2000), expiresAt: ctx.at(16 * 60_000) });
      assert.deepEqual(await check(afterWrite, ctx.at(2000)), { outstanding: true, passwordHash: 'hash-1' });
      assert.equal(await ctx.tokens.find(newer.id, ctx.at(2000)), null, 'the token issued before was not superseded');
    },
  },
  {
    id: 'token.issue-and-check-edges',
    title: 'issueAndCheck reads null for a user without a password, undefined for no such user, and judges expiry by now',
    requiresTokenStore: ['issueAndCheck'],
    async run(ctx) {
      const check = issueAndCheck(ctx.tokens);
      const passwordless = await ctx.user({ passwordHash: null });
      assert.deepEqual(await check(ctx.record(passwordless.id), ctx.now), { outstanding: true, passwordHash: null });
      const missing = ctx.record(ctx.missingId());
      assert.deepEqual(await check(missing, ctx.now), { outstanding: true, passwordHash: undefined });
      const user = await ctx.user();
      const short = ctx.record(user.id, { expiresAt: ctx.at(1000) });
      assert.deepEqual(await check(short, ctx.at(1000)), { outstanding: false, passwordHash: 'hash-0' }, 'a token expired at now must read as not outstanding');
    },
  },
  {
    id: 'token.issue-and-check-concurrent',
    title: 'N concurrent issueAndCheck calls for one user leave exactly one usable token, and its own read saw it outstanding',
    concurrent: true,
    requiresTokenStore: ['issueAndCheck'],
    async run(ctx, settings) {
      const user = await ctx.user();
      const count = Math.max(2, settings.concurrentAttempts);
      const records = Array.from({ length: count }, () => ctx.record(user.id));
      const checks = await ctx.spread(count, (pair, i) => issueAndCheck(pair.tokens)(records[i] as ResetTokenRecord, ctx.now));
      for (const seen of checks) assert.equal(seen.passwordHash, 'hash-0');
      for (const pair of ctx.pairs) {
        const found = await Promise.all(records.map((record) => pair.tokens.find(record.id, ctx.now)));
        const live = found.flatMap((record, i) => (record === null ? [] : [i]));
        assert.equal(live.length, 1, `${live.length} of ${count} concurrently issued tokens are usable; a newer token must supersede the others`);
        assert.equal(checks[live[0] as number]?.outstanding, true, "the surviving token's own read said it was not outstanding");
      }
    },
  },
];
