/**
 * The instruments on one meter provider, made once however many services record on it, so the
 * queue-depth gauge sums every watched pool once (a gauge observed twice keeps only the last).
 */
import type { Counter, Histogram, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { HASH_SECONDS_BUCKETS, INSTRUMENTATION_SCOPE, METRIC_NAMES } from './metric-names.ts';

/** The pools one service watches, each with a reader of its waiting jobs. */
export type QueueSources = Map<object, () => number>;

export interface Instruments {
  readonly operations: Counter;
  readonly lockouts: Counter;
  readonly rejected: Counter;
  readonly hashWait: Histogram;
  readonly hashRun: Histogram;
  readonly queueDepth: ObservableGauge;
  /** The services' pools this provider's gauge sums; a service adds its own while it watches any. */
  readonly queueSources: Set<QueueSources>;
}

const byProvider = new WeakMap<MeterProvider, Instruments>();

export function instrumentsOf(provider: MeterProvider): Instruments {
  const known = byProvider.get(provider);
  if (known !== undefined) return known;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const seconds = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: [...HASH_SECONDS_BUCKETS] } });
  const queueSources = new Set<QueueSources>();
  const queueDepth = meter.createObservableGauge(METRIC_NAMES.hashQueueDepth, { description: 'Hashing jobs waiting for a free worker' });
  queueDepth.addCallback((result) => {
    // A pool shared by several services is counted once.
    const counted = new Set<object>();
    let waiting = 0;
    for (const sources of queueSources) {
      for (const [pool, depth] of sources) {
        if (counted.has(pool)) continue;
        counted.add(pool);
        waiting += depth();
      }
    }
    result.observe(waiting);
  });
  const instruments: Instruments = {
    operations: meter.createCounter(METRIC_NAMES.operations, { description: 'Password operations by operation and outcome' }),
    lockouts: meter.createCounter(METRIC_NAMES.lockouts, { description: 'Accounts locked by failed attempts, by lockout mode' }),
    rejected: meter.createCounter(METRIC_NAMES.rejected, { description: 'Hashing jobs refused or stopped without an answer (429 key-busy, 503 otherwise), by reason' }),
    hashWait: seconds(METRIC_NAMES.hashWait, 'Seconds a hashing job waited for a worker'),
    hashRun: seconds(METRIC_NAMES.hashRun, 'Seconds a hashing job ran in its worker'),
    queueDepth,
    queueSources,
  };
  byProvider.set(provider, instruments);
  return instruments;
}
