/** express-rbac-password: the password endpoints of an RBAC service as an Express router. */
export { createPasswordRouter, type PasswordRouter } from './http/router.ts';
export { createErrorHandler } from './http/error-response.ts';
export { asyncHandler, requestIdOf, securityHeaders } from './http/host-helpers.ts';
export { assertAccountActive, retryAfterSeconds } from './service/account-state.ts';
export { createJsonBody, type BodyValidationError, type BodyValidator } from './http/json-body.ts';
export {
  createPasswordService,
  type PasswordService,
  type IssuedResetToken,
  type LoginFailureReason,
  type PasswordChangeCause,
  type InactivitySweepResult,
  type PasswordWriteResult,
  type LoginResult,
  type LoginValidation,
  type PasswordValidation,
  type OutstandingResetToken,
  type ResetTokenKind,
} from './service/password-service.ts';
export { credentialStamp } from './service/credential-stamp.ts';
export type { LockoutOption, PasswordChangedInfo, PasswordServiceOptions, ServiceAuthorizer } from './options.ts';
export type { PasswordRouterOptions } from './http/router-options.ts';
export { DEFAULTS, OPTION_RANGES, type OptionRange, type RangedOption } from './config/defaults.ts';
export { publicUrlProblem } from './config/public-url.ts';
export type { CallContext, PasswordChangeVia, PasswordEvent, PasswordEventType } from './events.ts';
export { DIRECT_CALL_FAIRNESS_KEY } from './hashing/hash-options.ts';
export {
  BreachCheckError,
  ERROR_KINDS,
  HashRefusedError,
  HasherBusyError,
  HasherClosedError,
  HasherKeyBusyError,
  HasherTimeoutError,
  HasherWorkerExitError,
  PasswordApiError,
  PasswordOptionsError,
  StoreUnavailableError,
  type ErrorKind,
  type OptionProblem,
  type OptionProblemCode,
} from './errors.ts';
export { MemoryUserStore, type MemoryUser, type NewMemoryUser } from './memory/memory-user-store.ts';
export { MemoryTokenStore, type MemoryTokenStoreOptions } from './memory/memory-token-store.ts';
export {
  createArgon2idHasher,
  createBcryptHasher,
  createWorkerPoolHasher,
  type Argon2idHasher,
  type Argon2idHasherOptions,
  DEFAULT_FAIRNESS_KEY,
  type BcryptHasher,
  type BcryptHasherOptions,
  type WorkerPoolHasher,
  type WorkerPoolHasherOptions,
  type WorkerPoolStats,
} from './hashing/index.ts';
export {
  ARGON2_PACKAGE,
  argon2idVerifier,
  bcryptVerifier,
  DEFAULT_LEGACY_LIMITS,
  LEGACY_SCHEMES,
  pbkdf2Verifier,
  scryptVerifier,
  verifier,
  type Argon2idVerifierOptions,
  type IteratedDigestInput,
  type BcryptVerifierOptions,
  type LegacyHashesOption,
  type LegacyHashLimits,
  type LegacyScheme,
  type PasswordVerifier,
  type Pbkdf2VerifierOptions,
  type PoolRunner,
  type ScryptVerifierOptions,
  type VerifierDefinition,
  type VerifierTools,
} from './hashing/legacy/index.ts';
export type { WorkerJobKind, WorkerJobPayloads, WorkerJobResults } from './hashing/worker-source.ts';
export type { BreachCheckErrorMode, BreachedPasswordChecker } from './breached/checker.ts';
export { createPwnedPasswordsChecker, PWNED_PASSWORDS_URL, type PwnedPasswordsOptions } from './breached/pwned-passwords.ts';
export type { ResetLinkContext, ResetLinkRequest, SendResetLink } from './self-service/reset-links.ts';
export { NOTICE_TIMEOUT_MS, type NotifyPasswordChanged, type PasswordChangeNotice } from './service/change-notices.ts';
export { RESET_TOKEN_PURPOSE } from './tokens/reset-token.ts';
export type { KeyMaterial, TokenAlgorithm, TokenKeyInput } from './tokens/token-keys.ts';
export {
  checkLoginRules,
  checkPasswordRules,
  breachedPasswordFailure,
  DEFAULT_PASSWORD_POLICY,
  describePasswordPolicy,
  LOGIN_RULE_IDS,
  NIST_800_63B_REV4,
  normalizePassword,
  PASSWORD_RULE_IDS,
  resolvePasswordPolicy,
  reusedPasswordFailure,
  type BlocklistSetting,
  type CompletePasswordPolicySettings,
  type LoginFailure,
  type LoginRuleId,
  type PasswordCheckContext,
  type PasswordPolicySettings,
  type PasswordRuleId,
  type PolicyFailure,
  type PolicyRuleDescription,
  type ResolvedPasswordPolicy,
} from './policy/index.ts';
export type * from './types.ts';
export {
  METRIC_NAMES,
  type HashJobKind,
  type LockoutKind,
  type Operation as TelemetryOperation,
  type Outcome as TelemetryOutcome,
  type RejectReason,
} from './telemetry/metric-names.ts';
export type { TelemetryOptions } from './config/telemetry-option.ts';
