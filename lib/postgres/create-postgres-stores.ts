/**
 * The adapter's entry point: one call builds a `UserStore` and a `TokenStore` that share a
 * transaction context, plus `migrate()` and `purgeExpired()` for the host to run.
 */
import { migrate, readSchemaVersion, type MigrationResult } from './migrations.ts';
import { resolveNames, resolveStatementTimeout, type PostgresStoreOptions, type ResolvedNames } from './options.ts';
import { detectTransactionMode, type SqlClient } from './sql-client.ts';
import { SqlExecutor } from './sql-executor.ts';
import { PostgresTokenStore } from './token-store.ts';
import { PostgresUserStore } from './user-store.ts';

/** What `createPostgresStores` returns. */
export interface PostgresStores {
  readonly userStore: PostgresUserStore;
  readonly tokenStore: PostgresTokenStore;
  /** Creates or upgrades the adapter's tables (and the default users table with `createUsersTable`). Safe to run from every instance at startup. */
  migrate(): Promise<MigrationResult>;
  /** The schema version recorded in the database; 0 before the first `migrate()`. */
  schemaVersion(): Promise<number>;
  /** Deletes used, revoked and expired reset-token records; resolves how many. Schedule it (hourly is plenty). */
  purgeExpired(now?: Date): Promise<number>;
  /**
   * Runs `fn` in one transaction; store calls made inside it join that transaction. For host
   * code that must change users and tokens together.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** The quoted names of every table and column in use, for host queries and diagnostics. */
  readonly names: ResolvedNames;
}

/**
 * Builds PostgreSQL-backed stores on `db`: a `pg` Pool (recommended), a single `pg` Client
 * (transactions take turns), or a `@electric-sql/pglite` instance. Options are validated here;
 * no query runs until a store or `migrate()` is called.
 */
export function createPostgresStores(db: SqlClient, options: Readonly<PostgresStoreOptions> = {}): PostgresStores {
  if (db === null || typeof db !== 'object' || typeof db.query !== 'function') {
    throw new TypeError('express-rbac-password/postgres: createPostgresStores needs a client with a query(text, params) method (a pg Pool or Client, or a PGlite instance)');
  }
  const names = resolveNames(options);
  const sql = new SqlExecutor(db, {
    mode: options.transactionMode ?? detectTransactionMode(db),
    statementTimeoutMs: resolveStatementTimeout(options.statementTimeoutMs),
  });
  const userStore = new PostgresUserStore(sql, names);
  const tokenStore = new PostgresTokenStore(sql, names);
  const createUsersTable = options.createUsersTable === true;
  return {
    userStore,
    tokenStore,
    migrate: () => migrate(sql, names, createUsersTable),
    schemaVersion: () => readSchemaVersion(sql, names),
    purgeExpired: (now?: Date) => tokenStore.purgeExpired(now),
    transaction: (fn) => sql.runInTransaction(fn),
    names,
  };
}
