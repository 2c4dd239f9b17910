/**
 * `resolveOptions`: the user's options in, one frozen `PasswordConfig` out. Every option is
 * checked here, and every problem is reported at once in one `PasswordOptionsError`, each with
 * a stable code. Defaults come from `DEFAULTS`, ranges from `OPTION_RANGES`.
 */
import type { BreachedPasswordChecker } from '../breached/checker.ts';
import { closestName } from '../closest-name.ts';
import { defaultMaxBcryptCost } from '../hashing/bcrypt-cost.ts';
import { impliedVerifiers, resolveLegacyVerifiers } from '../hashing/legacy/resolve.ts';
import type { PasswordServiceOptions } from '../options.ts';
import { resolvePasswordPolicy, type ResolvedPasswordPolicy } from '../policy/resolve.ts';
import { resolveTokenKeys } from '../tokens/token-keys.ts';
import type { Hasher, Principal, UserStore } from '../types.ts';
import { DEFAULTS, OPTION_RANGES, type RangedOption } from './defaults.ts';
import { booleanOption, functionOption, numberOption, optionError, OptionProblems, received, requireMethods, requireTogether } from './option-problems.ts';
import type { HashingConfig, HttpConfig, PasswordConfig, ResolvedLockout } from './password-config.ts';
import { publicUrlProblem } from './public-url.ts';
import { resolveTelemetry } from './telemetry-option.ts';

const SERVICE_KEYS = [
  'userStore',
  'tokenStore',
  'authorizer',
  'tokenKey',
  'previousTokenKeys',
  'tokenIssuer',
  'clockToleranceSeconds',
  'passwordResetExpiration',
  'bcryptCost',
  'hasher',
  'legacyHashes',
  'maxBcryptCost',
  'upgradeHashes',
  'policy',
  'failedAttemptsLockout',
  'lockout',
  'revealAccountState',
  'resetReuseRefusals',
  'storeTimeoutMs',
  'publicUrl',
  'now',
  'onEvent',
  'onPasswordChanged',
  'notifyPasswordChanged',
  'breachedPasswords',
  'sendResetLink',
  'resetLinkCooldownSeconds',
  'maxPendingResetLinks',
  'normalizeIdentifier',
  'telemetry',
  'passwordMaxAgeDays',
  'resetRequiresChange',
  'accountExpiryDays',
] as const satisfies readonly (keyof PasswordServiceOptions)[];

/**
 * The router's own options on top of the service's (lib/http defines them): their names, and how
 * to check them into the same collector, so every problem of both is reported at once.
 */
export interface HttpOptionLayer<P extends Principal> {
  readonly keys: readonly string[];
  resolve(problems: OptionProblems): HttpConfig<P>;
}

const HOUR_MS = 3_600_000;

/**
 * Checks `options` for `createPasswordService`, or for `createPasswordRouter` when `http` (the
 * router's own options, see lib/http/http-options.ts) is given, and returns the frozen
 * configuration. Throws one `PasswordOptionsError` listing every problem.
 */
export function resolveOptions<P extends Principal>(options: PasswordServiceOptions<P>, http?: HttpOptionLayer<P>): PasswordConfig<P> {
  if (options === null || typeof options !== 'object') optionError('(options)', 'not-an-object', `must be an object; got ${received(options)}.`);
  const problems = new OptionProblems();
  const known: readonly string[] = http === undefined ? SERVICE_KEYS : [...SERVICE_KEYS, ...http.keys];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    problems.add(key, 'unknown-option', `is not an option${suggestion === undefined ? '' : `; did you mean ${suggestion}?`} Known options: ${known.join(', ')}.`);
  }
  const number = (name: Exclude<RangedOption, 'maxBcryptCost' | 'passwordMaxAgeDays' | 'accountExpiryDays'> & keyof PasswordServiceOptions, value: unknown): number =>
    problems.attempt(() => numberOption(name, value, DEFAULTS[name], OPTION_RANGES[name]), DEFAULTS[name]);
  const fn = <T>(name: string, value: T | undefined): T | undefined => problems.attempt(() => functionOption(name, value), undefined);

  problems.attempt(() => requireMethods('userStore', options.userStore, ['findById', 'setPassword']), undefined);
  problems.attempt(() => {
    requireMethods('tokenStore', options.tokenStore, ['issue', 'find', 'redeem', 'revokeForUser']);
    // The shared cooldown needs both: a claim nobody can give back would lock a failed send's user out for the cooldown.
    const { claimResetLinkSlot: claim, releaseResetLinkSlot: release } = options.tokenStore;
    if (claim !== undefined || release !== undefined) requireMethods('tokenStore', options.tokenStore, ['claimResetLinkSlot', 'releaseResetLinkSlot']);
  }, undefined);
  if (!problems.has('tokenStore')) problems.attempt(() => requireTogether('tokenStore', options.tokenStore, ['listOutstanding', 'revokeOutstanding']), undefined);
  problems.attempt(() => {
    // Only the router authenticates; the service decides with the permission checks alone.
    requireMethods('authorizer', options.authorizer, http === undefined ? ['canResetPassword'] : ['authenticate', 'canResetPassword']);
    if (options.authorizer.canCreateUsers !== undefined && typeof options.authorizer.canCreateUsers !== 'function') {
      optionError('authorizer', 'missing-method', 'canCreateUsers must be a method when present (see the Authorizer interface in the README).');
    }
  }, undefined);
  // Checks that need the user store's members are skipped when the store itself is wrong: they would only repeat it.
  const users = problems.has('userStore') ? undefined : options.userStore;

  const tokenKeys = problems.attempt(() => resolveTokenKeys(options.tokenKey, options.previousTokenKeys), []);
  const tokenIssuer = options.tokenIssuer ?? DEFAULTS.tokenIssuer;
  if (typeof tokenIssuer !== 'string' || tokenIssuer.length === 0) problems.add('tokenIssuer', 'wrong-type', `must be a non-empty string; got ${received(tokenIssuer)}.`);
  const clockToleranceSeconds = number('clockToleranceSeconds', options.clockToleranceSeconds);
  const hours = number('passwordResetExpiration', options.passwordResetExpiration);
  const storeTimeoutMs = number('storeTimeoutMs', options.storeTimeoutMs);
  const hashing = resolveHashing(options, problems);
  const policy = problems.attempt(() => resolvePolicy(options.policy, users), undefined);
  const lockout = problems.attempt(() => resolveLockout(options, users), null);
  const publicUrl = options.publicUrl === undefined ? undefined : publicUrlProblem(options.publicUrl);
  if (publicUrl !== undefined) problems.add(publicUrl.option, publicUrl.code, publicUrl.message.slice(publicUrl.option.length + 1));
  const breachedPasswords = problems.attempt(() => resolveBreachChecker(options.breachedPasswords), undefined);
  const sendResetLink = fn('sendResetLink', options.sendResetLink);
  if (sendResetLink !== undefined) {
    if (options.publicUrl === undefined) problems.add('sendResetLink', 'conflict', 'needs publicUrl, the reset page the mailed link points at.');
    if (users !== undefined && typeof users.findByLogin !== 'function' && typeof users.findByEmail !== 'function') {
      problems.add('sendResetLink', 'missing-method', 'needs userStore.findByLogin() or userStore.findByEmail() to find the account a request names.');
    }
  }
  const lifecycle = problems.attempt(() => resolvePasswordLifecycle(options, users), { passwordMaxAgeMs: null, resetRequiresChange: false });
  const config: PasswordConfig<P> = {
    userStore: options.userStore,
    tokenStore: options.tokenStore,
    authorizer: options.authorizer,
    tokenKeys: Object.freeze(tokenKeys),
    tokenIssuer,
    clockToleranceSeconds,
    resetTokenLifetimeMs: Math.round(hours * HOUR_MS),
    storeTimeoutMs,
    hashing,
    policy: policy as ResolvedPasswordPolicy,
    lockout,
    revealAccountState: problems.attempt(() => booleanOption('revealAccountState', options.revealAccountState, DEFAULTS.revealAccountState), false),
    resetReuseRefusals: number('resetReuseRefusals', options.resetReuseRefusals),
    publicUrl: options.publicUrl,
    now: fn('now', options.now) ?? (() => new Date()),
    onEvent: fn('onEvent', options.onEvent),
    onPasswordChanged: fn('onPasswordChanged', options.onPasswordChanged),
    notifyPasswordChanged: fn('notifyPasswordChanged', options.notifyPasswordChanged),
    breachedPasswords,
    sendResetLink,
    resetLinkCooldownMs: number('resetLinkCooldownSeconds', options.resetLinkCooldownSeconds) * 1000,
    maxPendingResetLinks: number('maxPendingResetLinks', options.maxPendingResetLinks),
    normalizeIdentifier: fn('normalizeIdentifier', options.normalizeIdentifier) ?? ((value) => value.normalize('NFC')),
    telemetry: problems.attempt(() => resolveTelemetry(options.telemetry), null),
    ...lifecycle,
    accountExpiryMs: problems.attempt(() => resolveAccountExpiry(options.accountExpiryDays, users), null),
    http: http?.resolve(problems),
  };
  problems.throwIfAny();
  return Object.freeze(config);
}

/** The hashing options; the pools themselves are made by the service, once all options passed. */
function resolveHashing<P extends Principal>(options: PasswordServiceOptions<P>, problems: OptionProblems): HashingConfig {
  const hasher = options.hasher;
  if (hasher !== undefined && options.bcryptCost !== undefined) {
    problems.add('bcryptCost', 'conflict', 'only applies to the default hasher; with a custom hasher, set the cost on the hasher.');
  }
  const hasherOk =
    hasher === undefined ||
    problems.attempt(() => {
      requireMethods('hasher', hasher, ['hash', 'verify']);
      return true;
    }, false);
  const upgradeHashes = problems.attempt(() => booleanOption('upgradeHashes', options.upgradeHashes, DEFAULTS.upgradeHashes), true);
  const configured =
    hasher === undefined ? problems.attempt(() => numberOption('bcryptCost', options.bcryptCost, DEFAULTS.bcryptCost, OPTION_RANGES.bcryptCost), DEFAULTS.bcryptCost) : null;
  // The cap applies to every bcrypt hash, whichever hasher checks it: a host's own hasher (say,
  // a wrapper of createBcryptHasher) must not be held for days by an imported `$2b$31$` either.
  const bcryptCost = configured ?? (hasherOk && hasher !== undefined ? problems.attempt(() => bcryptCostOfHasher(hasher), null) : null);
  const range = { ...OPTION_RANGES.maxBcryptCost, min: bcryptCost ?? OPTION_RANGES.maxBcryptCost.min };
  const fallbackMax = defaultMaxBcryptCost(bcryptCost ?? DEFAULTS.bcryptCost);
  const maxBcryptCost = problems.attempt(() => numberOption('maxBcryptCost', options.maxBcryptCost, fallbackMax, range), fallbackMax);
  const primaryScheme = bcryptCost !== null ? 'bcrypt' : hasherOk && hasher?.scheme === 'argon2id' && typeof hasher.recognizes === 'function' ? 'argon2id' : null;
  let verifiers: HashingConfig['verifiers'] = [];
  try {
    const listed = resolveLegacyVerifiers(options.legacyHashes, primaryScheme);
    verifiers = Object.freeze([...listed, ...impliedVerifiers(primaryScheme, listed, maxBcryptCost)]);
  } catch (error) {
    const message = (error as Error).message;
    problems.add('legacyHashes', error instanceof TypeError ? 'missing-method' : 'invalid-value', error instanceof TypeError ? `cannot be used: ${message}` : message);
  }
  return Object.freeze({ hasher, bcryptCost: bcryptCost ?? DEFAULTS.bcryptCost, maxBcryptCost, verifiers, upgradeHashes });
}

/** The bcrypt cost of the library's own hashers (they carry `cost` and recognize bcrypt), else null. */
function bcryptCostOfHasher(hasher: Hasher): number | null {
  const cost = (hasher as { cost?: unknown }).cost;
  if (hasher.scheme !== 'bcrypt' || typeof cost !== 'number' || typeof hasher.recognizes !== 'function') return null;
  return numberOption('hasher.cost', cost, cost, OPTION_RANGES.bcryptCost);
}

function resolvePolicy(settings: PasswordServiceOptions['policy'], users: UserStore | undefined): ResolvedPasswordPolicy {
  let policy: ResolvedPasswordPolicy;
  try {
    policy = resolvePasswordPolicy(settings);
  } catch (error) {
    return optionError('policy', 'invalid-value', (error as Error).message);
  }
  if (users !== undefined && policy.passwordHistory > 0 && typeof users.getPasswordHistory !== 'function') {
    optionError('policy.passwordHistory', 'missing-method', 'needs userStore.getPasswordHistory(); implement it or set passwordHistory: 0.');
  }
  return policy;
}

function resolveLockout<P extends Principal>(options: PasswordServiceOptions<P>, users: UserStore | undefined): ResolvedLockout | null {
  const threshold = numberOption('failedAttemptsLockout', options.failedAttemptsLockout, DEFAULTS.failedAttemptsLockout, OPTION_RANGES.failedAttemptsLockout);
  if (threshold === 0) return null;
  if (users !== undefined && (typeof users.recordFailedAttempt !== 'function' || typeof users.clearFailedAttempts !== 'function')) {
    optionError('failedAttemptsLockout', 'missing-method', 'needs userStore.recordFailedAttempt() and clearFailedAttempts(); implement them or set failedAttemptsLockout: 0.');
  }
  const lockout = options.lockout ?? DEFAULTS.lockout;
  if (lockout === null || typeof lockout !== 'object')
    optionError('lockout', 'not-an-object', `must be { mode: "revoke" } or { mode: "temporary", ... }; got ${received(lockout)}.`);
  if (lockout.mode === 'revoke') return { threshold, action: { mode: 'revoke' } };
  if (lockout.mode !== 'temporary') optionError('lockout.mode', 'invalid-value', `must be "revoke" or "temporary"; got ${received((lockout as { mode?: unknown }).mode)}.`);
  const initial = numberOption('lockout.initialDelaySeconds', lockout.initialDelaySeconds, DEFAULTS.lockoutInitialDelaySeconds, OPTION_RANGES.lockoutInitialDelaySeconds);
  const max = numberOption('lockout.maxDelaySeconds', lockout.maxDelaySeconds, DEFAULTS.lockoutMaxDelaySeconds, { ...OPTION_RANGES.lockoutMaxDelaySeconds, min: initial });
  return { threshold, action: { mode: 'temporary', baseMs: initial * 1000, maxMs: max * 1000 } };
}

const DAY_MS = 86_400_000;

/** `passwordMaxAgeDays` and `resetRequiresChange`: both need a store that keeps the change-required flag and the password's time. */
function resolvePasswordLifecycle<P extends Principal>(
  options: PasswordServiceOptions<P>,
  users: UserStore | undefined,
): { passwordMaxAgeMs: number | null; resetRequiresChange: boolean } {
  const problems = new OptionProblems();
  const days = problems.attempt(
    () => (options.passwordMaxAgeDays === undefined ? null : numberOption('passwordMaxAgeDays', options.passwordMaxAgeDays, 0, OPTION_RANGES.passwordMaxAgeDays)),
    null,
  );
  const resetRequiresChange = problems.attempt(() => booleanOption('resetRequiresChange', options.resetRequiresChange, DEFAULTS.resetRequiresChange), false);
  const missing = users !== undefined && typeof users.setPasswordChangeRequired !== 'function';
  if (missing && days !== null)
    problems.add(
      'passwordMaxAgeDays',
      'missing-method',
      'needs userStore.setPasswordChangeRequired() (a store that keeps passwordChangedAt); implement it or leave passwordMaxAgeDays unset.',
    );
  if (missing && resetRequiresChange)
    problems.add('resetRequiresChange', 'missing-method', 'needs userStore.setPasswordChangeRequired(); implement it or leave resetRequiresChange unset.');
  problems.throwIfAny();
  return { passwordMaxAgeMs: days === null ? null : Math.round(days * DAY_MS), resetRequiresChange };
}

/** `accountExpiryDays`: the store must find inactive accounts and revoke one atomically. */
function resolveAccountExpiry(value: number | undefined, users: UserStore | undefined): number | null {
  if (value === undefined) return null;
  const days = numberOption('accountExpiryDays', value, 0, OPTION_RANGES.accountExpiryDays);
  const missing = users === undefined ? [] : (['findInactive', 'expireInactive'] as const).filter((member) => typeof users[member] !== 'function');
  if (missing.length > 0) {
    optionError(
      'accountExpiryDays',
      'missing-method',
      `needs ${missing.map((m) => `userStore.${m}()`).join(' and ')}; implement ${missing.length > 1 ? 'them' : 'it'} or leave accountExpiryDays unset.`,
    );
  }
  return Math.round(days * DAY_MS);
}

function resolveBreachChecker(value: BreachedPasswordChecker | undefined): BreachedPasswordChecker | undefined {
  if (value === undefined) return undefined;
  requireMethods('breachedPasswords', value, ['isBreached']);
  if (value.onError !== undefined && value.onError !== 'allow' && value.onError !== 'refuse') {
    optionError('breachedPasswords.onError', 'invalid-value', `must be "allow" or "refuse"; got ${received(value.onError)}.`);
  }
  return value;
}
