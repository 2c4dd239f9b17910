/**
 * The bcrypt cost (log2 of the key-expansion rounds) both hashers accept, checked once at
 * construction so a typo fails at startup rather than on the first password change.
 */
import { DEFAULTS, OPTION_RANGES } from '../config/defaults.ts';

/** The cost used when none is given (`DEFAULTS.bcryptCost`): about 0.4 s per hash on one core of this project's machines. */
export const DEFAULT_BCRYPT_COST = DEFAULTS.bcryptCost;

/** The longest password, in UTF-8 bytes, that bcrypt reads in full; it ignores the rest. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/**
 * Throws a RangeError unless `cost` is an integer from 4 to 31, the range bcrypt defines.
 * Returns the cost so callers can validate and assign in one step.
 */
export function assertBcryptCost(cost: unknown): number {
  const { min, max } = OPTION_RANGES.bcryptCost;
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < min || cost > max) {
    throw new RangeError(
      `bcrypt cost must be an integer from ${min} to ${max} (got ${typeof cost === 'number' ? String(cost) : typeof cost}); ` +
        'use at least 10 in production (each step doubles the work) and 4 only in tests',
    );
  }
  return cost;
}

/** A bcrypt hash as crypt_blowfish and OpenBSD write it: version, two-digit cost, 53 characters of salt and digest. */
const BCRYPT_HASH = /^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Whether `hash` is a bcrypt hash (`$2a$`, `$2b$` or `$2y$`), whatever its cost. */
export function isBcryptHash(hash: string): boolean {
  return typeof hash === 'string' && BCRYPT_HASH.test(hash);
}

/** The cost written in a bcrypt hash, or null when `hash` is not one. */
export function bcryptCostOf(hash: string): number | null {
  const match = typeof hash === 'string' ? BCRYPT_HASH.exec(hash) : null;
  return match === null ? null : Number(match[2]);
}

/** Whether a sign-in should replace `hash`: anything but a `$2b$` hash at `cost`. */
export function bcryptNeedsRehash(hash: string, cost: number): boolean {
  return !(typeof hash === 'string' && hash.startsWith('$2b$') && bcryptCostOf(hash) === cost);
}

/**
 * The highest bcrypt cost a stored hash may have before it is refused unverified: the
 * configured cost + 3 (8x the work), at most 16, and never below the configured cost. Each step
 * doubles the work, so an imported `$2b$31$` hash would otherwise hold a worker for days.
 */
export function defaultMaxBcryptCost(cost: number): number {
  return Math.max(cost, Math.min(cost + DEFAULTS.maxBcryptCostHeadroom, DEFAULTS.maxBcryptCostCeiling));
}
