/**
 * PostgreSQL adapter behaviour beyond the conformance suite, on PGlite: migrations, identifier
 * checks, rollbacks of half-done changes, and redeem sharing its transaction with the user store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createPostgresStores, LATEST_SCHEMA_VERSION } from '../../lib/postgres/index.ts';
import { defaultUsersTableStatement, postgresMigrations } from '../../lib/postgres/migrations.ts';
import { resolveNames } from '../../lib/postgres/options.ts';
import type { ResetTokenRecord } from '../../lib/types.ts';
import { closePglite, sharedPglite, storesInFreshSchema, uniqueName, type StoreFixture } from '../helpers/postgres-fixtures.ts';

after(closePglite);

/** Runs `fn` with fresh stores on the shared PGlite, dropping them afterwards. */
async function withStores(fn: (fixture: StoreFixture) => Promise<void>): Promise<void> {
  const fixture = await storesInFreshSchema(await sharedPglite());
  try {
    await fn(fixture);
  } finally {
    await fixture.cleanup();
  }
}

/** Builds the tables of `schema` as the first `version` migrations left them, as released (users table included). */
async function schemaAtVersion(db: Awaited<ReturnType<typeof sharedPglite>>, schema: string, version: number) {
  const names = resolveNames({ schema, createUsersTable: true });
  await db.query(`CREATE TABLE ${names.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  await db.query(defaultUsersTableStatement(names));
  for (const migration of postgresMigrations(names).slice(0, version)) {
    for (const statement of migration.statements) await db.query(statement);
    await db.query(`INSERT INTO ${names.migrations} (version, name) VALUES ($1, 'old')`, [migration.version]);
  }
  return names;
}

function tokenFor(userId: string): ResetTokenRecord {
  const now = new Date();
  return { id: randomUUID(), userId, issuedAt: now, expiresAt: new Date(now.getTime() + 60_000), issuedBy: null, passwordStamp: 's' };
}

describe('migrations', () => {
  test('are recorded, and running them again changes nothing', async () => {
    const db = await sharedPglite();
    const schema = uniqueName('erp_mig');
    await db.query(`CREATE SCHEMA "${schema}"`);
    try {
      const stores = createPostgresStores(db, { schema, createUsersTable: true });
      assert.equal(await stores.schemaVersion(), 0);
      assert.deepEqual(await stores.migrate(), { from: 0, to: LATEST_SCHEMA_VERSION, applied: [1, 2, 3, 4] });
      assert.deepEqual(await stores.migrate(), { from: 4, to: LATEST_SCHEMA_VERSION, applied: [] });
      assert.equal(await stores.schemaVersion(), LATEST_SCHEMA_VERSION);
      const { rows } = await db.query<{ version: number }>(`SELECT version FROM "${schema}".rbac_password_migrations ORDER BY version`);
      assert.deepEqual(
        rows.map((r) => r.version),
        [1, 2, 3, 4],
      );
      const tables = await db.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
      assert.deepEqual(
        tables.rows.map((r) => r.table_name),
        ['rbac_password_migrations', 'rbac_password_password_history', 'rbac_password_reset_links', 'rbac_password_reset_tokens', 'rbac_password_user_state', 'users'],
      );
    } finally {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });

  test('refuse a database with a newer schema version, with a clear message, changing nothing', async () => {
    await withStores(async ({ stores, schema }) => {
      const db = await sharedPglite();
      await db.query(`INSERT INTO "${schema}".rbac_password_migrations (version, name) VALUES (99, 'from the future')`);
      await assert.rejects(stores.migrate(), /at version 99, newer than version 4 .*refusing to migrate/);
      assert.equal(await stores.schemaVersion(), 99);
    });
  });

  test("version 2 upgrades existing tables: revocations recorded before it read as an administrator's, tokens keep working", async () => {
    const db = await sharedPglite();
    const schema = uniqueName('erp_v1');
    await db.query(`CREATE SCHEMA "${schema}"`);
    try {
      const stores = createPostgresStores(db, { schema, createUsersTable: true });
      // Build the version-1 schema exactly as released, then put rows in it.
      const names = await schemaAtVersion(db, schema, 1);
      const insert = (login: string, revoked: boolean) =>
        db.query<{ id: string }>(`INSERT INTO ${names.users} (login, password_hash, is_revoked) VALUES ($1, 'hash-0', $2) RETURNING id::text AS id`, [login, revoked]);
      const revoked = (await insert('old-revoked', true)).rows[0] as { id: string };
      const active = (await insert('old-active', false)).rows[0] as { id: string };
      await db.query(`INSERT INTO ${names.state} (user_id, failed_attempts) VALUES ($1, 10)`, [revoked.id]);
      const token = tokenFor(active.id);
      await db.query(`INSERT INTO ${names.tokens} (id, user_id, issued_at, expires_at, password_stamp) VALUES ($1, $2, $3, $4, 's')`, [
        token.id,
        token.userId,
        token.issuedAt,
        token.expiresAt,
      ]);

      assert.deepEqual(await stores.migrate(), { from: 1, to: LATEST_SCHEMA_VERSION, applied: [2, 3, 4] });
      const old = await stores.userStore.findById(revoked.id);
      assert.equal(old?.isRevoked, true);
      assert.equal(old?.revokedBy, 'admin');
      await stores.userStore.setPassword(revoked.id, { passwordHash: 'hash-1', previousHash: 'hash-0', historySize: 0, reinstate: true });
      assert.equal((await stores.userStore.findById(revoked.id))?.isRevoked, true, 'a reset lifted a pre-upgrade revocation');
      assert.equal(await stores.tokenStore.recordRefusal(token.id, 5, new Date()), 4);
      assert.ok(await stores.tokenStore.find(token.id, new Date()), 'a pre-upgrade token stopped working');
    } finally {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });

  test('version 3 upgrades existing tables: a password written before it ages from when it was applied, and has no change required', async () => {
    const db = await sharedPglite();
    const schema = uniqueName('erp_v2');
    await db.query(`CREATE SCHEMA "${schema}"`);
    try {
      const stores = createPostgresStores(db, { schema, createUsersTable: true });
      const names = await schemaAtVersion(db, schema, 2);
      const inserted = await db.query<{ id: string }>(`INSERT INTO ${names.users} (login, password_hash) VALUES ('old-user', 'hash-0') RETURNING id::text AS id`);
      const { id } = inserted.rows[0] as { id: string };
      await db.query(`INSERT INTO ${names.state} (user_id, failed_attempts) VALUES ($1, 1)`, [id]);
      assert.deepEqual(await stores.migrate(), { from: 2, to: LATEST_SCHEMA_VERSION, applied: [3, 4] });
      const applied = (await db.query<{ applied_at: Date }>(`SELECT applied_at FROM ${names.migrations} WHERE version = 3`)).rows[0]?.applied_at;
      const old = await stores.userStore.findById(id);
      assert.equal(old?.passwordChangedAt?.getTime(), applied?.getTime());
      assert.equal(old?.passwordChangeRequired, false);
      assert.equal(old?.failedAttempts, 1, 'the state row is kept');
      const written = new Date('2030-01-01T00:00:00Z');
      await stores.userStore.setPassword(id, { passwordHash: 'hash-1', previousHash: 'hash-0', historySize: 0, reinstate: false, changedAt: written });
      assert.equal((await stores.userStore.findById(id))?.passwordChangedAt?.getTime(), written.getTime());
    } finally {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });

  test('only create the users table when asked', async () => {
    const db = await sharedPglite();
    const schema = uniqueName('erp_nousers');
    await db.query(`CREATE SCHEMA "${schema}"`);
    try {
      await createPostgresStores(db, { schema }).migrate();
      const { rows } = await db.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [`"${schema}".users`]);
      assert.equal(rows[0]?.name, null);
    } finally {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });
});

describe('options', () => {
  test('refuse identifiers that are not plain SQL names, naming the option', async () => {
    const db = await sharedPglite();
    assert.throws(() => createPostgresStores(db, { usersTable: 'users; DROP TABLE x' }), /option usersTable must match/);
    assert.throws(() => createPostgresStores(db, { schema: 'a"b' }), /option schema/);
    assert.throws(() => createPostgresStores(db, { columns: { login: '1login' } }), /option columns\.login/);
    assert.throws(() => createPostgresStores(db, { tablePrefix: 'x'.repeat(60) }), /option tablePrefix/);
    assert.throws(() => createPostgresStores(db, { columns: { isRevoked: null as unknown as string } }), /columns\.isRevoked cannot be null/);
    assert.throws(() => createPostgresStores(db, { statementTimeoutMs: 1.5 }), /statementTimeoutMs/);
    assert.throws(() => createPostgresStores({} as never), /query\(text, params\)/);
  });

  test('an unmapped remote flag reads as local for every user', async () => {
    const db = await sharedPglite();
    const schema = uniqueName('erp_noremote');
    await db.query(`CREATE SCHEMA "${schema}"`);
    try {
      await db.query(
        `CREATE TABLE "${schema}".people (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), login text UNIQUE NOT NULL, password_hash text, is_revoked boolean NOT NULL DEFAULT false)`,
      );
      const stores = createPostgresStores(db, { schema, usersTable: 'people', columns: { isRemote: null } });
      await stores.migrate();
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'h' });
      assert.equal(user.isRemote, false);
      await assert.rejects(stores.userStore.createUser({ login: 'bob', passwordHash: null, isRemote: true }), /columns\.isRemote is not mapped/);
    } finally {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });
});

describe('atomic changes', () => {
  test('setPassword whose history insert fails leaves the old password, revocation and history', async () => {
    await withStores(async ({ stores, schema }) => {
      const db = await sharedPglite();
      await db.query(`ALTER TABLE "${schema}".rbac_password_password_history ADD CONSTRAINT no_poison CHECK (password_hash <> 'poison')`);
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'poison', isRevoked: true });
      await assert.rejects(stores.userStore.setPassword(user.id, { passwordHash: 'new', previousHash: 'poison', historySize: 3, reinstate: true }), /no_poison/);
      const after = await stores.userStore.findById(user.id);
      assert.equal(after?.passwordHash, 'poison');
      assert.equal(after?.isRevoked, true);
      assert.deepEqual(await stores.userStore.getPasswordHistory(user.id, 5), []);
    });
  });

  test('redeem whose password write fails keeps the token usable and the old password', async () => {
    await withStores(async ({ stores, schema }) => {
      const db = await sharedPglite();
      await db.query(`ALTER TABLE "${schema}".rbac_password_password_history ADD CONSTRAINT no_poison CHECK (password_hash <> 'poison')`);
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'poison' });
      const token = tokenFor(user.id);
      await stores.tokenStore.issue(token);
      await assert.rejects(
        stores.tokenStore.redeem(token.id, new Date(), async (record) => {
          await stores.userStore.setPassword(record.userId, { passwordHash: 'new', previousHash: 'poison', historySize: 3, reinstate: true });
        }),
        /no_poison/,
      );
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, 'poison');
      assert.ok(await stores.tokenStore.find(token.id, new Date()), 'the token was consumed');
    });
  });

  test('redeem whose apply throws after writing the password rolls the write back with the claim', async () => {
    await withStores(async ({ stores }) => {
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'old' });
      const token = tokenFor(user.id);
      await stores.tokenStore.issue(token);
      await assert.rejects(
        stores.tokenStore.redeem(token.id, new Date(), async (record) => {
          assert.equal(await stores.userStore.setPassword(record.userId, { passwordHash: 'new', previousHash: 'old', historySize: 3, reinstate: true }), true);
          // Inside the transaction the write is visible to the same stores.
          assert.equal((await stores.userStore.findById(record.userId))?.passwordHash, 'new');
          throw new Error('late failure');
        }),
        /late failure/,
      );
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, 'old');
      assert.deepEqual(await stores.userStore.getPasswordHistory(user.id, 5), []);
      const redeemed = await stores.tokenStore.redeem(token.id, new Date(), async (record) => {
        await stores.userStore.setPassword(record.userId, { passwordHash: 'new', previousHash: 'old', historySize: 3, reinstate: true });
      });
      assert.equal(redeemed?.id, token.id);
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, 'new');
      assert.deepEqual(await stores.userStore.getPasswordHistory(user.id, 5), ['old']);
    });
  });

  test('a redemption whose signal fires before it commits rolls back: token usable, password unchanged', async () => {
    await withStores(async ({ stores }) => {
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'old' });
      const token = tokenFor(user.id);
      await stores.tokenStore.issue(token);
      const redemption = new AbortController();
      const timedOut = new Error('the library stopped waiting');
      await assert.rejects(
        stores.tokenStore.redeem(
          token.id,
          new Date(),
          async (record) => {
            assert.equal(await stores.userStore.setPassword(record.userId, { passwordHash: 'new', previousHash: 'old', historySize: 3, reinstate: true }), true);
            redemption.abort(timedOut);
          },
          { signal: redemption.signal },
        ),
        (error) => error === timedOut,
      );
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, 'old');
      assert.ok(await stores.tokenStore.find(token.id, new Date()), 'the aborted redemption consumed the token');
    });
  });

  test('a password write whose signal fires inside a redemption is undone through its savepoint; an aborted call sends nothing', async () => {
    await withStores(async ({ stores }) => {
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'old' });
      const token = tokenFor(user.id);
      await stores.tokenStore.issue(token);
      await assert.rejects(
        stores.tokenStore.redeem(token.id, new Date(), async (record) => {
          const write = new AbortController();
          const writing = stores.userStore.setPassword(record.userId, { passwordHash: 'new', previousHash: 'old', historySize: 0, reinstate: true }, { signal: write.signal });
          write.abort(new Error('write timed out'));
          await writing;
        }),
        /write timed out/,
      );
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, 'old');
      assert.ok(await stores.tokenStore.find(token.id, new Date()));
      const aborted = AbortSignal.abort(new Error('already gone'));
      await assert.rejects(
        Promise.resolve().then(() => stores.userStore.setPassword(user.id, { passwordHash: 'x', previousHash: 'old', historySize: 0, reinstate: false }, { signal: aborted })),
        /already gone/,
      );
      await assert.rejects(
        Promise.resolve().then(() => stores.userStore.findById(user.id, { signal: aborted })),
        /already gone/,
      );
      assert.equal((await stores.userStore.findById(user.id))?.passwordHash, 'old');
    });
  });

  test('a failed statement inside a transaction rolls it back even when the caller swallowed the error', async () => {
    await withStores(async ({ stores }) => {
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'old' });
      await assert.rejects(
        stores.transaction(async () => {
          await stores.userStore.setRevoked(user.id, true);
          // A duplicate login fails outside any savepoint; swallowing it must not commit the rest.
          await stores.userStore.createUser({ login: 'ann', passwordHash: 'x' }).catch(() => undefined);
        }),
        /a statement inside the transaction failed/,
      );
      assert.equal((await stores.userStore.findById(user.id))?.isRevoked, false);
    });
  });

  test('a failed nested store call is undone alone through its savepoint', async () => {
    await withStores(async ({ stores, schema }) => {
      const db = await sharedPglite();
      await db.query(`ALTER TABLE "${schema}".rbac_password_password_history ADD CONSTRAINT no_poison CHECK (password_hash <> 'poison')`);
      const user = await stores.userStore.createUser({ login: 'ann', passwordHash: 'poison' });
      await stores.transaction(async () => {
        await stores.userStore.setRevoked(user.id, true);
        await assert.rejects(Promise.resolve(stores.userStore.setPassword(user.id, { passwordHash: 'new', previousHash: 'poison', historySize: 1, reinstate: false })));
      });
      const after = await stores.userStore.findById(user.id);
      assert.equal(after?.isRevoked, true);
      assert.equal(after?.passwordHash, 'poison');
    });
  });
});

describe('user management helpers', () => {
  test('createUser, findByLogin, listUsers and recordLogin on the default table', async () => {
    await withStores(async ({ stores }) => {
      const bob = await stores.userStore.createUser({ login: 'bob', passwordHash: 'h', email: 'bob@example.test' });
      await stores.userStore.createUser({ login: 'ann', passwordHash: null, isRemote: true });
      assert.match(bob.id, /^[0-9a-f-]{36}$/);
      assert.equal(bob.email, 'bob@example.test');
      assert.equal(bob.isSuperuser, false);
      assert.equal(bob.displayName, null);
      assert.ok(bob.createdAt instanceof Date);
      assert.deepEqual(
        (await stores.userStore.listUsers()).map((u) => [u.login, u.isRemote]),
        [
          ['ann', true],
          ['bob', false],
        ],
      );
      const at = new Date('2030-01-02T03:04:05.678Z');
      await stores.userStore.recordLogin(bob.id, at);
      assert.equal((await stores.userStore.findByLogin('bob'))?.lastLogin?.toISOString(), at.toISOString());
      await assert.rejects(stores.userStore.createUser({ login: 'bob', passwordHash: 'h' }), /duplicate key|unique/i);
    });
  });

  test('the default table has no profile columns unless they are mapped; mapped ones are created and round-trip', async () => {
    await withStores(async ({ stores }) => {
      await assert.rejects(stores.userStore.createUser({ login: 'carl', passwordHash: 'h', isSuperuser: true }), /columns\.isSuperuser is not mapped/);
      await assert.rejects(stores.userStore.createUser({ login: 'carl', passwordHash: 'h', displayName: 'Carl' }), /columns\.displayName is not mapped/);
    });
    const profile = await storesInFreshSchema(await sharedPglite(), { columns: { displayName: 'full_name', isSuperuser: 'is_admin' } });
    try {
      const bob = await profile.stores.userStore.createUser({ login: 'bob', passwordHash: 'h', displayName: 'Bob', isSuperuser: true });
      assert.deepEqual([bob.displayName, bob.isSuperuser], ['Bob', true]);
      assert.deepEqual(
        (await profile.stores.userStore.listUsers()).map((u) => [u.login, u.displayName, u.isSuperuser]),
        [['bob', 'Bob', true]],
      );
    } finally {
      await profile.cleanup();
    }
  });
});

describe('purgeExpired', () => {
  test('is served by the purge_after index', async () => {
    await withStores(async ({ schema }) => {
      const db = await sharedPglite();
      await db.query('SET enable_seqscan = off');
      try {
        const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN DELETE FROM "${schema}".rbac_password_reset_tokens WHERE purge_after <= $1`, [new Date()]);
        assert.match(rows.map((r) => r['QUERY PLAN']).join('\n'), /rbac_password_reset_tokens_purge_after/);
      } finally {
        await db.query('RESET enable_seqscan');
      }
    });
  });
});
