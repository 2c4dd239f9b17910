/**
 * How a worker pool tells an observer about each job's life (queued, started, ended), so
 * lib/telemetry can time the wait and the run and count refusals without the scheduler knowing
 * about metrics. A watcher must not throw; the pool never passes it the job's payload.
 */
import type { Job } from './job-scheduler.ts';

/** Why a job got no answer from a worker: the 429 and 503 paths of the pool. */
export type JobRefusal = 'key-busy' | 'busy' | 'closed' | 'timeout' | 'worker-exit';

/** How a job ended: answered by its worker (`ok`, or `failed` with the worker's error), or refused or stopped. */
export type JobEnd = 'ok' | 'failed' | JobRefusal;

/** Hears one job: `started` at most once, then `ended` exactly once. */
export interface JobWatch {
  started(): void;
  ended(end: JobEnd): void;
}

/** Called when a job is submitted (its kind and key only matter); may decline with undefined. */
export type JobWatcher = (job: Pick<Job, 'kind' | 'key'>) => JobWatch | undefined;

/** The pools' internal hook: adds a watcher, returns the function that removes it. Not part of the package's API. */
export const WATCH_JOBS = Symbol.for('express-rbac-password.watchJobs');

/** A hasher that lets its jobs be watched (the library's worker pool). */
export interface WatchableHasher {
  [WATCH_JOBS](watcher: JobWatcher): () => void;
}

export function isWatchable(value: unknown): value is WatchableHasher {
  return typeof (value as Partial<WatchableHasher> | null)?.[WATCH_JOBS] === 'function';
}

/** One watcher for the scheduler out of the registered ones (none, one, or several services on one pool). */
export function combinedWatcher(watchers: ReadonlySet<JobWatcher>): JobWatcher {
  return (job) => {
    if (watchers.size === 0) return undefined;
    const watches: JobWatch[] = [];
    for (const watcher of watchers) {
      const watch = watcher(job);
      if (watch !== undefined) watches.push(watch);
    }
    if (watches.length <= 1) return watches[0];
    return {
      started: () => {
        for (const watch of watches) watch.started();
      },
      ended: (end) => {
        for (const watch of watches) watch.ended(end);
      },
    };
  };
}
