/**
 * Every default of the options, spelled once. The resolver, the hashers, the error handler, the
 * OpenAPI document and the reference server read them from here, so they cannot drift apart.
 * Exported (read-only) as `DEFAULTS` and `OPTION_RANGES`, so a host can show or reuse them.
 */
import { DEFAULT_PASSWORD_POLICY } from '../policy/settings.ts';

/** A numeric option's accepted range; `unit` only makes messages readable. */
export interface OptionRange {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly unit?: 'h' | 's' | 'ms';
}

/** The default of every option that has one (options without a default are off when unset). */
export const DEFAULTS = deepFreeze({
  /** Prefix of every error `kind` the router answers. */
  errorNamespace: 'puppetlabs.rbac/',
  /** Largest accepted JSON body. */
  bodyLimit: '16kb',
  /** The `iss` claim of reset tokens. */
  tokenIssuer: 'express-rbac-password',
  clockToleranceSeconds: 0,
  /** Hours a reset token stays valid (the product's `password-reset-expiration`). */
  passwordResetExpiration: 24,
  /** bcrypt cost of the default hasher: about 0.4 s per hash on one core of this project's machines. */
  bcryptCost: 12,
  /** `maxBcryptCost` is the configured cost plus this, at most `maxBcryptCostCeiling` (never below the cost). */
  maxBcryptCostHeadroom: 3,
  maxBcryptCostCeiling: 16,
  upgradeHashes: true,
  /** No legacy hash format is verified unless named. */
  legacyHashes: [] as readonly never[],
  policy: DEFAULT_PASSWORD_POLICY,
  /** The product's `failed-attempts-lockout`; 0 turns lockout off. */
  failedAttemptsLockout: 10,
  lockout: { mode: 'revoke' } as { readonly mode: 'revoke' },
  /** Of `lockout: { mode: 'temporary' }`: the first lock, doubled on each lock up to the maximum. */
  lockoutInitialDelaySeconds: 60,
  lockoutMaxDelaySeconds: 3600,
  revealAccountState: false,
  resetReuseRefusals: 5,
  storeTimeoutMs: 5000,
  resetLinkCooldownSeconds: 60,
  maxPendingResetLinks: 100,
  /** Of `resetRequiresChange`: a password an administrator sets is not a temporary one unless asked. */
  resetRequiresChange: false,
  /** Of `createWorkerPoolHasher`: milliseconds one hashing job may run. */
  jobTimeoutMs: 60_000,
  /** Of `createWorkerPoolHasher`: queued jobs per worker when `maxQueue` is not given; `maxQueuePerKey` defaults to half the queue. */
  queuePerWorker: 16,
  /**
   * Of `createArgon2idHasher`: OWASP's Password Storage Cheat Sheet's first argon2id setting,
   * m=19456 KiB (19 MiB), t=2, p=1. Its other settings trade memory for passes at the same cost;
   * this one keeps the memory per hash low, so a pool of workers hashing at once stays small.
   */
  argon2MemoryCost: 19_456,
  argon2TimeCost: 2,
  argon2Parallelism: 1,
});

/** The accepted range of every numeric option. */
export const OPTION_RANGES = deepFreeze({
  clockToleranceSeconds: { min: 0, max: 300, integer: false, unit: 's' },
  passwordResetExpiration: { min: 1 / 3600, max: 24 * 365, integer: false, unit: 'h' },
  bcryptCost: { min: 4, max: 31, integer: true },
  maxBcryptCost: { min: 4, max: 31, integer: true },
  failedAttemptsLockout: { min: 0, max: 1000, integer: true },
  lockoutInitialDelaySeconds: { min: 1, max: 86_400, integer: false, unit: 's' },
  lockoutMaxDelaySeconds: { min: 1, max: 30 * 86_400, integer: false, unit: 's' },
  resetReuseRefusals: { min: 1, max: 100, integer: true },
  storeTimeoutMs: { min: 1, max: 600_000, integer: true, unit: 'ms' },
  resetLinkCooldownSeconds: { min: 0, max: 86_400, integer: false, unit: 's' },
  maxPendingResetLinks: { min: 1, max: 100_000, integer: true },
  // argon2 itself takes m from 8·p KiB; 1 GiB and 100 passes are far past any sane setting.
  argon2MemoryCost: { min: 8, max: 1_048_576, integer: true },
  argon2TimeCost: { min: 1, max: 100, integer: true },
  argon2Parallelism: { min: 1, max: 64, integer: true },
  /** Off when unset (no default); fractions allowed, for tests and short-lived deployments. */
  passwordMaxAgeDays: { min: 1 / 1440, max: 36_500, integer: false },
  /** Off when unset (no default), like `passwordMaxAgeDays`. */
  accountExpiryDays: { min: 1 / 1440, max: 36_500, integer: false },
} satisfies Record<string, OptionRange>) as { readonly [K in RangedOption]: OptionRange };

/** The options `OPTION_RANGES` covers. */
export type RangedOption =
  | 'clockToleranceSeconds'
  | 'passwordResetExpiration'
  | 'bcryptCost'
  | 'maxBcryptCost'
  | 'failedAttemptsLockout'
  | 'lockoutInitialDelaySeconds'
  | 'lockoutMaxDelaySeconds'
  | 'resetReuseRefusals'
  | 'storeTimeoutMs'
  | 'resetLinkCooldownSeconds'
  | 'maxPendingResetLinks'
  | 'argon2MemoryCost'
  | 'argon2TimeCost'
  | 'argon2Parallelism'
  | 'passwordMaxAgeDays'
  | 'accountExpiryDays';

/** Freezes `value` and every object in it: a host must not change a default for everyone. */
function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const member of Object.values(value)) if (typeof member === 'object' && member !== null && !Object.isFrozen(member)) deepFreeze(member);
  return Object.freeze(value);
}
