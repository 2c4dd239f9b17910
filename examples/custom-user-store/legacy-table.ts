/**
 * Stands in for a host's existing users table, with its own column names and conventions
 * (`uuid`, `username`, `pw_hash`, `auth_source`, `disabled` as 0/1, a JSON history column).
 * A plain in-memory table keeps the example free of database drivers; with SQL, each method of
 * `LegacyUserStore` becomes one statement (the compare-and-set an `UPDATE … WHERE pw_hash = $old`).
 */
export interface LegacyUserRow {
  uuid: string;
  username: string;
  pw_hash: string | null;
  /** 'local', or the directory the account comes from ('ldap', 'saml'). */
  auth_source: string;
  disabled: 0 | 1;
  /** Why the account is disabled: 'lockout' (failed logins; a reset lifts it), 'admin', or null (read as 'admin'). */
  disabled_reason: 'lockout' | 'admin' | null;
  failed_logins: number;
  /** Temporary lock: epoch milliseconds, or null. */
  locked_until_ms: number | null;
  /** How many temporary locks since the last success (for the growing wait). */
  lock_count: number;
  /** Earlier hashes, most recent first, as a JSON array string. */
  pw_history: string;
  last_login: string | null;
}

/** The host's table: rows by uuid. */
export class LegacyUsersTable {
  readonly rows = new Map<string, LegacyUserRow>();

  insert(row: Pick<LegacyUserRow, 'uuid' | 'username'> & Partial<LegacyUserRow>): LegacyUserRow {
    const full: LegacyUserRow = {
      pw_hash: null,
      auth_source: 'local',
      disabled: 0,
      disabled_reason: null,
      failed_logins: 0,
      locked_until_ms: null,
      lock_count: 0,
      pw_history: '[]',
      last_login: null,
      ...row,
    };
    this.rows.set(full.uuid, full);
    return full;
  }

  byUsername(username: string): LegacyUserRow | undefined {
    for (const row of this.rows.values()) if (row.username === username) return row;
    return undefined;
  }
}
