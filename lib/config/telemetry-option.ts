/**
 * The `telemetry` option: `false` (record nothing), or the OpenTelemetry providers to record on
 * (each defaults to the global one of `@opentelemetry/api`). Checked like every option; the
 * telemetry itself is made by the service (lib/telemetry).
 */
import { loadOtelApi } from '../telemetry/otel-api.ts';
import { optionError, received } from './option-problems.ts';

/** The option as hosts give it: typed loosely, so the package's types need no `@opentelemetry/api`. */
export interface TelemetryOptions {
  /** Where the metrics go. Default the global `metrics.getMeterProvider()`, followed if it is set later. */
  readonly meterProvider?: { getMeter(name: string, version?: string, options?: object): unknown };
  /** Where the spans go. Default the global `trace.getTracerProvider()`. */
  readonly tracerProvider?: { getTracer(name: string, version?: string, options?: object): unknown };
}

/**
 * Null: record nothing. Otherwise the providers given (undefined ones: the global ones). Typed
 * as the option is: the package's declarations must not need `@opentelemetry/api`.
 */
export type ResolvedTelemetry = { readonly meterProvider: TelemetryOptions['meterProvider']; readonly tracerProvider: TelemetryOptions['tracerProvider'] } | null;

const KEYS = ['meterProvider', 'tracerProvider'] as const;

export function resolveTelemetry(value: unknown): ResolvedTelemetry {
  if (value === false) return null;
  if (value === undefined) return Object.freeze({ meterProvider: undefined, tracerProvider: undefined });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    optionError('telemetry', 'wrong-type', `must be false or { meterProvider?, tracerProvider? }; got ${received(value)}.`);
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(KEYS as readonly string[]).includes(key)) optionError(`telemetry.${key}`, 'unknown-option', `is not an option; known: ${KEYS.join(', ')}.`);
  }
  const provider = (key: (typeof KEYS)[number], method: string): unknown => {
    const candidate = given[key];
    if (candidate !== undefined && typeof (candidate as Record<string, unknown> | null)?.[method] !== 'function') {
      optionError(`telemetry.${key}`, 'missing-method', `must implement ${method}() (an OpenTelemetry ${key === 'meterProvider' ? 'MeterProvider' : 'TracerProvider'}).`);
    }
    return candidate;
  };
  const meterProvider = provider('meterProvider', 'getMeter') as TelemetryOptions['meterProvider'];
  const tracerProvider = provider('tracerProvider', 'getTracer') as TelemetryOptions['tracerProvider'];
  // Providers without the API could record metrics, but no span would nest in the request's.
  if ((meterProvider !== undefined || tracerProvider !== undefined) && loadOtelApi() === null) {
    optionError('telemetry', 'conflict', 'needs the @opentelemetry/api package, which could not be loaded: install it (npm install @opentelemetry/api) or leave telemetry out.');
  }
  return Object.freeze({ meterProvider, tracerProvider });
}
