/**
 * Hooks a service's telemetry into the worker pools it hashes with (its own, or a host's
 * `createWorkerPoolHasher`): each job's span, wait and run times, refusals, and the queue depth.
 * A host's other hashers have no queue to watch: their work shows only in the operations' spans.
 */
import { isWatchable, WATCH_JOBS } from '../hashing/job-watch.ts';
import type { Hasher } from '../types.ts';
import type { Telemetry } from './telemetry.ts';

/** Watches every pool among `hashers` (each once); returns the function that stops watching. */
export function watchHashJobs(telemetry: Telemetry, hashers: readonly Hasher[]): () => void {
  if (!telemetry.enabled) return () => {};
  const stops: (() => void)[] = [];
  for (const hasher of new Set(hashers)) {
    if (!isWatchable(hasher)) continue;
    stops.push(hasher[WATCH_JOBS](telemetry.watchJob));
    // The library's pools have `stats.queued`, a fresh snapshot on every read.
    const pool = hasher as Partial<{ readonly stats: { readonly queued: number } }>;
    if (typeof pool.stats?.queued === 'number') stops.push(telemetry.observeQueue(hasher, () => pool.stats?.queued ?? 0));
  }
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}
