/**
 * Builds the service's hashing from its resolved configuration: the primary hasher (the default
 * worker pool, or the host's own), the legacy verifiers of `legacyHashes`, and the chain over them.
 */
import type { HashingConfig } from '../config/password-config.ts';
import { createHasherChain, type HasherChain } from '../hashing/legacy/hasher-chain.ts';
import type { PoolRunner } from '../hashing/legacy/verifier.ts';
import { createWorkerPoolHasher, type WorkerPoolHasher } from '../hashing/worker-pool-hasher.ts';
import type { Hasher } from '../types.ts';

/** The resolved hashing of a service. */
export interface ServiceHashing {
  readonly hasher: Hasher;
  readonly chain: HasherChain;
  /** Pools the service made, and so closes: the default hasher, and one for legacy jobs when the host's hasher cannot run them. */
  readonly ownPools: readonly WorkerPoolHasher[];
  readonly upgrade: boolean;
}

/** Makes the pools and the chain. Runs only after every option passed, so a refused configuration starts no worker. */
export function setUpHashing(config: HashingConfig): ServiceHashing {
  const ownPools: WorkerPoolHasher[] = [];
  // bcryptjs on the main thread would stall the host's whole app while hashing: use worker threads.
  const hasher = config.hasher ?? createWorkerPoolHasher({ cost: config.bcryptCost });
  if (config.hasher === undefined) ownPools.push(hasher as WorkerPoolHasher);
  const verifiers = [...config.verifiers];
  return {
    hasher,
    chain: createHasherChain({ primary: hasher, verifiers, run: poolRunner(hasher, verifiers.length > 0, ownPools), maxBcryptCost: config.maxBcryptCost }),
    ownPools,
    upgrade: config.upgradeHashes,
  };
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
