/** What the service's methods answer: the public result types of issue, write, validate and login. */
import type { LoginFailure, PolicyFailure } from '../policy/index.ts';
import type { PasswordUser } from '../types.ts';

/** A freshly issued reset token. `token` is the secret to hand to the user, once. */
export interface IssuedResetToken {
  readonly token: string;
  readonly userId: string;
  readonly expiresAt: Date;
  /** The reset page with the token in its fragment, when `publicUrl` is configured. */
  readonly link?: string;
}

/** The answer of `validatePassword`. */
export interface PasswordValidation {
  readonly valid: boolean;
  readonly failures: readonly PolicyFailure[];
}

/** The answer of `validateLogin`: the same shape as `PasswordValidation`, with login rule ids. */
export interface LoginValidation {
  readonly valid: boolean;
  readonly failures: readonly LoginFailure[];
}

/** What a password write by token or by an administrator left behind. */
export interface PasswordWriteResult {
  /**
   * True when the account stays revoked: an administrator revoked it, and only an administrator's
   * reinstate lifts it. The password was set all the same.
   */
  readonly stillRevoked: boolean;
  /** When `stillRevoked`: whose revocation stays, `'admin'` or `'inactivity'` (`accountExpiryDays`, lifted by an administrator's reset or reinstate). */
  readonly revokedBy?: 'admin' | 'inactivity';
}

/**
 * Why `verifyLogin` refused. By default a revoked or locked account gets `invalid-credentials`
 * for any password, like an unknown login; with `revealAccountState: true` it gets `revoked` or
 * `locked` for any password. `password-change-required` is answered only to the right password
 * of an active account whose password must be changed first (never to a wrong one, so it tells a
 * guesser nothing). Answer them all with 401.
 */
export type LoginFailureReason = 'invalid-credentials' | 'revoked' | 'locked' | 'password-change-required';

/**
 * Why a right password must be changed before it signs in: `'required'` (an administrator asked,
 * or set a temporary password with `resetRequiresChange`) or `'expired'` (older than `passwordMaxAgeDays`).
 */
export type PasswordChangeCause = 'required' | 'expired';

/** The answer of `verifyLogin`. */
export type LoginResult =
  | {
      readonly ok: true;
      readonly user: PasswordUser;
      /**
       * `credentialStamp` of the stored hash the password was verified against. Start the session
       * only while the user's current hash still has this stamp and the account is active, checked
       * in the same statement or transaction that inserts it (see the README, "Sessions").
       */
      readonly credential: string;
    }
  | {
      readonly ok: false;
      readonly reason: LoginFailureReason;
      /** Set when this very attempt locked the account. */
      readonly lockedNow?: boolean;
      /** For `locked`: when the temporary lock ends. */
      readonly lockedUntil?: Date;
      /** For `locked`: whole seconds until it ends (at least 1), for a `Retry-After` header. */
      readonly retryAfterSeconds?: number;
      /**
       * For `password-change-required` (answered only to the right password of an active account):
       * why. No session may start; the user changes the password with the current one
       * (`changePasswordWithLogin`, `POST /auth/change-password`).
       */
      readonly changeCause?: PasswordChangeCause;
      /** For `password-change-required`: whose password it is. */
      readonly userId?: string;
    };
