/**
 * `accountExpiryDays` (the product's `account-expiry-days`): a local, non-superuser account that
 * has not signed in for that long is revoked with kind `'inactivity'`, at its next sign-in attempt
 * (before any password is compared, so the answer is a revoked account's, whatever the password)
 * and by the sweep `expireInactiveAccounts`. The store decides each revocation atomically
 * (`expireInactive`), so a sign-in recorded meanwhile, or another sweep, is never overruled.
 */
import type { CallContext } from '../events.ts';
import { createLogger } from '../log.ts';
import type { PasswordUser } from '../types.ts';
import type { ServiceParts } from './service-parts.ts';

const log = createLogger('service');

/** What `expireInactiveAccounts` did, or with `dryRun` would do. */
export interface InactivitySweepResult {
  /** Accounts whose last activity is before this instant are inactive. */
  readonly cutoff: Date;
  readonly dryRun: boolean;
  /** The accounts revoked by this sweep (with `dryRun`: the ones it would revoke), as read before. */
  readonly accounts: readonly PasswordUser[];
}

/**
 * What inactivity is measured from: the latest of the last sign-in, the password's time (a reset
 * counts), the last reinstatement and the creation (null: never inactive).
 */
export function lastActivity(user: PasswordUser): Date | null {
  let latest: Date | null = null;
  for (const at of [user.lastLogin, user.passwordChangedAt, user.reactivatedAt, user.createdAt]) if (at instanceof Date && (latest === null || at > latest)) latest = at;
  return latest;
}

export class InactivityExpiry {
  readonly #parts: ServiceParts;
  readonly #expiryMs: number;

  constructor(parts: ServiceParts, expiryMs: number) {
    this.#parts = parts;
    this.#expiryMs = expiryMs;
  }

  cutoff(now: Date): Date {
    return new Date(now.getTime() - this.#expiryMs);
  }

  /** Whether `user` is due for expiry at `now`, as read: local, active, not a superuser, inactive since before the cutoff. */
  due(user: PasswordUser, now: Date): boolean {
    if (user.isRemote || user.isRevoked || user.isSuperuser === true) return false;
    const at = lastActivity(user);
    return at !== null && at < this.cutoff(now);
  }

  /**
   * At a sign-in attempt of a due account: revokes it (the store decides again) and answers whether
   * the account is now revoked, by this call or by a concurrent one.
   */
  async atSignIn(user: PasswordUser, now: Date, context: CallContext): Promise<boolean> {
    if (await this.#expire(user, now, 'sign-in', context)) return true;
    // Another sweep or sign-in may have revoked it first; a sign-in recorded meanwhile keeps it active.
    return (await this.#parts.findUser(user.id))?.isRevoked === true;
  }

  /** The sweep: every inactive account the store finds, each revoked unless `dryRun`. */
  async sweep(now: Date, dryRun: boolean, context: CallContext): Promise<InactivitySweepResult> {
    const { users, call } = this.#parts;
    const findInactive = users.findInactive;
    if (typeof findInactive !== 'function') throw new TypeError('express-rbac-password: expireInactiveAccounts needs userStore.findInactive().');
    const cutoff = this.cutoff(now);
    // The store's candidates, judged again here (a host's store may not know superusers).
    const candidates = (await call('userStore.findInactive', (o) => findInactive.call(users, cutoff, o))).filter((user) => this.due(user, now));
    if (dryRun) return { cutoff, dryRun, accounts: candidates };
    const accounts: PasswordUser[] = [];
    for (const user of candidates) if (await this.#expire(user, now, 'sweep', context)) accounts.push(user);
    log('inactivity sweep: %d account(s) revoked (cutoff %s)', accounts.length, cutoff.toISOString());
    return { cutoff, dryRun, accounts };
  }

  async #expire(user: PasswordUser, now: Date, via: 'sign-in' | 'sweep', context: CallContext): Promise<boolean> {
    const { users, call } = this.#parts;
    const expireInactive = users.expireInactive;
    if (typeof expireInactive !== 'function') throw new TypeError('express-rbac-password: accountExpiryDays needs userStore.expireInactive().');
    const cutoff = this.cutoff(now);
    if (!(await call('userStore.expireInactive', (o) => expireInactive.call(users, user.id, cutoff, o)))) return false;
    const at = lastActivity(user);
    log('account %s revoked for inactivity (%s; last activity %s)', user.id, via, at?.toISOString() ?? '-');
    this.#parts.emit('account-expired', user.id, null, context, { revokedBy: 'inactivity', via, ...(at === null ? {} : { lastActivity: at.toISOString() }) });
    return true;
  }
}
