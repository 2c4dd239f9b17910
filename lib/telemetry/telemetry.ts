/**
 * The library's one telemetry object: spans and counts of operations, lockouts, and the hashing
 * pool's jobs, on the host's OpenTelemetry providers. Made once per service; a no-op, costing one
 * branch per call site, when the option is `false` or `@opentelemetry/api` is not installed.
 */
import type { Counter, Histogram, Meter, MeterProvider, ObservableGauge, Tracer, TracerProvider } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import type { ResolvedTelemetry } from '../config/telemetry-option.ts';
import type { JobEnd, JobWatcher } from '../hashing/job-watch.ts';
import { HASH_SECONDS_BUCKETS, INSTRUMENTATION_SCOPE, METRIC_NAMES, type HashJobKind, type LockoutKind, type Operation, type Outcome, type RejectReason } from './metric-names.ts';
import { loadOtelApi } from './otel-api.ts';

/** One operation under way: its span is current inside `run`; `end` counts it and ends the span, once. */
export interface OperationRecord {
  run<T>(fn: () => T): T;
  end(outcome: Outcome, httpStatus?: number): void;
}

export interface Telemetry {
  /** False when nothing is recorded: callers may then skip their own set-up (e.g. a route's middleware). */
  readonly enabled: boolean;
  startOperation(operation: Operation): OperationRecord;
  countLockout(kind: LockoutKind): void;
  /** Watches each hashing job of a pool (job-watch.ts): its span, its wait and run times, its refusal. */
  readonly watchJob: JobWatcher;
  /** Adds a pool's waiting jobs to `rbac_password_hash_queue_depth`; returns the function that removes them. */
  observeQueue(depth: () => number): () => void;
}

const NOOP_RECORD: OperationRecord = { run: (fn) => fn(), end: () => {} };

/** Records nothing. */
export const NO_TELEMETRY: Telemetry = Object.freeze({
  enabled: false,
  startOperation: () => NOOP_RECORD,
  countLockout: () => {},
  watchJob: () => undefined,
  observeQueue: () => () => {},
});

interface Instruments {
  readonly operations: Counter;
  readonly lockouts: Counter;
  readonly rejected: Counter;
  readonly hashWait: Histogram;
  readonly hashRun: Histogram;
  readonly queueDepth: ObservableGauge;
}

/** The telemetry for a resolved `telemetry` option (null: off). */
export function createTelemetry(setting: ResolvedTelemetry): Telemetry {
  const api = setting === null ? null : loadOtelApi();
  if (setting === null || api === null) return NO_TELEMETRY;
  const queues = new Set<() => number>();
  // The option is typed loosely (the package's types must not need the API); checked to have these methods.
  const given = setting as { readonly meterProvider: MeterProvider | undefined; readonly tracerProvider: TracerProvider | undefined };
  const tracer: Tracer = (given.tracerProvider ?? api.trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
  // The global meter provider has no proxy: followed on every use, so an SDK started after the
  // router still gets the metrics. An explicit provider is fixed.
  let current: { readonly provider: MeterProvider; readonly instruments: Instruments } | undefined;
  const instruments = (): Instruments => {
    const provider = given.meterProvider ?? api.metrics.getMeterProvider();
    if (current?.provider !== provider) current = { provider, instruments: createInstruments(provider.getMeter(INSTRUMENTATION_SCOPE), queues) };
    return current.instruments;
  };
  instruments();

  const startOperation = (operation: Operation): OperationRecord => {
    const span = tracer.startSpan(`rbac_password.${operation}`, { attributes: { 'rbac_password.operation': operation } });
    let ended = false;
    return {
      run: (fn) => api.context.with(api.trace.setSpan(api.context.active(), span), fn),
      end(outcome, httpStatus) {
        if (ended) return;
        ended = true;
        instruments().operations.add(1, { operation, outcome });
        span.setAttribute('rbac_password.outcome', outcome);
        if (httpStatus !== undefined) span.setAttribute('http.response.status_code', httpStatus);
        if (outcome === 'server-error') span.setStatus({ code: api.SpanStatusCode.ERROR });
        span.end();
      },
    };
  };

  const watchJob: JobWatcher = (job) => {
    const kind: HashJobKind = job.kind === 'bcrypt-hash' ? 'hash' : 'verify';
    // Only the job's kind: its fairness key may be a client address or a login.
    const span = tracer.startSpan('rbac_password.hash_job', { attributes: { 'rbac_password.hash.kind': kind, 'rbac_password.hash.job': job.kind } });
    const queuedAt = performance.now();
    let startedAt: number | undefined;
    return {
      started() {
        startedAt = performance.now();
        const wait = (startedAt - queuedAt) / 1000;
        instruments().hashWait.record(wait, { kind });
        span.setAttribute('rbac_password.hash.wait_seconds', wait);
      },
      ended(end: JobEnd) {
        const set = instruments();
        if (startedAt !== undefined) set.hashRun.record((performance.now() - startedAt) / 1000, { kind });
        if (end !== 'ok' && end !== 'failed') set.rejected.add(1, { reason: end satisfies RejectReason });
        span.setAttribute('rbac_password.hash.end', end);
        if (end !== 'ok') span.setStatus({ code: api.SpanStatusCode.ERROR });
        span.end();
      },
    };
  };

  return Object.freeze({
    enabled: true,
    startOperation,
    countLockout: (kind: LockoutKind) => instruments().lockouts.add(1, { kind }),
    watchJob,
    observeQueue(depth: () => number) {
      queues.add(depth);
      return () => void queues.delete(depth);
    },
  });
}

function createInstruments(meter: Meter, queues: ReadonlySet<() => number>): Instruments {
  const seconds = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: [...HASH_SECONDS_BUCKETS] } });
  const queueDepth = meter.createObservableGauge(METRIC_NAMES.hashQueueDepth, { description: 'Hashing jobs waiting for a free worker' });
  queueDepth.addCallback((result) => {
    let waiting = 0;
    for (const depth of queues) waiting += depth();
    result.observe(waiting);
  });
  return {
    operations: meter.createCounter(METRIC_NAMES.operations, { description: 'Password operations by operation and outcome' }),
    lockouts: meter.createCounter(METRIC_NAMES.lockouts, { description: 'Accounts locked by failed attempts, by lockout mode' }),
    rejected: meter.createCounter(METRIC_NAMES.rejected, { description: 'Hashing jobs refused or stopped without an answer (429 key-busy, 503 otherwise), by reason' }),
    hashWait: seconds(METRIC_NAMES.hashWait, 'Seconds a hashing job waited for a worker'),
    hashRun: seconds(METRIC_NAMES.hashRun, 'Seconds a hashing job ran in its worker'),
    queueDepth,
  };
}
