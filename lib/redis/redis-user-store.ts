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
import { CLEAR_FAILED_ATTEMPTS, CREATE_USER, RECORD_FAILED_ATTEMPT, RECORD_LOGIN, RECORD_SUCCESSFUL_ATTEMPT, SET_PASSWORD, SET_REVOKED } from './user-scripts.ts';

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
    revokedBy: fields['isRevoked'] === '1' ? (fields['revokedBy'] === 'lockout' ? 'lockout' : 'admin') : null,
    failedAttempts: Number(fields['failedAttempts'] ?? 0),
    lockedUntil: fields['lockedUntil'] === undefined ? null : new Date(Number(fields['lockedUntil'])),
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
      keys: [this.keys.user(id), this.keys.login(input.login)],
      arguments: [id, input.login, input.passwordHash ?? '', flag(input.passwordHash !== null), flag(input.isRemote), flag(input.isRevoked)],
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
    return (await this.redis.eval(SET_REVOKED, { keys: [this.keys.user(id)], arguments: [flag(revoked)] })) === 1;
  }

  async recordLogin(id: string, at: Date, options?: StoreCallOptions): Promise<void> {
    options?.signal.throwIfAborted();
    await this.redis.eval(RECORD_LOGIN, { keys: [this.keys.user(id)], arguments: [at.toISOString()] });
  }
}
