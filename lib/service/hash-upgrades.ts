/**
 * Replaces a legacy hash with a primary hash of the same password, after the answer that
 * verified it is decided. It never delays or fails that answer: the work runs in the
 * background, the write is a compare-and-set on the old hash (a concurrent change or reset
 * always wins), and a failure is only logged and reported as an event.
 */
import type { CallContext, PasswordEventType } from '../events.ts';
import { hashOptionsOf, hashWith } from '../hashing/hash-options.ts';
import type { VerifyOutcome } from '../hashing/legacy/hasher-chain.ts';
import { createLogger } from '../log.ts';
import type { Hasher, PasswordUser, StoreCallOptions, UserStore } from '../types.ts';

const log = createLogger('upgrade');

/** What an upgrade needs from the service. */
export interface HashUpgradeDeps {
  readonly users: UserStore;
  readonly hasher: Hasher;
  readonly primaryScheme: string;
  readonly historySize: () => number;
  readonly call: <T>(operation: string, call: (options: StoreCallOptions) => T | Promise<T>) => Promise<T>;
  readonly emit: (type: PasswordEventType, userId: string, actorId: string | null, context: CallContext, details: Record<string, unknown>) => void;
}

/** Where the upgrade was triggered, as told in the events. */
export type UpgradeVia = 'login' | 'change' | 'admin' | 'reset';

/** Schedules an upgrade of a verified legacy hash after the answer (a no-op when `upgradeHashes` is off). */
export type ScheduleUpgrade = (user: PasswordUser, normalized: string, outcome: VerifyOutcome, via: UpgradeVia, context: CallContext) => void;

/** Runs upgrades in the background and keeps track of them, so `settled()` can wait. */
export class HashUpgrades {
  readonly #deps: HashUpgradeDeps;
  readonly #pending = new Set<Promise<void>>();
  /** The last upgrade this process wrote per user (old and new hash), so a racing reset or change can tell it from a real change. */
  readonly #written = new Map<string, { readonly from: string; readonly to: string }>();

  constructor(deps: HashUpgradeDeps) {
    this.#deps = deps;
  }

  /** Starts an upgrade when `outcome` asks for one; returns at once. */
  schedule(user: PasswordUser, normalized: string, outcome: VerifyOutcome, via: UpgradeVia, context: CallContext): void {
    if (!outcome.match || !outcome.upgrade || user.passwordHash === null) return;
    const job = this.#upgrade(user, user.passwordHash, normalized, outcome.scheme ?? 'unknown', via, context).finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  /** The hash this process's upgrade replaced with `currentHash`, or undefined when `currentHash` is not such an upgrade. */
  rehashedFrom(userId: string, currentHash: string | null): string | undefined {
    const written = this.#written.get(userId);
    return written !== undefined && written.to === currentHash ? written.from : undefined;
  }

  /** Resolves once every upgrade started so far has finished (each one already handles its own errors). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async #upgrade(user: PasswordUser, previousHash: string, normalized: string, from: string, via: UpgradeVia, context: CallContext): Promise<void> {
    const { users, hasher, primaryScheme: to, emit } = this.#deps;
    try {
      // The upgrade is the signed-in client's work: it counts toward that client's fair share.
      const passwordHash = await hashWith(hasher, normalized, hashOptionsOf(context));
      const written = await this.#deps.call('userStore.setPassword', (o) =>
        users.setPassword(user.id, { passwordHash, previousHash, historySize: this.#deps.historySize(), reinstate: false, rehash: true }, o),
      );
      if (written) {
        this.#remember(user.id, previousHash, passwordHash);
        log('hash of user %s upgraded from %s to %s after %s', user.id, from, to, via);
        emit('password-rehashed', user.id, null, context, { from, to, via });
      } else {
        // The password changed meanwhile (a change, a reset, another upgrade): that write wins.
        log('hash upgrade of user %s skipped: the password changed meanwhile', user.id);
        emit('password-rehash-failed', user.id, null, context, { from, to, via, reason: 'password-changed' });
      }
    } catch (error) {
      log('hash upgrade of user %s failed (%s); the old hash stays and still works', user.id, (error as Error)?.name ?? 'error');
      emit('password-rehash-failed', user.id, null, context, { from, to, via, reason: 'error' });
    }
  }

  #remember(userId: string, from: string, to: string): void {
    this.#written.delete(userId);
    // Bounded: only recent upgrades can race a change, so the oldest entries go first.
    if (this.#written.size >= 10_000) this.#written.delete(this.#written.keys().next().value as string);
    this.#written.set(userId, { from, to });
  }
}
