/**
 * The store side of a password write: the compare-and-set (winning over a concurrent upgrade of
 * the same password), the tidy-up of the user's tokens after it, and finding out whether a write
 * that timed out committed after all.
 */
import { hashOptionsOf } from '../hashing/hash-options.ts';
import type { HasherChain } from '../hashing/legacy/hasher-chain.ts';
import { createLogger } from '../log.ts';
import type { PasswordUser } from '../types.ts';
import type { HashUpgrades } from './hash-upgrades.ts';
import type { ServiceParts } from './service-parts.ts';

const log = createLogger('service');
/** How long to wait for a timed-out password write to settle before reading whether it committed. */
const LATE_WRITE_WAIT_MS = 60_000;

export interface PasswordStoreWriteDeps {
  readonly parts: ServiceParts;
  readonly chain: HasherChain;
  readonly upgrades: HashUpgrades;
  readonly historySize: () => number;
}

export class PasswordStoreWrite {
  readonly #deps: PasswordStoreWriteDeps;

  constructor(deps: PasswordStoreWriteDeps) {
    this.#deps = deps;
  }

  /**
   * Writes a new password hash with a compare-and-set on the hash the caller read. When that
   * loses to an upgrade of the same password (one this process wrote, or one the caller's
   * `current` password still verifies), the write still stands and is retried on the new hash:
   * a change or reset always wins over an upgrade. A real concurrent change still answers false.
   */
  async write(
    user: PasswordUser,
    passwordHash: string,
    reinstate: boolean,
    current: string | undefined,
    late: Promise<unknown>[],
    requireActive = false,
    changeRequired = false,
    liftInactivity = false,
  ): Promise<boolean> {
    const { parts, upgrades, chain } = this.#deps;
    let previousHash = user.passwordHash;
    for (let attempt = 0; attempt < 3; attempt++) {
      const expected = previousHash;
      // A change of one's own password commits only on an account still active (a concurrent failure may have locked it).
      const activeAt = requireActive ? { activeAt: parts.now() } : {};
      // A timed-out write hands its pending call to `late`, for the caller to find out whether it committed.
      const written = await parts.call(
        'userStore.setPassword',
        (o) =>
          parts.users.setPassword(
            user.id,
            // A new password: its time, and the change-required flag it leaves (set only for an administrator's temporary one).
            {
              passwordHash,
              previousHash: expected,
              historySize: this.#deps.historySize(),
              reinstate,
              ...activeAt,
              changedAt: parts.now(),
              changeRequired,
              ...(liftInactivity ? { liftInactivity } : {}),
            },
            o,
          ),
        (pending) => late.push(pending),
      );
      if (written) return true;
      const fresh = await parts.findUser(user.id);
      if (fresh === null || fresh.passwordHash === null || fresh.passwordHash === expected) return false;
      const upgraded =
        upgrades.rehashedFrom(user.id, fresh.passwordHash) === expected || (current !== undefined && (await chain.verify(current, fresh.passwordHash, hashOptionsOf({}))).match);
      if (!upgraded) return false;
      previousHash = fresh.passwordHash;
    }
    return false;
  }

  /**
   * Revokes a user's tokens after their password was written. The write already killed them (their
   * password stamp no longer matches), so this only tidies the store: a failure is logged, and the
   * password change still completes (answered 200, announced through events and onPasswordChanged)
   * instead of a 503 for a change that did happen.
   */
  async revokeTokens(userId: string): Promise<void> {
    const { parts } = this.#deps;
    try {
      await parts.call('tokenStore.revokeForUser', (o) => parts.tokens.revokeForUser(userId, o));
    } catch (error) {
      log('revoking the reset tokens of user %s after a password change failed (%s); they are dead by their password stamp', userId, (error as Error)?.name ?? 'error');
    }
  }

  /**
   * After a password write timed out (answered 503), the store may still commit it: one that
   * cannot cancel, or one that was committing as the signal fired. Once the late calls settle
   * (or after a minute), read the user: when it carries the new hash (salted, so only this write
   * could have put it there), the change happened, and `finish` runs what follows a change.
   */
  settleLate(userId: string, passwordHash: string, late: readonly Promise<unknown>[], finish: (extra: Record<string, unknown>) => Promise<void>): void {
    if (late.length === 0) return;
    const cap = new Promise<void>((resolve) => setTimeout(resolve, LATE_WRITE_WAIT_MS).unref());
    void Promise.race([Promise.allSettled(late), cap])
      .then(async () => {
        const current = await this.#deps.parts.findUser(userId);
        if (current?.passwordHash !== passwordHash) {
          log('the timed-out password write for user %s did not commit', userId);
          return;
        }
        log('the timed-out password write for user %s committed after all; finishing the change', userId);
        await finish({ afterTimeout: true });
      })
      .catch((error: unknown) => log('could not find out whether the timed-out password write for user %s committed (%s)', userId, (error as Error)?.name ?? 'error'));
  }
}
