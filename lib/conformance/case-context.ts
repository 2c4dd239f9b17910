/**
 * What every case body gets: its fresh stores plus small fixtures (users, token records, a
 * clock), so case bodies read as the behaviour they check.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FailedAttemptInput, LockoutAction, PasswordUser, ResetTokenRecord, TokenStore, UserStore } from '../types.ts';
import type { ConformanceStores } from './types.ts';

/** Fixtures for one case. */
export interface CaseContext {
  readonly users: UserStore;
  readonly tokens: TokenStore;
  /** The case's clock reading: real time, so stores that sweep by the wall clock behave. */
  readonly now: Date;
  /** A new user with a unique login and password hash `hash-0`. */
  user(overrides?: { isRemote?: boolean; isRevoked?: boolean; passwordHash?: string | null }): Promise<PasswordUser>;
  /** An id that belongs to no user (a fresh UUID). */
  missingId(): string;
  /** A token record for `userId`, issued at `now`, expiring 15 minutes later unless overridden. */
  record(userId: string, overrides?: Partial<ResetTokenRecord>): ResetTokenRecord;
  /** `now` plus `ms`. */
  at(ms: number): Date;
  /** The stores' optional member, or a failure that says which case id to skip. */
  need<K extends keyof UserStore>(member: K): NonNullable<UserStore[K]>;
  needPurge(): NonNullable<TokenStore['purgeExpired']>;
  /** A `recordFailedAttempt` input. */
  attempt(threshold: number, action: LockoutAction, now?: Date): FailedAttemptInput;
}

/** Builds the fixtures around freshly created stores. */
export function caseContext(caseId: string, stores: ConformanceStores): CaseContext {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const missing = (member: string) => assert.fail(`the store has no ${member}; implement it or skip case ${caseId}`);
  return {
    users: stores.userStore,
    tokens: stores.tokenStore,
    now,
    user: (overrides = {}) =>
      stores.createUser({
        login: `conformance-${randomBytes(6).toString('hex')}`,
        passwordHash: overrides.passwordHash === undefined ? 'hash-0' : overrides.passwordHash,
        isRemote: overrides.isRemote ?? false,
        isRevoked: overrides.isRevoked ?? false,
      }),
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
    attempt: (threshold, action, at = now) => ({ threshold, action, now: at }),
  };
}
