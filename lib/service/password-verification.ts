/**
 * Compares a password with a stored hash in the same time whatever the hash is: missing,
 * unrecognized, refused (a bcrypt cost too high) or too long a password all cost a dummy compare,
 * so they answer like a wrong password. Legacy hashes go through the verifier chain.
 */
import { randomBytes } from 'node:crypto';
import { earlyRefusalOf } from '../hashing/early-refusal.ts';
import { verifyWith, hashWith } from '../hashing/hash-options.ts';
import type { VerifyOutcome } from '../hashing/legacy/hasher-chain.ts';
import { createLogger } from '../log.ts';
import type { HashOptions } from '../types.ts';
import type { ServiceHashing } from './hashing-setup.ts';

const log = createLogger('service');

export class PasswordVerification {
  readonly #hashing: ServiceHashing;
  /** Users whose stored hash was refused unverified, so the log says so once each. */
  readonly #refusedLogged = new Set<string>();
  #dummyHash: Promise<string> | undefined;

  /** The primary hasher's early refusal (the library's pools have one), else undefined. */
  readonly #earlyRefusal: ((kind: 'bcrypt-verify', fairnessKey: string) => Error | null) | undefined;

  constructor(hashing: ServiceHashing) {
    this.#hashing = hashing;
    this.#earlyRefusal = hashing.hasher.fairnessKeys === true ? earlyRefusalOf(hashing.hasher) : undefined;
  }

  /**
   * The error a verify for `fairnessKey` would be refused with now because the hashing queue's
   * bounds are reached (`HasherKeyBusyError`: this client's share; `HasherBusyError`: the whole
   * queue), or null (also for a hasher that cannot tell beforehand). Asked before any other work
   * of a sign-in, so a refusal costs next to nothing and does the same for every login.
   */
  refusal(fairnessKey: string): Error | null {
    return this.#earlyRefusal === undefined ? null : this.#earlyRefusal('bcrypt-verify', fairnessKey);
  }

  /**
   * Compares through the hasher chain without ever truncating: a password past the primary
   * hasher's byte limit never matches. Missing, unrecognized and refused hashes cost a dummy
   * compare, so they answer in the same time as a wrong password.
   */
  async verify(normalized: string, hash: string | null, userId: string | undefined, job: HashOptions): Promise<VerifyOutcome> {
    const hasher = this.#hashing.hasher;
    const limit = hasher.maxPasswordBytes;
    const tooLong = limit !== undefined && Buffer.byteLength(normalized, 'utf8') > limit;
    if (hash === null || tooLong) {
      await verifyWith(hasher, tooLong ? 'x' : normalized, await this.#dummy(job), job);
      return { match: false, scheme: null, upgrade: false, refused: null };
    }
    const outcome = await this.#hashing.chain.verify(normalized, hash, job);
    if (outcome.refused !== null) {
      this.#logRefusedOnce(userId, outcome.refused);
      await verifyWith(hasher, 'x', await this.#dummy(job), job);
    }
    return outcome;
  }

  /** Logs a refused stored hash once per user (the reason only, never the hash). */
  #logRefusedOnce(userId: string | undefined, reason: string): void {
    const key = userId ?? '(unknown)';
    if (this.#refusedLogged.has(key)) return;
    // Bounded: a table full of unreadable hashes must not grow this set without end.
    if (this.#refusedLogged.size >= 10_000) this.#refusedLogged.clear();
    this.#refusedLogged.add(key);
    log('stored password hash of user %s cannot be verified, so it never matches: %s', key, reason);
  }

  #dummy(job: HashOptions): Promise<string> {
    if (this.#dummyHash === undefined) {
      const made = hashWith(this.#hashing.hasher, randomBytes(16).toString('base64url'), job);
      // A refused or failed attempt (a busy pool) must not stay memoized: the next call tries again.
      made.catch(() => {
        if (this.#dummyHash === made) this.#dummyHash = undefined;
      });
      this.#dummyHash = made;
    }
    return this.#dummyHash;
  }
}
