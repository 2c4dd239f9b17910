/**
 * The library's one telemetry object: spans and counts of operations, lockouts, and the hashing
 * pool's jobs, on the host's OpenTelemetry providers. Made once per service; a no-op, costing one
 * branch per call site, when the option is `false` or `@opentelemetry/api` is not installed.
 */
import type { MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import type { ResolvedTelemetry } from '../config/telemetry-option.ts';
import type { JobEnd, JobWatcher } from '../hashing/job-watch.ts';
import { instrumentsOf, type Instruments, type QueueSources } from './instruments.ts';
import { INSTRUMENTATION_SCOPE, type HashJobKind, type LockoutKind, type Operation, type Outcome, type RejectReason } from './metric-names.ts';
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
  /** Adds `pool`'s waiting jobs to `rbac_password_hash_queue_depth`; returns the function that removes them. */
  observeQueue(pool: object, depth: () => number): () => void;
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

/** The telemetry for a resolved `telemetry` option (null: off). */
export function createTelemetry(setting: ResolvedTelemetry): Telemetry {
  const api = setting === null ? null : loadOtelApi();
  if (setting === null || api === null) return NO_TELEMETRY;
  const queues: QueueSources = new Map();
  // The option is typed loosely (the package's types must not need the API); checked to have these methods.
  const given = setting as { readonly meterProvider: MeterProvider | undefined; readonly tracerProvider: TracerProvider | undefined };
  const tracer: Tracer = (given.tracerProvider ?? api.trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
  // The global meter provider has no proxy: followed on every use, so an SDK started after the
  // router still gets the metrics. An explicit provider is fixed.
  let current: { readonly provider: MeterProvider; readonly instruments: Instruments } | undefined;
  const instruments = (): Instruments => {
    const provider = given.meterProvider ?? api.metrics.getMeterProvider();
    if (current?.provider !== provider) {
      current?.instruments.queueSources.delete(queues);
      current = { provider, instruments: instrumentsOf(provider) };
      if (queues.size > 0) current.instruments.queueSources.add(queues);
    }
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
    observeQueue(pool: object, depth: () => number) {
      queues.set(pool, depth);
      instruments().queueSources.add(queues);
      return () => {
        queues.delete(pool);
        // A closed service leaves nothing behind on a provider that outlives it.
        if (queues.size === 0) instruments().queueSources.delete(queues);
      };
    },
  });
}
