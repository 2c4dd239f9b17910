/**
 * PostgreSQL adapter on the real server from DATABASE_URL: concurrency across independent pools
 * (as two app instances would have), a single shared Client, concurrent migrations, and the
 * statement timeout. PGlite cannot show any of this: it has one connection.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPostgresStores, LATEST_SCHEMA_VERSION, type PostgresStores } from '../../lib/postgres/index.ts';
import type { ResetTokenRecord } from '../../lib/types.ts';
import { DATABASE_URL, openServerRun, SERVER_SKIP, uniqueName, type ServerRun } from '../helpers/postgres-fixtures.ts';

function tokenFor(userId: string): ResetTokenRecord {
  const now = new Date();
  return { id: randomUUID(), userId, issuedAt: now, expiresAt: new Date(now.getTime() + 60_000), issuedBy: null, passwordStamp: 's' };
}

describe('PostgreSQL adapter on the real server (DATABASE_URL)', { skip: SERVER_SKIP }, () => {
  let run: ServerRun;
  before(async () => {
    run = await openServerRun();
  });
  after(async () => {
    await run?.end();
  });

  // Each test's two pools end with it, so that their connections do not add up over the file.
  const testPools: pg.Pool[] = [];
  afterEach(async () => {
    await Promise.all(testPools.splice(0).map((pool) => pool.end()));
  });

  /** Two store sets on the same tables, each with its own pool (of 10): two app instances. */
  async function twoInstances(): Promise<[PostgresStores, PostgresStores]> {
    const prefix = `${uniqueName('two')}_`;
    const options = { schema: run.schema, usersTable: `${prefix}users`, tablePrefix: prefix, createUsersTable: true };
    const [firstPool, secondPool] = [run.newPool(), run.newPool()];
    testPools.push(firstPool, secondPool);
    const first = createPostgresStores(firstPool, options);
    const second = createPostgresStores(secondPool, options);
    // Both instances migrate at startup, concurrently; the advisory lock applies each version once.
    const results = await Promise.all([first.migrate(), second.migrate()]);
    assert.deepEqual(results.map((r) => r.applied.length).sort(), [0, LATEST_SCHEMA_VERSION]);
    return [first, second];
  }

  test('40 concurrent redeems of one token across two pools: exactly one applies', async () => {
    const [a, b] = await twoInstances();
    const user = await a.userStore.createUser({ login: 'ann', passwordHash: 'old' });
    const token = tokenFor(user.id);
    await a.tokenStore.issue(token);
    let applied = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const stores = i % 2 === 0 ? a : b;
        return stores.tokenStore.redeem(token.id, new Date(), async (record) => {
          applied++;
          await stores.userStore.setPassword(record.userId, { passwordHash: `new-${i}`, previousHash: 'old', historySize: 5, reinstate: true });
        });
      }),
    );
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.equal(applied, 1);
    assert.deepEqual(await a.userStore.getPasswordHistory(user.id, 10), ['old']);
  });

  test('20 concurrent failed attempts across two pools with threshold 10 lock at exactly 10', async () => {
    const [a, b] = await twoInstances();
    const user = await a.userStore.createUser({ login: 'ann', passwordHash: 'old' });
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).userStore.recordFailedAttempt(user.id, { threshold: 10, action: { mode: 'revoke' }, now })),
    );
    assert.equal(results.filter((r) => r?.lockedNow).length, 1);
    assert.ok(
      results.every((r) => r !== null && r.failedAttempts <= 10),
      'counted past the threshold',
    );
    const after = await b.userStore.findById(user.id);
    assert.equal(after?.failedAttempts, 10);
    assert.equal(after?.isRevoked, true);
  });

  test('concurrent issues for one user leave exactly one usable token', async () => {
    const [a, b] = await twoInstances();
    const user = await a.userStore.createUser({ login: 'ann', passwordHash: 'old' });
    const tokens = Array.from({ length: 10 }, () => tokenFor(user.id));
    await Promise.all(tokens.map((t, i) => (i % 2 === 0 ? a : b).tokenStore.issue(t)));
    const usable = await Promise.all(tokens.map((t) => a.tokenStore.find(t.id, new Date())));
    assert.equal(usable.filter((r) => r !== null).length, 1);
  });

  test('a single shared pg Client serializes transactions: one redeem wins, counts stay exact', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const prefix = `${uniqueName('single')}_`;
      const stores = createPostgresStores(client, { schema: run.schema, usersTable: `${prefix}users`, tablePrefix: prefix, createUsersTable: true });
      await stores.migrate();
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'old' });
      const token = tokenFor(user.id);
      await stores.tokenStore.issue(token);
      let applied = 0;
      const redeems = Array.from({ length: 10 }, () =>
        stores.tokenStore.redeem(token.id, new Date(), async (record) => {
          applied++;
          await stores.userStore.setPassword(record.userId, { passwordHash: 'new', previousHash: 'old', historySize: 2, reinstate: true });
        }),
      );
      // Statements outside the transactions interleave with them without joining them.
      const attempts = Array.from({ length: 5 }, () => stores.userStore.recordFailedAttempt(user.id, { threshold: 100, action: { mode: 'revoke' }, now: new Date() }));
      const failing = stores.tokenStore.redeem(token.id, new Date(), async () => {
        throw new Error('rolled back');
      });
      const [redeemResults, attemptResults, failed] = await Promise.all([Promise.all(redeems), Promise.all(attempts), failing.catch((e: Error) => e)]);
      assert.equal(redeemResults.filter((r) => r !== null).length, 1);
      assert.equal(applied, 1);
      assert.deepEqual(attemptResults.map((r) => r?.failedAttempts).sort(), [1, 2, 3, 4, 5]);
      // The failing redeem either lost the race (null) or won it and rolled back (its error).
      assert.ok(failed === null || (failed instanceof Error && failed.message === 'rolled back'));
      const after = await stores.userStore.findById(user.id);
      assert.equal(after?.passwordHash, 'new');
    } finally {
      await client.end();
    }
  });

  test('the one-round-trip issue script, on a single Client and on a Pool: exact values, one survivor, a failure rolls back and frees the connection', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      for (const db of [client, run.pool]) {
        const prefix = `${uniqueName('script')}_`;
        const stores = createPostgresStores(db, { schema: run.schema, usersTable: `${prefix}users`, tablePrefix: prefix, createUsersTable: true });
        await stores.migrate();
        const user = await stores.userStore.createUser({ login: 'ann', passwordHash: "o'ld\\hash" });
        // The script's values are spliced in as literals: quotes, backslashes and non-ASCII come back exactly.
        const odd = { ...tokenFor(user.id), issuedBy: "admin'; DROP TABLE x; --\\ é", passwordStamp: "st\\'amp" };
        assert.deepEqual(await stores.tokenStore.issueAndCheck(odd, new Date()), { outstanding: true, passwordHash: "o'ld\\hash" });
        assert.deepEqual(await stores.tokenStore.find(odd.id, new Date()), odd);
        // Ten concurrent issues: one survivor, whose own read saw it outstanding.
        const records = Array.from({ length: 10 }, () => tokenFor(user.id));
        const checks = await Promise.all(records.map((record) => stores.tokenStore.issueAndCheck(record, new Date())));
        const found = await Promise.all(records.map((record) => stores.tokenStore.find(record.id, new Date())));
        const live = found.flatMap((record, i) => (record === null ? [] : [i]));
        assert.equal(live.length, 1, `${live.length} of 10 concurrent issues survived`);
        assert.equal(checks[live[0] as number]?.outstanding, true);
        // A statement inside the script fails (the id is taken): all of it rolls back, so the
        // survivor stays, and the connection (a single Client, too) and the user's lock are free again.
        const survivor = records[live[0] as number] as ResetTokenRecord;
        await assert.rejects(stores.tokenStore.issueAndCheck({ ...tokenFor(user.id), id: survivor.id }, new Date()), (error: { code?: string }) => error.code === '23505');
        assert.ok(await stores.tokenStore.find(survivor.id, new Date()), 'the failed issue superseded the survivor');
        assert.equal((await stores.tokenStore.issueAndCheck(tokenFor(user.id), new Date())).outstanding, true);
        assert.equal(await stores.tokenStore.find(survivor.id, new Date()), null);
      }
    } finally {
      await client.end();
    }
  });

  test('statementTimeoutMs makes a blocked transaction fail instead of waiting', async () => {
    const prefix = `${uniqueName('timeout')}_`;
    const options = { schema: run.schema, usersTable: `${prefix}users`, tablePrefix: prefix, createUsersTable: true };
    const stores = createPostgresStores(run.pool, { ...options, statementTimeoutMs: 200 });
    await stores.migrate();
    const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'old' });
    const blocker = await run.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${run.schema}"."${prefix}users" WHERE id = $1 FOR UPDATE`, [user.id]);
      const started = Date.now();
      await assert.rejects(Promise.resolve(stores.userStore.recordFailedAttempt(user.id, { threshold: 3, action: { mode: 'revoke' }, now: new Date() })), /statement timeout/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    assert.equal((await stores.userStore.findById(user.id))?.failedAttempts, 0);
  });
});
