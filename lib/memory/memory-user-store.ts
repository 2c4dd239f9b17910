/**
 * An in-memory `UserStore`: the embedded default for development and tests. Every method runs
 * synchronously, so each change is atomic within the process.
 */
import { randomUUID } from 'node:crypto';
import type {
  FailedAttemptInput,
  FailedAttemptResult,
  PasswordUser,
  PasswordWrite,
  RevocationKind,
  SuccessfulAttemptInput,
  SuccessfulAttemptOutcome,
  UserStore,
} from '../types.ts';
import { lastActivity } from '../service/inactivity-expiry.ts';
import { warnIfProduction } from './production-warning.ts';

/**
 * A user as the memory store keeps it: the fields the password endpoints use. `email` is there for
 * self-service reset (`findByEmail`, `POST /auth/forgot`); a host keeps its other profile fields itself.
 */
export interface MemoryUser extends PasswordUser {
  readonly email: string | null;
  readonly lastLogin: Date | null;
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
  readonly revokedBy: RevocationKind | null;
  readonly passwordChangedAt: Date | null;
  readonly passwordChangeRequired: boolean;
  readonly createdAt: Date | null;
  readonly reactivatedAt: Date | null;
  readonly isSuperuser: boolean;
}

/** What `MemoryUserStore.createUser` takes. Only `login` is required. */
export interface NewMemoryUser {
  readonly id?: string;
  readonly login: string;
  readonly passwordHash?: string | null;
  readonly isRemote?: boolean;
  readonly isRevoked?: boolean;
  /** Who revoked a user created revoked. Default `'admin'`. */
  readonly revokedBy?: RevocationKind;
  readonly email?: string | null;
  /** When the password was set. Default now when `passwordHash` is given, else null. */
  readonly passwordChangedAt?: Date | null;
  /** Whether the password must be changed at the next sign-in. Default false. */
  readonly passwordChangeRequired?: boolean;
  /** When the user was created (inactivity of a user who never signed in counts from here, or from the password's time). Default now. */
  readonly createdAt?: Date;
  /** Last successful sign-in. Default null (never). */
  readonly lastLogin?: Date | null;
  /** Superusers are never revoked for inactivity. Default false. */
  readonly isSuperuser?: boolean;
}

interface Row {
  user: MemoryUser;
  history: string[];
  lockouts: number;
}

export class MemoryUserStore implements UserStore {
  readonly #rows = new Map<string, Row>();
  readonly #idsByLogin = new Map<string, string>();

  constructor(users: Iterable<NewMemoryUser> = []) {
    warnIfProduction('MemoryUserStore');
    for (const user of users) this.createUser(user);
  }

  /** Adds a user and returns it. Throws when the id or the login is taken. */
  createUser(input: NewMemoryUser): MemoryUser {
    const id = (input.id ?? randomUUID()).toLowerCase();
    if (this.#rows.has(id)) throw new Error(`a user with id ${id} exists already`);
    if (this.#idsByLogin.has(input.login)) throw new Error(`a user with login ${input.login} exists already`);
    const user: MemoryUser = Object.freeze({
      id,
      login: input.login,
      passwordHash: input.passwordHash ?? null,
      isRemote: input.isRemote ?? false,
      isRevoked: input.isRevoked ?? false,
      revokedBy: input.isRevoked === true ? (input.revokedBy ?? 'admin') : null,
      email: input.email ?? null,
      lastLogin: input.lastLogin ?? null,
      createdAt: input.createdAt ?? new Date(),
      reactivatedAt: null,
      isSuperuser: input.isSuperuser ?? false,
      failedAttempts: 0,
      lockedUntil: null,
      passwordChangedAt: input.passwordChangedAt !== undefined ? input.passwordChangedAt : input.passwordHash == null ? null : new Date(),
      passwordChangeRequired: input.passwordChangeRequired ?? false,
    });
    this.#rows.set(id, { user, history: [], lockouts: 0 });
    this.#idsByLogin.set(user.login, id);
    return user;
  }

  /** Every user, in creation order. */
  listUsers(): MemoryUser[] {
    return [...this.#rows.values()].map((row) => row.user);
  }

  findById(id: string): MemoryUser | null {
    return this.#rows.get(id.toLowerCase())?.user ?? null;
  }

  findByLogin(login: string): MemoryUser | null {
    const id = this.#idsByLogin.get(login);
    return id === undefined ? null : this.findById(id);
  }

  /** The one user whose stored email is exactly `email` (no case or Unicode folding), or null; null too when several share it. */
  findByEmail(email: string): MemoryUser | null {
    let found: MemoryUser | null = null;
    for (const { user } of this.#rows.values()) {
      if (user.email !== email) continue;
      if (found !== null) return null;
      found = user;
    }
    return found;
  }

  setPassword(id: string, write: PasswordWrite): boolean {
    const row = this.#rows.get(id);
    // Compare-and-set: a concurrent change that got here first wins, this one reports false.
    if (row === undefined || row.user.passwordHash !== write.previousHash) return false;
    // A change of one's own password loses to a concurrent lockout that got here first.
    if (write.activeAt !== undefined && closedAt(row.user, write.activeAt) !== null) return false;
    // The right current password is a success: its clear goes with the write (never before a refused one).
    if (write.activeAt !== undefined) {
      row.lockouts = 0;
      this.#update(row, { failedAttempts: 0, lockedUntil: null });
    }
    if (write.previousHash !== null && write.historySize > 0 && write.rehash !== true) row.history.unshift(write.previousHash);
    row.history.length = Math.min(row.history.length, write.historySize);
    // An administrator's revocation outlives any reset: only their reinstate lifts it.
    // An administrator's reset (liftInactivity) also lifts a revocation for inactivity.
    const liftable = row.user.revokedBy === 'lockout' || (write.liftInactivity === true && row.user.revokedBy === 'inactivity');
    const lift = write.reinstate && (!row.user.isRevoked || liftable);
    const reinstated = lift ? { isRevoked: false, revokedBy: null, failedAttempts: 0, lockedUntil: null } : {};
    if (lift) row.lockouts = 0;
    // A new password (not a hash upgrade) has its own time, and leaves the change-required flag the write says.
    const lifecycle = write.rehash === true ? {} : { passwordChangedAt: write.changedAt ?? new Date(), passwordChangeRequired: write.changeRequired === true };
    this.#update(row, { passwordHash: write.passwordHash, ...reinstated, ...lifecycle });
    return true;
  }

  getPasswordHistory(id: string, limit: number): readonly string[] {
    return this.#rows.get(id)?.history.slice(0, limit) ?? [];
  }

  recordFailedAttempt(id: string, input: FailedAttemptInput): FailedAttemptResult | null {
    const row = this.#rows.get(id);
    if (row === undefined) return null;
    const { user } = row;
    const locked = user.isRevoked || (user.lockedUntil !== null && user.lockedUntil > input.now);
    if (locked) return result(user, false);
    // A counter already at the threshold on an active account (reinstated outside the library)
    // locks again on this attempt instead of letting guessing go on.
    const failedAttempts = Math.min(user.failedAttempts + 1, input.threshold);
    if (failedAttempts < input.threshold) return result(this.#update(row, { failedAttempts }), false);
    if (input.action.mode === 'revoke') return result(this.#update(row, { failedAttempts, isRevoked: true, revokedBy: 'lockout' }), true);
    const waitMs = Math.min(input.action.baseMs * 2 ** row.lockouts, input.action.maxMs);
    row.lockouts += 1;
    return result(this.#update(row, { failedAttempts: 0, lockedUntil: new Date(input.now.getTime() + waitMs) }), true);
  }

  clearFailedAttempts(id: string): void {
    const row = this.#rows.get(id);
    if (row === undefined) return;
    row.lockouts = 0;
    this.#update(row, { failedAttempts: 0, lockedUntil: null });
  }

  recordSuccessfulAttempt(id: string, input: SuccessfulAttemptInput): SuccessfulAttemptOutcome | null {
    const row = this.#rows.get(id);
    if (row === undefined) return null;
    const closed = closedAt(row.user, input.now);
    if (closed !== null) return closed;
    if (row.user.passwordHash !== input.passwordHash) return 'password-changed';
    row.lockouts = 0;
    this.#update(row, { failedAttempts: 0, lockedUntil: null });
    return 'ok';
  }

  setRevoked(id: string, revoked: boolean): boolean {
    const row = this.#rows.get(id);
    if (row === undefined) return false;
    if (!revoked) row.lockouts = 0;
    // A reinstatement starts a new period for accountExpiryDays.
    this.#update(row, revoked ? { isRevoked: true, revokedBy: 'admin' } : { isRevoked: false, revokedBy: null, failedAttempts: 0, lockedUntil: null, reactivatedAt: new Date() });
    return true;
  }

  setPasswordChangeRequired(id: string, required: boolean): boolean {
    const row = this.#rows.get(id);
    if (row === undefined) return false;
    this.#update(row, { passwordChangeRequired: required });
    return true;
  }

  /** Local, active, non-superuser users whose last activity (sign-in, else password time, else creation) is before `cutoff`. */
  findInactive(cutoff: Date): MemoryUser[] {
    return this.listUsers().filter((user) => inactiveBefore(user, cutoff));
  }

  expireInactive(id: string, cutoff: Date): boolean {
    const row = this.#rows.get(id);
    if (row === undefined || !inactiveBefore(row.user, cutoff)) return false;
    this.#update(row, { isRevoked: true, revokedBy: 'inactivity' });
    return true;
  }

  recordLogin(id: string, at: Date): void {
    const row = this.#rows.get(id);
    if (row !== undefined) this.#update(row, { lastLogin: at });
  }

  #update(row: Row, changes: Partial<MemoryUser>): MemoryUser {
    row.user = Object.freeze({ ...row.user, ...changes });
    return row.user;
  }
}

function result(user: MemoryUser, lockedNow: boolean): FailedAttemptResult {
  return { failedAttempts: user.failedAttempts, lockedNow, isRevoked: user.isRevoked, lockedUntil: user.lockedUntil };
}

/** Whether `user` may be revoked for inactivity at `cutoff`: local, active, not a superuser, last active before it. */
function inactiveBefore(user: MemoryUser, cutoff: Date): boolean {
  if (user.isRemote || user.isRevoked || user.isSuperuser) return false;
  const at = lastActivity(user);
  return at !== null && at < cutoff;
}

/** Why the account is closed at `now` (revoked, or a temporary lock still running), or null when it is active. */
function closedAt(user: MemoryUser, now: Date): 'revoked' | 'locked' | null {
  if (user.isRevoked) return 'revoked';
  return user.lockedUntil !== null && user.lockedUntil > now ? 'locked' : null;
}
