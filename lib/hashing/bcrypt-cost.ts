/**
 * The bcrypt cost (log2 of the key-expansion rounds) both hashers accept, checked once at
 * construction so a typo fails at startup rather than on the first password change.
 */

/** The cost used when none is given: about 0.4 s per hash on one core of this project's machines. */
export const DEFAULT_BCRYPT_COST = 12;

/** The longest password, in UTF-8 bytes, that bcrypt reads in full; it ignores the rest. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/**
 * Throws a RangeError unless `cost` is an integer from 4 to 31, the range bcrypt defines.
 * Returns the cost so callers can validate and assign in one step.
 */
export function assertBcryptCost(cost: unknown): number {
  if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 4 || cost > 31) {
    throw new RangeError(
      `bcrypt cost must be an integer from 4 to 31 (got ${typeof cost === 'number' ? String(cost) : typeof cost}); ` +
        'use at least 10 in production (each step doubles the work) and 4 only in tests',
    );
  }
  return cost;
}
