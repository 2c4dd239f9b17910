/**
 * The library options of the reference deployment, built from the environment and the store.
 * The server and the CLI both use this, so a token issued by one is accepted by the other.
 */
import { createPwnedPasswordsChecker, type PasswordServiceOptions, type Principal } from 'express-rbac-password';
import type { ReferenceConfig } from './environment.ts';
import type { ReferenceStore } from '../storage/reference-store.ts';

/** Every service option that depends only on the configuration and the store. */
export type ReferenceServiceOptions = Omit<PasswordServiceOptions<Principal>, 'authorizer' | 'onPasswordChanged' | 'onEvent' | 'now'>;

/** Resolves the signing key (`RBAC_TOKEN_SECRET`, else the one kept in the store) and the settings. */
export async function referenceServiceOptions(config: ReferenceConfig, store: ReferenceStore): Promise<ReferenceServiceOptions> {
  return {
    userStore: store.userStore,
    tokenStore: store.tokenStore,
    tokenKey: config.tokenSecret ?? (await store.tokenSecret()),
    passwordResetExpiration: config.passwordResetExpiration,
    failedAttemptsLockout: config.failedAttemptsLockout,
    lockout: config.lockout,
    revealAccountState: config.revealAccountState,
    resetReuseRefusals: config.resetReuseRefusals,
    resetRequiresChange: config.resetRequiresChange,
    ...(config.passwordMaxAgeDays === undefined ? {} : { passwordMaxAgeDays: config.passwordMaxAgeDays }),
    ...(config.accountExpiryDays === undefined ? {} : { accountExpiryDays: config.accountExpiryDays }),
    bcryptCost: config.bcryptCost,
    legacyHashes: config.legacyHashes,
    policy: config.policy,
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    // Off unless configured: the reference deployment must run offline.
    ...(config.breachedPasswordsUrl === undefined
      ? {}
      : { breachedPasswords: createPwnedPasswordsChecker({ baseUrl: config.breachedPasswordsUrl, onError: config.breachedPasswordsOnError }) }),
  };
}
