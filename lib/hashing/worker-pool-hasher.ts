/**
 * A bcrypt hasher that runs bcryptjs in a small pool of `node:worker_threads` workers, so
 * hashing never stalls the host's event loop. The pool is bounded (one job per worker, then a
 * FIFO queue of bounded length, then `HasherBusyError`), starts lazily, never keeps the process
 * alive while idle, and shuts down with `close()`.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { HasherBusyError } from '../errors.ts';
import type { Hasher } from '../types.ts';
import { assertBcryptCost, BCRYPT_MAX_PASSWORD_BYTES, bcryptNeedsRehash, DEFAULT_BCRYPT_COST, isBcryptHash } from './bcrypt-cost.ts';
import { WORKER_SOURCE, type WorkerJobKind, type WorkerJobPayloads, type WorkerJobResults, type WorkerRequest, type WorkerResponse } from './worker-source.ts';

/**
 * Queued jobs allowed per worker when `maxQueue` is not given. At the default cost of 12 a hash
 * takes about 0.4 s per core, so the last queued job waits about 16 x 0.4 = 6.4 s: still inside
 * the usual 10 s client and proxy timeouts. A deeper queue would only turn quick 503s (which
 * carry `Retry-After`) into slow timeouts, while holding more passwords in memory.
 */
export const DEFAULT_QUEUE_PER_WORKER = 16;

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
}

/** A snapshot of the pool's state, for health checks and tests. */
export interface WorkerPoolStats {
  /** The configured number of workers. */
  readonly size: number;
  /** The configured queue bound. */
  readonly maxQueue: number;
  /** Worker threads currently started (0 until the first job: the pool is lazy). */
  readonly workers: number;
  /** Jobs running in a worker right now (at most `size`). */
  readonly active: number;
  /** Jobs waiting for a free worker (at most `maxQueue`). */
  readonly queued: number;
  /** Jobs answered by a worker since the pool was made. */
  readonly completed: number;
  /** Calls refused with `HasherBusyError` since the pool was made. */
  readonly rejectedBusy: number;
  /** Workers that stopped without being asked to (each one rejected its in-flight job). */
  readonly crashed: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
}

/** The pool hasher: a `Hasher` plus `close()` and `stats`. */
export interface WorkerPoolHasher extends Hasher {
  /** Always 72: bcrypt ignores anything past the 72nd UTF-8 byte. */
  readonly maxPasswordBytes: number;
  /** The cost new hashes are made with. */
  readonly cost: number;
  /** Always `bcrypt`. */
  readonly scheme: string;
  /** Whether `hash` is a bcrypt hash (`$2a$`, `$2b$` or `$2y$`), whatever its cost. */
  recognizes(hash: string): boolean;
  /** Whether `hash` is not a `$2b$` hash at this hasher's cost, so a successful sign-in should replace it. */
  needsRehash(hash: string): boolean;
  /**
   * Runs one job of the worker program (bcrypt, or a key derivation for a legacy verifier) in
   * the pool, under the same bound and queue as `hash` and `verify`.
   */
  run<K extends WorkerJobKind>(kind: K, payload: WorkerJobPayloads[K]): Promise<WorkerJobResults[K]>;
  /** A fresh snapshot of the pool's state on every read. */
  readonly stats: WorkerPoolStats;
  /**
   * Terminates the workers and rejects every queued and in-flight job with `HasherClosedError`.
   * Later calls to `hash` and `verify` reject the same way. Idempotent: every call returns the
   * same promise, which resolves once all workers have stopped.
   */
  close(): Promise<void>;
}

/** Rejects jobs of a pool that was closed. Answered like any hasher failure (server error). */
export class HasherClosedError extends Error {
  override readonly name = 'HasherClosedError';
  readonly code = 'ERR_HASHER_CLOSED';
  constructor() {
    super('the password hasher is closed');
  }
}

/** Rejects the in-flight job of a worker that stopped on its own; later jobs get a new worker. */
export class HasherWorkerExitError extends Error {
  override readonly name = 'HasherWorkerExitError';
  readonly code = 'ERR_HASHER_WORKER_EXIT';
  constructor(
    readonly exitCode: number,
    cause: unknown,
  ) {
    super(`a password hasher worker stopped unexpectedly (exit code ${exitCode})`, cause === undefined ? undefined : { cause });
  }
}

/**
 * Makes a bcrypt hasher backed by a pool of worker threads. Throws a RangeError at construction
 * for a bad `cost`, `size` or `maxQueue`, and an Error when bcryptjs cannot be resolved (for
 * example inside a bundle that inlined it).
 */
export function createWorkerPoolHasher(options: WorkerPoolHasherOptions = {}): WorkerPoolHasher {
  // Resolved here, in the parent, so the eval'd worker code needs no module resolution and a
  // missing bcryptjs fails at startup rather than on the first login.
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  return createPool(options, WORKER_SOURCE, { bcryptPath });
}

interface Job {
  readonly kind: WorkerJobKind;
  readonly payload: WorkerJobPayloads[WorkerJobKind];
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | null;
  jobId: number;
  startedAt: number;
  lastError: unknown;
}

/**
 * The pool itself, with the worker program as a parameter.
 * @internal Exported for tests, which run it with a worker that crashes on demand; not part of
 * the package's API.
 */
export function createPool(options: WorkerPoolHasherOptions, source: string, workerData: unknown): WorkerPoolHasher {
  const cost = assertBcryptCost(options.cost ?? DEFAULT_BCRYPT_COST);
  const size = options.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`worker pool size must be an integer of at least 1 (got ${String(size)})`);
  }
  const maxQueue = options.maxQueue ?? size * DEFAULT_QUEUE_PER_WORKER;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new RangeError(`worker pool maxQueue must be an integer of at least 0 (got ${String(maxQueue)})`);
  }

  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 0;
  let completed = 0;
  let rejectedBusy = 0;
  let crashed = 0;
  let closing: Promise<void> | null = null;
  // Seeds the Retry-After estimate before any job finished: bcryptjs needs about 0.1 ms per
  // 2^cost on this project's machines (110-125 ms at cost 10). Then an average of real runs.
  let averageJobMs = 2 ** cost * 0.1;

  function active(): number {
    return slots.reduce((n, slot) => (slot.job === null ? n : n + 1), 0);
  }

  function retryAfterSeconds(): number {
    const waitMs = ((queue.length + active()) / size) * averageJobMs;
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  function spawn(): Slot {
    const worker = new Worker(source, {
      eval: true,
      workerData,
      name: 'express-rbac-password-hasher',
      // The program is plain JavaScript; the parent's flags (a TypeScript loader, --inspect)
      // would only slow the worker's start or clash with the parent's use of them.
      execArgv: [],
    });
    const slot: Slot = { worker, job: null, jobId: 0, startedAt: 0, lastError: undefined };
    worker.on('message', (message: WorkerResponse) => onMessage(slot, message));
    worker.on('error', (error) => {
      slot.lastError = error;
    });
    worker.on('exit', (code) => onExit(slot, code));
    slots.push(slot);
    return slot;
  }

  function run(slot: Slot, job: Job): void {
    const id = ++nextId;
    const request: WorkerRequest = { id, kind: job.kind, payload: job.payload };
    slot.job = job;
    slot.jobId = id;
    slot.startedAt = performance.now();
    // A busy worker keeps the process alive so an awaited hash is never cut off by exit; an
    // idle one does not (see idle()).
    slot.worker.ref();
    slot.worker.postMessage(request);
  }

  function idle(slot: Slot): void {
    const job = queue.shift();
    if (job === undefined) slot.worker.unref();
    else run(slot, job);
  }

  function onMessage(slot: Slot, message: WorkerResponse): void {
    const job = slot.job;
    if (job === null || message.id !== slot.jobId) return;
    slot.job = null;
    completed += 1;
    averageJobMs = 0.8 * averageJobMs + 0.2 * (performance.now() - slot.startedAt);
    idle(slot);
    if (message.ok) job.resolve(message.value);
    else job.reject(new Error(`${job.kind} failed: ${message.message}`));
  }

  function onExit(slot: Slot, code: number): void {
    const index = slots.indexOf(slot);
    // close() already took the slot out and answered its job.
    if (index === -1) return;
    slots.splice(index, 1);
    crashed += 1;
    const job = slot.job;
    slot.job = null;
    job?.reject(new HasherWorkerExitError(code, slot.lastError));
    // The queue was waiting on this worker: give the next job a fresh one.
    const next = queue.shift();
    if (next !== undefined) start(next);
  }

  /** Runs a job on a new worker; a worker that cannot even be constructed fails only this job. */
  function start(job: Job): void {
    let slot: Slot;
    try {
      slot = spawn();
    } catch (error) {
      job.reject(error);
      return;
    }
    run(slot, job);
  }

  function submit<K extends WorkerJobKind>(kind: K, payload: WorkerJobPayloads[K]): Promise<WorkerJobResults[K]> {
    if (closing !== null) return Promise.reject(new HasherClosedError());
    return new Promise<WorkerJobResults[K]>((resolve, reject) => {
      const job: Job = { kind, payload, resolve: resolve as (value: unknown) => void, reject };
      const free = slots.find((slot) => slot.job === null);
      if (free !== undefined) run(free, job);
      else if (slots.length < size) start(job);
      else if (queue.length < maxQueue) queue.push(job);
      else {
        rejectedBusy += 1;
        reject(new HasherBusyError(retryAfterSeconds()));
      }
    });
  }

  return {
    cost,
    maxPasswordBytes: BCRYPT_MAX_PASSWORD_BYTES,
    async hash(password: string): Promise<string> {
      if (typeof password !== 'string') throw new TypeError('password must be a string');
      return submit('bcrypt-hash', { password, cost });
    },
    async verify(password: string, hash: string): Promise<boolean> {
      // Nothing to compare: answered here without spending a worker on it.
      if (typeof password !== 'string' || typeof hash !== 'string') return false;
      return submit('bcrypt-verify', { password, hash });
    },
    scheme: 'bcrypt',
    recognizes: isBcryptHash,
    needsRehash: (hash: string) => bcryptNeedsRehash(hash, cost),
    run: submit,
    get stats(): WorkerPoolStats {
      return {
        size,
        maxQueue,
        workers: slots.length,
        active: active(),
        queued: queue.length,
        completed,
        rejectedBusy,
        crashed,
        closed: closing !== null,
      };
    },
    close(): Promise<void> {
      if (closing !== null) return closing;
      const error = new HasherClosedError();
      for (const job of queue.splice(0)) job.reject(error);
      const stopping = slots.splice(0).map((slot) => {
        slot.job?.reject(error);
        slot.job = null;
        return slot.worker.terminate();
      });
      closing = Promise.all(stopping).then(() => undefined);
      return closing;
    },
  };
}
