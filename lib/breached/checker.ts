/**
 * The `breachedPasswords` contract: something that tells whether a candidate password appears in
 * known breach corpora. The service asks it after the stateless policy rules pass and before any
 * hashing or token use, so a breached candidate is refused without burning a reset token.
 */

/** What a checker's failure means for the password being set. */
export type BreachCheckErrorMode =
  /** Accept the password as if the check had passed; the failure is logged and emitted as `breach-check-failed` (default). */
  | 'allow'
  /** Refuse the request with 503 `server-error` (Retry-After); nothing changes and the token stays usable. */
  | 'refuse';

/** The host's or the built-in breached-password checker. */
export interface BreachedPasswordChecker {
  /**
   * Resolves true when `password` (already NFKC-normalized: the form that would be hashed) is
   * known breached and must be refused. Rejects when it cannot tell (network, timeout, bad answer);
   * what happens then is `onError`. Runs under the service's `storeTimeoutMs` as well.
   */
  isBreached(password: string): Promise<boolean>;
  /** What a rejection means. Default `'allow'`. */
  readonly onError?: BreachCheckErrorMode;
}

export { BreachCheckError } from '../errors.ts';
