/**
 * The time limit of one hashing job in the worker pool (enforced by job-scheduler.ts). A job past
 * it (a stored hash of absurd cost that slipped past `maxBcryptCost`, a slow legacy verifier, a
 * worker that hangs) is answered with `HasherTimeoutError` and its worker is terminated, so it
 * cannot hold a slot for hours.
 */
import { DEFAULTS } from '../config/defaults.ts';

/** Default limit: far above any sane bcrypt compare (cost 16 takes about 6 s), far below "hours". */
export const DEFAULT_JOB_TIMEOUT_MS = DEFAULTS.jobTimeoutMs;

export { HasherTimeoutError } from '../errors.ts';

/** Checks the `jobTimeoutMs` option: a whole number of milliseconds, at least 1. */
export function resolveJobTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_JOB_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`worker pool jobTimeoutMs must be an integer of at least 1 (got ${String(value)})`);
  }
  return value;
}
