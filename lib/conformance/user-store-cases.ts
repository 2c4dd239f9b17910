/** Conformance cases for every member of `UserStore`. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FailedAttemptInput, FailedAttemptResult, LockoutAction, PasswordWrite } from '../types.ts';
import type { StorePair } from './case-context.ts';
import type { CaseDefinition } from './case-definition.ts';

const REVOKE: LockoutAction = { mode: 'revoke' };
const TEMPORARY: LockoutAction = { mode: 'temporary', baseMs: 1000, maxMs: 3000 };

/**
 * A password write replacing `hash-0` (the hash every case user starts with), with no history and
 * no reinstatement, for cases that only care about one field.
 */
function write(passwordHash: string, overrides: Partial<PasswordWrite> = {}): PasswordWrite {
  return { passwordHash, previousHash: 'hash-0', historySize: 0, reinstate: false, ...overrides };
}

/** Repeats `fn` one call at a time, in order. */
async function times<T>(count: number, fn: () => T | Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i++) results.push(await fn());
  return results;
}

/** `recordFailedAttempt` on one pair's user store (the case checked that the first pair has it). */
function recordOn(pair: StorePair, id: string, input: FailedAttemptInput): Promise<FailedAttemptResult | null> {
  const record = pair.users.recordFailedAttempt;
  if (typeof record !== 'function') throw new assert.AssertionError({ message: 'the second pair has no UserStore.recordFailedAttempt' });
  return Promise.resolve(record.call(pair.users, id, input));
}

/** The user-store cases, in a stable order. */
export const userStoreCases: readonly CaseDefinition[] = [
  {
    id: 'user.find-by-id',
    title: 'findById returns the stored user',
    async run(ctx) {
      const created = await ctx.user();
      const found = await ctx.users.findById(created.id);
      assert.ok(found, 'findById returned null for an existing user');
      assert.equal(found.id, created.id);
      assert.equal(found.login, created.login);
      assert.equal(found.passwordHash, 'hash-0');
      assert.equal(found.isRemote, false);
      assert.equal(found.isRevoked, false);
      assert.equal(found.failedAttempts ?? 0, 0);
      assert.equal(found.lockedUntil ?? null, null);
    },
  },
  {
    id: 'user.find-by-id-flags',
    title: 'findById reports the remote and revoked flags',
    async run(ctx) {
      const remote = await ctx.user({ isRemote: true, passwordHash: null });
      const revoked = await ctx.user({ isRevoked: true });
      const foundRemote = await ctx.users.findById(remote.id);
      const foundRevoked = await ctx.users.findById(revoked.id);
      assert.equal(foundRemote?.isRemote, true);
      assert.equal(foundRemote?.passwordHash, null);
      assert.equal(foundRevoked?.isRevoked, true);
    },
  },
  {
    id: 'user.find-by-id-missing',
    title: 'findById returns null for an unknown id',
    async run(ctx) {
      await ctx.user();
      assert.equal(await ctx.users.findById(ctx.missingId()), null);
    },
  },
  {
    id: 'user.find-by-login',
    title: 'findByLogin returns the user with that exact login, or null',
    async run(ctx) {
      const findByLogin = ctx.need('findByLogin');
      const created = await ctx.user();
      assert.equal((await findByLogin(created.login))?.id, created.id);
      assert.equal(await findByLogin(`${created.login}-missing`), null);
    },
  },
  {
    id: 'user.find-by-email',
    title: 'findByEmail returns the user with that exact stored email, or null',
    requires: 'findByEmail',
    async run(ctx) {
      const findByEmail = ctx.need('findByEmail');
      const email = `conformance-${randomBytes(6).toString('hex')}@example.com`;
      const created = await ctx.user({ email });
      const found = await findByEmail(email);
      assert.equal(found?.id, created.id, 'findByEmail did not find the user by the address it was created with');
      assert.equal(found?.email, email, 'the found user must carry its stored email');
      assert.equal(await findByEmail(`missing-${email}`), null);
    },
  },
  {
    id: 'user.find-by-email-exact',
    title: 'findByEmail folds neither case nor Unicode: a look-alike address (dotless ı) finds nobody',
    requires: 'findByEmail',
    async run(ctx) {
      const findByEmail = ctx.need('findByEmail');
      const tag = randomBytes(6).toString('hex');
      await ctx.user({ email: `mike-${tag}@example.com` });
      // U+0131 upper-cases to I, so a store comparing upper(email) would hand mike's account to this address.
      assert.equal(await findByEmail(`m\u0131ke-${tag}@example.com`), null, 'dotless ı matched i');
      assert.equal(await findByEmail(`MIKE-${tag}@example.com`), null, 'upper case matched lower case');
      assert.equal(await findByEmail(`mike-${tag}@example.com `), null, 'a trailing space matched');
    },
  },
  {
    id: 'user.find-by-email-shared',
    title: 'findByEmail returns null when two users share the address',
    requires: 'findByEmail',
    async run(ctx) {
      const findByEmail = ctx.need('findByEmail');
      const email = `shared-${randomBytes(6).toString('hex')}@example.com`;
      await ctx.user({ email });
      await ctx.user({ email });
      assert.equal(await findByEmail(email), null);
    },
  },
  {
    id: 'user.set-password',
    title: 'setPassword writes the hash and returns true',
    async run(ctx) {
      const user = await ctx.user();
      const other = await ctx.user();
      assert.equal(await ctx.users.setPassword(user.id, write('hash-1')), true);
      assert.equal((await ctx.users.findById(user.id))?.passwordHash, 'hash-1');
      assert.equal((await ctx.users.findById(other.id))?.passwordHash, 'hash-0', 'another user was changed');
    },
  },
  {
    id: 'user.set-password-compare-and-set',
    title: 'setPassword writes only while the current hash equals previousHash; of concurrent writes one wins',
    concurrent: true,
    async run(ctx) {
      const user = await ctx.user();
      assert.equal(await ctx.users.setPassword(user.id, write('hash-x', { previousHash: 'not-the-current-hash' })), false);
      assert.equal((await ctx.users.findById(user.id))?.passwordHash, 'hash-0', 'a stale write changed the hash');
      const results = await ctx.spread(10, (pair, i) => pair.users.setPassword(user.id, write(`hash-c${i}`)));
      assert.equal(results.filter(Boolean).length, 1, `${results.filter(Boolean).length} concurrent writes won`);
      const winner = results.indexOf(true);
      assert.equal((await ctx.users.findById(user.id))?.passwordHash, `hash-c${winner}`);
    },
  },
  {
    id: 'user.set-password-null-previous',
    title: 'setPassword with previousHash null writes only while the user has no hash; of concurrent writes one wins',
    concurrent: true,
    async run(ctx) {
      const user = await ctx.user();
      assert.equal(await ctx.users.setPassword(user.id, write('hash-x', { previousHash: null })), false, 'previousHash null overwrote an existing hash');
      assert.equal((await ctx.users.findById(user.id))?.passwordHash, 'hash-0', 'previousHash null overwrote an existing hash');
      const fresh = await ctx.user({ passwordHash: null });
      const results = await ctx.spread(10, (pair, i) => pair.users.setPassword(fresh.id, write(`first-${i}`, { previousHash: null })));
      assert.equal(results.filter(Boolean).length, 1, `${results.filter(Boolean).length} concurrent first writes won`);
      assert.equal((await ctx.users.findById(fresh.id))?.passwordHash, `first-${results.indexOf(true)}`);
    },
  },
  {
    id: 'user.set-password-upgrade-race',
    title: 'setPassword compare-and-set: a hash upgrade and a change on the same old hash, concurrently; one wins, the change lands, a late upgrade writes nothing',
    concurrent: true,
    async run(ctx) {
      const user = await ctx.user();
      for (let round = 0; round < 5; round++) {
        const old = round === 0 ? 'hash-0' : `changed-${round - 1}`;
        const [upgraded, changed] = await ctx.spread(2, (pair, i) =>
          pair.users.setPassword(user.id, i === 0 ? write(`upgraded-${round}`, { previousHash: old, rehash: true }) : write(`changed-${round}`, { previousHash: old })),
        );
        assert.equal(Number(upgraded) + Number(changed), 1, `round ${round}: ${Number(upgraded) + Number(changed)} of the two concurrent writes won`);
        // The library retries a change that lost to an upgrade of the same password, on the upgraded hash.
        if (upgraded) assert.equal(await ctx.users.setPassword(user.id, write(`changed-${round}`, { previousHash: `upgraded-${round}` })), true);
        assert.equal((await ctx.users.findById(user.id))?.passwordHash, `changed-${round}`);
        assert.equal(await ctx.users.setPassword(user.id, write(`late-upgrade-${round}`, { previousHash: old, rehash: true })), false, 'a late upgrade overwrote the change');
        assert.equal((await ctx.users.findById(user.id))?.passwordHash, `changed-${round}`);
      }
    },
  },
  {
    id: 'user.set-password-missing',
    title: 'setPassword returns false for an unknown user',
    async run(ctx) {
      assert.equal(await ctx.users.setPassword(ctx.missingId(), write('hash-1')), false);
    },
  },
  {
    id: 'user.password-history-order',
    title: 'setPassword keeps previous hashes, most recent first, trimmed to historySize',
    async run(ctx) {
      const history = ctx.need('getPasswordHistory');
      const user = await ctx.user();
      for (let i = 1; i <= 4; i++) {
        await ctx.users.setPassword(user.id, write(`hash-${i}`, { previousHash: `hash-${i - 1}`, historySize: 3 }));
      }
      assert.deepEqual([...(await history(user.id, 10))], ['hash-3', 'hash-2', 'hash-1']);
      assert.deepEqual([...(await history(user.id, 2))], ['hash-3', 'hash-2'], 'limit is not applied');
      assert.deepEqual([...(await history(user.id, 0))], []);
    },
  },
  {
    id: 'user.password-history-trim',
    title: 'a smaller historySize trims, 0 drops every kept hash, and a null previousHash adds nothing',
    async run(ctx) {
      const history = ctx.need('getPasswordHistory');
      const user = await ctx.user();
      for (let i = 1; i <= 3; i++) {
        await ctx.users.setPassword(user.id, write(`hash-${i}`, { previousHash: `hash-${i - 1}`, historySize: 5 }));
      }
      await ctx.users.setPassword(user.id, write('hash-4', { previousHash: 'hash-3', historySize: 2 }));
      assert.deepEqual([...(await history(user.id, 10))], ['hash-3', 'hash-2']);
      await ctx.users.setPassword(user.id, write('hash-5', { previousHash: 'hash-4', historySize: 0 }));
      assert.deepEqual([...(await history(user.id, 10))], []);
      assert.equal((await ctx.users.findById(user.id))?.passwordHash, 'hash-5');
      const fresh = await ctx.user({ passwordHash: null });
      assert.equal(await ctx.users.setPassword(fresh.id, write('fresh-1', { previousHash: null, historySize: 2 })), true);
      assert.deepEqual([...(await history(fresh.id, 10))], [], 'a null previousHash was kept in the history');
    },
  },
  {
    id: 'user.password-history-separate',
    title: "getPasswordHistory returns only this user's hashes, and none for an unknown user",
    async run(ctx) {
      const history = ctx.need('getPasswordHistory');
      const a = await ctx.user({ passwordHash: 'a-0' });
      const b = await ctx.user({ passwordHash: 'b-0' });
      await ctx.users.setPassword(a.id, write('a-1', { previousHash: 'a-0', historySize: 3 }));
      await ctx.users.setPassword(b.id, write('b-1', { previousHash: 'b-0', historySize: 3 }));
      assert.deepEqual([...(await history(a.id, 10))], ['a-0']);
      assert.deepEqual([...(await history(ctx.missingId(), 10))], []);
    },
  },
  {
    id: 'user.set-password-reinstate',
    title: 'setPassword with reinstate clears revocation, counter and lock',
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const revoked = await ctx.failedUser(2, REVOKE, 2);
      assert.equal((await ctx.users.findById(revoked.id))?.isRevoked, true);
      await ctx.users.setPassword(revoked.id, write('hash-1', { reinstate: true }));
      const after = await ctx.users.findById(revoked.id);
      assert.equal(after?.isRevoked, false);
      assert.equal(after?.failedAttempts ?? 0, 0);
      assert.equal((await record(revoked.id, ctx.attempt(2, REVOKE)))?.failedAttempts, 1, 'the counter did not restart');

      const locked = await ctx.failedUser(2, TEMPORARY, 2);
      assert.ok((await ctx.users.findById(locked.id))?.lockedUntil, 'temporary lock not visible in findById');
      await ctx.users.setPassword(locked.id, write('hash-1', { reinstate: true }));
      assert.equal((await ctx.users.findById(locked.id))?.lockedUntil ?? null, null);
    },
  },
  {
    id: 'user.set-password-keeps-state',
    title: 'setPassword without reinstate leaves revocation and counter alone',
    async run(ctx) {
      const user = await ctx.failedUser(2, REVOKE, 2);
      await ctx.users.setPassword(user.id, write('hash-1'));
      const after = await ctx.users.findById(user.id);
      assert.equal(after?.passwordHash, 'hash-1');
      assert.equal(after?.isRevoked, true);
      assert.equal(after?.failedAttempts ?? 0, 2);
    },
  },
  {
    id: 'user.failed-attempt-missing',
    title: 'recordFailedAttempt returns null for an unknown user',
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      assert.equal(await record(ctx.missingId(), ctx.attempt(3, REVOKE)), null);
    },
  },
  {
    id: 'user.failed-attempt-counts',
    title: 'recordFailedAttempt counts one per call below the threshold',
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const user = await ctx.user();
      const results = await times(4, () => record(user.id, ctx.attempt(5, REVOKE)));
      assert.deepEqual(
        results.map((r) => [r?.failedAttempts, r?.lockedNow, r?.isRevoked]),
        [1, 2, 3, 4].map((n) => [n, false, false]),
      );
      assert.equal((await ctx.users.findById(user.id))?.failedAttempts, 4);
    },
  },
  {
    id: 'user.lockout-revoke-at-threshold',
    title: "'revoke' mode revokes exactly at the threshold and never counts past it",
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const user = await ctx.user();
      const [first, second, third, fourth] = await times(4, () => record(user.id, ctx.attempt(3, REVOKE)));
      assert.deepEqual([first?.lockedNow, second?.lockedNow], [false, false]);
      assert.equal(second?.isRevoked, false, 'revoked before the threshold');
      assert.deepEqual(third, { failedAttempts: 3, lockedNow: true, isRevoked: true, lockedUntil: null });
      assert.deepEqual(fourth, { failedAttempts: 3, lockedNow: false, isRevoked: true, lockedUntil: null });
      const after = await ctx.users.findById(user.id);
      assert.equal(after?.isRevoked, true);
      assert.equal(after?.failedAttempts, 3);
    },
  },
  {
    id: 'user.lockout-temporary',
    title: "'temporary' mode locks for min(base * 2^lockouts, max), does not count while locked, restarts the counter",
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const user = await ctx.user();
      const lockAt = async (start: Date, expectedMs: number) => {
        const first = await record(user.id, ctx.attempt(2, TEMPORARY, start));
        assert.equal(first?.failedAttempts, 1, 'the counter did not restart after the lock');
        assert.equal(first?.lockedNow, false);
        const second = await record(user.id, ctx.attempt(2, TEMPORARY, start));
        assert.equal(second?.lockedNow, true);
        assert.equal(second?.isRevoked, false, "'temporary' mode must not revoke");
        // The contract says both "the counter after this call" and "restarts at 0 after each
        // lock", so either reading is accepted for the locking call.
        assert.ok(second?.failedAttempts === 0 || second?.failedAttempts === 2, `failedAttempts ${second?.failedAttempts}`);
        assert.equal(second?.lockedUntil?.getTime(), start.getTime() + expectedMs);
        return start.getTime() + expectedMs;
      };
      const until1 = await lockAt(ctx.now, 1000);
      const during = await record(user.id, ctx.attempt(2, TEMPORARY, new Date(until1 - 1)));
      assert.equal(during?.lockedNow, false);
      assert.equal(during?.lockedUntil?.getTime(), until1, 'an attempt during the lock changed it');
      assert.equal((await ctx.users.findById(user.id))?.lockedUntil?.getTime(), until1);
      const until2 = await lockAt(new Date(until1), 2000);
      await lockAt(new Date(until2 + 1), 3000); // 4000 capped at maxMs
    },
  },
  {
    id: 'user.lockout-after-outside-reinstatement',
    title: 'when the host clears the revoked flag but not the counter, the next failed attempt locks again, exactly once',
    concurrent: true,
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const user = await ctx.failedUser(3, REVOKE, 3);
      assert.equal((await ctx.users.findById(user.id))?.isRevoked, true);
      await ctx.clearRevokedFlag(user.id);
      const reinstated = await ctx.users.findById(user.id);
      assert.equal(reinstated?.isRevoked, false, 'clearRevokedFlag did not clear the flag');
      assert.equal(reinstated?.failedAttempts, 3, 'clearRevokedFlag must leave the counter alone');
      const next = await record(user.id, ctx.attempt(3, REVOKE));
      assert.deepEqual(
        next,
        { failedAttempts: 3, lockedNow: true, isRevoked: true, lockedUntil: null },
        'a failed attempt with the counter already at the threshold did not lock again: guessing could go on for ever',
      );

      // The same across instances: of concurrent attempts, exactly one locks.
      await ctx.clearRevokedFlag(user.id);
      const results = await ctx.spread(6, (pair) => recordOn(pair, user.id, ctx.attempt(3, REVOKE)));
      assert.equal(results.filter((r) => r?.lockedNow).length, 1, 'not exactly one of the concurrent attempts locked again');
      assert.ok(
        results.every((r) => (r?.failedAttempts ?? 0) <= 3),
        'counted past the threshold',
      );
      assert.equal((await ctx.users.findById(user.id))?.isRevoked, true);
    },
  },
  {
    id: 'user.failed-attempt-revoked-user',
    title: 'recordFailedAttempt does not count for a revoked user',
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const user = await ctx.user({ isRevoked: true });
      const result = await record(user.id, ctx.attempt(3, REVOKE));
      assert.equal(result?.failedAttempts, 0);
      assert.equal(result?.lockedNow, false);
      assert.equal(result?.isRevoked, true);
    },
  },
  {
    id: 'user.failed-attempt-concurrent',
    title: 'N concurrent failed attempts count exactly N',
    concurrent: true,
    async run(ctx, settings) {
      ctx.need('recordFailedAttempt');
      const user = await ctx.user();
      const n = settings.concurrentAttempts;
      const results = await ctx.spread(n, (pair) => recordOn(pair, user.id, ctx.attempt(n + 10, REVOKE)));
      const counts = results.map((r) => r?.failedAttempts ?? -1).sort((a, b) => a - b);
      assert.deepEqual(
        counts,
        Array.from({ length: n }, (_, i) => i + 1),
        'two calls saw the same count',
      );
      assert.equal((await ctx.users.findById(user.id))?.failedAttempts, n);
    },
  },
  {
    id: 'user.lockout-concurrent',
    title: 'concurrent failed attempts past the threshold lock exactly once, at the threshold',
    concurrent: true,
    async run(ctx, settings) {
      ctx.need('recordFailedAttempt');
      const threshold = Math.max(2, Math.floor(settings.concurrentAttempts / 2));
      for (const action of [REVOKE, TEMPORARY]) {
        const user = await ctx.user();
        const results = await ctx.spread(threshold * 3, (pair) => recordOn(pair, user.id, ctx.attempt(threshold, action)));
        assert.equal(results.filter((r) => r?.lockedNow).length, 1, `${action.mode}: not exactly one lockedNow`);
        assert.ok(
          results.every((r) => (r?.failedAttempts ?? 0) <= threshold),
          `${action.mode}: counted past the threshold`,
        );
        const after = await ctx.users.findById(user.id);
        if (action.mode === 'revoke') {
          assert.equal(after?.isRevoked, true);
          assert.equal(after?.failedAttempts, threshold);
        } else {
          assert.equal(after?.isRevoked, false);
          assert.equal(after?.lockedUntil?.getTime(), ctx.now.getTime() + 1000);
        }
      }
    },
  },
  {
    id: 'user.clear-failed-attempts',
    title: 'clearFailedAttempts resets the counter and lock history but not revocation',
    async run(ctx) {
      const record = ctx.need('recordFailedAttempt');
      const clear = ctx.need('clearFailedAttempts');
      const counting = await ctx.failedUser(5, REVOKE, 2);
      await clear(counting.id);
      assert.equal((await ctx.users.findById(counting.id))?.failedAttempts ?? 0, 0);
      assert.equal((await record(counting.id, ctx.attempt(5, REVOKE)))?.failedAttempts, 1);

      const revoked = await ctx.failedUser(2, REVOKE, 2);
      await clear(revoked.id);
      const after = await ctx.users.findById(revoked.id);
      assert.equal(after?.isRevoked, true, 'clearFailedAttempts reinstated the user');
      assert.equal(after?.failedAttempts ?? 0, 0);

      // After a temporary lock ran out and a login succeeded, the next lock starts from baseMs again.
      const locked = await ctx.failedUser(2, TEMPORARY, 2);
      await clear(locked.id);
      const later = ctx.at(5000);
      await record(locked.id, ctx.attempt(2, TEMPORARY, later));
      const relocked = await record(locked.id, ctx.attempt(2, TEMPORARY, later));
      assert.equal(relocked?.lockedUntil?.getTime(), later.getTime() + 1000, 'lock history was not reset');

      await clear(ctx.missingId());
    },
  },
  {
    id: 'user.set-revoked',
    title: 'setRevoked(true) revokes, and the revoked user is not counted',
    async run(ctx) {
      const setRevoked = ctx.need('setRevoked');
      const user = await ctx.user();
      assert.equal(await setRevoked(user.id, true), true);
      assert.equal((await ctx.users.findById(user.id))?.isRevoked, true);
      const record = ctx.users.recordFailedAttempt?.bind(ctx.users);
      if (record) assert.equal((await record(user.id, ctx.attempt(3, REVOKE)))?.failedAttempts, 0);
    },
  },
  {
    id: 'user.set-revoked-reinstate',
    title: 'setRevoked(false) reinstates and clears counter and temporary lock',
    async run(ctx) {
      const setRevoked = ctx.need('setRevoked');
      const record = ctx.need('recordFailedAttempt');
      const revoked = await ctx.failedUser(3, REVOKE, 3);
      assert.equal(await setRevoked(revoked.id, false), true);
      const after = await ctx.users.findById(revoked.id);
      assert.equal(after?.isRevoked, false);
      assert.equal(after?.failedAttempts ?? 0, 0);

      const locked = await ctx.failedUser(2, TEMPORARY, 2);
      await setRevoked(locked.id, false);
      assert.equal((await ctx.users.findById(locked.id))?.lockedUntil ?? null, null);
      assert.equal((await record(locked.id, ctx.attempt(2, TEMPORARY)))?.failedAttempts, 1, 'still locked after reinstating');
    },
  },
  {
    id: 'user.set-revoked-missing',
    title: 'setRevoked returns false for an unknown user',
    async run(ctx) {
      const setRevoked = ctx.need('setRevoked');
      assert.equal(await setRevoked(ctx.missingId(), true), false);
      assert.equal(await setRevoked(ctx.missingId(), false), false);
    },
  },
  {
    id: 'user.record-login',
    title: 'recordLogin accepts known and unknown users without touching lockout state',
    async run(ctx) {
      const recordLogin = ctx.need('recordLogin');
      const user = await ctx.user({ isRevoked: true });
      await recordLogin(user.id, ctx.now);
      await recordLogin(ctx.missingId(), ctx.now);
      const after = await ctx.users.findById(user.id);
      assert.equal(after?.isRevoked, true);
      assert.equal(after?.passwordHash, 'hash-0');
    },
  },
];
