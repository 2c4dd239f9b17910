/**
 * Enforcing the password policy on a new password: the rules (free), the breach check (no stored
 * secret involved), then reuse of the current password or the history (one hash compare each).
 * Every refusal is decided before any hashing of the new password.
 */
import type { BreachedPasswordChecker } from '../breached/checker.ts';
import { PasswordApiError } from '../errors.ts';
import type { CallContext } from '../events.ts';
import { hashOptionsOf } from '../hashing/hash-options.ts';
import { createLogger } from '../log.ts';
import { breachedPasswordFailure, checkPasswordRules, reusedPasswordFailure, type PolicyFailure, type ResolvedPasswordPolicy } from '../policy/index.ts';
import type { HashOptions, Hasher, PasswordUser } from '../types.ts';
import { breachReason } from './describe-error.ts';
import type { ScheduleUpgrade, UpgradeVia } from './hash-upgrades.ts';
import type { PasswordVerification } from './password-verification.ts';
import type { ServiceParts } from './service-parts.ts';

const log = createLogger('service');

export interface PolicyEnforcementDeps {
  readonly parts: ServiceParts;
  readonly policy: ResolvedPasswordPolicy;
  readonly hasher: Hasher;
  readonly breached: BreachedPasswordChecker | undefined;
  readonly verification: PasswordVerification;
  readonly upgradeLater: ScheduleUpgrade;
}

export class PolicyEnforcement {
  readonly #deps: PolicyEnforcementDeps;

  constructor(deps: PolicyEnforcementDeps) {
    this.#deps = deps;
  }

  /** Rules, breach check and reuse, in that order; throws `password-policy-violation` (or 503) on the first that fails. */
  async enforce(normalized: string, user: PasswordUser, context: CallContext, via: UpgradeVia): Promise<void> {
    this.enforceRules(normalized, user, context);
    await this.enforceBreach(normalized, user, context);
    const reuse = await this.reuseFailures(normalized, user, hashOptionsOf(context), { via, context });
    if (reuse.length > 0) this.reject(user, reuse, context);
  }

  enforceRules(normalized: string, user: PasswordUser, context: CallContext): void {
    const failures = checkPasswordRules(normalized, this.#deps.policy, this.ruleContext(user));
    if (failures.length > 0) this.reject(user, failures, context);
  }

  async enforceBreach(normalized: string, user: PasswordUser, context: CallContext): Promise<void> {
    const failures = await this.breachFailures(normalized, user, context, true);
    if (failures.length > 0) this.reject(user, failures, context);
  }

  ruleContext(user: PasswordUser | null): { login?: string; maxPasswordBytes?: number } {
    const limit = this.#deps.hasher.maxPasswordBytes;
    return { ...(user === null ? {} : { login: user.login }), ...(limit === undefined ? {} : { maxPasswordBytes: limit }) };
  }

  /**
   * Asks the `breachedPasswords` checker. A failed check allows the password (logged, evented) or,
   * with `onError: 'refuse'` and `enforce`, answers 503 so nothing changes and no token is used.
   */
  async breachFailures(normalized: string, user: PasswordUser | null, context: CallContext, enforce: boolean): Promise<PolicyFailure[]> {
    const checker = this.#deps.breached;
    if (checker === undefined) return [];
    try {
      const breached = await this.#deps.parts.call('breachedPasswords.isBreached', () => checker.isBreached(normalized));
      return breached === true ? [breachedPasswordFailure()] : [];
    } catch (error) {
      const refuse = enforce && checker.onError === 'refuse';
      const reason = breachReason(error);
      log('breached-password check failed (%s): password %s', reason, refuse ? 'refused' : 'allowed');
      if (user !== null) this.#deps.parts.emit('breach-check-failed', user.id, null, context, { reason, outcome: refuse ? 'refused' : 'allowed' });
      if (refuse) {
        throw new PasswordApiError('server-error', 'The breached-password check is unavailable, so the password cannot be accepted now; try again later', {
          status: 503,
          retryAfterSeconds: 5,
        });
      }
      return [];
    }
  }

  /**
   * The new password may not be the current one, nor one of the history. Costs one hash compare
   * each. When `upgrade` is given and the candidate is the current password, its legacy hash is
   * upgraded: whoever typed it knows it, and the refusal stands.
   */
  async reuseFailures(normalized: string, user: PasswordUser, job: HashOptions, upgrade?: { via: UpgradeVia; context: CallContext }): Promise<PolicyFailure[]> {
    const current = await this.#deps.verification.verify(normalized, user.passwordHash, user.id, job);
    if (current.match) {
      if (upgrade !== undefined) this.#deps.upgradeLater(user, normalized, current, upgrade.via, upgrade.context);
      return [reusedPasswordFailure(this.#deps.policy)];
    }
    return this.historyFailures(normalized, user, job);
  }

  async historyFailures(normalized: string, user: PasswordUser, job: HashOptions): Promise<PolicyFailure[]> {
    const { parts, policy, verification } = this.#deps;
    const limit = policy.passwordHistory;
    const getHistory = parts.users.getPasswordHistory;
    if (limit === 0 || typeof getHistory !== 'function') return [];
    const history = await parts.call('userStore.getPasswordHistory', (o) => getHistory.call(parts.users, user.id, limit, o));
    // Legacy hashes in the history are compared through the same chain as the current one.
    const matches = await Promise.all(history.slice(0, limit).map((hash) => verification.verify(normalized, hash, user.id, job)));
    return matches.some((outcome) => outcome.match) ? [reusedPasswordFailure(policy)] : [];
  }

  reject(user: PasswordUser, failures: readonly PolicyFailure[], context: CallContext): never {
    this.#deps.parts.emit('policy-rejected', user.id, null, context, { rules: failures.map((f) => f.rule) });
    throw new PasswordApiError('password-policy-violation', 'The password does not meet the password policy', { details: { failures } });
  }
}
