/**
 * bcrypt (`$2a$`, `$2b$`, `$2y$`) as a legacy verifier, for hosts whose primary hasher is not
 * bcrypt. With the default primary (bcrypt in the pool) bcrypt hashes are the primary's own,
 * and the same cost cap applies there.
 */
import { BCRYPT_MAX_PASSWORD_BYTES, bcryptCostOf, DEFAULT_BCRYPT_COST, defaultMaxBcryptCost, isBcryptHash } from '../bcrypt-cost.ts';
import { positive } from './pbkdf2-verifier.ts';
import { HashRefusedError, type PasswordVerifier } from './verifier.ts';

/** Options of `bcryptVerifier`. */
export interface BcryptVerifierOptions {
  /** Costs above this are refused before any work. Default 15 (the default cost 12 + 3). */
  readonly maxCost?: number;
}

/** Throws `HashRefusedError` when a bcrypt hash's cost is above `maxCost`. */
export function refuseBcryptAboveCap(hash: string, maxCost: number): void {
  const cost = bcryptCostOf(hash);
  if (cost !== null && cost > maxCost) throw new HashRefusedError(`bcrypt cost ${cost} above the cap of ${maxCost}`);
}

/** A verifier for bcrypt hashes at any cost up to `maxCost`. */
export function bcryptVerifier(options: BcryptVerifierOptions = {}): PasswordVerifier {
  const maxCost = positive('maxCost', options.maxCost, defaultMaxBcryptCost(DEFAULT_BCRYPT_COST));
  return {
    name: 'bcrypt',
    scheme: (hash) => (isBcryptHash(hash) ? 'bcrypt' : null),
    async verify(password, hash, run) {
      refuseBcryptAboveCap(hash, maxCost);
      // bcrypt reads 72 bytes; under a primary without that limit (argon2id) a longer password
      // must not match on its first 72. The same work is done, so the answer takes as long.
      const tooLong = Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES;
      const match = await run('bcrypt-verify', { password: tooLong ? 'x' : password, hash });
      return match && !tooLong;
    },
  };
}
