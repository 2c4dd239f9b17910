/**
 * `RBAC_METRICS_PORT`: the library's metrics (README, "Observability") in Prometheus text
 * format at `GET /metrics`, on a listener of its own so the API port never exposes them. The
 * format is OpenTelemetry's Prometheus exporter's; this file only routes the request to it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** The server's meter provider, read by the exporter when `/metrics` is asked for. */
export interface MetricsEndpoint {
  readonly meterProvider: MeterProvider;
  /** Answers `GET /metrics` on `server` (already listening, see `bindPort`); anything else is 404. */
  serve(server: Server): void;
  close(): Promise<void>;
}

export function createMetricsEndpoint(): MetricsEndpoint {
  // The exporter's own server is not started: ours is bound first, with the start's clear errors.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  let served: Server | undefined;
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = path === '/metrics' ? 405 : 404;
    if (res.statusCode === 405) res.setHeader('Allow', 'GET, HEAD');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(res.statusCode === 405 ? 'Method Not Allowed\n' : 'Not Found: the metrics are at /metrics\n');
  };
  return {
    meterProvider,
    serve(server) {
      server.on('request', answer);
      served = server;
    },
    async close() {
      if (served !== undefined) {
        const closing = served;
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          closing.closeAllConnections();
        });
      }
      await meterProvider.shutdown();
    },
  };
}
