/**
 * `verifyLogin`, the helper behind a host's own login endpoint: normalization, revocation, the
 * lockout counter, and the same hashing time and store round trip for unknown logins as for known
 * ones. A revoked or locked account is never compared against its real hash.
 */
import type { CallContext } from '../events.ts';
import { fairnessKeyOf, hashOptionsOf } from '../hashing/hash-options.ts';
import { normalizePassword } from '../policy/index.ts';
import type { PasswordUser } from '../types.ts';
import { isLocked, retryAfterSeconds } from './account-state.ts';
import { credentialStamp } from './credential-stamp.ts';
import type { FailedAttempts } from './failed-attempts.ts';
import type { ScheduleUpgrade } from './hash-upgrades.ts';
import { isUnusableLogin } from './login-input.ts';
import type { PasswordVerification } from './password-verification.ts';
import type { InactivityExpiry } from './inactivity-expiry.ts';
import { passwordChangeCause } from './password-age.ts';
import type { VerifyOutcome } from '../hashing/legacy/hasher-chain.ts';
import type { LoginResult } from './results.ts';
import type { ServiceParts } from './service-parts.ts';

export interface LoginVerificationDeps {
  readonly parts: ServiceParts;
  readonly verification: PasswordVerification;
  readonly attempts: FailedAttempts;
  readonly revealAccountState: boolean;
  readonly upgradeLater: ScheduleUpgrade;
  /** Of `passwordMaxAgeDays`; null when passwords never age. */
  readonly passwordMaxAgeMs: number | null;
  /** `accountExpiryDays`, when configured. */
  readonly expiry: InactivityExpiry | null;
}

/** A login refusal, as `verifyLogin` answers it. */
export type LoginRefusal = Extract<LoginResult, { ok: false }>;

/** What the credential check found: the right password of an active local account, or the refusal. */
export type CredentialCheck = { readonly ok: true; readonly user: PasswordUser; readonly normalized: string; readonly verified: VerifyOutcome } | LoginRefusal;

/**
 * `verifyLogin`: the credential check, then the password's age and change-required flag (told only
 * to the right password: a wrong one was refused before), then the login is recorded.
 */
export function verifyLogin(deps: LoginVerificationDeps, login: string, password: string, context: CallContext, retry: boolean): Promise<LoginResult> {
  const refused = earlyRefusal(deps, context);
  return refused === null ? signIn(deps, login, password, context, retry) : Promise.reject(refused);
}

async function signIn(deps: LoginVerificationDeps, login: string, password: string, context: CallContext, retry: boolean): Promise<LoginResult> {
  const checked = await checkCredentials(deps, login, password, context, retry);
  if (!checked.ok) return checked;
  const { user, normalized, verified } = checked;
  const now = deps.parts.now();
  const cause = passwordChangeCause(user, now, deps.passwordMaxAgeMs);
  // No session and no recorded login: the password must be changed first (the counter was cleared, as for any right password).
  if (cause !== null) return { ok: false, reason: 'password-change-required', changeCause: cause, userId: user.id };
  await deps.parts.call('userStore.recordLogin', (o) => deps.parts.users.recordLogin?.(user.id, now, o));
  // The answer is decided: the upgrade runs after it, and never fails or delays it.
  deps.upgradeLater(user, normalized, verified, 'login', context);
  return { ok: true, user, credential: credentialStamp(user.passwordHash as string) };
}

/**
 * The login check without its side effects on success (no recorded login, no upgrade): for
 * `verifyLogin` and for a change of password by login and current password. `retry`: whether a
 * success that lost to a concurrent password write may start over once, judged on the new hash.
 */
export function verifyCredentials(deps: LoginVerificationDeps, login: string, password: string, context: CallContext, retry: boolean): Promise<CredentialCheck> {
  const refused = earlyRefusal(deps, context);
  return refused === null ? checkCredentials(deps, login, password, context, retry) : Promise.reject(refused);
}

/**
 * A client whose share of the hashing queue is already full (or a full queue) is refused before
 * anything else, as its verify would be: no user lookup, no normalization, no store call, no
 * async step. The same for every login, known or not, so the refusal tells nothing; and nothing
 * is read or written. A store without `findByLogin` is told so first, as always.
 */
function earlyRefusal(deps: LoginVerificationDeps, context: CallContext): unknown {
  if (typeof deps.parts.users.findByLogin !== 'function') return null;
  try {
    return deps.verification.refusal(fairnessKeyOf(context));
  } catch (error) {
    // Whatever goes wrong still rejects, as these async functions always did; never a synchronous throw.
    return error ?? new Error('the early refusal check failed');
  }
}

async function checkCredentials(deps: LoginVerificationDeps, login: string, password: string, context: CallContext, retry: boolean): Promise<CredentialCheck> {
  const { parts, verification, attempts, revealAccountState } = deps;
  const { users, call } = parts;
  const findByLogin = users.findByLogin;
  if (typeof findByLogin !== 'function') throw new TypeError('express-rbac-password: verifyLogin needs userStore.findByLogin().');
  // A login no store could hold (control characters, NUL, absurd length) is an unknown login.
  const user = isUnusableLogin(login) ? null : await call('userStore.findByLogin', (o) => findByLogin.call(users, login, o));
  const normalized = normalizePassword(typeof password === 'string' ? password : '');
  const now = parts.now();
  const usable = user !== null && !user.isRemote && user.passwordHash !== null;
  const closed = usable && (user.isRevoked || isLocked(user, now));
  // Inactive for longer than accountExpiryDays: revoked now, before any password is compared, so
  // every password gets a revoked account's answer. That store call stands in for the round trip below.
  const expired = usable && !closed && (await expiredAtSignIn(deps.expiry, user, now, context));
  const verified = await verification.verify(normalized, usable && !closed && !expired ? user.passwordHash : null, user?.id, hashOptionsOf(context));
  if (!usable || closed || expired) {
    // The same store round trip a wrong password costs (on no user's id), so timing tells nothing.
    if (!expired) await attempts.roundTrip();
    if (expired && revealAccountState) return { ok: false, reason: 'revoked' };
    if (closed && revealAccountState) return closedAccount(user, now);
    return { ok: false, reason: 'invalid-credentials' };
  }
  if (!verified.match) {
    const result = await attempts.recordFailure(user, null, context);
    if (result?.lockedNow === true) {
      if (!revealAccountState) return { ok: false, reason: 'invalid-credentials', lockedNow: true };
      return result.lockedUntil === null ? { ok: false, reason: 'revoked', lockedNow: true } : { ...lockedResult(result.lockedUntil, now), lockedNow: true };
    }
    // A revoke or a concurrent lock came first (nothing was counted): answered as on a closed account.
    if (result !== null && revealAccountState && (result.isRevoked || isLocked(result, now))) {
      return closedAccount({ ...user, isRevoked: result.isRevoked, lockedUntil: result.lockedUntil }, now);
    }
    return { ok: false, reason: 'invalid-credentials' };
  }
  if ((user.failedAttempts ?? 0) > 0 || user.lockedUntil != null) {
    // Ordered against concurrent failures: one that locked the account first wins.
    const outcome = await attempts.recordSuccess(user);
    if (outcome === 'password-changed' && retry) return verifyCredentials(deps, login, password, context, false);
    if (outcome !== 'ok') {
      // Only `revealAccountState` tells what the account is now; otherwise the answer needs no read.
      const fresh = revealAccountState && (outcome === 'revoked' || outcome === 'locked') ? await parts.findUser(user.id) : null;
      if (fresh !== null) return closedAccount(fresh, parts.now());
      return { ok: false, reason: 'invalid-credentials' };
    }
  }
  return { ok: true, user, normalized, verified };
}

/** Whether `accountExpiryDays` revokes `user` at this sign-in attempt (or a concurrent one just did). */
async function expiredAtSignIn(expiry: InactivityExpiry | null, user: PasswordUser, now: Date, context: CallContext): Promise<boolean> {
  if (expiry === null || !expiry.due(user, now)) return false;
  return expiry.atSignIn(user, now, context);
}

/** A `locked` answer, with what a caller needs for `Retry-After`. */
function lockedResult(lockedUntil: Date, now: Date): LoginRefusal {
  return { ok: false, reason: 'locked', lockedUntil, retryAfterSeconds: retryAfterSeconds(lockedUntil, now) };
}

/** What `revealAccountState` tells about a revoked or locked account, to any password. */
function closedAccount(user: PasswordUser, now: Date): LoginRefusal {
  if (isLocked(user, now) && !user.isRevoked) return lockedResult(user.lockedUntil as Date, now);
  return { ok: false, reason: 'revoked' };
}
