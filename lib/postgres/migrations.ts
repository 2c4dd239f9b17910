/**
 * The adapter's own tables, as numbered migrations. `migrate()` applies the missing ones in one
 * transaction under an advisory lock (so several instances starting at once apply each exactly
 * once) and records each in the migrations table. Released migrations are never edited: a
 * change is a new version.
 */
import { quoteIdentifier } from './identifiers.ts';
import type { ResolvedNames } from './options.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** One schema change. */
export interface PostgresMigration {
  /** Consecutive from 1. */
  readonly version: number;
  readonly name: string;
  /** Statements run in order, one per query (PGlite and prepared statements take one at a time). */
  readonly statements: readonly string[];
}

/** What `migrate()` did. */
export interface MigrationResult {
  /** Schema version before the call (0 for a fresh database). */
  readonly from: number;
  /** Schema version after the call. */
  readonly to: number;
  /** Versions applied by this call; empty when the database was up to date. */
  readonly applied: readonly number[];
}

/** The migrations of the adapter's own tables, with names resolved from the options. */
export function postgresMigrations(names: ResolvedNames): readonly PostgresMigration[] {
  const index = (suffix: string) => quoteIdentifier(`${names.prefix}${suffix}`);
  return [
    {
      version: 1,
      name: 'user state, password history, reset tokens',
      statements: [
        // One row per user that ever failed a login; created lazily, keyed by the user id as text
        // so any id type of the host's table fits.
        `CREATE TABLE ${names.state} (
          user_id text PRIMARY KEY,
          failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
          lockouts integer NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
          locked_until timestamptz,
          last_login timestamptz
        )`,
        `CREATE TABLE ${names.history} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          user_id text NOT NULL,
          password_hash text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        )`,
        `CREATE INDEX ${index('password_history_user')} ON ${names.history} (user_id, id DESC)`,
        // purge_after is when a row stops being useful: at expiry, or at once when used or revoked.
        // Indexing it makes purgeExpired one index range scan.
        `CREATE TABLE ${names.tokens} (
          id text PRIMARY KEY,
          user_id text NOT NULL,
          issued_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL,
          used_at timestamptz,
          revoked_at timestamptz,
          issued_by text,
          password_stamp text NOT NULL,
          purge_after timestamptz GENERATED ALWAYS AS (
            CASE WHEN used_at IS NULL AND revoked_at IS NULL THEN expires_at ELSE '-infinity'::timestamptz END
          ) STORED
        )`,
        `CREATE INDEX ${index('reset_tokens_outstanding')} ON ${names.tokens} (user_id) WHERE used_at IS NULL AND revoked_at IS NULL`,
        `CREATE INDEX ${index('reset_tokens_purge_after')} ON ${names.tokens} (purge_after)`,
      ],
    },
    {
      version: 2,
      name: 'revocation kinds, per-token refusal budget',
      statements: [
        // Who revoked the account: 'lockout' (a reset lifts it) or 'admin' (only a reinstate does).
        // Existing revocations have no kind and read as 'admin', the safe choice: an administrator
        // reinstates them (as before, only an administrator could issue the reset token anyway).
        `ALTER TABLE ${names.state} ADD COLUMN revoked_by text CHECK (revoked_by IN ('lockout', 'admin'))`,
        // Refused redemptions (reused passwords) of each token, counted toward its budget.
        `ALTER TABLE ${names.tokens} ADD COLUMN refusals integer NOT NULL DEFAULT 0 CHECK (refusals >= 0)`,
      ],
    },
    {
      version: PASSWORD_LIFECYCLE_VERSION,
      name: 'password set time, change required at next sign-in, revocation for inactivity',
      statements: [
        // When the adapter last wrote the password (null for passwords written before: those age
        // from when this migration was applied, see the user store's reads).
        `ALTER TABLE ${names.state} ADD COLUMN password_changed_at timestamptz`,
        `ALTER TABLE ${names.state} ADD COLUMN password_change_required boolean NOT NULL DEFAULT false`,
        // The last reinstatement: a reinstated account starts a new period of accountExpiryDays.
        `ALTER TABLE ${names.state} ADD COLUMN reactivated_at timestamptz`,
        // A third kind of revocation, 'inactivity' (accountExpiryDays). The check of version 2 has a
        // name PostgreSQL chose (and may have shortened), so it is found by its definition.
        `DO $$ DECLARE c text; BEGIN
          FOR c IN SELECT conname FROM pg_constraint
            WHERE conrelid = '${names.state}'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%revoked_by%'
          LOOP EXECUTE format('ALTER TABLE ${names.state} DROP CONSTRAINT %I', c); END LOOP;
        END $$`,
        `ALTER TABLE ${names.state} ADD CONSTRAINT ${index('revoked_by_kind')} CHECK (revoked_by IN ('lockout', 'admin', 'inactivity'))`,
      ],
    },
    {
      version: 4,
      name: 'self-service reset link slots',
      statements: [
        // One row per account that asked for a self-service link: the cooldown every instance
        // shares. The next claim reuses the row, so the table holds at most one row per user.
        `CREATE TABLE ${names.resetLinks} (
          user_id text PRIMARY KEY,
          claimed_at timestamptz NOT NULL,
          free_at timestamptz NOT NULL
        )`,
      ],
    },
  ];
}

/** The migration that added the password's time and the change-required flag (passwords older than it age from its `applied_at`). */
export const PASSWORD_LIFECYCLE_VERSION = 3;

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = 4;

/** `CREATE TABLE IF NOT EXISTS` for the default users table, with the configured names. */
export function defaultUsersTableStatement(names: ResolvedNames): string {
  const c = names.col;
  const optional = (name: string | null, definition: string) => (name === null ? '' : `,\n  ${name} ${definition}`);
  return `CREATE TABLE IF NOT EXISTS ${names.users} (
  ${c.id} uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  ${c.login} text NOT NULL UNIQUE,
  ${c.passwordHash} text,
  ${c.isRevoked} boolean NOT NULL DEFAULT false${optional(c.isRemote, 'boolean NOT NULL DEFAULT false')}${optional(c.email, 'text')}${optional(c.displayName, 'text')}${optional(c.isSuperuser, 'boolean NOT NULL DEFAULT false')}${optional(c.lastLogin, 'timestamptz')}${optional(c.createdAt, 'timestamptz NOT NULL DEFAULT now()')}
)`;
}

/** Reads the recorded schema version, or 0 when the migrations table does not exist yet. */
export async function readSchemaVersion(sql: SqlExecutor, names: ResolvedNames): Promise<number> {
  const [exists] = await sql.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [names.migrations]);
  if (exists?.name == null) return 0;
  const [row] = await sql.query<{ version: number | null }>(`SELECT max(version)::int AS version FROM ${names.migrations}`);
  return row?.version ?? 0;
}

/**
 * Applies the missing migrations (and the default users table when asked) in one transaction.
 * Refuses, changing nothing, when the database records a newer version than this code knows.
 */
export async function migrate(sql: SqlExecutor, names: ResolvedNames, createUsersTable: boolean): Promise<MigrationResult> {
  const migrations = postgresMigrations(names);
  return sql.runInTransaction(async () => {
    // Serializes concurrent migrate() calls on this schema and prefix, across processes;
    // released by the commit.
    await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [names.lockKey]);
    await sql.query(`CREATE TABLE IF NOT EXISTS ${names.migrations} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const from = await readSchemaVersion(sql, names);
    if (from > LATEST_SCHEMA_VERSION) {
      throw new Error(
        `express-rbac-password/postgres: the database schema ${names.migrations} is at version ${from}, newer than version ${LATEST_SCHEMA_VERSION} that this version of express-rbac-password knows; refusing to migrate. Upgrade express-rbac-password (or point it at another schema or tablePrefix).`,
      );
    }
    if (createUsersTable) await sql.query(defaultUsersTableStatement(names));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      for (const statement of migration.statements) await sql.query(statement);
      await sql.query(`INSERT INTO ${names.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return { from, to: Math.max(from, LATEST_SCHEMA_VERSION), applied };
  });
}
