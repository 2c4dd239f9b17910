/**
 * The in-thread bcrypt hasher. bcryptjs's async API runs on the main thread in slices of up to
 * about 100 ms, so under load it stalls every other request of the host; prefer
 * `createWorkerPoolHasher` on a server. This one suits CLIs, tests and tiny deployments, and
 * is what the pool's workers are measured against.
 */
import bcrypt from 'bcryptjs';
import type { Hasher } from '../types.ts';
import { assertBcryptCost, BCRYPT_MAX_PASSWORD_BYTES, bcryptNeedsRehash, DEFAULT_BCRYPT_COST, isBcryptHash } from './bcrypt-cost.ts';

/** Options of `createBcryptHasher`. */
export interface BcryptHasherOptions {
  /** bcrypt cost, an integer from 4 to 31. Default 12. Use at least 10 in production. */
  readonly cost?: number;
}

/** A `Hasher` backed by bcrypt; it reads at most 72 bytes of a password. */
export interface BcryptHasher extends Hasher {
  /** Always 72: bcrypt ignores anything past the 72nd UTF-8 byte. */
  readonly maxPasswordBytes: number;
  /** The cost new hashes are made with. */
  readonly cost: number;
  /** Always `bcrypt`. */
  readonly scheme: string;
  /** Whether `hash` is a bcrypt hash (`$2a$`, `$2b$` or `$2y$`), whatever its cost. */
  recognizes(hash: string): boolean;
  /** Whether `hash` is not a `$2b$` hash at this hasher's cost, so a successful sign-in should replace it. */
  needsRehash(hash: string): boolean;
}

/**
 * A hasher that runs bcryptjs on the calling thread. Throws a RangeError at construction when
 * `cost` is not an integer from 4 to 31.
 */
export function createBcryptHasher(options: BcryptHasherOptions = {}): BcryptHasher {
  const cost = assertBcryptCost(options.cost ?? DEFAULT_BCRYPT_COST);
  return {
    cost,
    maxPasswordBytes: BCRYPT_MAX_PASSWORD_BYTES,
    async hash(password: string): Promise<string> {
      if (typeof password !== 'string') throw new TypeError('password must be a string');
      return bcrypt.hash(password, cost);
    },
    scheme: 'bcrypt',
    recognizes: isBcryptHash,
    needsRehash: (hash: string) => bcryptNeedsRehash(hash, cost),
    async verify(password: string, hash: string): Promise<boolean> {
      if (typeof password !== 'string' || typeof hash !== 'string') return false;
      try {
        return await bcrypt.compare(password, hash);
      } catch {
        // A malformed stored hash (bad salt, bad version) is a mismatch, not a server error:
        // the caller treats it like a wrong password and never learns why.
        return false;
      }
    },
  };
}
