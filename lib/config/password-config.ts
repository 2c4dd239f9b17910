/**
 * The one configuration the library runs on: what `resolveOptions` makes of the user's options,
 * frozen. The service and the router read only this, never the raw options.
 */
import type { BreachedPasswordChecker } from '../breached/checker.ts';
import type { PasswordEvent } from '../events.ts';
import type { PasswordChangedInfo, ServiceAuthorizer } from '../options.ts';
import type { PasswordVerifier } from '../hashing/legacy/verifier.ts';
import type { ResolvedPasswordPolicy } from '../policy/resolve.ts';
import type { SendResetLink } from '../self-service/reset-links.ts';
import type { NotifyPasswordChanged } from '../service/change-notices.ts';
import type { ResolvedTokenKey } from '../tokens/token-keys.ts';
import type { ResolvedTelemetry } from './telemetry-option.ts';
import type { Authorizer, FailedAttemptInput, Hasher, PasswordUser, Principal, TokenStore, UserStore } from '../types.ts';
import type { Request } from 'express';

/** The lockout that failed attempts trigger. */
export interface ResolvedLockout {
  readonly threshold: number;
  readonly action: FailedAttemptInput['action'];
}

/** The hashing settings; the service builds its pools from them. */
export interface HashingConfig {
  /** The host's own hasher, or undefined for the default worker pool at `bcryptCost`. */
  readonly hasher: Hasher | undefined;
  readonly bcryptCost: number;
  readonly maxBcryptCost: number;
  readonly verifiers: readonly PasswordVerifier[];
  readonly upgradeHashes: boolean;
}

/** The router's own settings (absent when only the service was asked for). */
export interface HttpConfig<P extends Principal = Principal> {
  /** Authentication is the router's: `authorizer.authenticate` is called only there. */
  readonly authorizer: Authorizer<P>;
  readonly errorNamespace: string;
  readonly bodyLimit: number | string;
  readonly requestId: ((req: Request) => string) | undefined;
  readonly hashFairnessKey: ((req: Request) => string | undefined) | undefined;
}

/** Every option, checked and with its default applied. */
export interface PasswordConfig<P extends Principal = Principal> {
  readonly userStore: UserStore;
  readonly tokenStore: TokenStore;
  readonly authorizer: ServiceAuthorizer<P>;
  readonly tokenKeys: readonly ResolvedTokenKey[];
  readonly tokenIssuer: string;
  readonly clockToleranceSeconds: number;
  readonly resetTokenLifetimeMs: number;
  readonly storeTimeoutMs: number;
  readonly hashing: HashingConfig;
  readonly policy: ResolvedPasswordPolicy;
  readonly lockout: ResolvedLockout | null;
  readonly revealAccountState: boolean;
  readonly resetReuseRefusals: number;
  /** The reset page, as an absolute URL string; copy it into a `URL` before changing it. */
  readonly publicUrl: string | undefined;
  readonly now: () => Date;
  readonly onEvent: ((event: PasswordEvent) => void | Promise<void>) | undefined;
  readonly onPasswordChanged: ((user: PasswordUser, info: PasswordChangedInfo<P>) => void | Promise<void>) | undefined;
  readonly notifyPasswordChanged: NotifyPasswordChanged | undefined;
  readonly breachedPasswords: BreachedPasswordChecker | undefined;
  readonly sendResetLink: SendResetLink | undefined;
  readonly resetLinkCooldownMs: number;
  readonly maxPendingResetLinks: number;
  readonly normalizeIdentifier: (value: string) => string;
  /** Null: record no metrics or traces. */
  readonly telemetry: ResolvedTelemetry;
  /** Of `passwordMaxAgeDays`, in milliseconds; null when passwords never age. */
  readonly passwordMaxAgeMs: number | null;
  readonly resetRequiresChange: boolean;
  /** Of `accountExpiryDays`, in milliseconds; null when accounts never expire. */
  readonly accountExpiryMs: number | null;
  readonly http: HttpConfig<P> | undefined;
}
