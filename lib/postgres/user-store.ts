/**
 * `UserStore` on PostgreSQL, mapped onto the host's users table. Lockout and history state live
 * in the adapter's own tables. Every change is one statement or one transaction; decisions
 * (is the account locked? did this attempt reach the threshold?) are made in SQL, so concurrent
 * requests in any number of processes see one consistent count.
 */
import type {
  FailedAttemptInput,
  FailedAttemptResult,
  PasswordUser,
  PasswordWrite,
  RevocationKind,
  StoreCallOptions,
  SuccessfulAttemptInput,
  SuccessfulAttemptOutcome,
  UserStore,
} from '../types.ts';
import { PASSWORD_LIFECYCLE_VERSION } from './migrations.ts';
import type { ResolvedNames } from './options.ts';
import type { SqlExecutor } from './sql-executor.ts';

/** A user as `createUser` and `listUsers` return it: the library's fields plus the default table's extras (null when unmapped). */
export interface ManagedUser extends PasswordUser {
  readonly revokedBy: RevocationKind | null;
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
  readonly email: string | null;
  readonly displayName: string | null;
  readonly isSuperuser: boolean;
  readonly lastLogin: Date | null;
  readonly createdAt: Date | null;
  readonly passwordChangedAt: Date | null;
  readonly passwordChangeRequired: boolean;
  readonly reactivatedAt: Date | null;
}

/** Input of `PostgresUserStore.createUser`. */
export interface NewUser {
  /** Needed only when the id column has no default (the default table generates a UUID). */
  readonly id?: string;
  readonly login: string;
  readonly passwordHash: string | null;
  readonly email?: string | null;
  readonly displayName?: string | null;
  readonly isRemote?: boolean;
  readonly isSuperuser?: boolean;
  readonly isRevoked?: boolean;
  /** Whether the password must be changed at the next sign-in. Default false. */
  readonly passwordChangeRequired?: boolean;
}

interface UserRow {
  id: string;
  login: string;
  password_hash: string | null;
  is_remote: boolean;
  is_revoked: boolean;
  revoked_by: RevocationKind | null;
  failed_attempts: number;
  locked_until: Date | null;
  email: string | null;
  display_name: string | null;
  is_superuser: boolean;
  last_login: Date | null;
  created_at: Date | null;
  password_changed_at: Date | null;
  password_change_required: boolean;
  reactivated_at: Date | null;
}

/** A PostgreSQL-backed `UserStore`. Create it with `createPostgresStores`. */
export class PostgresUserStore implements UserStore {
  readonly #sql: SqlExecutor;
  readonly #n: ResolvedNames;
  /** The SELECT list and FROM clause shared by every read, computed once. */
  readonly #select: string;
  /** The FROM clause alone: the users table joined to the state table. */
  readonly #from: string;
  /** The condition `accountExpiryDays` revokes on, with the cutoff's placeholder. */
  readonly #inactive: (cutoff: string) => string;

  /** @internal Made by `createPostgresStores`, which owns the SQL executor. */
  constructor(sql: SqlExecutor, names: ResolvedNames) {
    this.#sql = sql;
    this.#n = names;
    const c = names.col;
    const orNull = (column: string | null, type: string) => (column === null ? `NULL::${type}` : `u.${column}`);
    const lastLogin = `coalesce(${orNull(c.lastLogin, 'timestamptz')}, s.last_login)`;
    // A password the adapter never wrote (set before the migration, or by the host's own writes) ages from the migration.
    const passwordChangedAt = `CASE WHEN u.${c.passwordHash} IS NOT NULL THEN coalesce(s.password_changed_at,
          (SELECT m.applied_at FROM ${names.migrations} m WHERE m.version = ${PASSWORD_LIFECYCLE_VERSION})) END`;
    const createdAt = orNull(c.createdAt, 'timestamptz');
    const isRemote = c.isRemote === null ? 'false' : `coalesce(u.${c.isRemote}, false)`;
    const isSuperuser = c.isSuperuser === null ? 'false' : `coalesce(u.${c.isSuperuser}, false)`;
    this.#from = `FROM ${names.users} u LEFT JOIN ${names.state} s ON s.user_id = u.${c.id}::text`;
    // What accountExpiryDays may revoke: local, active, not a superuser, last active (sign-in, else password time, else creation) before $cutoff.
    this.#inactive = (cutoff: string) =>
      `NOT ${isRemote} AND NOT coalesce(u.${c.isRevoked}, false) AND NOT ${isSuperuser} AND greatest(${lastLogin}, ${passwordChangedAt}, s.reactivated_at, ${createdAt}) < ${cutoff}`;
    this.#select = `SELECT u.${c.id}::text AS id, u.${c.login}::text AS login, u.${c.passwordHash} AS password_hash,
        ${isRemote} AS is_remote,
        coalesce(u.${c.isRevoked}, false) AS is_revoked,
        -- A revocation the adapter did not record (an older row, or the host's own write) is an administrator's.
        CASE WHEN coalesce(u.${c.isRevoked}, false) THEN coalesce(s.revoked_by, 'admin') END AS revoked_by,
        coalesce(s.failed_attempts, 0) AS failed_attempts, s.locked_until,
        ${orNull(c.email, 'text')}::text AS email, ${orNull(c.displayName, 'text')}::text AS display_name,
        ${isSuperuser} AS is_superuser,
        ${lastLogin} AS last_login,
        ${createdAt} AS created_at,
        ${passwordChangedAt} AS password_changed_at,
        coalesce(s.password_change_required, false) AS password_change_required,
        s.reactivated_at
      ${this.#from}`;
    const emailColumn = c.email;
    if (emailColumn !== null) {
      this.findByEmail = async (email, options) => {
        // Plain `=` on text: no case or Unicode folding. Two rows mean the address is shared: nobody's.
        const rows = await this.#sql.query<UserRow>(`${this.#select} WHERE u.${emailColumn} = $1 LIMIT 2`, [email], options?.signal);
        return rows.length === 1 ? toUser(rows[0] as UserRow) : null;
      };
    }
  }

  /** The user with this id, or null. */
  async findById(id: string, options?: StoreCallOptions): Promise<ManagedUser | null> {
    const [row] = await this.#sql.query<UserRow>(`${this.#select} WHERE u.${this.#n.col.id} = $1`, [id], options?.signal);
    return row === undefined ? null : toUser(row);
  }

  /** The users with these ids, in their order (null for none), in one SELECT. */
  async findByIds(ids: readonly string[], options?: StoreCallOptions): Promise<(ManagedUser | null)[]> {
    if (ids.length === 0) return [];
    const placeholders = ids.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.#sql.query<UserRow>(`${this.#select} WHERE u.${this.#n.col.id} IN (${placeholders})`, [...ids], options?.signal);
    // Matched case-blind: a uuid column reads back lower-case whatever case the id was given in.
    const byId = new Map(rows.map((row) => [row.id.toLowerCase(), toUser(row)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /**
   * The one user whose email is exactly `email`, or null (also when several share it). Present only
   * when `columns.email` is mapped: without that column there is nothing to look up.
   */
  readonly findByEmail?: (email: string, options?: StoreCallOptions) => Promise<ManagedUser | null>;

  /** The user with this login (compared exactly), or null. */
  async findByLogin(login: string, options?: StoreCallOptions): Promise<ManagedUser | null> {
    const [row] = await this.#sql.query<UserRow>(`${this.#select} WHERE u.${this.#n.col.login} = $1`, [login], options?.signal);
    return row === undefined ? null : toUser(row);
  }

  /** Every user, ordered by login. Meant for admin tools and the reference server, not for big tables. */
  async listUsers(): Promise<ManagedUser[]> {
    const rows = await this.#sql.query<UserRow>(`${this.#select} ORDER BY u.${this.#n.col.login}`);
    return rows.map(toUser);
  }

  /**
   * Inserts a user into the users table (mapped columns only; extras need their column mapped,
   * which `createUsersTable` does). Resolves the stored user. A duplicate login rejects.
   */
  async createUser(input: NewUser): Promise<ManagedUser> {
    const c = this.#n.col;
    const columns: string[] = [];
    const values: unknown[] = [];
    const set = (column: string | null, value: unknown, option: string) => {
      if (value === undefined) return;
      if (column === null) throw new TypeError(`express-rbac-password/postgres: createUser got ${option} but columns.${option} is not mapped`);
      columns.push(column);
      values.push(value);
    };
    set(c.id, input.id, 'id');
    set(c.login, input.login, 'login');
    set(c.passwordHash, input.passwordHash, 'passwordHash');
    set(c.isRevoked, input.isRevoked ?? false, 'isRevoked');
    // An unmapped remote flag means every user is local: asking for a remote one is an error.
    if (c.isRemote !== null || input.isRemote === true) set(c.isRemote, input.isRemote ?? false, 'isRemote');
    set(c.email, input.email, 'email');
    set(c.displayName, input.displayName, 'displayName');
    set(c.isSuperuser, input.isSuperuser, 'isSuperuser');
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    const [inserted] = await this.#sql.query<{ id: string }>(`INSERT INTO ${this.#n.users} (${columns.join(', ')}) VALUES (${placeholders}) RETURNING ${c.id}::text AS id`, values);
    // The password's time (and any change-required flag) goes to the state table, beside the user.
    if (inserted !== undefined && (input.passwordHash !== null || input.passwordChangeRequired === true)) {
      await this.#sql.query(`INSERT INTO ${this.#n.state} (user_id, password_changed_at, password_change_required) VALUES ($1, $2, $3)`, [
        inserted.id,
        input.passwordHash === null ? null : new Date(),
        input.passwordChangeRequired === true,
      ]);
    }
    const user = inserted === undefined ? null : await this.findById(inserted.id);
    if (user === null) throw new Error('express-rbac-password/postgres: the inserted user could not be read back');
    return user;
  }

  /**
   * Writes the hash, pushes and trims the history, and optionally reinstates, in one transaction.
   * Reinstating lifts only a lockout revocation: the kind is read after the user row is locked, so
   * an administrator's revocation committed before this write always stays.
   */
  setPassword(id: string, write: PasswordWrite, options?: StoreCallOptions): Promise<boolean> {
    const { users, state, history, col: c } = this.#n;
    return this.#sql.runInTransaction(async () => {
      const activeAt = write.activeAt ?? null;
      // With activeAt, the user row is locked by a statement of its own first (as recordFailedAttempt
      // does), so the UPDATE below takes a fresh snapshot and sees any lock a concurrent failure
      // committed in the state table; a re-check of the row alone would see only the users table.
      if (activeAt !== null) await this.#sql.query(`SELECT 1 FROM ${users} WHERE ${c.id} = $1 FOR UPDATE`, [id]);
      // Updating the user row first also locks it, in the same order as every other writer
      // (users, then state), so writers never deadlock each other.
      const [updated] = await this.#sql.query<{ uid: string; revoked: boolean }>(
        `UPDATE ${users} u SET ${c.passwordHash} = $2 WHERE u.${c.id} = $1 AND u.${c.passwordHash} IS NOT DISTINCT FROM $3
            AND ($4::timestamptz IS NULL OR (NOT coalesce(u.${c.isRevoked}, false)
              AND NOT EXISTS (SELECT 1 FROM ${state} s WHERE s.user_id = u.${c.id}::text AND s.locked_until > $4::timestamptz)))
          RETURNING u.${c.id}::text AS uid, coalesce(u.${c.isRevoked}, false) AS revoked`,
        [id, write.passwordHash, write.previousHash, activeAt],
      );
      if (updated === undefined) return false;
      const size = Math.max(0, Math.floor(write.historySize));
      if (write.previousHash !== null && size > 0 && write.rehash !== true) {
        await this.#sql.query(`INSERT INTO ${history} (user_id, password_hash) VALUES ($1, $2)`, [updated.uid, write.previousHash]);
      }
      await this.#sql.query(`DELETE FROM ${history} WHERE user_id = $1 AND id NOT IN (SELECT id FROM ${history} WHERE user_id = $1 ORDER BY id DESC LIMIT $2)`, [
        updated.uid,
        size,
      ]);
      // A new password (not a hash upgrade): its time, and the change-required flag it leaves.
      if (write.rehash !== true) {
        await this.#sql.query(
          `INSERT INTO ${state} (user_id, password_changed_at, password_change_required) VALUES ($1, $2, $3)
            ON CONFLICT (user_id) DO UPDATE SET password_changed_at = EXCLUDED.password_changed_at, password_change_required = EXCLUDED.password_change_required`,
          [updated.uid, write.changedAt ?? new Date(), write.changeRequired === true],
        );
      }
      // The right current password is a success: its clear commits with the write, never before a refused one.
      if (activeAt !== null) await this.#sql.query(`UPDATE ${state} SET failed_attempts = 0, lockouts = 0, locked_until = NULL WHERE user_id = $1`, [updated.uid]);
      if (!write.reinstate) return true;
      if (updated.revoked) {
        const [kind] = await this.#sql.query<{ revoked_by: string | null }>(`SELECT revoked_by FROM ${state} WHERE user_id = $1`, [updated.uid]);
        // An administrator's revocation (or one of unknown kind) outlives any reset; one for
        // inactivity yields to an administrator's reset (liftInactivity).
        const liftable = kind?.revoked_by === 'lockout' || (write.liftInactivity === true && kind?.revoked_by === 'inactivity');
        if (!liftable) return true;
        await this.#sql.query(`UPDATE ${users} SET ${c.isRevoked} = false WHERE ${c.id} = $1`, [id]);
      }
      await this.#sql.query(`UPDATE ${state} SET failed_attempts = 0, lockouts = 0, locked_until = NULL, revoked_by = NULL WHERE user_id = $1`, [updated.uid]);
      return true;
    }, options?.signal);
  }

  /** Up to `limit` earlier hashes, most recent first; empty for unknown users. */
  async getPasswordHistory(id: string, limit: number, options?: StoreCallOptions): Promise<string[]> {
    const size = Math.max(0, Math.floor(limit));
    if (size === 0) return [];
    const rows = await this.#sql.query<{ password_hash: string }>(
      `SELECT h.password_hash FROM ${this.#n.history} h
        WHERE h.user_id = (SELECT ${this.#n.col.id}::text FROM ${this.#n.users} WHERE ${this.#n.col.id} = $1)
        ORDER BY h.id DESC LIMIT $2`,
      [id, size],
      options?.signal,
    );
    return rows.map((row) => row.password_hash);
  }

  /**
   * Counts one failed attempt and locks at the threshold, in one transaction. The user row is
   * locked by a statement of its own first: later statements then take fresh snapshots, so each
   * of N concurrent calls sees the previous one's count.
   */
  recordFailedAttempt(id: string, input: FailedAttemptInput, options?: StoreCallOptions): Promise<FailedAttemptResult | null> {
    const { users, state, col: c } = this.#n;
    const threshold = Math.max(1, Math.floor(input.threshold));
    const temporary = input.action.mode === 'temporary';
    const baseMs = input.action.mode === 'temporary' ? input.action.baseMs : 0;
    const maxMs = input.action.mode === 'temporary' ? input.action.maxMs : 0;
    return this.#sql.runInTransaction(async () => {
      const [user] = await this.#sql.query<{ uid: string }>(`SELECT ${c.id}::text AS uid FROM ${users} WHERE ${c.id} = $1 FOR UPDATE`, [id]);
      // An unknown id goes on through the same statements, which then change nothing: verifyLogin
      // sends unknown logins and closed accounts here under a random id, so they cost what a
      // counted attempt costs (no timing oracle) and can never count.
      await this.#sql.query(`INSERT INTO ${state} (user_id) SELECT $1::text WHERE $2::boolean ON CONFLICT (user_id) DO NOTHING`, [user?.uid ?? id, user !== undefined]);
      // $2 threshold, $3 now, $4 temporary?, $5 baseMs, $6 maxMs. `hit` is true for the one call
      // whose increment reaches the threshold, or finds the counter already there on an active
      // account (reinstated outside the library); blocked calls (revoked, locked) change nothing.
      const [row] = await this.#sql.query<{ failed_attempts: number; locked_now: boolean; is_revoked: boolean; locked_until: Date | null }>(
        `WITH cur AS (
           SELECT s.user_id, s.failed_attempts, s.lockouts, s.locked_until, coalesce(u.${c.isRevoked}, false) AS revoked,
             (coalesce(u.${c.isRevoked}, false) OR coalesce(s.locked_until > $3::timestamptz, false)) AS blocked
           FROM ${state} s JOIN ${users} u ON u.${c.id} = $1
           WHERE s.user_id = u.${c.id}::text
         ), step AS (
           SELECT cur.*, (NOT blocked AND failed_attempts + 1 >= $2::int) AS hit FROM cur
         ), bumped AS (
           UPDATE ${state} s SET
             failed_attempts = CASE WHEN step.hit AND $4::boolean THEN 0 ELSE least(s.failed_attempts + 1, $2::int) END,
             lockouts = CASE WHEN step.hit AND $4::boolean THEN s.lockouts + 1 ELSE s.lockouts END,
             revoked_by = CASE WHEN step.hit AND NOT $4::boolean THEN 'lockout' ELSE s.revoked_by END,
             locked_until = CASE
               WHEN step.hit AND $4::boolean
                 THEN $3::timestamptz + least($5::float8 * power(2::float8, least(s.lockouts, 60)), $6::float8) * interval '1 millisecond'
               -- A lock that has run out is forgotten, so the result never reports a stale one.
               ELSE NULL END
           FROM step WHERE s.user_id = step.user_id AND NOT step.blocked
           RETURNING s.failed_attempts, s.locked_until, true AS done
         ), revoked AS (
           UPDATE ${users} u SET ${c.isRevoked} = true
           FROM step WHERE u.${c.id} = $1 AND step.hit AND NOT $4::boolean
           RETURNING true AS revoked
         )
         SELECT coalesce(b.failed_attempts, step.failed_attempts) AS failed_attempts,
           step.hit AS locked_now,
           coalesce(r.revoked, step.revoked) AS is_revoked,
           CASE WHEN b.done THEN b.locked_until ELSE step.locked_until END AS locked_until
         FROM step
         LEFT JOIN bumped b ON true
         LEFT JOIN revoked r ON true`,
        [id, threshold, input.now, temporary, baseMs, maxMs],
      );
      if (row === undefined) return null;
      return {
        failedAttempts: row.failed_attempts,
        lockedNow: row.locked_now,
        isRevoked: row.is_revoked,
        lockedUntil: row.locked_until,
      };
    }, options?.signal);
  }

  /** Resets the counter and the temporary-lock history after a successful login. Leaves revocation alone. */
  async clearFailedAttempts(id: string, options?: StoreCallOptions): Promise<void> {
    await this.#sql.query(
      `UPDATE ${this.#n.state} SET failed_attempts = 0, lockouts = 0, locked_until = NULL
        WHERE user_id = (SELECT ${this.#n.col.id}::text FROM ${this.#n.users} WHERE ${this.#n.col.id} = $1)`,
      [id],
      options?.signal,
    );
  }

  /**
   * After a right password: clears the counter only while the account is active and the hash is
   * the verified one, in one transaction. The user row is locked first, as `recordFailedAttempt`
   * does, so a success and a failure on the same user take turns and each sees the other's result.
   */
  recordSuccessfulAttempt(id: string, input: SuccessfulAttemptInput, options?: StoreCallOptions): Promise<SuccessfulAttemptOutcome | null> {
    const { users, state, col: c } = this.#n;
    return this.#sql.runInTransaction(async () => {
      const [user] = await this.#sql.query<{ uid: string; hash: string | null; revoked: boolean }>(
        `SELECT ${c.id}::text AS uid, ${c.passwordHash} AS hash, coalesce(${c.isRevoked}, false) AS revoked FROM ${users} WHERE ${c.id} = $1 FOR UPDATE`,
        [id],
      );
      if (user === undefined) return null;
      if (user.revoked) return 'revoked';
      // One statement: clear unless a temporary lock still runs; `locked` says which happened.
      const [row] = await this.#sql.query<{ locked: boolean }>(
        `WITH cur AS (SELECT locked_until FROM ${state} WHERE user_id = $1),
           cleared AS (
             UPDATE ${state} SET failed_attempts = 0, lockouts = 0, locked_until = NULL
              WHERE user_id = $1 AND NOT coalesce(locked_until > $2::timestamptz, false) AND $3::boolean
           )
         SELECT coalesce((SELECT locked_until > $2::timestamptz FROM cur), false) AS locked`,
        [user.uid, input.now, user.hash === input.passwordHash],
      );
      if (row?.locked === true) return 'locked';
      return user.hash === input.passwordHash ? 'ok' : 'password-changed';
    }, options?.signal);
  }

  /**
   * An administrator's revocation (recorded as `'admin'`, also over a lockout revocation), or an
   * administrator's reinstate (clearing the kind, counter, lock history and lock), in one statement.
   */
  async setRevoked(id: string, revoked: boolean, options?: StoreCallOptions): Promise<boolean> {
    const { users, state, col: c } = this.#n;
    const [row] = await this.#sql.query<{ found: number }>(
      `WITH u AS (
         UPDATE ${users} SET ${c.isRevoked} = $2 WHERE ${c.id} = $1 RETURNING ${c.id}::text AS uid
       ), revoked AS (
         INSERT INTO ${state} (user_id, revoked_by) SELECT uid, 'admin' FROM u WHERE $2::boolean
         ON CONFLICT (user_id) DO UPDATE SET revoked_by = 'admin'
       ), cleared AS (
         -- A reinstatement also starts a new period of accountExpiryDays.
         INSERT INTO ${state} (user_id, reactivated_at) SELECT uid, $3::timestamptz FROM u WHERE NOT $2::boolean
         ON CONFLICT (user_id) DO UPDATE SET failed_attempts = 0, lockouts = 0, locked_until = NULL, revoked_by = NULL, reactivated_at = EXCLUDED.reactivated_at
       )
       SELECT count(*)::int AS found FROM u`,
      [id, revoked, new Date()],
      options?.signal,
    );
    return (row?.found ?? 0) > 0;
  }

  /** Local, active, non-superuser users last active before `cutoff` (ordered by login). */
  async findInactive(cutoff: Date, options?: StoreCallOptions): Promise<ManagedUser[]> {
    const rows = await this.#sql.query<UserRow>(`${this.#select} WHERE ${this.#inactive('$1::timestamptz')} ORDER BY u.${this.#n.col.login}`, [cutoff], options?.signal);
    return rows.map(toUser);
  }

  /**
   * Revokes the user for inactivity when it is still inactive, in one transaction. The user row is
   * locked by the condition's own statement: a concurrent revocation (or an expiry by another
   * instance) committed first makes the condition fail on the fresh row, so exactly one call revokes.
   */
  expireInactive(id: string, cutoff: Date, options?: StoreCallOptions): Promise<boolean> {
    const { users, state, col: c } = this.#n;
    return this.#sql.runInTransaction(async () => {
      const [row] = await this.#sql.query<{ uid: string }>(
        `SELECT u.${c.id}::text AS uid ${this.#from} WHERE u.${c.id} = $1 AND ${this.#inactive('$2::timestamptz')} FOR UPDATE OF u`,
        [id, cutoff],
      );
      if (row === undefined) return false;
      // Users first, then state: the order every writer takes.
      await this.#sql.query(`UPDATE ${users} SET ${c.isRevoked} = true WHERE ${c.id} = $1 AND NOT coalesce(${c.isRevoked}, false)`, [id]);
      await this.#sql.query(`INSERT INTO ${state} (user_id, revoked_by) VALUES ($1, 'inactivity') ON CONFLICT (user_id) DO UPDATE SET revoked_by = 'inactivity'`, [row.uid]);
      return true;
    }, options?.signal);
  }

  /** Sets or clears the change-required flag (in the state table), in one statement. False for an unknown user. */
  async setPasswordChangeRequired(id: string, required: boolean, options?: StoreCallOptions): Promise<boolean> {
    const { users, state, col: c } = this.#n;
    const [row] = await this.#sql.query<{ found: number }>(
      `WITH u AS (SELECT ${c.id}::text AS uid FROM ${users} WHERE ${c.id} = $1),
         flagged AS (
           INSERT INTO ${state} (user_id, password_change_required) SELECT uid, $2::boolean FROM u
           ON CONFLICT (user_id) DO UPDATE SET password_change_required = EXCLUDED.password_change_required
         )
       SELECT count(*)::int AS found FROM u`,
      [id, required],
      options?.signal,
    );
    return (row?.found ?? 0) > 0;
  }

  /** Records a successful login time in the state table, and in the users table when `columns.lastLogin` is mapped. */
  async recordLogin(id: string, at: Date, options?: StoreCallOptions): Promise<void> {
    const { users, state, col: c } = this.#n;
    const source =
      c.lastLogin === null
        ? `SELECT ${c.id}::text AS uid FROM ${users} WHERE ${c.id} = $1`
        : `UPDATE ${users} SET ${c.lastLogin} = $2 WHERE ${c.id} = $1 RETURNING ${c.id}::text AS uid`;
    await this.#sql.query(
      `WITH u AS (${source})
       INSERT INTO ${state} (user_id, last_login) SELECT uid, $2::timestamptz FROM u
       ON CONFLICT (user_id) DO UPDATE SET last_login = EXCLUDED.last_login`,
      [id, at],
      options?.signal,
    );
  }
}

function toUser(row: UserRow): ManagedUser {
  return {
    id: row.id,
    login: row.login,
    passwordHash: row.password_hash,
    isRemote: row.is_remote,
    isRevoked: row.is_revoked,
    revokedBy: row.revoked_by,
    failedAttempts: Number(row.failed_attempts),
    lockedUntil: row.locked_until,
    email: row.email,
    displayName: row.display_name,
    isSuperuser: row.is_superuser,
    lastLogin: row.last_login,
    createdAt: row.created_at,
    passwordChangedAt: row.password_changed_at,
    passwordChangeRequired: row.password_change_required,
    reactivatedAt: row.reactivated_at,
  };
}
