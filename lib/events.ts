/** Audit events: what happened to which account, by whom, never with a secret. */

/** Every event type the library emits. */
export type PasswordEventType =
  | 'reset-token-issued'
  | 'password-reset'
  | 'password-changed'
  | 'failed-attempt'
  | 'account-locked'
  | 'account-revoked'
  | 'account-reinstated'
  /** `accountExpiryDays` revoked an account that had not signed in for that long (`details.revokedBy: 'inactivity'`, `details.via`: `'sign-in'` or `'sweep'`). */
  | 'account-expired'
  /** An administrator asked the user to choose a new password at the next sign-in (`requirePasswordChange`). */
  | 'password-change-required'
  | 'policy-rejected'
  | 'password-rehashed'
  | 'password-rehash-failed'
  /** A self-service reset link could not be handed to `sendResetLink` (it threw or timed out). */
  | 'reset-link-failed'
  /** The `breachedPasswords` checker failed; `details.outcome` says whether the password was allowed or refused. */
  | 'breach-check-failed'
  /** An administrator revoked outstanding reset tokens (`details.count`; `details.handle` when one was named). */
  | 'reset-tokens-revoked'
  /** `notifyPasswordChanged` threw, rejected or timed out; `details.how` and `details.reason` (`timeout` or an error class). The write stands. */
  | 'password-change-notice-failed';

/** One audit event. Fields may be added in minor releases; none will ever hold a secret. */
export interface PasswordEvent {
  readonly type: PasswordEventType;
  /** The account the event is about. */
  readonly userId: string;
  /** The user id of whoever caused it: the admin for a token issue, the user for a change, null when anonymous (a reset by token). */
  readonly actorId: string | null;
  readonly at: Date;
  /** The request's id (`X-Request-Id` when the client sent a sane one, else generated), or null outside HTTP. */
  readonly requestId: string | null;
  /**
   * Non-secret facts: `failedAttempts`, `lockedUntil`, `rules` (policy rule ids), `via` (`self-service` for a link asked through
   * `POST /auth/forgot`), `expiresAt`, `outcome` (of a failed breach check),
   * `from`/`to` (hash scheme names), `reason`; `afterTimeout: true` on a password change that
   * committed after the store call had timed out (the client got 503); and `revokedBy`
   * (`'lockout'`, `'admin'` or `'inactivity'`) on `account-locked` (revoke mode), `account-revoked`,
   * `account-reinstated` (the kind lifted), and on a `password-reset` / `password-changed` that
   * left an administrator's revocation in place (with `stillRevoked: true`).
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** How a password came to change, as told to `onPasswordChanged`. */
export type PasswordChangeVia = 'reset' | 'change' | 'admin';

/** Context passed to the service by the HTTP layer (or by the host calling the service directly). */
export interface CallContext {
  readonly requestId?: string | null;
  /**
   * Whose hashing work this is, for the worker pool's fair scheduling and per-key bound: the
   * router passes its `hashFairnessKey(req)` (by default the client address). Direct calls
   * without one share the key `DIRECT_CALL_FAIRNESS_KEY`.
   */
  readonly fairnessKey?: string;
}
