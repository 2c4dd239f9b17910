/**
 * Self-service reset links (`POST /auth/forgot`): the host's mail hook, and the admission rules
 * that keep the route from being turned into a mail cannon: one link per account per cooldown,
 * and a cap on requests whose work (lookup, token, send) is still running.
 */
import type { CallContext } from '../events.ts';
import type { Awaitable, PasswordUser } from '../types.ts';

/** How the account was named in the request. */
export type ResetLinkRequest = { readonly login: string } | { readonly email: string };

/** What `sendResetLink` gets besides the user and the link. */
export interface ResetLinkContext extends CallContext {
  /** The address to send to: the user's stored email, never the one typed in the request. */
  readonly email: string;
  /** When the link's token expires. */
  readonly expiresAt: Date;
  /** Whether the request named the account by `login` or by `email`. */
  readonly requestedBy: 'login' | 'email';
}

/**
 * The host's mail hook. `link` is the reset page (`publicUrl`) with the token in its fragment:
 * put it in the mail as it is, and never log it. Runs after the 202 answer was sent; a throw or a
 * run past 30 s is logged and emitted as `reset-link-failed`.
 */
export type SendResetLink = (user: PasswordUser, link: string, context: ResetLinkContext) => Awaitable<void>;

/** Milliseconds `sendResetLink` may take before its slot is given back. */
export const SEND_TIMEOUT_MS = 30_000;

/**
 * The cap on requests whose work is still running. Kept in the process on purpose: it bounds
 * this process's own work (lookups, store connections, mail sockets), which a shared count would
 * not, and a shared count would need leases that outlive a crashed instance.
 */
export class PendingResetLinks {
  readonly #maxPending: number;
  #pending = 0;

  constructor(maxPending: number) {
    this.#maxPending = maxPending;
  }

  /** Takes a pending slot; false when the cap is reached (the request is then dropped). */
  start(): boolean {
    if (this.#pending >= this.#maxPending) return false;
    this.#pending += 1;
    return true;
  }

  finish(): void {
    this.#pending -= 1;
  }

  get pending(): number {
    return this.#pending;
  }
}

/**
 * The per-account cooldown of a token store without `claimResetLinkSlot`: kept in the process,
 * so each instance has its own. Same rules as the store members.
 */
export class LocalResetLinkSlots {
  readonly #freeAt = new Map<string, { readonly claimedAt: number; readonly freeAt: number }>();

  /** Claims the account's slot for `cooldownMs` from `now`; false while an earlier claim's window lasts. */
  claim(userId: string, cooldownMs: number, now: Date): boolean {
    const at = now.getTime();
    const slot = this.#freeAt.get(userId);
    if (slot !== undefined && slot.freeAt > at) return false;
    this.#prune(at);
    this.#freeAt.set(userId, { claimedAt: at, freeAt: at + cooldownMs });
    return true;
  }

  /** Gives the claim made at `claimedAt` back when no link went out after all. */
  release(userId: string, claimedAt: Date): void {
    if (this.#freeAt.get(userId)?.claimedAt === claimedAt.getTime()) this.#freeAt.delete(userId);
  }

  /** Forgets free slots once the map grows, so it holds at most the accounts served within one cooldown. */
  #prune(at: number): void {
    if (this.#freeAt.size < 1024) return;
    for (const [id, slot] of this.#freeAt) if (slot.freeAt <= at) this.#freeAt.delete(id);
  }
}
