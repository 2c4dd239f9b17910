/**
 * A custom `UserStore` over the host's existing users table (see `legacy-table.ts`). It maps the
 * host's columns to a `PasswordUser` and implements every member, so history, lockout and the
 * login helper all work. Each method runs synchronously against the table, so it is atomic in
 * one Node.js process; a SQL store gets the same guarantees from single statements.
 */
// #region store
import type { FailedAttemptInput, FailedAttemptResult, PasswordUser, PasswordWrite, SuccessfulAttemptInput, SuccessfulAttemptOutcome, UserStore } from 'express-rbac-password';
import type { LegacyUserRow, LegacyUsersTable } from './legacy-table.ts';

function toUser(row: LegacyUserRow): PasswordUser {
  return {
    id: row.uuid,
    login: row.username,
    passwordHash: row.pw_hash,
    isRemote: row.auth_source !== 'local',
    isRevoked: row.disabled === 1,
    revokedBy: row.disabled === 1 ? (row.disabled_reason ?? 'admin') : null,
    failedAttempts: row.failed_logins,
    lockedUntil: row.locked_until_ms === null ? null : new Date(row.locked_until_ms),
  };
}

export class LegacyUserStore implements UserStore {
  constructor(private readonly table: LegacyUsersTable) {}

  findById(id: string): PasswordUser | null {
    const row = this.table.rows.get(id);
    return row === undefined ? null : toUser(row);
  }

  findByLogin(login: string): PasswordUser | null {
    const row = this.table.byUsername(login);
    return row === undefined ? null : toUser(row);
  }

  /** Compare-and-set: writes only while the stored hash is still the one the library read. */
  setPassword(id: string, write: PasswordWrite): boolean {
    const row = this.table.rows.get(id);
    if (row === undefined || row.pw_hash !== write.previousHash) return false;
    // A change of one's own password loses to a lockout that got here first.
    if (write.activeAt !== undefined && closedAt(row, write.activeAt.getTime()) !== null) return false;
    // The right current password is a success: its clear goes with the write, never before a refused one.
    if (write.activeAt !== undefined) Object.assign(row, { failed_logins: 0, locked_until_ms: null, lock_count: 0 });
    const history = write.previousHash === null ? this.history(row) : [write.previousHash, ...this.history(row)];
    row.pw_history = JSON.stringify(history.slice(0, write.historySize));
    row.pw_hash = write.passwordHash;
    // A reset lifts only the lockout's revocation; an administrator's stays until they reinstate.
    if (write.reinstate && (row.disabled === 0 || row.disabled_reason === 'lockout')) {
      Object.assign(row, { disabled: 0, disabled_reason: null, failed_logins: 0, locked_until_ms: null, lock_count: 0 });
    }
    return true;
  }

  getPasswordHistory(id: string, limit: number): string[] {
    const row = this.table.rows.get(id);
    return row === undefined ? [] : this.history(row).slice(0, limit);
  }

  recordFailedAttempt(id: string, input: FailedAttemptInput): FailedAttemptResult | null {
    const row = this.table.rows.get(id);
    if (row === undefined) return null;
    const locked = row.disabled === 1 || (row.locked_until_ms !== null && row.locked_until_ms > input.now.getTime());
    let lockedNow = false;
    if (!locked) {
      // Never past the threshold; a counter already there (the account was re-enabled without
      // clearing it) locks again.
      row.failed_logins = Math.min(row.failed_logins + 1, input.threshold);
      if (row.failed_logins === input.threshold) {
        lockedNow = true;
        if (input.action.mode === 'revoke') {
          Object.assign(row, { disabled: 1, disabled_reason: 'lockout' });
        } else {
          row.locked_until_ms = input.now.getTime() + Math.min(input.action.baseMs * 2 ** row.lock_count, input.action.maxMs);
          row.lock_count += 1;
          row.failed_logins = 0;
        }
      }
    }
    const user = toUser(row);
    return { failedAttempts: row.failed_logins, lockedNow, isRevoked: user.isRevoked, lockedUntil: user.lockedUntil ?? null };
  }

  clearFailedAttempts(id: string): void {
    const row = this.table.rows.get(id);
    if (row !== undefined) Object.assign(row, { failed_logins: 0, locked_until_ms: null, lock_count: 0 });
  }

  /** After a right password: clears the counter only while the account is active and the hash unchanged. */
  recordSuccessfulAttempt(id: string, input: SuccessfulAttemptInput): SuccessfulAttemptOutcome | null {
    const row = this.table.rows.get(id);
    if (row === undefined) return null;
    const closed = closedAt(row, input.now.getTime());
    if (closed !== null) return closed;
    if (row.pw_hash !== input.passwordHash) return 'password-changed';
    Object.assign(row, { failed_logins: 0, locked_until_ms: null, lock_count: 0 });
    return 'ok';
  }

  setRevoked(id: string, revoked: boolean): boolean {
    const row = this.table.rows.get(id);
    if (row === undefined) return false;
    if (revoked) Object.assign(row, { disabled: 1, disabled_reason: 'admin' });
    else Object.assign(row, { disabled: 0, disabled_reason: null, failed_logins: 0, locked_until_ms: null, lock_count: 0 });
    return true;
  }

  recordLogin(id: string, at: Date): void {
    const row = this.table.rows.get(id);
    if (row !== undefined) row.last_login = at.toISOString();
  }

  private history(row: LegacyUserRow): string[] {
    return JSON.parse(row.pw_history) as string[];
  }
}

function closedAt(row: LegacyUserRow, nowMs: number): 'revoked' | 'locked' | null {
  if (row.disabled === 1) return 'revoked';
  return row.locked_until_ms !== null && row.locked_until_ms > nowMs ? 'locked' : null;
}
// #endregion
