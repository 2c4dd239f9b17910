/**
 * The hasher chain: the primary hasher makes every new hash and checks its own; legacy
 * verifiers only check theirs. Each stored hash goes to the first one that recognizes it; a
 * hash nothing recognizes never matches. The outcome says whether a match should be upgraded
 * to a primary hash.
 */
import type { HashOptions, Hasher } from '../../types.ts';
import { isBcryptHash } from '../bcrypt-cost.ts';
import { verifyWith } from '../hash-options.ts';
import { refuseBcryptAboveCap } from './bcrypt-verifier.ts';
import { HashRefusedError, type PasswordVerifier, type PoolRunner } from './verifier.ts';

/** What checking one password against one stored hash found. */
export interface VerifyOutcome {
  readonly match: boolean;
  /** The scheme that handled the hash (`bcrypt`, `pbkdf2-sha256`, a custom name…), or null when none recognized it. */
  readonly scheme: string | null;
  /** True when the password matched a hash that is not the primary format at the configured parameters. */
  readonly upgrade: boolean;
  /** Why the hash was not checked at all (unrecognized, malformed, above a cap), or null. Never holds the hash. */
  readonly refused: string | null;
}

/** What the chain is built from. */
export interface HasherChainOptions {
  readonly primary: Hasher;
  readonly verifiers: readonly PasswordVerifier[];
  /** Runs legacy verifiers' jobs in the hashing pool. */
  readonly run: PoolRunner;
  /** The bcrypt cost cap, for every bcrypt hash whichever hasher or verifier checks it. */
  readonly maxBcryptCost: number;
}

/** The chain the service verifies through. */
export interface HasherChain {
  /** The primary's scheme name (`bcrypt` for the library's hashers). */
  readonly primaryScheme: string;
  /** `options` (the call's fairness key) goes to the primary and to the pool jobs of the verifiers. */
  verify(password: string, hash: string, options?: HashOptions): Promise<VerifyOutcome>;
  /** The scheme that would check `hash`, or null when nothing recognizes it. Cheap; does no hashing. */
  scheme(hash: string): string | null;
}

/** Builds the chain. */
export function createHasherChain(options: HasherChainOptions): HasherChain {
  const { primary, verifiers, run, maxBcryptCost } = options;
  const primaryScheme = primary.scheme ?? 'primary';
  const refused = (scheme: string | null, reason: string): VerifyOutcome => ({ match: false, scheme, upgrade: false, refused: reason });

  async function viaPrimary(password: string, hash: string, options: HashOptions): Promise<VerifyOutcome> {
    const match = await verifyWith(primary, password, hash, options);
    return { match, scheme: primaryScheme, upgrade: match && primary.needsRehash?.(hash) === true, refused: null };
  }

  return {
    primaryScheme,
    scheme(hash) {
      if (primary.recognizes?.(hash) === true) return primaryScheme;
      for (const verifier of verifiers) {
        const scheme = verifier.scheme(hash);
        if (scheme !== null) return scheme;
      }
      return primary.recognizes === undefined ? primaryScheme : null;
    },
    async verify(password, hash, options = {}) {
      const primaryRecognizes = primary.recognizes?.(hash) === true;
      if (isBcryptHash(hash)) {
        try {
          refuseBcryptAboveCap(hash, maxBcryptCost);
        } catch (error) {
          return refused(primaryRecognizes ? primaryScheme : 'bcrypt', (error as Error).message);
        }
      }
      if (primaryRecognizes) return viaPrimary(password, hash, options);
      // The verifiers' pool jobs are charged to the caller's key too.
      const runForCaller: PoolRunner = (kind, payload) => run(kind, payload, options);
      for (const verifier of verifiers) {
        const scheme = verifier.scheme(hash);
        if (scheme === null) continue;
        try {
          const match = (await verifier.verify(password, hash, runForCaller)) === true;
          return { match, scheme, upgrade: match, refused: null };
        } catch (error) {
          if (error instanceof HashRefusedError) return refused(scheme, error.message);
          throw error;
        }
      }
      // A host's own hasher that does not say what it recognizes gets every other hash, as before.
      if (primary.recognizes === undefined) return viaPrimary(password, hash, options);
      return refused(null, 'no configured verifier recognizes the hash format');
    },
  };
}
