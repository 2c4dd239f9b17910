/**
 * An in-memory `TokenStore`. Used and superseded records are dropped at once and expired ones are
 * swept on a timer, so memory holds only outstanding tokens (at most one per user).
 */
import type { ResetLinkSlotInput, ResetTokenRecord, TokenStore } from '../types.ts';
import { LocalResetLinkSlots } from '../self-service/reset-links.ts';
import { warnIfProduction } from './production-warning.ts';

export interface MemoryTokenStoreOptions {
  /** How often expired records are swept, in ms. Default 60 000. 0 turns the timer off. */
  readonly sweepIntervalMs?: number;
  /** The clock used by the sweep timer. Default `() => new Date()`. */
  readonly now?: () => Date;
}

export class MemoryTokenStore implements TokenStore {
  readonly #records = new Map<string, ResetTokenRecord>();
  /** Ids being redeemed: claimed, but their password write has not finished yet. */
  readonly #claimed = new Set<string>();
  /** Claimed ids revoked meanwhile: if their redemption rolls back they must not come back to life. */
  readonly #revokedWhileClaimed = new Set<string>();
  readonly #idsByUser = new Map<string, Set<string>>();
  /** Refused redemptions (reused passwords) per outstanding token id. */
  readonly #refusals = new Map<string, number>();
  /** Self-service reset link slots per user (the same rules a store-less process keeps). */
  readonly #linkSlots = new LocalResetLinkSlots();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(options: MemoryTokenStoreOptions = {}) {
    warnIfProduction('MemoryTokenStore');
    const interval = options.sweepIntervalMs ?? 60_000;
    const now = options.now ?? (() => new Date());
    if (!Number.isInteger(interval) || interval < 0) throw new TypeError('MemoryTokenStore: sweepIntervalMs must be a non-negative integer.');
    if (interval > 0) {
      this.#timer = setInterval(() => this.purgeExpired(now()), interval);
      // The sweep must never keep the host's process alive.
      this.#timer.unref();
    }
  }

  /** Number of records held: outstanding tokens plus those being redeemed. */
  get size(): number {
    return this.#records.size;
  }

  issue(record: ResetTokenRecord): void {
    this.revokeForUser(record.userId);
    this.#records.set(record.id, record);
    const ids = this.#idsByUser.get(record.userId) ?? new Set<string>();
    ids.add(record.id);
    this.#idsByUser.set(record.userId, ids);
  }

  find(id: string, now: Date): ResetTokenRecord | null {
    const record = this.#records.get(id);
    if (record === undefined || this.#claimed.has(id) || record.expiresAt <= now) return null;
    return record;
  }

  async redeem(id: string, now: Date, apply: (record: ResetTokenRecord) => Promise<void>): Promise<ResetTokenRecord | null> {
    const record = this.find(id, now);
    if (record === null) return null;
    // Claimed synchronously: no other redemption can pass find() from here on.
    this.#claimed.add(id);
    try {
      await apply(record);
    } catch (error) {
      this.#claimed.delete(id);
      if (this.#revokedWhileClaimed.delete(id)) this.#delete(record);
      throw error;
    }
    this.#claimed.delete(id);
    this.#revokedWhileClaimed.delete(id);
    this.#delete(record);
    return record;
  }

  recordRefusal(id: string, budget: number, now: Date): number | null {
    const record = this.find(id, now);
    if (record === null) return null;
    const refusals = (this.#refusals.get(id) ?? 0) + 1;
    if (refusals < budget) {
      this.#refusals.set(id, refusals);
      return budget - refusals;
    }
    // Budget spent: the token dies in the same (synchronous) step.
    this.#delete(record);
    return 0;
  }

  revokeForUser(userId: string): void {
    const ids = this.#idsByUser.get(userId);
    if (ids === undefined) return;
    for (const id of ids) {
      if (this.#claimed.has(id)) {
        this.#revokedWhileClaimed.add(id);
      } else {
        this.#records.delete(id);
        this.#refusals.delete(id);
        ids.delete(id);
      }
    }
    if (ids.size === 0) this.#idsByUser.delete(userId);
  }

  listOutstanding(userId: string, now: Date): ResetTokenRecord[] {
    const outstanding: ResetTokenRecord[] = [];
    for (const id of this.#idsByUser.get(userId) ?? []) {
      const record = this.find(id, now);
      if (record !== null) outstanding.push(record);
    }
    return outstanding.sort((a, b) => a.issuedAt.getTime() - b.issuedAt.getTime());
  }

  /**
   * Synchronous, so it is one atomic step against `redeem`'s claim. A claimed token is not
   * counted: its redemption decides (committed: used; undone: revoked, never usable again).
   */
  revokeOutstanding(userId: string, tokenId: string | null, now: Date): number {
    let revoked = 0;
    for (const id of [...(this.#idsByUser.get(userId) ?? [])]) {
      if (tokenId !== null && id !== tokenId) continue;
      if (this.#claimed.has(id)) {
        this.#revokedWhileClaimed.add(id);
        continue;
      }
      const record = this.#records.get(id);
      if (record === undefined) continue;
      if (record.expiresAt > now) revoked += 1;
      this.#delete(record);
    }
    return revoked;
  }

  purgeExpired(now: Date): number {
    let purged = 0;
    for (const record of this.#records.values()) {
      if (record.expiresAt <= now && !this.#claimed.has(record.id)) {
        this.#delete(record);
        purged += 1;
      }
    }
    return purged;
  }

  claimResetLinkSlot(userId: string, input: ResetLinkSlotInput): boolean {
    return this.#linkSlots.claim(userId, input.cooldownMs, input.now);
  }

  releaseResetLinkSlot(userId: string, claimedAt: Date): void {
    this.#linkSlots.release(userId, claimedAt);
  }

  /** Stops the sweep timer. The store still works; expired records are then only purged on demand. */
  close(): void {
    clearInterval(this.#timer);
  }

  #delete(record: ResetTokenRecord): void {
    this.#records.delete(record.id);
    this.#refusals.delete(record.id);
    const ids = this.#idsByUser.get(record.userId);
    ids?.delete(record.id);
    if (ids?.size === 0) this.#idsByUser.delete(record.userId);
  }
}
