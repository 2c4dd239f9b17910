/**
 * A `UserStore` on Redis, written from the README's contract: users are hashes, and every change
 * is one Lua script, so it is atomic across every connection and app instance.
 */
import { randomUUID } from 'node:crypto';
import type {
  FailedAttemptInput,
  FailedAttemptResult,
  PasswordUser,
  PasswordWrite,
  StoreCallOptions,
  SuccessfulAttemptInput,
  SuccessfulAttemptOutcome,
  UserStore,
} from '../types.ts';
import type { RedisLike } from './redis-client.ts';
import type { RedisKeys } from './redis-keys.ts';
import {
  CLEAR_FAILED_ATTEMPTS,
  CREATE_USER,
  RECORD_FAILED_ATTEMPT,
  RECORD_LOGIN,
  RECORD_SUCCESSFUL_ATTEMPT,
  EXPIRE_INACTIVE,
  SET_PASSWORD,
  SET_PASSWORD_CHANGE_REQUIRED,
  SET_REVOKED,
} from './user-scripts.ts';

/** What `createUser` takes. */
export interface NewRedisUser {
  readonly login: string;
  readonly passwordHash: string | null;
  readonly isRemote?: boolean;
  readonly isRevoked?: boolean;
}

const flag = (value: boolean | undefined) => (value === true ? '1' : '0');

function toUser(fields: Record<string, string>): PasswordUser | null {
  if (fields['id'] === undefined) return null;
  return {
    id: fields['id'],
    login: fields['login'] ?? '',
    passwordHash: fields['passwordHash'] ?? null,
    isRemote: fields['isRemote'] === '1',
    isRevoked: fields['isRevoked'] === '1',
    // A revocation this store did not record the kind of is an administrator's.
    revokedBy: fields['isRevoked'] === '1' ? (fields['revokedBy'] === 'lockout' || fields['revokedBy'] === 'inactivity' ? fields['revokedBy'] : 'admin') : null,
    failedAttempts: Number(fields['failedAttempts'] ?? 0),
    lockedUntil: fields['lockedUntil'] === undefined ? null : new Date(Number(fields['lockedUntil'])),
    passwordChangedAt: fields['passwordChangedAt'] === undefined ? null : new Date(Number(fields['passwordChangedAt'])),
    passwordChangeRequired: fields['passwordChangeRequired'] === '1',
    lastLogin: fields['lastLoginMs'] === undefined ? null : new Date(Number(fields['lastLoginMs'])),
    createdAt: fields['createdAt'] === undefined ? null : new Date(Number(fields['createdAt'])),
    reactivatedAt: fields['reactivatedAt'] === undefined ? null : new Date(Number(fields['reactivatedAt'])),
  };
}

export class RedisUserStore implements UserStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly keys: RedisKeys,
  ) {}

  /** Adds a user (for seeding and tests; the contract has no create). Throws when the login is taken. */
  async createUser(input: NewRedisUser): Promise<PasswordUser> {
    const id = randomUUID();
    const created = await this.redis.eval(CREATE_USER, {
      keys: [this.keys.user(id), this.keys.login(input.login), this.keys.users],
      arguments: [id, input.login, input.passwordHash ?? '', flag(input.passwordHash !== null), flag(input.isRemote), flag(input.isRevoked), String(Date.now())],
    });
    if (created !== 1) throw new Error(`a user with login ${input.login} exists already`);
    return (await this.findById(id)) as PasswordUser;
  }

  async findById(id: string, options?: StoreCallOptions): Promise<PasswordUser | null> {
    options?.signal.throwIfAborted();
    return toUser(await this.redis.hGetAll(this.keys.user(id)));
  }

  async findByLogin(login: string, options?: StoreCallOptions): Promise<PasswordUser | null> {
    options?.signal.throwIfAborted();
    const id = await this.redis.get(this.keys.login(login));
    return id === null ? null : this.findById(id, options);
  }

  async setPassword(id: string, write: PasswordWrite, options?: StoreCallOptions): Promise<boolean> {
    // Once the library stopped waiting, send nothing: the write must not commit behind its back.
    options?.signal.throwIfAborted();
    const written = await this.redis.eval(SET_PASSWORD, {
      keys: [this.keys.user(id), this.keys.history(id)],
      arguments: [
        write.passwordHash,
        write.previousHash ?? '',
        flag(write.previousHash === null),
        String(Math.max(0, Math.floor(write.historySize))),
        flag(write.reinstate),
        flag(write.rehash),
        write.activeAt === undefined ? '' : String(write.activeAt.getTime()),
        String((write.changedAt ?? new Date()).getTime()),
        flag(write.changeRequired),
        flag(write.liftInactivity),
      ],
    });
    return written === 1;
  }

  async getPasswordHistory(id: string, limit: number, options?: StoreCallOptions): Promise<string[]> {
    options?.signal.throwIfAborted();
    const size = Math.max(0, Math.floor(limit));
    return size === 0 ? [] : this.redis.lRange(this.keys.history(id), 0, size - 1);
  }

  async recordFailedAttempt(id: string, input: FailedAttemptInput, options?: StoreCallOptions): Promise<FailedAttemptResult | null> {
    options?.signal.throwIfAborted();
    const temporary = input.action.mode === 'temporary' ? input.action : { baseMs: 0, maxMs: 0 };
    const reply = (await this.redis.eval(RECORD_FAILED_ATTEMPT, {
      keys: [this.keys.user(id)],
      arguments: [String(input.threshold), String(input.now.getTime()), input.action.mode, String(temporary.baseMs), String(temporary.maxMs)],
    })) as [number, number, number, string] | null;
    if (reply === null) return null;
    const [failedAttempts, lockedNow, isRevoked, lockedUntil] = reply;
    return { failedAttempts, lockedNow: lockedNow === 1, isRevoked: isRevoked === 1, lockedUntil: lockedUntil === '' ? null : new Date(Number(lockedUntil)) };
  }

  async clearFailedAttempts(id: string, options?: StoreCallOptions): Promise<void> {
    options?.signal.throwIfAborted();
    await this.redis.eval(CLEAR_FAILED_ATTEMPTS, { keys: [this.keys.user(id)], arguments: [] });
  }

  async recordSuccessfulAttempt(id: string, input: SuccessfulAttemptInput, options?: StoreCallOptions): Promise<SuccessfulAttemptOutcome | null> {
    options?.signal.throwIfAborted();
    const reply = await this.redis.eval(RECORD_SUCCESSFUL_ATTEMPT, { keys: [this.keys.user(id)], arguments: [input.passwordHash, String(input.now.getTime())] });
    return reply === null ? null : (reply as SuccessfulAttemptOutcome);
  }

  async setRevoked(id: string, revoked: boolean, options?: StoreCallOptions): Promise<boolean> {
    options?.signal.throwIfAborted();
    return (await this.redis.eval(SET_REVOKED, { keys: [this.keys.user(id)], arguments: [flag(revoked), String(Date.now())] })) === 1;
  }

  async setPasswordChangeRequired(id: string, required: boolean, options?: StoreCallOptions): Promise<boolean> {
    options?.signal.throwIfAborted();
    return (await this.redis.eval(SET_PASSWORD_CHANGE_REQUIRED, { keys: [this.keys.user(id)], arguments: [flag(required)] })) === 1;
  }

  /** A read (every user, then a filter): the sweep revokes each with `expireInactive`, which decides atomically. */
  async findInactive(cutoff: Date, options?: StoreCallOptions): Promise<PasswordUser[]> {
    options?.signal.throwIfAborted();
    const users = await Promise.all((await this.redis.sMembers(this.keys.users)).map((id) => this.findById(id, options)));
    return users.filter((user): user is PasswordUser => {
      if (user === null || user.isRemote || user.isRevoked) return false;
      // The latest of sign-in, password time, reinstatement and creation (as EXPIRE_INACTIVE judges it).
      const times = [user.lastLogin, user.passwordChangedAt, user.reactivatedAt, user.createdAt].filter((at): at is Date => at instanceof Date);
      return times.length > 0 && Math.max(...times.map((at) => at.getTime())) < cutoff.getTime();
    });
  }

  async expireInactive(id: string, cutoff: Date, options?: StoreCallOptions): Promise<boolean> {
    options?.signal.throwIfAborted();
    return (await this.redis.eval(EXPIRE_INACTIVE, { keys: [this.keys.user(id)], arguments: [String(cutoff.getTime())] })) === 1;
  }

  async recordLogin(id: string, at: Date, options?: StoreCallOptions): Promise<void> {
    options?.signal.throwIfAborted();
    await this.redis.eval(RECORD_LOGIN, { keys: [this.keys.user(id)], arguments: [at.toISOString(), String(at.getTime())] });
  }
}
