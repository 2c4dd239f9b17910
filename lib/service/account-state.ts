/**
 * Whether an account may act: the one rule for "revoked or locked answers 401", shared by the
 * service's callers check and hosts' own routes (exported), with the `Retry-After` arithmetic.
 */
import { PasswordApiError } from '../errors.ts';

/** Whole seconds from `now` until `until`, at least 1: the `Retry-After` of a temporary lock. */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
}

/** Whether a temporary lock is in force at `now`. */
export function isLocked(account: { readonly lockedUntil?: Date | null }, now: Date): boolean {
  return account.lockedUntil instanceof Date && account.lockedUntil > now;
}

/**
 * Throws the library's 401 for an account that may not act: `user-revoked`, or `user-locked`
 * with `retryAfterSeconds` while a temporary lock lasts. For hosts' own authenticated routes, so
 * they answer a revoked or locked caller as the router does.
 */
export function assertAccountActive(account: { readonly isRevoked?: boolean; readonly lockedUntil?: Date | null }, now: Date): void {
  if (account.isRevoked === true) throw new PasswordApiError('user-revoked', 'The account is revoked');
  if (isLocked(account, now)) {
    throw new PasswordApiError('user-locked', 'The account is locked after too many failed attempts; try again later', {
      retryAfterSeconds: retryAfterSeconds(account.lockedUntil as Date, now),
    });
  }
}
