/**
 * Shared set-up of the PostgreSQL tests: one PGlite instance per test file (it takes seconds to
 * start), a fresh schema per case (or tables emptied between cases), and the real server from
 * DATABASE_URL when it is set.
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { ConformanceOptions, ConformanceStores } from '../../lib/conformance/index.ts';
import { createPostgresStores, type PostgresStoreOptions, type PostgresStores, type SqlClient } from '../../lib/postgres/index.ts';
import { emptyPglite } from './pglite-template.ts';

/** The real server's address, or undefined when those tests are skipped. */
export const DATABASE_URL = process.env['DATABASE_URL'] || undefined;

/** The `skip` value of every test that needs the real server. */
export const SERVER_SKIP: false | string =
  DATABASE_URL === undefined
    ? 'DATABASE_URL is not set, so the tests against a real PostgreSQL server are skipped (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)'
    : false;

/** Runs `fn` with a client of its own on the real server (for CREATE/DROP DATABASE); only when DATABASE_URL is set. */
export async function onRealServer<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A database of its own on the real server, named `name` (make it unique per process): `create()`
 * makes it and answers its URL, `drop()` removes it, sessions and all. For the reference-server
 * suites, which create their own tables.
 */
export function ownDatabase(name: string): { create(): Promise<string>; drop(): Promise<void> } {
  return {
    async create() {
      await onRealServer((c) => c.query(`CREATE DATABASE "${name}"`));
      const own = new URL(DATABASE_URL as string);
      own.pathname = `/${name}`;
      return own.toString();
    },
    drop: () => onRealServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

let pglite: Promise<PGlite> | undefined;

/** The process's one PGlite instance, started on first use (from the empty-cluster template: no initdb). */
export function sharedPglite(): Promise<PGlite> {
  pglite ??= emptyPglite();
  return pglite;
}

/** Closes the shared PGlite instance if it was started; test files sharing a process may each call it. */
export async function closePglite(): Promise<void> {
  const started = pglite;
  pglite = undefined;
  if (started !== undefined) await (await started).close();
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
  /** The options the stores were made with, so a second instance can open the same tables. */
  readonly options: PostgresStoreOptions;
  /** The client the stores run on. */
  readonly db: SqlClient;
  cleanup(): Promise<void>;
}

/** Stores in a fresh schema on `db` (default users table), migrated. */
export async function storesInFreshSchema(db: SqlClient, options: PostgresStoreOptions = {}): Promise<StoreFixture> {
  const schema = uniqueName('erp_case');
  await db.query(`CREATE SCHEMA "${schema}"`);
  const resolved: PostgresStoreOptions = { schema, createUsersTable: true, ...options };
  const stores = createPostgresStores(db, resolved);
  await stores.migrate();
  return { stores, schema, options: resolved, db, cleanup: async () => void (await db.query(`DROP SCHEMA "${schema}" CASCADE`)) };
}

/** Stores with their own table prefix inside `schema` (for a server run that owns one schema). */
export async function storesWithFreshPrefix(db: SqlClient, schema: string, options: PostgresStoreOptions = {}): Promise<StoreFixture> {
  const prefix = `${uniqueName('c')}_`;
  const resolved: PostgresStoreOptions = { schema, usersTable: `${prefix}users`, tablePrefix: prefix, createUsersTable: true, ...options };
  const stores = createPostgresStores(db, resolved);
  await stores.migrate();
  // Nothing to drop per case: the run's schema is dropped at the end.
  return { stores, schema, options: resolved, db, cleanup: async () => {} };
}

/**
 * A fixture factory for suites whose cases run one after another: the first case gets `make()`'s
 * stores; each case's cleanup empties their tables (the migration record stays), and each later
 * case gets new stores on the same, empty tables. New store objects each case, so nothing kept in
 * memory crosses cases; only empty tables are reused. On PGlite a fresh schema and its migration
 * cost about 70 ms of CPU a case, emptying the tables under 1 ms.
 */
export function tablesEmptiedBetweenCases(make: () => Promise<StoreFixture>): () => Promise<StoreFixture> {
  let first: Promise<StoreFixture> | undefined;
  return async () => {
    const reused = first !== undefined;
    first ??= make();
    const { db, options, schema, stores } = await first;
    const { tokens, resetLinks, history, state, users } = stores.names;
    const empty = async () => {
      for (const table of [tokens, resetLinks, history, state, users]) await db.query(`DELETE FROM ${table}`);
    };
    return { stores: reused ? createPostgresStores(db, options) : stores, schema, options, db, cleanup: empty };
  };
}

/** What the PostgreSQL conformance factories hand the suite: the stores plus how they were made. */
interface PostgresConformanceStores extends ConformanceStores {
  readonly options: PostgresStoreOptions;
}

/**
 * Adapts a fixture factory to the conformance suite: `createStores`, and `createSecondPair`, which
 * opens a second `createPostgresStores` on `secondDb()` (a second pool on the same database, as a
 * second app server would have) over the same tables.
 */
export function conformanceOptions(make: () => Promise<StoreFixture>, secondDb: () => SqlClient | Promise<SqlClient>): ConformanceOptions<PostgresConformanceStores> {
  return {
    createStores: async () => {
      const { stores, cleanup, options, db } = await make();
      const { users, col } = stores.names;
      return {
        userStore: stores.userStore,
        tokenStore: stores.tokenStore,
        options,
        createUser: (input) =>
          stores.userStore.createUser({
            login: input.login,
            passwordHash: input.passwordHash,
            isRemote: input.isRemote ?? false,
            isRevoked: input.isRevoked ?? false,
            ...(input.email === undefined ? {} : { email: input.email }),
          }),
        // Straight to the column, as the host's own admin screen would: the adapter's state table is left alone.
        clearRevokedFlag: async (userId) => void (await db.query(`UPDATE ${users} SET ${col.isRevoked} = false WHERE ${col.id} = $1`, [userId])),
        cleanup,
      };
    },
    createSecondPair: async (first) => {
      const stores = createPostgresStores(await secondDb(), first.options);
      return { userStore: stores.userStore, tokenStore: stores.tokenStore };
    },
  };
}

/**
 * A pool on the real server plus one schema for this run, dropped by `end()`. Pools hold at most
 * 10 connections by default: test files run side by side on one server, whose default
 * `max_connections` (100) several pools of 25 once used up ("too many clients already").
 */
export interface ServerRun {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** A second, independent pool on the same database, like another instance of the app would have; `end()` ends it unless it was ended before. */
  newPool(max?: number): pg.Pool;
  end(): Promise<void>;
}

/** Opens the server run; only call when DATABASE_URL is set. */
export async function openServerRun(): Promise<ServerRun> {
  const url = DATABASE_URL;
  if (url === undefined) throw new Error('DATABASE_URL is not set');
  const pools: pg.Pool[] = [];
  const newPool = (max = 10) => {
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
        await Promise.all(pools.filter((p) => !p.ended).map((p) => p.end()));
      }
    },
  };
}
