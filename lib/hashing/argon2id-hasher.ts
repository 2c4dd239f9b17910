/**
 * The argon2id hasher: new hashes in argon2id (PHC string, version 0x13) through the optional
 * peer `@node-rs/argon2`, in the library's worker pool: the same pool program, the same fair
 * queue per fairness key, the same bounds and the same job time limit as the bcrypt pool. Stored
 * bcrypt hashes keep verifying (the service adds a bcrypt verifier, whose jobs run in this pool
 * too) and are replaced by argon2id ones after a successful sign-in.
 */
import { DEFAULTS, OPTION_RANGES, type OptionRange } from '../config/defaults.ts';
import { numberOption, OptionProblems, optionError } from '../config/option-problems.ts';
import { closestName } from '../closest-name.ts';
import type { HashOptions, Hasher } from '../types.ts';
import { ARGON2_PACKAGE, argon2idVerifier, findArgon2 } from './legacy/argon2id-verifier.ts';
import { integerParam, parsePhc } from './legacy/encoding.ts';
import { DEFAULT_LEGACY_LIMITS, HashRefusedError } from './legacy/verifier.ts';
import { createPool, workerData, type WorkerPoolHasher, type WorkerPoolStats } from './worker-pool-hasher.ts';
import { WORKER_SOURCE } from './worker-source.ts';

/** Options of `createArgon2idHasher`. Unset ones take OWASP's first argon2id setting and the pool's defaults. */
export interface Argon2idHasherOptions {
  /** Memory per hash in KiB (argon2's m), at least 8 × `parallelism`. Default 19456 (19 MiB). */
  readonly memoryCost?: number;
  /** Passes over the memory (argon2's t). Default 2. */
  readonly timeCost?: number;
  /** Lanes (argon2's p). Default 1: the pool already runs one hash per worker thread. */
  readonly parallelism?: number;
  /** Worker threads, at least 1. Default `os.availableParallelism()`. */
  readonly size?: number;
  /** Jobs that may wait for a free worker. Default `size * 16`. */
  readonly maxQueue?: number;
  /** Jobs one fairness key may have waiting. Default half of `maxQueue` (at least 1). */
  readonly maxQueuePerKey?: number;
  /** Milliseconds one job may run before it is stopped with `HasherTimeoutError`. Default 60 000. */
  readonly jobTimeoutMs?: number;
  /** Where to resolve `@node-rs/argon2` from. Default: this package, then the working directory. For tests and unusual layouts. */
  readonly resolveFrom?: string;
}

/** The argon2id pool hasher: the pool's `run`, `stats` and `close`, with argon2id as its own scheme. */
export interface Argon2idHasher extends Hasher {
  /** Always true: calls may name a `fairnessKey` (see `HashOptions`). */
  readonly fairnessKeys: true;
  /** Always `argon2id`. */
  readonly scheme: string;
  /** The parameters new hashes are made with. */
  readonly params: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
  /** Whether `hash` is an argon2id PHC string, whatever its parameters. */
  recognizes(hash: string): boolean;
  /** Whether `hash` is not argon2id (v=19) at this hasher's parameters, so a successful sign-in should replace it. */
  needsRehash(hash: string): boolean;
  /** Runs one job of the worker program in the pool (the bcrypt verifier's jobs go here), under the same bounds and fair queue. */
  run: WorkerPoolHasher['run'];
  /** A fresh snapshot of the pool's state on every read. */
  readonly stats: WorkerPoolStats;
  /** Terminates the workers; see `WorkerPoolHasher.close`. */
  close(): Promise<void>;
}

const POOL_RANGES: Record<'size' | 'maxQueue' | 'maxQueuePerKey' | 'jobTimeoutMs', OptionRange> = {
  size: { min: 1, max: 1024, integer: true },
  maxQueue: { min: 0, max: 1_000_000, integer: true },
  maxQueuePerKey: { min: 0, max: 1_000_000, integer: true },
  jobTimeoutMs: { min: 1, max: 3_600_000, integer: true, unit: 'ms' },
};

const KEYS = ['memoryCost', 'timeCost', 'parallelism', 'size', 'maxQueue', 'maxQueuePerKey', 'jobTimeoutMs', 'resolveFrom'] as const;

/**
 * Makes an argon2id hasher backed by a pool of worker threads; pass it as the `hasher` option.
 * Throws a `PasswordOptionsError` listing every bad option (codes `unknown-option`,
 * `wrong-type`, `out-of-range`, `conflict`), or, when `@node-rs/argon2` is not installed, one
 * with code `missing-method` that says what to install.
 */
export function createArgon2idHasher(options: Argon2idHasherOptions = {}): Argon2idHasher {
  if (options === null || typeof options !== 'object') optionError('createArgon2idHasher', 'not-an-object', 'takes an object of options.');
  const problems = new OptionProblems();
  for (const key of Object.keys(options)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const near = closestName(key, KEYS);
    problems.add(key, 'unknown-option', `is not an option of createArgon2idHasher${near === undefined ? '' : `; did you mean ${near}?`}`);
  }
  const ranged = (name: 'memoryCost' | 'timeCost' | 'parallelism', key: 'argon2MemoryCost' | 'argon2TimeCost' | 'argon2Parallelism') =>
    problems.attempt(() => numberOption(name, options[name], DEFAULTS[key], OPTION_RANGES[key]), DEFAULTS[key]);
  const memoryCost = ranged('memoryCost', 'argon2MemoryCost');
  const timeCost = ranged('timeCost', 'argon2TimeCost');
  const parallelism = ranged('parallelism', 'argon2Parallelism');
  if (memoryCost < 8 * parallelism) problems.add('memoryCost', 'conflict', `must be at least 8 KiB per lane (8 × parallelism = ${8 * parallelism}); got ${memoryCost}.`);
  const pool: Record<string, number> = {};
  for (const [name, range] of Object.entries(POOL_RANGES)) {
    const value = problems.attempt(() => numberOption(name, (options as Record<string, unknown>)[name], Number.NaN, range), Number.NaN);
    if (!Number.isNaN(value)) pool[name] = value;
  }
  if (options.resolveFrom !== undefined && typeof options.resolveFrom !== 'string') problems.add('resolveFrom', 'wrong-type', 'must be a path or file URL string.');
  problems.throwIfAny();
  const modulePath = findArgon2(options.resolveFrom);
  if (modulePath === null) {
    optionError(
      'createArgon2idHasher',
      'missing-method',
      `needs the optional package ${ARGON2_PACKAGE}; install it with \`npm install ${ARGON2_PACKAGE}\`, or keep the default bcrypt hasher.`,
    );
  }

  const params = Object.freeze({ memoryCost, timeCost, parallelism });
  // About 1 ms per 4000 KiB·pass on this project's machines (m=19456, t=2: about 10 ms); only
  // seeds the fair queue's charges until real jobs are measured.
  const core = createPool(pool, WORKER_SOURCE, workerData(), (memoryCost * timeCost) / 4000);
  // Stored argon2id hashes above these caps (never below this hasher's own parameters) are not worked on.
  const check = argon2idVerifier({
    maxMemoryBytes: Math.max(DEFAULT_LEGACY_LIMITS.maxMemoryBytes, memoryCost * 1024),
    maxTimeCost: Math.max(DEFAULT_LEGACY_LIMITS.maxTimeCost, timeCost),
    maxParallelism: Math.max(DEFAULT_LEGACY_LIMITS.maxParallelism, parallelism),
    ...(options.resolveFrom === undefined ? {} : { resolveFrom: options.resolveFrom }),
  });
  const recognizes = (hash: string) => typeof hash === 'string' && hash.startsWith('$argon2id$');
  return {
    fairnessKeys: true,
    run: core.run,
    get stats(): WorkerPoolStats {
      return core.stats;
    },
    close: () => core.close(),
    scheme: 'argon2id',
    params,
    async hash(password: string, hashOptions?: HashOptions): Promise<string> {
      if (typeof password !== 'string') throw new TypeError('password must be a string');
      return core.run('argon2id-hash', { modulePath, password, memoryCost, timeCost, parallelism }, hashOptions);
    },
    async verify(password: string, hash: string, hashOptions?: HashOptions): Promise<boolean> {
      if (typeof password !== 'string' || !recognizes(hash)) return false;
      try {
        return await check.verify(password, hash, (kind, payload) => core.run(kind, payload, hashOptions));
      } catch (error) {
        // Malformed, or parameters above the caps: a mismatch (the Hasher contract), never worked on.
        if (error instanceof HashRefusedError) return false;
        throw error;
      }
    },
    recognizes,
    needsRehash(hash: string): boolean {
      const phc = recognizes(hash) ? parsePhc(hash) : null;
      const param = (name: string) => integerParam(phc?.params.get(name), 1, 2 ** 32 - 1);
      return !(phc !== null && phc.version === 19 && param('m') === memoryCost && param('t') === timeCost && param('p') === parallelism);
    },
  };
}
