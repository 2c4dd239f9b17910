/**
 * Opens the reference deployment's PostgreSQL: an embedded PGlite in a data directory, or a
 * server through a `pg` Pool. Both drivers are optional peer dependencies, so they are loaded
 * only here, on demand, with a message saying what to install when one is missing.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import createDebug from 'debug';
import type { SqlClient } from 'express-rbac-password/postgres';

// The namespace it had when this file was part of the package: DEBUG=express-rbac-password:* still shows it.
const log = createDebug('express-rbac-password:cli:database');

/** An open database and how to run a transaction on it. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly client: SqlClient;
  /** Runs `fn` on one connection inside BEGIN/COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * PGlite's own start parameters plus a 32 MB buffer pool instead of PostgreSQL's 128 MB. PGlite
 * sets the whole pool up in WebAssembly memory at every open (each server start and CLI run),
 * which was about 40% of an open's CPU (0.59 -> 0.35 s here), and keeps it in the process's
 * memory; a reference deployment's tables fit in it many times over.
 */
export function pgliteStartParams(PGlite: { readonly defaultStartParams: readonly string[] }): string[] {
  return [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];
}

/** Thrown when a driver or the data directory is not usable; the message says what to do. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
}

/**
 * Opens PGlite in `<dataDir>/pglite`. PGlite is single-process: a lock file `<dataDir>/lock`
 * holding the owner's pid keeps a second process (a CLI run next to a running server) from
 * opening the same files and corrupting them. A lock left by a dead process is taken over.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const release = acquireLock(path.join(dataDir, 'lock'));
  try {
    const { PGlite } = await importDriver<typeof import('@electric-sql/pglite')>('@electric-sql/pglite');
    const started = Date.now();
    const db = await PGlite.create(path.join(dataDir, 'pglite'), { startParams: pgliteStartParams(PGlite) });
    log('PGlite opened in %s after %d ms', dataDir, Date.now() - started);
    return {
      kind: 'pglite',
      client: db,
      transaction: (fn) => db.transaction((tx) => fn(tx)),
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** Opens a `pg` Pool on `url` and checks that the server answers. */
export async function openPostgres(url: string): Promise<Database> {
  const pg = await importDriver<typeof import('pg')>('pg');
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof import('pg') }).default.Pool;
  const pool = new Pool({ connectionString: url, max: 10 });
  // Idle connections can fail (server restart); without a listener that error would crash the process.
  pool.on('error', (error) => log('idle PostgreSQL connection failed: %s', error.name));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseOpenError(`cannot connect to the PostgreSQL server of DATABASE_URL: ${describeConnectError(error, url)}`);
  }
  return {
    kind: 'postgres',
    client: pool,
    transaction: async (fn) => {
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const result = await fn(connection);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The connection failure in words, with the host and port. The driver's own message can quote the
 * URL, which may hold a password, so only the URL's host, port, user and database are named.
 */
export function describeConnectError(error: unknown, url: string): string {
  const code = (error as { code?: unknown }).code;
  let target = { where: 'the server', user: 'the user', database: 'the database' };
  try {
    const parsed = new URL(url);
    const host = decodeURIComponent(parsed.hostname) || parsed.searchParams.get('host') || 'localhost';
    target = {
      where: `${host}:${parsed.port || '5432'}`,
      user: `"${decodeURIComponent(parsed.username) || 'the default user'}"`,
      database: `"${decodeURIComponent(parsed.pathname.slice(1)) || '(default)'}"`,
    };
  } catch {
    // Not a URL (a key=value string): keep the generic words.
  }
  switch (code) {
    case '3D000':
      return `database ${target.database} does not exist on ${target.where} (create it, or fix the name in DATABASE_URL)`;
    case '28000':
    case '28P01':
      return `authentication failed for user ${target.user} on ${target.where} (the user does not exist, the password is wrong, or pg_hba.conf refuses it)`;
    case 'ECONNREFUSED':
      return `nothing listens on ${target.where} (is PostgreSQL running, on that host and port?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${target.where} cannot be resolved`;
    case 'ETIMEDOUT':
      return `${target.where} did not answer in time`;
    default:
      return `${(error as Error)?.name ?? 'Error'}${typeof code === 'string' ? ` ${code}` : ''} from ${target.where}`;
  }
}

async function importDriver<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new DatabaseOpenError(`the ${name} package is needed for this store and is not installed; run: npm install ${name}`);
    }
    throw error;
  }
}

function acquireLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSafe(lockPath), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseOpenError(
          `the data directory ${path.dirname(lockPath)} is in use by process ${owner} (a running server?). PGlite allows one process at a time: stop it first, or use DATABASE_URL with a PostgreSQL server.`,
        );
      }
      log('taking over the stale lock of process %s', String(owner));
      try {
        unlinkSync(lockPath);
      } catch {
        // Someone else removed it first; retry.
      }
    }
  }
  throw new DatabaseOpenError(`could not lock the data directory ${path.dirname(lockPath)}; try again`);
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
