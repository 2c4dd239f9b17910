/**
 * An administrator's revocation across the two stores. The contract keeps users and tokens in
 * separate stores, so "revoke and kill the tokens" is ordered so that it acts as one step:
 * tokens die first (no token issued before the call can start a redemption afterwards), then the
 * account is revoked, then the tokens die again (one issued meanwhile by another admin goes too).
 * A redemption already running when the call starts may still write its password, but it can
 * never lift the revocation: `setPassword` lifts only a lockout revocation, decided in the
 * store's own atomic step.
 */
import type { PasswordUser, StoreCallOptions, TokenStore, UserStore } from '../types.ts';

/** The store calls, each run under the caller's timeout wrapper (which hands the call its signal). */
export type StoreCaller = <T>(operation: string, call: (options: StoreCallOptions) => T | Promise<T>) => Promise<T>;

/** Revokes `userId` as an administrator and kills its reset tokens. False when the user does not exist. */
export async function revokeByAdministrator(
  users: UserStore,
  tokens: TokenStore,
  userId: string,
  call: StoreCaller = async (_, fn) => fn({ signal: new AbortController().signal }),
): Promise<boolean> {
  const setRevoked = users.setRevoked;
  if (typeof setRevoked !== 'function') throw new TypeError('express-rbac-password: revoke needs userStore.setRevoked().');
  await call('tokenStore.revokeForUser', (o) => tokens.revokeForUser(userId, o));
  if (!(await call('userStore.setRevoked', (o) => setRevoked.call(users, userId, true, o)))) return false;
  await call('tokenStore.revokeForUser', (o) => tokens.revokeForUser(userId, o));
  return true;
}

/**
 * Lifts either kind of revocation, any temporary lock and the counter. Answers the user as it was
 * before (null when it could not be read first), or false when the user does not exist.
 */
export async function reinstateByAdministrator(users: UserStore, userId: string, call: StoreCaller): Promise<PasswordUser | null | false> {
  const setRevoked = users.setRevoked;
  if (typeof setRevoked !== 'function') throw new TypeError('express-rbac-password: reinstate needs userStore.setRevoked().');
  const before = await call('userStore.findById', (o) => users.findById(userId, o));
  const done = await call('userStore.setRevoked', (o) => setRevoked.call(users, userId, false, o));
  return done ? (before ?? null) : false;
}
