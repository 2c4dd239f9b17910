/**
 * Builds the service's hashing from its options: the primary hasher (the default worker pool,
 * or the host's own), the legacy verifiers of `legacyHashes`, and the chain over them.
 */
import { assertBcryptCost, defaultMaxBcryptCost, DEFAULT_BCRYPT_COST } from '../hashing/bcrypt-cost.ts';
import { createHasherChain, type HasherChain } from '../hashing/legacy/hasher-chain.ts';
import { resolveLegacyVerifiers } from '../hashing/legacy/resolve.ts';
import type { PoolRunner } from '../hashing/legacy/verifier.ts';
import { createWorkerPoolHasher, type WorkerPoolHasher } from '../hashing/worker-pool-hasher.ts';
import { numberOption, optionError, requireMethods, type PasswordServiceOptions } from '../options.ts';
import type { Hasher } from '../types.ts';

/** The resolved hashing of a service. */
export interface ServiceHashing {
  readonly hasher: Hasher;
  readonly chain: HasherChain;
  /** Pools the service made, and so closes: the default hasher, and one for legacy jobs when the host's hasher cannot run them. */
  readonly ownPools: readonly WorkerPoolHasher[];
  readonly upgrade: boolean;
}

/** Checks the hashing options and builds the chain. Throws option errors that say how to fix them. */
export function setUpHashing(options: PasswordServiceOptions<never>): ServiceHashing {
  if (options.hasher !== undefined && options.bcryptCost !== undefined) {
    optionError('bcryptCost', 'only applies to the default hasher; with a custom hasher, set the cost on the hasher.');
  }
  if (options.hasher !== undefined) requireMethods('hasher', options.hasher, ['hash', 'verify']);
  if (options.upgradeHashes !== undefined && typeof options.upgradeHashes !== 'boolean') optionError('upgradeHashes', 'must be true or false.');
  const ownPools: WorkerPoolHasher[] = [];
  // bcryptjs on the main thread would stall the host's whole app while hashing: use worker threads.
  const hasher = options.hasher ?? createWorkerPoolHasher({ cost: numberOption('bcryptCost', options.bcryptCost, DEFAULT_BCRYPT_COST, { min: 4, max: 31, integer: true }) });
  if (options.hasher === undefined) ownPools.push(hasher as WorkerPoolHasher);

  // The cap applies to every bcrypt hash, whichever hasher checks it: a host's own hasher (say,
  // a wrapper of createBcryptHasher) must not be held for days by an imported `$2b$31$` either.
  const bcryptCost = bcryptCostOfHasher(hasher);
  const maxBcryptCost = numberOption('maxBcryptCost', options.maxBcryptCost, defaultMaxBcryptCost(bcryptCost ?? DEFAULT_BCRYPT_COST), {
    min: bcryptCost ?? 4,
    max: 31,
    integer: true,
  });

  let verifiers: ReturnType<typeof resolveLegacyVerifiers>;
  try {
    verifiers = resolveLegacyVerifiers(options.legacyHashes, bcryptCost !== null);
  } catch (error) {
    if (error instanceof TypeError) throw error;
    optionError('legacyHashes', (error as Error).message);
  }
  return {
    hasher,
    chain: createHasherChain({ primary: hasher, verifiers, run: poolRunner(hasher, verifiers.length > 0, ownPools), maxBcryptCost }),
    ownPools,
    upgrade: options.upgradeHashes ?? true,
  };
}

/** The bcrypt cost of the library's own hashers (they carry `cost` and recognize bcrypt), else null. */
function bcryptCostOfHasher(hasher: Hasher): number | null {
  const cost = (hasher as { cost?: unknown }).cost;
  if (hasher.scheme !== 'bcrypt' || typeof cost !== 'number' || typeof hasher.recognizes !== 'function') return null;
  return assertBcryptCost(cost);
}

/** The pool legacy jobs run in: the primary's when it is a pool, else a pool of our own, made only when a verifier needs one. */
function poolRunner(hasher: Hasher, needed: boolean, ownPools: WorkerPoolHasher[]): PoolRunner {
  const run = (hasher as Partial<WorkerPoolHasher>).run;
  if (typeof run === 'function') return run;
  if (!needed) return () => Promise.reject(new Error('no legacy verifier is configured'));
  const pool = createWorkerPoolHasher({});
  ownPools.push(pool);
  return pool.run;
}
