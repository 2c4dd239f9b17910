/**
 * The options of `createPasswordService` / `createPasswordRouter`. `resolveOptions`
 * (config/resolve-options.ts) checks them once at construction and reports every problem at once
 * in a `PasswordOptionsError`; the defaults are in `DEFAULTS` (config/defaults.ts).
 */
import type { CallContext, PasswordChangeVia, PasswordEvent } from './events.ts';
import type { LegacyHashesOption } from './hashing/legacy/resolve.ts';
import type { Authorizer, Hasher, PermissionChecks, PasswordUser, Principal, TokenStore, UserStore } from './types.ts';
import type { TokenKeyInput } from './tokens/token-keys.ts';
import type { PasswordPolicySettings } from './policy/index.ts';
import type { BreachedPasswordChecker } from './breached/checker.ts';
import type { SendResetLink } from './self-service/reset-links.ts';
import type { TelemetryOptions } from './config/telemetry-option.ts';
import type { NotifyPasswordChanged } from './service/change-notices.ts';

/** How the account reacts when failed attempts reach `failedAttemptsLockout`. */
export type LockoutOption =
  /** The product's behaviour (default): revoke (kind `'lockout'`) until reinstated or reset with a token. */
  | { readonly mode: 'revoke' }
  /** Lock for `initialDelaySeconds` (default 60), doubling on each lock up to `maxDelaySeconds` (default 3600). */
  | { readonly mode: 'temporary'; readonly initialDelaySeconds?: number; readonly maxDelaySeconds?: number };

/** What `onPasswordChanged` is told besides the user: the route, the request's context, and who acted. */
export type PasswordChangedInfo<P extends Principal = Principal> = { readonly via: PasswordChangeVia; readonly principal?: P } & CallContext;

/** The service's `authorizer`: the permission checks, with an `Authorizer`'s `authenticate` allowed (and left unused). */
export type ServiceAuthorizer<P extends Principal = Principal> = PermissionChecks<P> & { readonly authenticate?: Authorizer<P>['authenticate'] };

/** Everything the core service needs. */
export interface PasswordServiceOptions<P extends Principal = Principal> {
  /** Required. Where users live. */
  readonly userStore: UserStore;
  /** Required. Where issued reset tokens are tracked. */
  readonly tokenStore: TokenStore;
  /**
   * Required. The host's permission checks (`canResetPassword`, optionally `canCreateUsers`). The
   * service authenticates nothing; an `Authorizer` with `authenticate` is accepted as it is (the
   * router's option), and its `authenticate` is not called here.
   */
  readonly authorizer: ServiceAuthorizer<P>;
  /** Required. The key that signs reset tokens: an HS256 secret of at least 32 bytes, or an RS256/ES256 key. */
  readonly tokenKey: TokenKeyInput;
  /** Retired keys (each with a `kid`) whose tokens stay valid until they expire. Default none. */
  readonly previousTokenKeys?: readonly TokenKeyInput[];
  /** The `iss` claim of reset tokens, checked on verify. Default `express-rbac-password`. */
  readonly tokenIssuer?: string;
  /** Seconds of clock skew tolerated when checking a token's expiry. Default 0. */
  readonly clockToleranceSeconds?: number;
  /** Hours a reset token stays valid (the product's `password-reset-expiration`); fractions allowed. Default 24. */
  readonly passwordResetExpiration?: number;
  /** bcrypt cost of the default hasher. Default 12. Not allowed together with `hasher`. */
  readonly bcryptCost?: number;
  /** A custom hasher, for hosts whose stored hashes use another scheme. Default bcryptjs. */
  readonly hasher?: Hasher;
  /**
   * Stored hash formats to verify besides the primary hasher's, checked in the worker pool:
   * built-in names (`'bcrypt'`, `'pbkdf2'`, `'scrypt'`, `'argon2id'`) and `verifier(...)`
   * objects. A matching legacy hash is replaced by a primary hash after the sign-in. Default none.
   */
  readonly legacyHashes?: LegacyHashesOption;
  /**
   * Highest bcrypt cost a stored hash may have; above it the hash is refused unverified (it
   * would hold a worker for minutes). Default the configured cost + 3, at most 16 (never below
   * the configured cost; 15 with a custom hasher). Applies to every bcrypt hash, whichever
   * hasher or verifier checks it.
   */
  readonly maxBcryptCost?: number;
  /**
   * Replace a legacy hash (or bcrypt at another cost) with a primary hash after a successful
   * sign-in, change or set-password. Default true; false for a users table that another
   * application still reads in the old format.
   */
  readonly upgradeHashes?: boolean;
  /** Password rules. Default: the product's (minimum 12, one of each class, history 5, blocklist). */
  readonly policy?: PasswordPolicySettings;
  /** Failed attempts before the account locks (the product's `failed-attempts-lockout`). Default 10; 0 turns lockout off. */
  readonly failedAttemptsLockout?: number;
  /** What a lock does. Default `{ mode: 'revoke' }`. */
  readonly lockout?: LockoutOption;
  /**
   * What `verifyLogin` tells about a revoked or locked account, whatever the password. False
   * (default): `invalid-credentials`, as for an unknown login, so a lockout does not reveal that
   * the account exists. True: `revoked` or `locked` (with its end) to anyone who names the login,
   * which tells a legitimate user why, and tells a guesser that the account exists.
   */
  readonly revealAccountState?: boolean;
  /**
   * How many reused-password refusals one reset token may get on `POST /auth/reset` before it
   * dies (each one compares against the stored hashes, so each is a guess). Default 5.
   */
  readonly resetReuseRefusals?: number;
  /** Milliseconds a store call may take before the request is answered 503. Default 5000. A redemption (claim and write) gets 2x this, the write inside it 1x. */
  readonly storeTimeoutMs?: number;
  /** Absolute URL of the reset page; when set, a JSON token answer also carries `link` = this URL + `#token=<token>`. */
  readonly publicUrl?: string;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** Receives every audit event. Errors it throws are logged and ignored. */
  readonly onEvent?: (event: PasswordEvent) => void | Promise<void>;
  /**
   * Called after a password changed by any route, before the answer is sent: end the user's
   * other sessions here. `principal` is the acting principal when there is one (a change of one's
   * own password), so the session that made the change can be kept. Errors are logged; the
   * password change stands.
   */
  readonly onPasswordChanged?: (user: PasswordUser, info: PasswordChangedInfo<P>) => void | Promise<void>;
  /**
   * Sends the account owner a "your password was changed" notice: called once per committed
   * password write (a reset, a change of one's own password, an administrator's set, also one
   * that committed after its timeout), after the answer was sent, never for a refused write or a
   * silent hash upgrade. It gets `{ email, how, at, requestId }` and the user without its hash;
   * never the password, a token or a link. A throw, a rejection or a run past 30 s is logged and
   * emitted as `password-change-notice-failed`; the password write stands. Default none.
   */
  readonly notifyPasswordChanged?: NotifyPasswordChanged;
  /**
   * Checks new passwords against breach corpora (e.g. `createPwnedPasswordsChecker()`), after the
   * policy rules pass and before any hashing or token use. A breached password fails with rule
   * `password-breached`. Default none.
   */
  readonly breachedPasswords?: BreachedPasswordChecker;
  /**
   * Switches on self-service reset (`POST /auth/forgot`): mails `link` to `context.email`. Needs
   * `publicUrl`, and `userStore.findByLogin` or `findByEmail`. Default none (admin-issued links only).
   */
  readonly sendResetLink?: SendResetLink;
  /**
   * Days without a successful sign-in after which a local, non-superuser account is revoked
   * (kind `'inactivity'`, the product's `account-expiry-days`): at its next sign-in attempt
   * (answered as any revoked account) and by the sweep `expireInactiveAccounts`. An administrator's
   * reinstate or reset is the way back. Never signed in: counted from the password's time, else
   * the creation. Needs `userStore.findInactive` and `expireInactive`. Default unset: off.
   */
  readonly accountExpiryDays?: number;
  /**
   * Days a password may be used. Once older (by the user's `passwordChangedAt`), the right
   * password answers `password-change-required` instead of signing in, until the user chooses a
   * new one. Needs `userStore.setPasswordChangeRequired` (the marker of a store that keeps
   * `passwordChangedAt`). Default unset: passwords never age.
   */
  readonly passwordMaxAgeDays?: number;
  /**
   * When true, a password an administrator sets (`setPasswordAsAdmin`, the CLI's `set-password`)
   * is a temporary one: the user must choose a new one at the next sign-in. Needs
   * `userStore.setPasswordChangeRequired`. Default false.
   */
  readonly resetRequiresChange?: boolean;
  /**
   * Seconds between two self-service links for one account. Default 60. Shared by every instance
   * when the token store has `claimResetLinkSlot`; else each process keeps its own.
   */
  readonly resetLinkCooldownSeconds?: number;
  /** Self-service requests whose lookup and send may run at once in this process; more are dropped (still answered 202). Default 100. */
  readonly maxPendingResetLinks?: number;
  /**
   * Applied to the login or email of a self-service request before the lookup: use the same
   * normalization your accounts were stored with. The found user's login or email must then equal
   * the result exactly. Default Unicode NFC.
   */
  readonly normalizeIdentifier?: (value: string) => string;
  /**
   * Metrics and traces through OpenTelemetry (README, "Observability"), recorded only when the
   * optional peer `@opentelemetry/api` is installed. Default: its global meter and tracer
   * providers; give `{ meterProvider, tracerProvider }` to use others, `false` to record nothing.
   */
  readonly telemetry?: false | TelemetryOptions;
}
