/**
 * `express-rbac-password/postgres`: `UserStore` and `TokenStore` on PostgreSQL (a `pg` Pool or
 * Client, or PGlite). `pg` and PGlite are optional peer dependencies; nothing here imports them.
 */
export { createPostgresStores, type PostgresStores } from './create-postgres-stores.ts';
// Types only: the classes are made by createPostgresStores (their constructors take its internal SQL executor).
export type { PostgresUserStore, ManagedUser, NewUser } from './user-store.ts';
export type { PostgresTokenStore } from './token-store.ts';
export type { PostgresStoreOptions, UserColumnNames, ResolvedNames } from './options.ts';
export {
  LATEST_SCHEMA_VERSION,
  postgresMigrations,
  defaultUsersTableStatement,
  type MigrationResult,
  type PostgresMigration,
} from './migrations.ts';
export type { SqlClient, SqlPool, SqlPoolClient, SqlResult, SqlTransactional, TransactionMode } from './sql-client.ts';
