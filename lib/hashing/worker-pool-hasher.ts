/**
 * A bcrypt hasher that runs bcryptjs in a small pool of `node:worker_threads` workers, so
 * hashing never stalls the host's event loop. The pool is bounded (one job per worker, then a
 * queue per fairness key, served fairly between keys by job-scheduler.ts; past a key's bound
 * `HasherKeyBusyError`, past the total bound `HasherBusyError`), starts lazily, never keeps the
 * process alive while idle, and shuts down with `close()`.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { HashOptions, Hasher } from '../types.ts';
import { assertBcryptCost, BCRYPT_MAX_PASSWORD_BYTES, bcryptNeedsRehash, DEFAULT_BCRYPT_COST, isBcryptHash } from './bcrypt-cost.ts';
import { DEFAULTS } from '../config/defaults.ts';
import { HasherWorkerExitError } from '../errors.ts';
import { HasherTimeoutError, resolveJobTimeout } from './job-time-limit.ts';
import { createJobScheduler, type Job, type JobSchedulerStats, type SchedulerWorker, type WorkerEvents } from './job-scheduler.ts';
import { combinedWatcher, type JobWatcher, WATCH_JOBS } from './job-watch.ts';
import { EARLY_REFUSAL } from './early-refusal.ts';
import { WORKER_SOURCE, type WorkerJobKind, type WorkerJobPayloads, type WorkerJobResults, type WorkerRequest, type WorkerReady, type WorkerResponse } from './worker-source.ts';

export { HasherClosedError, HasherWorkerExitError } from '../errors.ts';

/**
 * Queued jobs allowed per worker when `maxQueue` is not given. At the default cost of 12 a hash
 * takes about 0.4 s per core, so the last queued job waits about 16 x 0.4 = 6.4 s: still inside
 * the usual 10 s client and proxy timeouts. A deeper queue would only turn quick 503s (which
 * carry `Retry-After`) into slow timeouts, while holding more passwords in memory.
 */
export const DEFAULT_QUEUE_PER_WORKER = DEFAULTS.queuePerWorker;

/** Options of `createWorkerPoolHasher`. */
export interface WorkerPoolHasherOptions {
  /** bcrypt cost, an integer from 4 to 31. Default 12. Use at least 10 in production. */
  readonly cost?: number;
  /** Number of worker threads, at least 1. Default `os.availableParallelism()`. */
  readonly size?: number;
  /**
   * Jobs that may wait for a free worker, 0 or more. Past that, `hash` and `verify` reject with
   * `HasherBusyError`. Default `size * 16` (see `DEFAULT_QUEUE_PER_WORKER` for why).
   */
  readonly maxQueue?: number;
  /**
   * Jobs one fairness key (by default, one client address) may have waiting, 0 or more. Past
   * that, its calls reject with `HasherKeyBusyError` (the router answers 429), while other keys
   * still get in. Default half of `maxQueue` (at least 1), so one client never fills the queue.
   */
  readonly maxQueuePerKey?: number;
  /**
   * Milliseconds one job may run. Past it the job rejects with `HasherTimeoutError` and its
   * worker is terminated (the next job gets a new one). Default 60 000. Counted from when the
   * job's worker is ready: a new worker's start-up may take up to as long again.
   */
  readonly jobTimeoutMs?: number;
}

/** The fairness key of calls that name none. */
export const DEFAULT_FAIRNESS_KEY = '';

/** A snapshot of the pool's state, for health checks and tests. */
export interface WorkerPoolStats extends JobSchedulerStats {
  /** The configured number of workers. */
  readonly size: number;
  /** The configured queue bound. */
  readonly maxQueue: number;
  /** The configured bound of one fairness key's waiting jobs. */
  readonly maxQueuePerKey: number;
}

/** The pool hasher: a `Hasher` plus `close()` and `stats`. */
export interface WorkerPoolHasher extends Hasher {
  /** Always true: calls may name a `fairnessKey` (see `HashOptions`). */
  readonly fairnessKeys: true;
  /** Always `bcrypt`. */
  readonly scheme: string;
  /** Whether `hash` is a bcrypt hash (`$2a$`, `$2b$` or `$2y$`), whatever its cost. */
  recognizes(hash: string): boolean;
  /** Whether `hash` is not a `$2b$` hash at this hasher's cost, so a successful sign-in should replace it. */
  needsRehash(hash: string): boolean;
  /**
   * Runs one job of the worker program (bcrypt, or a key derivation for a legacy verifier) in
   * the pool, under the same bounds and fair queue as `hash` and `verify`.
   */
  run<K extends WorkerJobKind>(kind: K, payload: WorkerJobPayloads[K], options?: HashOptions): Promise<WorkerJobResults[K]>;
  /** Always 72: bcrypt ignores anything past the 72nd UTF-8 byte. */
  readonly maxPasswordBytes: number;
  /** The cost new hashes are made with. */
  readonly cost: number;
  /** A fresh snapshot of the pool's state on every read. */
  readonly stats: WorkerPoolStats;
  /**
   * Terminates the workers and rejects every queued and in-flight job with `HasherClosedError`.
   * Later calls to `hash` and `verify` reject the same way. Idempotent: every call returns the
   * same promise, which resolves once all workers have stopped.
   */
  close(): Promise<void>;
}

/**
 * Makes a bcrypt hasher backed by a pool of worker threads. Throws a RangeError at construction
 * for a bad `cost`, `size`, `maxQueue` or `maxQueuePerKey`, and an Error when bcryptjs cannot be
 * resolved (for example inside a bundle that inlined it).
 */
export function createWorkerPoolHasher(options: WorkerPoolHasherOptions = {}): WorkerPoolHasher {
  return createPool(options, WORKER_SOURCE, workerData());
}

/**
 * What the worker program is started with. bcryptjs is resolved here, in the parent, so the
 * eval'd worker code needs no module resolution and a missing bcryptjs fails at startup rather
 * than on the first login.
 */
export function workerData(): { readonly bcryptPath: string } {
  return { bcryptPath: createRequire(import.meta.url).resolve('bcryptjs') };
}

function count(name: string, value: number, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`worker pool ${name} must be an integer of at least ${minimum} (got ${String(value)})`);
  }
  return value;
}

/** A `node:worker_threads` worker running `source`, speaking the request/response protocol. */
function threadWorker(source: string, workerData: unknown, events: WorkerEvents): SchedulerWorker {
  const worker = new Worker(source, {
    eval: true,
    workerData,
    name: 'express-rbac-password-hasher',
    // The program is plain JavaScript; the parent's flags (a TypeScript loader, --inspect)
    // would only slow the worker's start or clash with the parent's use of them.
    execArgv: [],
  });
  let nextId = 0;
  let jobId = -1;
  let kind = '';
  let lastError: unknown;
  worker.on('message', (received: WorkerResponse | WorkerReady) => {
    if ((received as Partial<WorkerReady> | null)?.ready === true) {
      events.ready();
      return;
    }
    const message = received as WorkerResponse;
    if (message.id !== jobId) return;
    jobId = -1;
    events.done(message.ok ? { ok: true, value: message.value } : { ok: false, error: new Error(`${kind} failed: ${message.message}`) });
  });
  worker.on('error', (error) => {
    lastError = error;
  });
  worker.on('exit', (code) => events.exit(new HasherWorkerExitError(code, lastError)));
  return {
    // The program posts `{ ready: true }` once loaded (worker-source.ts; a test's program must too).
    announcesReady: true,
    run(job: Job) {
      jobId = ++nextId;
      kind = job.kind;
      worker.postMessage({ id: jobId, kind: job.kind, payload: job.payload } as WorkerRequest);
    },
    setBusy(busy: boolean) {
      // A busy worker keeps the process alive so an awaited hash is never cut off by exit; an
      // idle one does not.
      if (busy) worker.ref();
      else worker.unref();
    },
    terminate: () => worker.terminate().then(() => undefined),
  };
}

/**
 * The pool itself, with the worker program as a parameter.
 * @internal Exported for tests, which run it with a worker that crashes on demand; not part of
 * the package's API.
 */
export function createPool(options: WorkerPoolHasherOptions, source: string, workerData: unknown, initialJobMs?: number): WorkerPoolHasher {
  const cost = assertBcryptCost(options.cost ?? DEFAULT_BCRYPT_COST);
  const size = count('size', options.size ?? availableParallelism(), 1);
  const maxQueue = count('maxQueue', options.maxQueue ?? size * DEFAULT_QUEUE_PER_WORKER, 0);
  const maxQueuePerKey = count('maxQueuePerKey', options.maxQueuePerKey ?? Math.max(1, Math.ceil(maxQueue / 2)), 0);
  const jobTimeoutMs = resolveJobTimeout(options.jobTimeoutMs);
  // The services using this pool, for their metrics and traces (lib/telemetry); usually none or one.
  const watchers = new Set<JobWatcher>();
  const scheduler = createJobScheduler({
    size,
    maxQueue,
    maxQueuePerKey,
    spawn: (events) => threadWorker(source, workerData, events),
    now: () => performance.now(),
    // bcryptjs needs about 0.1 ms per 2^cost on this project's machines (110-125 ms at cost 10);
    // a pool whose jobs are mostly another scheme's (argon2id) passes its own estimate.
    initialJobMs: initialJobMs ?? 2 ** cost * 0.1,
    // A stored hash that slipped past maxBcryptCost, a slow legacy verifier or a hung worker must
    // not hold a worker for hours.
    jobTimeoutMs,
    timeoutError: () => new HasherTimeoutError(jobTimeoutMs),
    watch: combinedWatcher(watchers),
  });
  const keyOf = (options: HashOptions | undefined) => (typeof options?.fairnessKey === 'string' ? options.fairnessKey : DEFAULT_FAIRNESS_KEY);
  const run = <K extends WorkerJobKind>(kind: K, payload: WorkerJobPayloads[K], options?: HashOptions): Promise<WorkerJobResults[K]> =>
    scheduler.submit({ kind, payload, key: keyOf(options) }) as Promise<WorkerJobResults[K]>;

  const pool: WorkerPoolHasher = {
    cost,
    maxPasswordBytes: BCRYPT_MAX_PASSWORD_BYTES,
    fairnessKeys: true,
    async hash(password: string, options?: HashOptions): Promise<string> {
      if (typeof password !== 'string') throw new TypeError('password must be a string');
      return run('bcrypt-hash', { password, cost }, options);
    },
    async verify(password: string, hash: string, options?: HashOptions): Promise<boolean> {
      // Nothing to compare: answered here without spending a worker on it.
      if (typeof password !== 'string' || typeof hash !== 'string') return false;
      return run('bcrypt-verify', { password, hash }, options);
    },
    scheme: 'bcrypt',
    recognizes: isBcryptHash,
    needsRehash: (hash: string) => bcryptNeedsRehash(hash, cost),
    run,
    get stats(): WorkerPoolStats {
      return { size, maxQueue, maxQueuePerKey, ...scheduler.stats };
    },
    close: () => scheduler.close(),
  };
  // Not enumerable: a spread or a JSON dump of the pool shows only its API.
  Object.defineProperty(pool, WATCH_JOBS, {
    value: (watcher: JobWatcher) => {
      watchers.add(watcher);
      return () => void watchers.delete(watcher);
    },
  });
  Object.defineProperty(pool, EARLY_REFUSAL, {
    value: (kind: WorkerJobKind, fairnessKey: string) => scheduler.refusal({ kind, key: fairnessKey }),
  });
  return pool;
}
