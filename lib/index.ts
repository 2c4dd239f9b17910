/** express-rbac-password: the password endpoints of an RBAC service as an Express router. */
export { createPasswordRouter, type PasswordRouter } from './http/router.ts';
export { createErrorHandler } from './http/error-response.ts';
export { createJsonBody } from './http/json-body.ts';
export {
  PasswordService,
  createPasswordService,
  type IssuedResetToken,
  type LoginFailureReason,
  type PasswordWriteResult,
  type LoginResult,
  type LoginValidation,
  type PasswordValidation,
} from './service/password-service.ts';
export { credentialStamp } from './service/credential-stamp.ts';
export type { LockoutOption, PasswordRouterOptions, PasswordServiceOptions } from './options.ts';
export type { CallContext, PasswordChangeVia, PasswordEvent, PasswordEventType } from './events.ts';
export { DIRECT_CALL_FAIRNESS_KEY } from './hashing/hash-options.ts';
export { ERROR_KINDS, HasherBusyError, HasherKeyBusyError, PasswordApiError, StoreUnavailableError, type ErrorKind } from './errors.ts';
export { MemoryUserStore, type MemoryUser, type NewMemoryUser } from './memory/memory-user-store.ts';
export { MemoryTokenStore, type MemoryTokenStoreOptions } from './memory/memory-token-store.ts';
export {
  createBcryptHasher,
  createWorkerPoolHasher,
  DEFAULT_FAIRNESS_KEY,
  HasherClosedError,
  HasherTimeoutError,
  HasherWorkerExitError,
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
  HashRefusedError,
  LEGACY_SCHEMES,
  pbkdf2Verifier,
  scryptVerifier,
  verifier,
  type Argon2idVerifierOptions,
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
export { BreachCheckError, type BreachCheckErrorMode, type BreachedPasswordChecker } from './breached/checker.ts';
export { createPwnedPasswordsChecker, PWNED_PASSWORDS_URL, type PwnedPasswordsOptions } from './breached/pwned-passwords.ts';
export type { ResetLinkContext, ResetLinkRequest, SendResetLink } from './self-service/reset-links.ts';
export { RESET_TOKEN_PURPOSE } from './tokens/reset-token.ts';
export type { TokenAlgorithm, TokenKeyInput } from './tokens/token-keys.ts';
export * from './policy/index.ts';
export type * from './types.ts';
