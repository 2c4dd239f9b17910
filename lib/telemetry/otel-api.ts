/**
 * `@opentelemetry/api` is an optional peer: loaded once, on first need, and only if installed.
 * Without it the library records nothing and behaves exactly as before (no import can fail:
 * every other module names the package in types only, which compile away).
 */
import { createRequire } from 'node:module';
import { createLogger } from '../log.ts';

export type OtelApi = typeof import('@opentelemetry/api');

const log = createLogger('telemetry');
let loaded: OtelApi | null | undefined;

/** The host's `@opentelemetry/api`, or null when it cannot be loaded. */
export function loadOtelApi(): OtelApi | null {
  if (loaded === undefined) {
    try {
      // CommonJS on purpose: synchronous, so routers stay synchronous to create. Its global
      // providers live on `globalThis`, shared with a host that imported the ESM build.
      const api = createRequire(import.meta.url)('@opentelemetry/api') as Partial<OtelApi>;
      // Before 1.3 the API had no metrics: such a host gets nothing rather than a crash.
      if (typeof api.metrics?.getMeterProvider !== 'function' || typeof api.trace?.getTracerProvider !== 'function' || api.context === undefined) {
        log('@opentelemetry/api is older than the peer range (^1.4.0): no metrics or traces');
        loaded = null;
      } else loaded = api as OtelApi;
    } catch (error) {
      log('@opentelemetry/api not loaded (%s): no metrics or traces', (error as { code?: string }).code ?? (error as Error)?.name ?? 'error');
      loaded = null;
    }
  }
  return loaded;
}
