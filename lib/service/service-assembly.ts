/**
 * How the service's parts are wired from the resolved configuration: one place that says which
 * part gets what. `PasswordService` holds the result and only orchestrates.
 */
import type { PasswordConfig } from '../config/password-config.ts';
import type { PasswordServiceOptions, ServiceAuthorizer } from '../options.ts';
import type { ResolvedPasswordPolicy } from '../policy/index.ts';
import { ResetTokenCodec } from '../tokens/reset-token.ts';
import type { Hasher, Principal } from '../types.ts';
import { PasswordChangeNotices } from './change-notices.ts';
import { FailedAttempts } from './failed-attempts.ts';
import { InactivityExpiry } from './inactivity-expiry.ts';
import { HashUpgrades, type ScheduleUpgrade } from './hash-upgrades.ts';
import { setUpHashing, type ServiceHashing } from './hashing-setup.ts';
import type { LoginVerificationDeps } from './login-verification.ts';
import { PasswordStoreWrite } from './password-store-write.ts';
import { PasswordVerification } from './password-verification.ts';
import { PolicyEnforcement } from './policy-enforcement.ts';
import { OutstandingResetTokens } from './outstanding-reset-tokens.ts';
import { ResetTokens } from './reset-tokens.ts';
import { SelfServiceLinks } from './self-service-links.ts';
import { createServiceParts, type ServiceParts } from './service-parts.ts';
import { watchHashJobs } from '../telemetry/hash-job-telemetry.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';

export interface ServiceComponents<P extends Principal> {
  /** The stores, the clock, store calls under the timeout, and the audit events. */
  readonly parts: ServiceParts;
  /** The host's permission checks (authentication is the router's). */
  readonly permissions: ServiceAuthorizer<P>;
  readonly policy: ResolvedPasswordPolicy;
  readonly hasher: Hasher;
  /** The primary hasher, the legacy verifiers' chain, and the pools the service made (a host's own hasher is the host's to close). */
  readonly hashing: ServiceHashing;
  readonly upgrades: HashUpgrades;
  readonly onPasswordChanged: PasswordServiceOptions<P>['onPasswordChanged'];
  /** "Your password was changed" notices, when `notifyPasswordChanged` is configured. */
  readonly notices: PasswordChangeNotices | undefined;
  readonly checksBreachedPasswords: boolean;
  readonly verification: PasswordVerification;
  readonly attempts: FailedAttempts;
  readonly enforcement: PolicyEnforcement;
  readonly resetTokens: ResetTokens;
  /** The administrators' view of outstanding reset tokens (501 without the optional store members). */
  readonly outstanding: OutstandingResetTokens;
  readonly storeWrite: PasswordStoreWrite;
  /** What `verifyLogin` (login-verification.ts) works with. */
  readonly login: LoginVerificationDeps;
  /** Self-service reset links, when `sendResetLink` is configured. */
  readonly links: SelfServiceLinks | undefined;
  readonly upgradeLater: ScheduleUpgrade;
  readonly telemetry: Telemetry;
  /** Stops recording the pools' jobs (the service closed; a host's pool may live on). */
  readonly stopWatchingHashJobs: () => void;
  /** `accountExpiryDays`, when configured. */
  readonly expiry: InactivityExpiry | null;
  /** Whether a password an administrator sets must be changed at the next sign-in. */
  readonly resetRequiresChange: boolean;
}

export function assembleService<P extends Principal>(config: PasswordConfig<P>, telemetry: Telemetry): ServiceComponents<P> {
  const parts = createServiceParts(config, telemetry);
  const { policy, lockout } = config;
  const hashing = setUpHashing(config.hashing);
  const stopWatchingHashJobs = watchHashJobs(telemetry, [hashing.hasher, ...hashing.ownPools]);
  const hasher = hashing.hasher;
  const historySize = () => policy.passwordHistory;
  const upgrades = new HashUpgrades({ users: parts.users, hasher, primaryScheme: hashing.chain.primaryScheme, historySize, call: parts.call, emit: parts.emit });
  const upgradeLater: ScheduleUpgrade = (user, normalized, outcome, via, context) => {
    if (hashing.upgrade) upgrades.schedule(user, normalized, outcome, via, context);
  };
  const verification = new PasswordVerification(hashing);
  const attempts = new FailedAttempts(parts, lockout);
  const resetTokens = new ResetTokens({
    parts,
    codec: new ResetTokenCodec([...config.tokenKeys], config.tokenIssuer, config.clockToleranceSeconds),
    lifetimeMs: config.resetTokenLifetimeMs,
    publicUrl: config.publicUrl === undefined ? undefined : new URL(config.publicUrl),
    reuseRefusals: config.resetReuseRefusals,
    upgrades,
  });
  const send = config.sendResetLink;
  const expiry = config.accountExpiryMs === null ? null : new InactivityExpiry(parts, config.accountExpiryMs);
  return {
    parts,
    permissions: config.authorizer,
    policy,
    hasher,
    hashing,
    upgrades,
    onPasswordChanged: config.onPasswordChanged,
    notices: config.notifyPasswordChanged === undefined ? undefined : new PasswordChangeNotices(parts, config.notifyPasswordChanged),
    checksBreachedPasswords: config.breachedPasswords !== undefined,
    verification,
    attempts,
    enforcement: new PolicyEnforcement({ parts, policy, hasher, breached: config.breachedPasswords, verification, upgradeLater }),
    resetTokens,
    outstanding: new OutstandingResetTokens(parts),
    storeWrite: new PasswordStoreWrite({ parts, chain: hashing.chain, upgrades, historySize }),
    login: { parts, verification, attempts, revealAccountState: config.revealAccountState, upgradeLater, passwordMaxAgeMs: config.passwordMaxAgeMs, expiry },
    expiry,
    resetRequiresChange: config.resetRequiresChange,
    links:
      send === undefined
        ? undefined
        : new SelfServiceLinks({
            parts,
            send,
            cooldownMs: config.resetLinkCooldownMs,
            maxPending: config.maxPendingResetLinks,
            lockout,
            normalizeIdentifier: config.normalizeIdentifier,
            issue: (user, context) => resetTokens.issue(user, null, context, 'self-service'),
          }),
    upgradeLater,
    telemetry,
    stopWatchingHashJobs,
  };
}
