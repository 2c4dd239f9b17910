/**
 * Shared set-up of the PostgreSQL tests: one PGlite instance per test file (it takes seconds to
 * start), a fresh schema per case, and the real server from DATABASE_URL when it is set.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { ConformanceOptions, ConformanceStores } from '../lib/conformance/index.ts';
import { createPostgresStores, type PostgresStoreOptions, type PostgresStores, type SqlClient } from '../lib/postgres/index.ts';

/** The real server's address, or undefined when those tests are skipped. */
export const DATABASE_URL = process.env['DATABASE_URL'] || undefined;

/** The `skip` value of every test that needs the real server. */
export const SERVER_SKIP: false | string =
  DATABASE_URL === undefined
    ? 'DATABASE_URL is not set, so the tests against a real PostgreSQL server are skipped (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)'
    : false;

let pglite: Promise<PGlite> | undefined;

/** The file's one PGlite instance, started on first use. */
export function sharedPglite(): Promise<PGlite> {
  pglite ??= PGlite.create();
  return pglite;
}

/** Closes the shared PGlite instance if it was started. */
export async function closePglite(): Promise<void> {
  if (pglite !== undefined) await (await pglite).close();
}

let counter = 0;

/** A unique, valid identifier. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${++counter}_${randomBytes(3).toString('hex')}`;
}

/** Stores plus a cleanup that drops what they created. */
export interface StoreFixture {
  readonly stores: PostgresStores;
  readonly schema: string;
  cleanup(): Promise<void>;
}

/** Stores in a fresh schema on `db` (default users table), migrated. */
export async function storesInFreshSchema(db: SqlClient, options: PostgresStoreOptions = {}): Promise<StoreFixture> {
  const schema = uniqueName('erp_case');
  await db.query(`CREATE SCHEMA "${schema}"`);
  const stores = createPostgresStores(db, { schema, createUsersTable: true, ...options });
  await stores.migrate();
  return { stores, schema, cleanup: async () => void (await db.query(`DROP SCHEMA "${schema}" CASCADE`)) };
}

/** Stores with their own table prefix inside `schema` (for a server run that owns one schema). */
export async function storesWithFreshPrefix(db: SqlClient, schema: string, options: PostgresStoreOptions = {}): Promise<StoreFixture> {
  const prefix = `${uniqueName('c')}_`;
  const stores = createPostgresStores(db, { schema, usersTable: `${prefix}users`, tablePrefix: prefix, createUsersTable: true, ...options });
  await stores.migrate();
  // Nothing to drop per case: the run's schema is dropped at the end.
  return { stores, schema, cleanup: async () => {} };
}

/** Adapts a fixture factory to the conformance suite's `createStores`. */
export function conformanceFactory(make: () => Promise<StoreFixture>): ConformanceOptions['createStores'] {
  return async (): Promise<ConformanceStores> => {
    const { stores, cleanup } = await make();
    return {
      userStore: stores.userStore,
      tokenStore: stores.tokenStore,
      createUser: (input) =>
        stores.userStore.createUser({
          login: input.login,
          passwordHash: input.passwordHash,
          isRemote: input.isRemote ?? false,
          isRevoked: input.isRevoked ?? false,
        }),
      cleanup,
    };
  };
}

/** A pool on the real server plus one schema for this run, dropped by `end()`. */
export interface ServerRun {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** A second, independent pool on the same database, like another instance of the app would have. */
  newPool(max?: number): pg.Pool;
  end(): Promise<void>;
}

/** Opens the server run; only call when DATABASE_URL is set. */
export async function openServerRun(): Promise<ServerRun> {
  const url = DATABASE_URL;
  if (url === undefined) throw new Error('DATABASE_URL is not set');
  const pools: pg.Pool[] = [];
  const newPool = (max = 25) => {
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
    pools.push(pool);
    return pool;
  };
  const pool = newPool();
  const schema = uniqueName(`erp_run_${process.pid}`);
  await pool.query(`CREATE SCHEMA "${schema}"`);
  return {
    pool,
    schema,
    newPool,
    async end() {
      try {
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    },
  };
}
