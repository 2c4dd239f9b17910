/**
 * The names and label values the library records: fixed, documented in the README
 * ("Observability"), and never carrying a login, address, token or password.
 */
import type { ErrorKind } from '../errors.ts';
import type { JobRefusal } from '../hashing/job-watch.ts';
import type { LoginFailureReason } from '../service/results.ts';

/** The metric names, as Prometheus shows them. */
export const METRIC_NAMES = Object.freeze({
  operations: 'rbac_password_operations_total',
  lockouts: 'rbac_password_lockouts_total',
  hashQueueDepth: 'rbac_password_hash_queue_depth',
  hashWait: 'rbac_password_hash_wait_seconds',
  hashRun: 'rbac_password_hash_run_seconds',
  rejected: 'rbac_password_rejected_total',
});

/** The name meters and tracers are got by. */
export const INSTRUMENTATION_SCOPE = 'express-rbac-password';

/** `operation` of `rbac_password_operations_total`: one per route, `sign-in` for `verifyLogin`. */
export type Operation = 'sign-in' | 'reset' | 'change' | 'issue' | 'forgot' | 'validate';

/**
 * `outcome`: `success`, the error kind answered (`invalid-token`, `too-many-requests`…), the
 * reason of a refused sign-in (`invalid-credentials`, `revoked`, `locked`), or `aborted` when
 * the client went away before the answer.
 */
export type Outcome = 'success' | 'aborted' | ErrorKind | LoginFailureReason;

/** `kind` of `rbac_password_lockouts_total`: the lockout mode that locked the account. */
export type LockoutKind = 'revoke' | 'temporary';

/** `kind` of the hash histograms: making a new hash, or checking a password against a stored one. */
export type HashJobKind = 'hash' | 'verify';

/** `reason` of `rbac_password_rejected_total`: `key-busy` is the 429, the others 503. */
export type RejectReason = JobRefusal;

/** Bucket bounds of the hash histograms, in seconds: from a cheap verify to a job near its time limit. */
export const HASH_SECONDS_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
