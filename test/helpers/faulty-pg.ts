/**
 * Fault injection at the SQL level for the PostgreSQL adapter: a `pg` Pool stand-in whose n-th
 * statement fails, before it is sent (`reject`), after it ran but before its answer arrives
 * (`lost-ack`, as when the connection drops right after a COMMIT), or by killing the connection's
 * backend with pg_terminate_backend from another connection and then sending it (`kill`).
 */
import type pg from 'pg';
import type { SqlPool, SqlPoolClient, SqlResult } from '../../lib/postgres/index.ts';

export type SqlFaultMode = 'reject' | 'lost-ack' | 'kill';

export class SqlFaultPlan {
  /** The statements of the last traced run, in order. */
  readonly statements: string[] = [];
  #mode: SqlFaultMode = 'reject';
  #call = 0;
  #count = 0;
  fired = false;

  arm(call: number, mode: SqlFaultMode): void {
    this.#call = call;
    this.#mode = mode;
    this.#count = 0;
    this.fired = false;
    this.statements.length = 0;
  }

  disarm(): void {
    this.arm(0, 'reject');
  }

  /** The failure for this statement, if it is the armed one. */
  next(text: string): SqlFaultMode | undefined {
    this.statements.push(text.replace(/\s+/g, ' ').slice(0, 80));
    this.#count += 1;
    if (this.#call === 0 || this.fired || this.#count !== this.#call) return undefined;
    this.fired = true;
    return this.#mode;
  }
}

const listening = new WeakSet<object>();
const lost = () => new Error('Connection terminated unexpectedly (injected)');

/** A Pool stand-in over `pool`; `admin` is a separate pool used to kill backends. */
export function faultyPool(pool: pg.Pool, admin: pg.Pool, faults: SqlFaultPlan): SqlPool & { totalCount: number } {
  const run = async (text: string, _params: unknown[] | undefined, exec: () => Promise<SqlResult>, pid: number | undefined): Promise<SqlResult> => {
    const mode = faults.next(text);
    if (mode === undefined) return exec();
    if (mode === 'reject' || (mode === 'kill' && pid === undefined)) throw lost();
    if (mode === 'lost-ack') {
      await exec().catch(() => undefined);
      throw lost();
    }
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    return exec();
  };
  return {
    totalCount: 0,
    query: (text: string, params?: unknown[]) => run(text, params, () => pool.query(text, params), undefined),
    connect: async (): Promise<SqlPoolClient> => {
      const client = await pool.connect();
      // A killed backend makes the client emit 'error'; without a listener that would crash the process.
      if (!listening.has(client)) {
        listening.add(client);
        client.on('error', () => {});
      }
      const pid = (client as unknown as { processID?: number }).processID;
      return {
        query: (text: string, params?: unknown[]) => run(text, params, () => client.query(text, params), pid),
        release: (destroy?: Error | boolean) => client.release(destroy),
      };
    },
  };
}
