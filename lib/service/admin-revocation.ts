/**
 * An administrator's revocation across the two stores. The contract keeps users and tokens in
 * separate stores, so "revoke and kill the tokens" is ordered so that it acts as one step:
 * tokens die first (no token issued before the call can start a redemption afterwards), then the
 * account is revoked, then the tokens die again (one issued meanwhile by another admin goes too).
 * A redemption already running when the call starts may still write its password, but it can
 * never lift the revocation: `setPassword` lifts only a lockout revocation, decided in the
 * store's own atomic step.
 */
import type { TokenStore, UserStore } from '../types.ts';

/** The store calls, each run under the caller's timeout wrapper. */
export type StoreCaller = <T>(operation: string, call: () => T | Promise<T>) => Promise<T>;

/** Revokes `userId` as an administrator and kills its reset tokens. False when the user does not exist. */
export async function revokeByAdministrator(users: UserStore, tokens: TokenStore, userId: string, call: StoreCaller = async (_, fn) => fn()): Promise<boolean> {
  const setRevoked = users.setRevoked;
  if (typeof setRevoked !== 'function') throw new TypeError('express-rbac-password: revoke needs userStore.setRevoked().');
  await call('tokenStore.revokeForUser', () => tokens.revokeForUser(userId));
  if (!(await call('userStore.setRevoked', () => setRevoked.call(users, userId, true)))) return false;
  await call('tokenStore.revokeForUser', () => tokens.revokeForUser(userId));
  return true;
}
