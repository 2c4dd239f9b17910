/**
 * The lockout counter as the service drives it: count a wrong password (and announce a lock),
 * clear it after a right one in a step ordered against concurrent failures, and spend the same
 * store round trip on logins that count nothing, so timing tells nothing.
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedLockout } from '../config/password-config.ts';
import type { CallContext } from '../events.ts';
import { createLogger } from '../log.ts';
import type { PasswordUser, SuccessfulAttemptOutcome } from '../types.ts';
import { isLocked } from './account-state.ts';
import type { ServiceParts } from './service-parts.ts';

const log = createLogger('service');

export class FailedAttempts {
  readonly #parts: ServiceParts;
  readonly #lockout: ResolvedLockout | null;

  constructor(parts: ServiceParts, lockout: ResolvedLockout | null) {
    this.#parts = parts;
    this.#lockout = lockout;
  }

  /** Counts a wrong password; announces `failed-attempt`, and `account-locked` when this one locked the account. */
  async recordFailure(user: PasswordUser, actorId: string | null, context: CallContext) {
    const { users, call, now, emit } = this.#parts;
    const lockout = this.#lockout;
    const record = users.recordFailedAttempt;
    if (lockout === null || typeof record !== 'function') return null;
    const result = await call('userStore.recordFailedAttempt', (o) => record.call(users, user.id, { threshold: lockout.threshold, action: lockout.action, now: now() }, o));
    if (result === null) return null;
    emit('failed-attempt', user.id, actorId, context, { failedAttempts: result.failedAttempts });
    if (result.lockedNow) {
      log('account %s locked after %d failed attempts', user.id, lockout.threshold);
      this.#parts.telemetry.countLockout(lockout.action.mode);
      emit('account-locked', user.id, actorId, context, {
        mode: lockout.action.mode,
        lockedUntil: result.lockedUntil?.toISOString() ?? null,
        ...(lockout.action.mode === 'revoke' ? { revokedBy: 'lockout' } : {}),
      });
    }
    return result;
  }

  /**
   * True when the store orders a success against failures (`recordSuccessfulAttempt`), and so
   * also honours `PasswordWrite.activeAt`: a write with it clears the counter in the same step.
   */
  get clearsWithWrite(): boolean {
    return typeof this.#parts.users.recordSuccessfulAttempt === 'function';
  }

  /**
   * After a right password on an account whose counter is not zero: clears it in one store step
   * ordered against concurrent failures (`recordSuccessfulAttempt`), answering what the store
   * found. Stores without it: `clearFailedAttempts`, then a fresh read (narrows the race only).
   */
  async recordSuccess(user: PasswordUser): Promise<SuccessfulAttemptOutcome | null> {
    const { users, call, now, findUser } = this.#parts;
    const success = users.recordSuccessfulAttempt;
    const passwordHash = user.passwordHash as string;
    if (typeof success === 'function') return call('userStore.recordSuccessfulAttempt', (o) => success.call(users, user.id, { passwordHash, now: now() }, o));
    await call('userStore.clearFailedAttempts', (o) => users.clearFailedAttempts?.(user.id, o));
    const fresh = await findUser(user.id);
    if (fresh === null) return null;
    if (fresh.isRevoked) return 'revoked';
    if (isLocked(fresh, now())) return 'locked';
    return fresh.passwordHash === passwordHash ? 'ok' : 'password-changed';
  }

  /**
   * For logins that record no failure (unknown, revoked, locked): the same store call, on an id
   * that matches no user, so it can never count. Not a closed account's own id: a reinstate
   * committing meanwhile would make that call count a failure nobody typed.
   */
  async roundTrip(): Promise<void> {
    const { users, call, now } = this.#parts;
    const lockout = this.#lockout;
    const record = users.recordFailedAttempt;
    if (lockout === null || typeof record !== 'function') return;
    await call('userStore.recordFailedAttempt', (o) => record.call(users, randomUUID(), { threshold: lockout.threshold, action: lockout.action, now: now() }, o));
  }
}
