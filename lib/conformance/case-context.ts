/**
 * What every case body gets: its fresh stores plus small fixtures (users, token records, a
 * clock), so case bodies read as the behaviour they check.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FailedAttemptInput, LockoutAction, PasswordUser, ResetTokenRecord, TokenStore, UserStore } from '../types.ts';
import type { ConformanceStorePair, ConformanceStores } from './types.ts';

/** One app instance's stores, as case bodies use them. */
export interface StorePair {
  readonly users: UserStore;
  readonly tokens: TokenStore;
}

/** Fixtures for one case. */
export interface CaseContext {
  /** The first pair's stores. */
  readonly users: UserStore;
  readonly tokens: TokenStore;
  /** Both pairs; in a single-pair run the second is the first. */
  readonly pairs: readonly [StorePair, StorePair];
  /** Whether the second pair is a separate instance on the same data. */
  readonly twoPairs: boolean;
  /** Starts `count` calls at once, alternating between the two pairs, and resolves every result. */
  spread<T>(count: number, call: (pair: StorePair, index: number) => T | Promise<T>): Promise<T[]>;
  /** Clears only the revoked flag, as the host's own admin screen would; fails when the factory has no `clearRevokedFlag`. */
  clearRevokedFlag(userId: string): Promise<void>;
  /** The case's clock reading: real time, so stores that sweep by the wall clock behave. */
  readonly now: Date;
  /** A new user with a unique login and password hash `hash-0`. */
  user(overrides?: { isRemote?: boolean; isRevoked?: boolean; passwordHash?: string | null; email?: string }): Promise<PasswordUser>;
  /**
   * A new user (as `user()` makes it) after `count` failed attempts recorded one after another
   * with `threshold` and `action`: the start of every lockout case. Needs `recordFailedAttempt`.
   */
  failedUser(threshold: number, action: LockoutAction, count?: number): Promise<PasswordUser>;
  /** An id that belongs to no user (a fresh UUID). */
  missingId(): string;
  /** A token record for `userId`, issued at `now`, expiring 15 minutes later unless overridden. */
  record(userId: string, overrides?: Partial<ResetTokenRecord>): ResetTokenRecord;
  /** `now` plus `ms`. */
  at(ms: number): Date;
  /** The stores' optional member, or a failure that says which case id to skip. */
  need<K extends keyof UserStore>(member: K): NonNullable<UserStore[K]>;
  needPurge(): NonNullable<TokenStore['purgeExpired']>;
  needRefusal(): NonNullable<TokenStore['recordRefusal']>;
  /** A `recordFailedAttempt` input. */
  attempt(threshold: number, action: LockoutAction, now?: Date): FailedAttemptInput;
}

/** Builds the fixtures around freshly created stores. */
export function caseContext(caseId: string, stores: ConformanceStores, second: ConformanceStorePair | undefined): CaseContext {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const missing = (member: string) => assert.fail(`the store has no ${member}; implement it or skip case ${caseId}`);
  const first: StorePair = { users: stores.userStore, tokens: stores.tokenStore };
  const pairs: [StorePair, StorePair] = [first, second === undefined ? first : { users: second.userStore, tokens: second.tokenStore }];
  const context: CaseContext = {
    users: stores.userStore,
    tokens: stores.tokenStore,
    pairs,
    twoPairs: second !== undefined,
    // Every call starts before any is awaited, so the calls really overlap.
    spread: (count, call) => Promise.all(Array.from({ length: count }, (_, i) => Promise.resolve().then(() => call(pairs[i % 2] as StorePair, i)))),
    clearRevokedFlag: async (userId) => {
      if (typeof stores.clearRevokedFlag !== 'function') return missing('clearRevokedFlag in the conformance factory');
      await stores.clearRevokedFlag(userId);
    },
    now,
    user: (overrides = {}) =>
      stores.createUser({
        login: `conformance-${randomBytes(6).toString('hex')}`,
        passwordHash: overrides.passwordHash === undefined ? 'hash-0' : overrides.passwordHash,
        isRemote: overrides.isRemote ?? false,
        isRevoked: overrides.isRevoked ?? false,
        ...(overrides.email === undefined ? {} : { email: overrides.email }),
      }),
    failedUser: async (threshold, action, count = 1) => {
      const record = context.need('recordFailedAttempt');
      const user = await context.user();
      for (let i = 0; i < count; i++) await record(user.id, context.attempt(threshold, action));
      return user;
    },
    missingId: () => randomUUID(),
    record: (userId, overrides = {}) => ({
      id: randomBytes(16).toString('base64url'),
      userId,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 15 * 60_000),
      issuedBy: null,
      passwordStamp: 'stamp-0',
      ...overrides,
    }),
    at: (ms) => new Date(now.getTime() + ms),
    need: (member) => {
      const fn = stores.userStore[member];
      if (typeof fn !== 'function') return missing(`UserStore.${member}`);
      return fn.bind(stores.userStore) as NonNullable<UserStore[typeof member]>;
    },
    needPurge: () => {
      const fn = stores.tokenStore.purgeExpired;
      if (typeof fn !== 'function') return missing('TokenStore.purgeExpired');
      return fn.bind(stores.tokenStore);
    },
    needRefusal: () => {
      const fn = stores.tokenStore.recordRefusal;
      if (typeof fn !== 'function') return missing('TokenStore.recordRefusal');
      return fn.bind(stores.tokenStore);
    },
    attempt: (threshold, action, at = now) => ({ threshold, action, now: at }),
  };
  return context;
}
