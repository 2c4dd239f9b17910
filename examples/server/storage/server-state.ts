/**
 * The reference server's own state, beside the library's stores: settings (the generated token
 * signing secret), users' permissions, and auth tokens (sessions). Auth tokens are stored only
 * as a SHA-256 digest, so a database dump never holds a usable token.
 */
import type { SqlClient } from 'express-rbac-password/postgres';
import type { Database } from './database.ts';

/** One auth token's record. `userId` is whose it is. */
export interface SessionRecord {
  readonly userId: string;
  readonly expiresAt: Date;
}

/** What the reference server keeps besides users and reset tokens. Every member may be async. */
export interface ServerState {
  /** Creates the tables (idempotent, safe from several instances at once). */
  migrate(): Promise<void>;
  /** The setting's value; when unset, stores `create()` and returns it. Concurrent callers all get the first stored value. */
  getOrCreateSetting(name: string, create: () => string): Promise<string>;
  /** The permission strings granted to the user. */
  getPermissions(userId: string): Promise<string[]>;
  /** Grants permissions (duplicates are ignored). */
  grantPermissions(userId: string, permissions: readonly string[]): Promise<void>;
  /** Records a new auth token by its digest. */
  createSession(tokenHash: string, userId: string, expiresAt: Date): Promise<void>;
  /** When the token is live at `now`, slides its expiry to `expiresAt` and returns its user; else null. */
  touchSession(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null>;
  /** Ends every auth token of the user except `keepHash` (the caller's own, on a password change). Resolves how many ended. */
  endSessions(userId: string, keepHash?: string): Promise<number>;
  /** Deletes expired auth tokens; resolves how many. */
  purgeSessions(now: Date): Promise<number>;
}

const T = {
  settings: 'rbac_server_settings',
  permissions: 'rbac_server_permissions',
  sessions: 'rbac_server_auth_tokens',
};

/** `ServerState` in three small tables of the same database as the library's stores. */
export class PostgresServerState implements ServerState {
  readonly #db: Database;
  readonly #client: SqlClient;

  constructor(db: Database) {
    this.#db = db;
    this.#client = db.client;
  }

  migrate(): Promise<void> {
    return this.#db.transaction(async (tx) => {
      // Several instances may start at once on one database; CREATE ... IF NOT EXISTS alone can
      // still collide in the catalog, so they take turns.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['rbac_server_migrate']);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${T.settings} (name text PRIMARY KEY, value text NOT NULL)`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${T.permissions} (user_id text NOT NULL, permission text NOT NULL, PRIMARY KEY (user_id, permission))`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${T.sessions} (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
      await tx.query(`CREATE INDEX IF NOT EXISTS ${T.sessions}_user ON ${T.sessions} (user_id)`);
    });
  }

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    await this.#client.query(`INSERT INTO ${T.settings} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, create()]);
    const { rows } = await this.#client.query(`SELECT value FROM ${T.settings} WHERE name = $1`, [name]);
    const row = rows[0] as { value: string } | undefined;
    if (row === undefined) throw new Error(`setting ${name} could not be read back`);
    return row.value;
  }

  async getPermissions(userId: string): Promise<string[]> {
    const { rows } = await this.#client.query(`SELECT permission FROM ${T.permissions} WHERE user_id = $1 ORDER BY permission`, [userId]);
    return (rows as { permission: string }[]).map((row) => row.permission);
  }

  async grantPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    if (permissions.length === 0) return;
    await this.#client.query(`INSERT INTO ${T.permissions} (user_id, permission) SELECT $1, p FROM unnest($2::text[]) AS p ON CONFLICT DO NOTHING`, [userId, [...permissions]]);
  }

  async createSession(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    await this.#client.query(`INSERT INTO ${T.sessions} (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, [tokenHash, userId, expiresAt]);
  }

  async touchSession(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null> {
    const { rows } = await this.#client.query(`UPDATE ${T.sessions} SET expires_at = $3 WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id`, [tokenHash, now, expiresAt]);
    return (rows[0] as { user_id: string } | undefined)?.user_id ?? null;
  }

  async endSessions(userId: string, keepHash?: string): Promise<number> {
    const { rows } = await this.#client.query(`DELETE FROM ${T.sessions} WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2 RETURNING 1 AS gone`, [userId, keepHash ?? null]);
    return rows.length;
  }

  async purgeSessions(now: Date): Promise<number> {
    const { rows } = await this.#client.query(`DELETE FROM ${T.sessions} WHERE expires_at <= $1 RETURNING 1 AS gone`, [now]);
    return rows.length;
  }
}

/** `ServerState` in memory, for `RBAC_STORE=memory`. */
export class MemoryServerState implements ServerState {
  readonly #settings = new Map<string, string>();
  readonly #permissions = new Map<string, Set<string>>();
  readonly #sessions = new Map<string, { userId: string; expiresAt: Date }>();

  async migrate(): Promise<void> {}

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    if (!this.#settings.has(name)) this.#settings.set(name, create());
    return this.#settings.get(name) as string;
  }

  async getPermissions(userId: string): Promise<string[]> {
    return [...(this.#permissions.get(userId) ?? [])].sort();
  }

  async grantPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    const granted = this.#permissions.get(userId) ?? new Set<string>();
    for (const permission of permissions) granted.add(permission);
    this.#permissions.set(userId, granted);
  }

  async createSession(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    this.#sessions.set(tokenHash, { userId, expiresAt });
  }

  async touchSession(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null> {
    const session = this.#sessions.get(tokenHash);
    if (session === undefined || session.expiresAt <= now) return null;
    session.expiresAt = expiresAt;
    return session.userId;
  }

  async endSessions(userId: string, keepHash?: string): Promise<number> {
    let ended = 0;
    for (const [hash, session] of this.#sessions) {
      if (session.userId === userId && hash !== keepHash) {
        this.#sessions.delete(hash);
        ended++;
      }
    }
    return ended;
  }

  async purgeSessions(now: Date): Promise<number> {
    let purged = 0;
    for (const [hash, session] of this.#sessions) {
      if (session.expiresAt <= now) {
        this.#sessions.delete(hash);
        purged++;
      }
    }
    return purged;
  }
}
