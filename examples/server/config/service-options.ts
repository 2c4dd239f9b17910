/**
 * The library options of the reference deployment, built from the environment and the store.
 * The server and the CLI both use this, so a token issued by one is accepted by the other.
 */
import {
  createArgon2idHasher,
  createPwnedPasswordsChecker,
  createWorkerPoolHasher,
  DEFAULTS,
  type Argon2idHasher,
  type PasswordServiceOptions,
  type Principal,
  type WorkerPoolHasher,
} from 'express-rbac-password';
import type { ReferenceConfig } from './environment.ts';
import type { ReferenceStore } from '../storage/reference-store.ts';

/** Every service option that depends only on the configuration and the store. */
export type ReferenceServiceOptions = Omit<PasswordServiceOptions<Principal>, 'authorizer' | 'onPasswordChanged' | 'onEvent' | 'now'>;

/**
 * Resolves the signing key (`RBAC_TOKEN_SECRET`, else the one kept in the store) and the settings.
 * `hasher` is the caller's own pool (the server's, sized by `RBAC_HASH_*`); without one, bcrypt
 * gets the library's default pool and argon2id a pool of its own.
 */
export async function referenceServiceOptions(config: ReferenceConfig, store: ReferenceStore, hasher?: WorkerPoolHasher | Argon2idHasher): Promise<ReferenceServiceOptions> {
  return {
    userStore: store.userStore,
    tokenStore: store.tokenStore,
    tokenKey: config.tokenSecret ?? (await store.tokenSecret()),
    passwordResetExpiration: config.passwordResetExpiration,
    failedAttemptsLockout: config.failedAttemptsLockout,
    lockout: config.lockout,
    revealAccountState: config.revealAccountState,
    resetReuseRefusals: config.resetReuseRefusals,
    ...hashingOptions(config, hasher),
    resetRequiresChange: config.resetRequiresChange,
    ...(config.passwordMaxAgeDays === undefined ? {} : { passwordMaxAgeDays: config.passwordMaxAgeDays }),
    ...(config.accountExpiryDays === undefined ? {} : { accountExpiryDays: config.accountExpiryDays }),
    legacyHashes: config.legacyHashes,
    policy: config.policy,
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    // Off unless configured: the reference deployment must run offline.
    ...(config.breachedPasswordsUrl === undefined
      ? {}
      : { breachedPasswords: createPwnedPasswordsChecker({ baseUrl: config.breachedPasswordsUrl, onError: config.breachedPasswordsOnError }) }),
  };
}

/**
 * The pool that makes new hashes, by `RBAC_HASH`, sized by `RBAC_HASH_*`. Throws the library's
 * `PasswordOptionsError` (naming the package to install) for argon2id without `@node-rs/argon2`.
 */
export function referenceHasher(config: ReferenceConfig): WorkerPoolHasher | Argon2idHasher {
  return config.hash === 'argon2id' ? createArgon2idHasher(config.hashPool) : createWorkerPoolHasher({ cost: config.bcryptCost, ...config.hashPool });
}

/**
 * RBAC_HASH=argon2id: new hashes in argon2id; the bcrypt hashes from before keep verifying, up to
 * the cost cap RBAC_BCRYPT_COST gives them (a custom hasher would otherwise get the default's).
 */
function hashingOptions(config: ReferenceConfig, hasher: WorkerPoolHasher | Argon2idHasher | undefined): Pick<ReferenceServiceOptions, 'hasher' | 'bcryptCost' | 'maxBcryptCost'> {
  if (config.hash === 'argon2id') return { hasher: hasher ?? referenceHasher(config), maxBcryptCost: maxBcryptCostFor(config.bcryptCost) };
  return hasher === undefined ? { bcryptCost: config.bcryptCost } : { hasher };
}

/** The library's default cap for stored bcrypt hashes at `cost` (the cost + 3, at most 16, never below the cost). */
function maxBcryptCostFor(cost: number): number {
  return Math.max(cost, Math.min(cost + DEFAULTS.maxBcryptCostHeadroom, DEFAULTS.maxBcryptCostCeiling));
}
