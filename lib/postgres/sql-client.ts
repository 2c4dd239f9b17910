/**
 * The structural shapes of the database clients the adapter accepts. They are written out here
 * instead of imported so that `pg` and `@electric-sql/pglite` stay optional peer dependencies:
 * nothing in `lib/` loads them at runtime or needs their types to compile.
 */

/** What a query resolves to: both `pg` and PGlite give at least `rows`. */
export interface SqlResult {
  readonly rows: readonly unknown[];
}

/** Anything that runs one parameterized statement: a `pg` Pool, Client or PoolClient, a PGlite instance or transaction. */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
}

/** A connection checked out of a `pg` Pool. */
export interface SqlPoolClient extends SqlClient {
  /** Returns the connection to the pool; a truthy argument destroys it instead (after a broken transaction). */
  release(destroy?: Error | boolean): void;
}

/** A `pg` Pool: hands out dedicated connections for transactions. */
export interface SqlPool extends SqlClient {
  connect(): Promise<SqlPoolClient>;
}

/** A PGlite instance: one connection, with its own transaction wrapper. */
export interface SqlTransactional extends SqlClient {
  transaction<T>(callback: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/**
 * How transactions are run on the given client:
 * - `pool`: check out a dedicated connection, `BEGIN`/`COMMIT`/`ROLLBACK`, release it;
 * - `pglite`: the client's own `transaction(callback)`;
 * - `client`: one shared connection, so transactions (and statements outside them) are
 *   serialized through an in-process mutex.
 */
export type TransactionMode = 'pool' | 'pglite' | 'client';

/**
 * Guesses the transaction mode from the client's shape. A PGlite instance has `transaction`;
 * a `pg` Pool has `connect` and the `totalCount` getter that a `pg` Client lacks.
 */
export function detectTransactionMode(db: SqlClient): TransactionMode {
  const candidate = db as Partial<SqlTransactional & SqlPool> & { totalCount?: unknown };
  if (typeof candidate.transaction === 'function') return 'pglite';
  if (typeof candidate.connect === 'function' && 'totalCount' in candidate) return 'pool';
  return 'client';
}
