/**
 * The worker pool's scheduler, apart from any thread: it starts workers lazily (at most `size`),
 * gives each one job at a time, queues the rest fairly between fairness keys (fair-queue.ts),
 * refuses past the bounds, and replaces a worker that died. Workers and the clock come in as
 * parameters, so tests drive it with fake ones; worker-pool-hasher.ts plugs in real threads.
 *
 * A job is generic: a kind, a payload and a fairness key. The scheduler never looks inside it.
 */
import { HasherBusyError, HasherKeyBusyError } from '../errors.ts';
import { type EnqueueResult, FairQueue } from './fair-queue.ts';
import { HasherClosedError } from '../errors.ts';
import type { JobWatch, JobWatcher } from './job-watch.ts';

/** One unit of work: what to run (`kind`, `payload`) on behalf of whom (`key`). */
export interface Job {
  readonly kind: string;
  readonly payload: unknown;
  readonly key: string;
}

/** How a worker's job ended. */
export type JobOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** What a worker tells the scheduler. */
export interface WorkerEvents {
  /** The job given to `run` ended. Called once per `run`. */
  done(outcome: JobOutcome): void;
  /** The worker stopped without being asked to; `error` rejects its job, if it had one. */
  exit(error: unknown): void;
  /**
   * The worker finished starting (once; only from a worker with `announcesReady`): the job given
   * to it meanwhile has its time limit and its cost counted from now, so a new worker's start-up,
   * slow on a loaded machine, is not charged to its first job.
   */
  ready(): void;
}

/** A worker as the scheduler sees it. */
export interface SchedulerWorker {
  /**
   * The worker calls `WorkerEvents.ready` once started. Until then its job may take the time
   * limit twice over (a start-up that never ends is still cut off); from then on, once.
   */
  readonly announcesReady?: boolean;
  run(job: Job): void;
  /** Busy workers may keep the process alive (an awaited hash is never cut off); idle ones must not. */
  setBusy(busy: boolean): void;
  terminate(): Promise<void>;
}

export interface JobSchedulerOptions {
  /** Workers at most. */
  readonly size: number;
  /** Jobs that may wait, over every key; past it, `HasherBusyError` (503). */
  readonly maxQueue: number;
  /** Jobs that may wait for one key; past it, `HasherKeyBusyError` (429). */
  readonly maxQueuePerKey: number;
  /** Makes a worker; may throw, which fails only the job it was made for. */
  readonly spawn: (events: WorkerEvents) => SchedulerWorker;
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
  /** A job's expected run time before any has finished (seeds fairness charges and Retry-After). */
  readonly initialJobMs: number;
  /**
   * Milliseconds one job may run; past it the job rejects with `timeoutError()` and its worker
   * is terminated (the queue goes on with a new one). Default: no limit.
   */
  readonly jobTimeoutMs?: number;
  readonly timeoutError?: () => Error;
  /** Calls `onTimeout` after `ms` unless the returned function runs first. Default: an unref'd setTimeout. */
  readonly armTimer?: (ms: number, onTimeout: () => void) => () => void;
  /** Told about each job's life, for metrics and traces (see job-watch.ts). Default: nobody. */
  readonly watch?: JobWatcher;
}

/** Counters and state, for health checks and tests. */
export interface JobSchedulerStats {
  /** Worker threads currently started (0 until the first job: the pool is lazy). */
  readonly workers: number;
  /** Jobs running in a worker right now (at most `size`). */
  readonly active: number;
  /** Jobs waiting for a free worker (at most `maxQueue`). */
  readonly queued: number;
  /** Fairness keys with a job waiting or running; a key is dropped as soon as it has none. */
  readonly keys: number;
  /** Jobs answered by a worker since the pool was made. */
  readonly completed: number;
  /** Calls refused because the whole queue was full (`HasherBusyError`, 503). */
  readonly rejectedBusy: number;
  /** Calls refused because their key had `maxQueuePerKey` jobs waiting (`HasherKeyBusyError`, 429). */
  readonly rejectedKeyBusy: number;
  /** Workers that stopped without being asked to (each one rejected its in-flight job). */
  readonly crashed: number;
  /** Jobs stopped for running past `jobTimeoutMs` (their workers were terminated). */
  readonly timedOut: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
}

export interface JobScheduler {
  /** Runs `job`; rejects with `HasherKeyBusyError`, `HasherBusyError` or `HasherClosedError` when refused. */
  submit(job: Job): Promise<unknown>;
  /**
   * The error `submit(job)` would reject with right now because of the queue's bounds
   * (`HasherKeyBusyError` past the key's, `HasherBusyError` past the total), counted and told to
   * the watcher exactly as that refusal is; null when such a job would be taken (run or queued).
   * Submits nothing: for a caller that refuses before the work that leads to the job (a sign-in,
   * before its user lookup), so a flood's refused requests cost as little as possible.
   */
  refusal(job: Pick<Job, 'kind' | 'key'>): Error | null;
  readonly stats: JobSchedulerStats;
  /** Rejects everything waiting or running with `HasherClosedError` and stops the workers. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  readonly job: Job;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly watch: JobWatch | undefined;
}

interface Slot {
  readonly worker: SchedulerWorker;
  running: Pending | null;
  startedAt: number;
  /** The cost charged to the job's key when it started, corrected when it ends. */
  charged: number;
  /** Stops the running job's time limit. */
  disarm: () => void;
  /** The worker finished starting (`WorkerEvents.ready`, heeded once), or never announces it. */
  ready: boolean;
}

/**
 * A refusal error without a captured stack: it is answered (429 or 503), never debugged, its
 * frames would only show the scheduler, and capturing them was the dearest step of a refused job
 * under a flood. Falls back to an ordinary error where `Error.stackTraceLimit` cannot be set.
 */
function stackless<E extends Error>(Refusal: new (retryAfterSeconds: number) => E, retryAfterSeconds: number): E {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    return new Refusal(retryAfterSeconds);
  }
  try {
    return new Refusal(retryAfterSeconds);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Why the queue's bounds refuse a job. */
type Refusal = Exclude<EnqueueResult, 'queued'>;

function unrefTimer(ms: number, onTimeout: () => void): () => void {
  const timer = setTimeout(onTimeout, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

export function createJobScheduler(options: JobSchedulerOptions): JobScheduler {
  const { size, spawn, now, jobTimeoutMs } = options;
  const armTimer = options.armTimer ?? unrefTimer;
  const queue = new FairQueue<Pending>(options.maxQueue, options.maxQueuePerKey);
  const slots: Slot[] = [];
  let completed = 0;
  let rejectedBusy = 0;
  let rejectedKeyBusy = 0;
  let crashed = 0;
  let timedOut = 0;
  let closing: Promise<void> | null = null;
  let averageJobMs = options.initialJobMs;

  const active = () => slots.reduce((n, slot) => (slot.running === null ? n : n + 1), 0);
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

  function newSlot(): Slot {
    // The events fire only after spawn returned, when `slot` is set.
    let slot: Slot | undefined;
    const worker = spawn({ done: (outcome) => onDone(slot as Slot, outcome), exit: (error) => onExit(slot as Slot, error), ready: () => onReady(slot as Slot) });
    slot = { worker, running: null, startedAt: 0, charged: 0, disarm: () => {}, ready: worker.announcesReady !== true };
    slots.push(slot);
    return slot;
  }

  /** A free worker, or a new one while under `size`; null when all are busy. Throws when spawning fails. */
  function freeSlot(): Slot | null {
    return slots.find((slot) => slot.running === null) ?? (slots.length < size ? newSlot() : null);
  }

  function run(slot: Slot, pending: Pending): void {
    slot.running = pending;
    slot.charged = averageJobMs;
    startClock(slot, pending);
    slot.worker.setBusy(true);
    pending.watch?.started();
    slot.worker.run(pending.job);
  }

  /** The job of `slot` starts counting its run time and its time limit now. */
  function startClock(slot: Slot, pending: Pending): void {
    slot.startedAt = now();
    if (jobTimeoutMs !== undefined) slot.disarm = armTimer(slot.ready ? jobTimeoutMs : 2 * jobTimeoutMs, () => onTimeout(slot, pending));
  }

  /** A new worker finished starting: the job it was given meanwhile counts from now. */
  function onReady(slot: Slot): void {
    if (slot.ready) return;
    slot.ready = true;
    const pending = slot.running;
    if (!slots.includes(slot) || pending === null) return;
    slot.disarm();
    startClock(slot, pending);
  }

  /** Starts waiting jobs, fairest first, while workers are free. */
  function dispatch(): void {
    while (queue.waiting > 0) {
      let slot: Slot | null;
      try {
        slot = freeSlot();
      } catch (error) {
        // A worker that cannot even be constructed fails only the job it was for.
        const next = queue.shift(0);
        if (next !== undefined) {
          queue.settle(next.key, 0);
          next.item.watch?.ended('failed');
          next.item.reject(error);
        }
        continue;
      }
      if (slot === null) return;
      const next = queue.shift(averageJobMs) as { key: string; item: Pending };
      run(slot, next.item);
    }
  }

  /** The job of `slot` ended (or died): its key's fairness clock learns the real cost. */
  function finish(slot: Slot): Pending | null {
    const pending = slot.running;
    if (pending === null) return null;
    slot.running = null;
    slot.disarm();
    const elapsed = now() - slot.startedAt;
    queue.settle(pending.job.key, elapsed - slot.charged);
    return pending;
  }

  function onDone(slot: Slot, outcome: JobOutcome): void {
    if (!slots.includes(slot)) return;
    const elapsed = now() - slot.startedAt;
    const pending = finish(slot);
    if (pending === null) return;
    completed += 1;
    averageJobMs = 0.8 * averageJobMs + 0.2 * elapsed;
    dispatch();
    if (slot.running === null) slot.worker.setBusy(false);
    pending.watch?.ended(outcome.ok ? 'ok' : 'failed');
    if (outcome.ok) pending.resolve(outcome.value);
    else pending.reject(outcome.error);
  }

  function onExit(slot: Slot, error: unknown): void {
    const index = slots.indexOf(slot);
    // close() already took the slot out and answered its job.
    if (index === -1) return;
    slots.splice(index, 1);
    crashed += 1;
    const pending = finish(slot);
    pending?.watch?.ended('worker-exit');
    pending?.reject(error);
    // The queue was waiting on this worker: the next job gets a fresh one.
    dispatch();
  }

  /** A job past its time limit: answer it, and replace its worker (which may be stuck for hours). */
  function onTimeout(slot: Slot, pending: Pending): void {
    const index = slots.indexOf(slot);
    if (index === -1 || slot.running !== pending) return;
    slots.splice(index, 1);
    timedOut += 1;
    finish(slot);
    pending.watch?.ended('timeout');
    pending.reject(options.timeoutError?.() ?? new Error(`a hashing job ran longer than ${String(jobTimeoutMs)} ms and was stopped`));
    void slot.worker.terminate();
    dispatch();
  }

  function retryAfterSeconds(key: string | null): number {
    if (key === null) return seconds(((queue.waiting + active()) / size) * averageJobMs);
    // The key's backlog, served at its fair share of the workers.
    const share = Math.min(size, size / Math.max(1, queue.backloggedKeys));
    return seconds((queue.backlog(key) / share) * averageJobMs);
  }

  /** Whether a job submitted now would start at once: a worker is free, or one may be started. */
  function canStartNow(): boolean {
    // Jobs wait only while every worker is busy, so anything waiting means none is free.
    if (queue.waiting > 0) return false;
    if (slots.length < size) return true;
    for (const slot of slots) if (slot.running === null) return true;
    return false;
  }

  /** Why the bounds refuse a job of `key` submitted now, or null when it would run or queue. */
  function boundsRefusal(key: string): Refusal | null {
    return canStartNow() ? null : queue.refusal(key);
  }

  /** The refusal's error, counted and told to `watch`. */
  function refuse(reason: Refusal, key: string, watch: JobWatch | undefined): Error {
    if (reason === 'key-full') {
      rejectedKeyBusy += 1;
      watch?.ended('key-busy');
      return stackless(HasherKeyBusyError, retryAfterSeconds(key));
    }
    rejectedBusy += 1;
    watch?.ended('busy');
    return stackless(HasherBusyError, retryAfterSeconds(null));
  }

  function submit(job: Job): Promise<unknown> {
    const watch = options.watch?.(job);
    if (closing !== null) {
      watch?.ended('closed');
      return Promise.reject(new HasherClosedError());
    }
    // Refused before any promise or queue entry is made: the cheap path of a flood.
    const reason = boundsRefusal(job.key);
    if (reason !== null) return Promise.reject(refuse(reason, job.key, watch));
    return new Promise((resolve, reject) => {
      const pending: Pending = { job, resolve, reject, watch };
      // Jobs wait only while every worker is busy, so a free worker means an empty queue.
      if (queue.waiting === 0) {
        let slot: Slot | null;
        try {
          slot = freeSlot();
        } catch (error) {
          watch?.ended('failed');
          reject(error);
          return;
        }
        if (slot !== null) {
          queue.startNow(job.key, averageJobMs);
          run(slot, pending);
          return;
        }
      }
      // Not refused above, and nothing changed since: this queues.
      queue.push(job.key, pending);
    });
  }

  function refusal(job: Pick<Job, 'kind' | 'key'>): Error | null {
    const reason = closing === null ? boundsRefusal(job.key) : null;
    // The watch is made only for a refusal: a job that would be taken is not watched here.
    return reason === null ? null : refuse(reason, job.key, options.watch?.(job));
  }

  return {
    submit,
    refusal,
    get stats(): JobSchedulerStats {
      return {
        workers: slots.length,
        active: active(),
        queued: queue.waiting,
        keys: queue.keys,
        completed,
        rejectedBusy,
        rejectedKeyBusy,
        crashed,
        timedOut,
        closed: closing !== null,
      };
    },
    close(): Promise<void> {
      if (closing !== null) return closing;
      const error = new HasherClosedError();
      for (const pending of queue.drain()) {
        pending.watch?.ended('closed');
        pending.reject(error);
      }
      const stopping = slots.splice(0).map((slot) => {
        const pending = finish(slot);
        pending?.watch?.ended('closed');
        pending?.reject(error);
        return slot.worker.terminate();
      });
      closing = Promise.all(stopping).then(() => undefined);
      return closing;
    },
  };
}
