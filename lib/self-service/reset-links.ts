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

/** Per-account cooldown and the cap on pending requests. In-process: each instance keeps its own. */
export class ResetLinkThrottle {
  readonly #cooldownMs: number;
  readonly #maxPending: number;
  readonly #lastSent = new Map<string, number>();
  #pending = 0;

  constructor(cooldownMs: number, maxPending: number) {
    this.#cooldownMs = cooldownMs;
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

  /** Claims the account's link for this cooldown window; false when one went out less than the cooldown ago. */
  claim(userId: string, nowMs: number): boolean {
    const last = this.#lastSent.get(userId);
    if (last !== undefined && nowMs - last < this.#cooldownMs) return false;
    this.#prune(nowMs);
    this.#lastSent.set(userId, nowMs);
    return true;
  }

  /** Gives the claim back when no link went out after all (the token could not be stored). */
  release(userId: string): void {
    this.#lastSent.delete(userId);
  }

  /** Forgets expired claims once the map grows, so it holds at most the accounts served within one cooldown. */
  #prune(nowMs: number): void {
    if (this.#lastSent.size < 1024) return;
    for (const [id, at] of this.#lastSent) if (nowMs - at >= this.#cooldownMs) this.#lastSent.delete(id);
  }
}
