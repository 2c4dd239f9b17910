/**
 * Routes every statement of one set of stores to the right connection. Outside a transaction,
 * statements go to the client the host passed. Inside `runInTransaction`, an `AsyncLocalStorage`
 * context points at the transaction's connection, so a store call made from inside another
 * (a `UserStore.setPassword` inside `TokenStore.redeem`'s `apply`) joins that transaction
 * instead of grabbing a second connection (which on PGlite would wait forever).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Mutex } from './mutex.ts';
import type { SqlClient, SqlPool, SqlPoolClient, SqlResult, SqlTransactional, TransactionMode } from './sql-client.ts';

/** The connection of the transaction running in this async context. */
interface TransactionContext {
  readonly client: SqlClient;
  /** Cleared when the transaction ends, so a straggling promise cannot use a released connection. */
  open: boolean;
  /** Set when a statement failed outside a savepoint: the transaction can only roll back now. */
  failure: unknown;
  savepoints: number;
}

/** Options of `SqlExecutor`. */
export interface SqlExecutorOptions {
  readonly mode: TransactionMode;
  /** Applied with `SET LOCAL statement_timeout` at the start of each transaction; undefined leaves the server's setting. */
  readonly statementTimeoutMs: number | undefined;
}

/** Runs statements and transactions for the stores of one `createPostgresStores` call. */
export class SqlExecutor {
  readonly #db: SqlClient;
  readonly #mode: TransactionMode;
  readonly #statementTimeoutMs: number | undefined;
  readonly #context = new AsyncLocalStorage<TransactionContext>();
  /** Only used in `client` mode, where there is one connection to share. */
  readonly #mutex = new Mutex();
  /** Cleared once the client refused a script of several statements (a client that only speaks the extended protocol). */
  #scripts = true;

  constructor(db: SqlClient, options: SqlExecutorOptions) {
    this.#db = db;
    this.#mode = options.mode;
    this.#statementTimeoutMs = options.statementTimeoutMs;
  }

  /** Whether the caller runs inside one of this executor's transactions. */
  get inTransaction(): boolean {
    return this.#context.getStore() !== undefined;
  }

  /**
   * Runs one statement, inside the current transaction when there is one. Resolves the rows.
   * Once `signal` fired, no statement is sent any more: the caller stopped waiting.
   */
  async query<Row>(text: string, params: unknown[] = [], signal?: AbortSignal): Promise<Row[]> {
    signal?.throwIfAborted();
    const context = this.#context.getStore();
    if (context !== undefined) {
      if (!context.open) {
        throw new Error('express-rbac-password/postgres: a statement was issued after its transaction had ended');
      }
      try {
        return rowsOf<Row>(await context.client.query(text, params));
      } catch (error) {
        // PostgreSQL refuses every later statement of an aborted transaction; remember why so
        // the commit is turned into a rollback even if a caller swallowed this error.
        context.failure ??= error;
        throw error;
      }
    }
    if (this.#mode === 'client') {
      // Outside the mutex, this statement could land in the middle of another caller's transaction.
      return this.#mutex.run(async () => rowsOf<Row>(await this.#db.query(text, params)));
    }
    return rowsOf<Row>(await this.#db.query(text, params));
  }

  /**
   * Runs a whole transaction, `BEGIN; statements; COMMIT;`, then the statement `after` (outside
   * it: it sees what was committed), in one round trip: one simple-protocol query of several
   * statements, so it takes no parameters; splice values with `sqlLiteral`. Each statement takes
   * a fresh snapshot (READ COMMITTED), as in a transaction of separate statements. Resolves the
   * rows of `after` (empty without it). When a statement fails, the rest is skipped and a
   * ROLLBACK follows on the same connection (a connection it cannot roll back is destroyed).
   *
   * Resolves null, having sent nothing, when this executor cannot: on PGlite (whose `query` runs
   * one statement), inside a transaction (the script's COMMIT would end it), or once the client
   * refused a script. The caller then runs the same work as a `runInTransaction` of statements.
   * Once `signal` fired nothing is sent; once sent, the script commits even if `signal` fires.
   */
  async transactionScript<Row>(statements: readonly string[], after: string | undefined, signal?: AbortSignal): Promise<Row[] | null> {
    if (this.#mode === 'pglite' || !this.#scripts || this.#context.getStore() !== undefined) return null;
    signal?.throwIfAborted();
    const timeout = this.#statementTimeoutMs === undefined ? [] : [`SET LOCAL statement_timeout = ${this.#statementTimeoutMs}`];
    const text = [...['BEGIN', ...timeout, ...statements, 'COMMIT'], ...(after === undefined ? [] : [after])].join(';\n');
    const run = async (client: SqlClient, onBroken: (error: Error) => void): Promise<Row[] | null> => {
      let results: unknown;
      try {
        results = await client.query(text);
      } catch (error) {
        if (refusedScript(error)) {
          // Parsed as one prepared statement and refused before anything ran: never try again.
          this.#scripts = false;
          return null;
        }
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          onBroken(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
        }
        throw error;
      }
      if (!Array.isArray(results)) {
        throw new Error('express-rbac-password/postgres: the client answered a script of several statements with one result; pass transactionMode: "pglite" or a pg client');
      }
      return after === undefined ? [] : rowsOf<Row>(results[results.length - 1] as SqlResult);
    };
    if (this.#mode === 'client') return this.#mutex.run(() => run(this.#db, () => undefined));
    const client: SqlPoolClient = await (this.#db as SqlPool).connect();
    let broken: Error | undefined;
    try {
      return await run(client, (error) => {
        broken = error;
      });
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs `fn` in one transaction and resolves its result once committed. If `fn` throws, or any
   * statement inside failed, everything is rolled back and the error is rethrown. Called inside
   * a transaction, it joins it through a savepoint, so the inner work is still all-or-nothing.
   * When `signal` has fired by the time `fn` is done, it rolls back instead of committing (the
   * library stopped waiting and answered 503); `statement_timeout` bounds each statement meanwhile.
   */
  runInTransaction<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const context = this.#context.getStore();
    if (context !== undefined) return this.#nested(context, fn, signal);
    const body = (client: SqlClient) => this.#body(client, fn, signal);
    switch (this.#mode) {
      case 'pglite':
        return (this.#db as SqlTransactional).transaction(body);
      case 'pool':
        return this.#onPool(body);
      case 'client':
        return this.#mutex.run(() => this.#onDedicated(this.#db, body));
    }
  }

  async #onPool<T>(body: (client: SqlClient) => Promise<T>): Promise<T> {
    const client: SqlPoolClient = await (this.#db as SqlPool).connect();
    let broken: Error | undefined;
    try {
      return await this.#onDedicated(client, body, (error) => {
        broken = error;
      });
    } finally {
      // A connection whose ROLLBACK failed may still hold an open transaction: destroy it.
      client.release(broken);
    }
  }

  /** BEGIN/COMMIT/ROLLBACK on a connection nobody else uses meanwhile. */
  async #onDedicated<T>(client: SqlClient, body: (client: SqlClient) => Promise<T>, onBroken?: (error: Error) => void): Promise<T> {
    const broken = (error: unknown) => onBroken?.(error instanceof Error ? error : new Error(String(error)));
    try {
      await client.query('BEGIN');
    } catch (error) {
      broken(error);
      throw error;
    }
    let result: T;
    try {
      result = await body(client);
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken(rollbackError);
      }
      throw error;
    }
    try {
      await client.query('COMMIT');
    } catch (error) {
      // The server ends the transaction on a failed COMMIT, but the connection may be gone too.
      broken(error);
      throw error;
    }
    return result;
  }

  /** Runs `fn` with `client` as the active transaction connection; throws when it must roll back. */
  async #body<T>(client: SqlClient, fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const context: TransactionContext = { client, open: true, failure: undefined, savepoints: 0 };
    try {
      signal?.throwIfAborted();
      if (this.#statementTimeoutMs !== undefined) {
        // SET does not take parameters; the value is an integer checked at construction.
        await client.query(`SET LOCAL statement_timeout = ${this.#statementTimeoutMs}`);
      }
      const result = await this.#context.run(context, fn);
      if (context.failure !== undefined) {
        throw new Error('express-rbac-password/postgres: a statement inside the transaction failed, so it was rolled back', {
          cause: context.failure,
        });
      }
      // Nobody waits for this transaction any more: roll back rather than commit behind the caller's back.
      signal?.throwIfAborted();
      return result;
    } finally {
      context.open = false;
    }
  }

  async #nested<T>(context: TransactionContext, fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (context.failure !== undefined) {
      throw new Error('express-rbac-password/postgres: the surrounding transaction has already failed', { cause: context.failure });
    }
    const name = `rbac_password_sp_${++context.savepoints}`;
    await this.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      if (context.failure !== undefined) throw context.failure;
      signal?.throwIfAborted();
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      // Undo only the inner work; the outer transaction stays usable and decides for itself.
      context.failure = undefined;
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }
}

/** Whether the server refused a query string of several statements sent as one prepared statement (42601). */
function refusedScript(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42601' && typeof message === 'string' && message.includes('multiple commands');
}

/**
 * A string, timestamp or NULL as an SQL literal, for `transactionScript` (which cannot take
 * parameters). Strings become escape-string literals (`E'...'`, backslashes and quotes doubled),
 * which read the same whatever `standard_conforming_strings` says; timestamps their ISO 8601
 * form cast to `timestamptz`. A NUL character, which no PostgreSQL text can hold, is refused.
 */
export function sqlLiteral(value: string | Date | null): string {
  if (value === null) return 'NULL';
  if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`;
  if (typeof value !== 'string') throw new TypeError('express-rbac-password/postgres: sqlLiteral takes a string, a Date or null');
  if (value.includes('\0')) throw new TypeError('express-rbac-password/postgres: a value with a NUL character cannot be stored');
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function rowsOf<Row>(result: SqlResult): Row[] {
  return result.rows as Row[];
}
