/**
 * The library's bcrypt hashers: `createWorkerPoolHasher` (the default for servers: hashing off
 * the event loop, bounded) and `createBcryptHasher` (in-thread, for CLIs and tests).
 */
export { assertBcryptCost, BCRYPT_MAX_PASSWORD_BYTES, DEFAULT_BCRYPT_COST } from './bcrypt-cost.ts';
export { DEFAULT_JOB_TIMEOUT_MS, HasherTimeoutError } from './job-time-limit.ts';
export { createArgon2idHasher, type Argon2idHasher, type Argon2idHasherOptions } from './argon2id-hasher.ts';
export { createBcryptHasher, type BcryptHasher, type BcryptHasherOptions } from './bcrypt-hasher.ts';
export {
  createWorkerPoolHasher,
  DEFAULT_FAIRNESS_KEY,
  DEFAULT_QUEUE_PER_WORKER,
  HasherClosedError,
  HasherWorkerExitError,
  type WorkerPoolHasher,
  type WorkerPoolHasherOptions,
  type WorkerPoolStats,
} from './worker-pool-hasher.ts';
