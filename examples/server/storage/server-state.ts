/**
 * The reference server's own state, beside the library's stores: settings (the generated token
 * signing secret), users' permissions, and auth tokens (sessions). Auth tokens are stored only
 * as a SHA-256 digest, so a database dump never holds a usable token.
 *
 * Sessions against sign-ins racing a revoke, reset or change (issue 18): a session is stored only
 * while the credential it was verified against is still current and the account active, checked
 * in the same step as the insert; and each session carries the user's session generation, which
 * `endSessions` bumps in the same step as it deletes, so no session made before an end of
 * sessions is ever honoured again (not even after a reinstatement).
 */
import { credentialStamp, type PasswordUser } from 'express-rbac-password';
import type { ResolvedNames, SqlClient } from 'express-rbac-password/postgres';
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
  /**
   * Records a new auth token by its digest, only while the user's password hash still has the
   * stamp `session.credential` (from `verifyLogin`) and the account is active at `session.now`,
   * checked in the same step as the insert. Resolves false, storing nothing, otherwise.
   */
  createSession(session: NewSession): Promise<boolean>;
  /** When the token is live at `now` and of the user's current session generation, slides its expiry to `expiresAt` and returns its user; else null. */
  touchSession(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null>;
  /**
   * Ends every auth token of the user except `keepHash` (the caller's own, on a password change),
   * and bumps the user's session generation in the same step (the kept token moves to the new
   * one). Resolves how many ended.
   */
  endSessions(userId: string, keepHash?: string): Promise<number>;
  /** Deletes expired auth tokens; resolves how many. */
  purgeSessions(now: Date): Promise<number>;
}

/** A sign-in's new auth token, and what it was verified against. */
export interface NewSession {
  readonly tokenHash: string;
  readonly userId: string;
  readonly expiresAt: Date;
  /** `LoginResult.credential`: the stamp of the hash the password was verified against. */
  readonly credential: string;
  /** The sign-in's clock reading: a temporary lock running then refuses the session. */
  readonly now: Date;
}

const T = {
  settings: 'rbac_server_settings',
  permissions: 'rbac_server_permissions',
  sessions: 'rbac_server_auth_tokens',
  generations: 'rbac_server_session_generations',
};

/** `ServerState` in three small tables of the same database as the library's stores. */
export class PostgresServerState implements ServerState {
  readonly #db: Database;
  readonly #client: SqlClient;
  /** The library's tables (users and lockout state), read by `createSession`'s check. */
  readonly #names: ResolvedNames;

  constructor(db: Database, names: ResolvedNames) {
    this.#db = db;
    this.#client = db.client;
    this.#names = names;
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
      // Session generations (issue 18); tables from before them start every user at generation 0.
      await tx.query(`ALTER TABLE ${T.sessions} ADD COLUMN IF NOT EXISTS generation bigint NOT NULL DEFAULT 0`);
      await tx.query(`CREATE TABLE IF NOT EXISTS ${T.generations} (user_id text PRIMARY KEY, generation bigint NOT NULL DEFAULT 0)`);
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

  /**
   * One statement. `FOR SHARE` on the user row makes a concurrent password write or revocation
   * wait for this insert (then `endSessions`, which runs after it, deletes the session), or this
   * insert wait for it and then re-check the row it committed (and store nothing). The generation
   * row is upserted, which locks it against a concurrent `endSessions` bump.
   */
  async createSession(session: NewSession): Promise<boolean> {
    const { users, state, col: c } = this.#names;
    const { rows } = await this.#client.query(
      `WITH verified AS (
         SELECT u.${c.id}::text AS uid FROM ${users} u
          WHERE u.${c.id} = $2 AND u.${c.passwordHash} IS NOT NULL
            AND rtrim(translate(encode(sha256(convert_to(u.${c.passwordHash}, 'UTF8')), 'base64'), '+/', '-_'), '=') = $4
            AND NOT coalesce(u.${c.isRevoked}, false)
            AND NOT EXISTS (SELECT 1 FROM ${state} s WHERE s.user_id = u.${c.id}::text AND s.locked_until > $5::timestamptz)
          FOR SHARE OF u
       ), generation AS (
         INSERT INTO ${T.generations} (user_id) SELECT uid FROM verified
         ON CONFLICT (user_id) DO UPDATE SET generation = ${T.generations}.generation
         RETURNING user_id, generation
       )
       INSERT INTO ${T.sessions} (token_hash, user_id, expires_at, generation)
       SELECT $1, user_id, $3, generation FROM generation RETURNING 1 AS stored`,
      [session.tokenHash, session.userId, session.expiresAt, session.credential, session.now],
    );
    return rows.length === 1;
  }

  /**
   * When the row was locked by an `endSessions` that keeps it (a change), the UPDATE waits, then
   * re-checks the new row against the generation read by its own, older snapshot and finds no
   * match: the kept session would look ended for that one request. A miss is therefore asked
   * again once, in a statement with a fresh snapshot; a session that really ended stays ended.
   */
  async touchSession(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null> {
    return (await this.#touchOnce(tokenHash, now, expiresAt)) ?? this.#touchOnce(tokenHash, now, expiresAt);
  }

  async #touchOnce(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null> {
    const { rows } = await this.#client.query(
      `UPDATE ${T.sessions} t SET expires_at = $3 WHERE t.token_hash = $1 AND t.expires_at > $2
          AND t.generation = coalesce((SELECT g.generation FROM ${T.generations} g WHERE g.user_id = t.user_id), 0)
        RETURNING t.user_id`,
      [tokenHash, now, expiresAt],
    );
    return (rows[0] as { user_id: string } | undefined)?.user_id ?? null;
  }

  /** Bump first: the row lock orders it against `createSession`'s upsert, and the DELETE (a later statement) then sees every session stored before. */
  endSessions(userId: string, keepHash?: string): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const { rows: bumped } = await tx.query(
        `INSERT INTO ${T.generations} (user_id, generation) VALUES ($1, 1)
         ON CONFLICT (user_id) DO UPDATE SET generation = ${T.generations}.generation + 1 RETURNING generation`,
        [userId],
      );
      const generation = (bumped[0] as { generation: string | number }).generation;
      const { rows } = await tx.query(`DELETE FROM ${T.sessions} WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2 RETURNING 1 AS gone`, [userId, keepHash ?? null]);
      if (keepHash !== undefined) await tx.query(`UPDATE ${T.sessions} SET generation = $3 WHERE user_id = $1 AND token_hash = $2`, [userId, keepHash, generation]);
      return rows.length;
    });
  }

  async purgeSessions(now: Date): Promise<number> {
    const { rows } = await this.#client.query(`DELETE FROM ${T.sessions} WHERE expires_at <= $1 RETURNING 1 AS gone`, [now]);
    return rows.length;
  }
}

/** `ServerState` in memory, for `RBAC_STORE=memory`. Checks run synchronously against the memory user store, so each is one step. */
export class MemoryServerState implements ServerState {
  readonly #settings = new Map<string, string>();
  readonly #permissions = new Map<string, Set<string>>();
  readonly #sessions = new Map<string, { userId: string; expiresAt: Date; generation: number }>();
  readonly #generations = new Map<string, number>();
  readonly #users: { findById(id: string): PasswordUser | null };

  constructor(users: { findById(id: string): PasswordUser | null }) {
    this.#users = users;
  }

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

  async createSession(session: NewSession): Promise<boolean> {
    // Synchronous from the read to the insert: no password write or revocation can come between.
    const user = this.#users.findById(session.userId);
    if (user === null || user.passwordHash === null || credentialStamp(user.passwordHash) !== session.credential) return false;
    if (user.isRevoked || (user.lockedUntil != null && user.lockedUntil > session.now)) return false;
    this.#sessions.set(session.tokenHash, { userId: session.userId, expiresAt: session.expiresAt, generation: this.#generations.get(session.userId) ?? 0 });
    return true;
  }

  async touchSession(tokenHash: string, now: Date, expiresAt: Date): Promise<string | null> {
    const session = this.#sessions.get(tokenHash);
    if (session === undefined || session.expiresAt <= now) return null;
    if (session.generation !== (this.#generations.get(session.userId) ?? 0)) return null;
    session.expiresAt = expiresAt;
    return session.userId;
  }

  async endSessions(userId: string, keepHash?: string): Promise<number> {
    const generation = (this.#generations.get(userId) ?? 0) + 1;
    this.#generations.set(userId, generation);
    let ended = 0;
    for (const [hash, session] of this.#sessions) {
      if (session.userId !== userId) continue;
      if (hash === keepHash) {
        session.generation = generation;
      } else {
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
