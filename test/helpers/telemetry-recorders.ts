/**
 * In-memory OpenTelemetry providers for tests: a meter provider whose reader is collected on
 * demand (no timers), and a tracer provider that keeps every finished span.
 */
import type { Attributes } from '@opentelemetry/api';
import { type DataPoint, DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A reader that exports nothing by itself: the test collects. */
class CollectOnDemand extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Recorders {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  /** Every metric recorded so far, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  /** The value of a counter or gauge for exactly these attributes (0 when none was recorded). */
  value(name: string, attributes: Attributes): Promise<number>;
  /** The number of observations of a histogram for exactly these attributes. */
  histogramCount(name: string, attributes: Attributes): Promise<number>;
  spans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

export function createRecorders(): Recorders {
  const reader = new CollectOnDemand();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metrics = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
    return new Map(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => [metric.descriptor.name, metric] as const)));
  };
  const pointOf = async (name: string, attributes: Attributes): Promise<DataPoint<unknown> | undefined> => {
    const metric = (await metrics()).get(name);
    return (metric?.dataPoints as DataPoint<unknown>[] | undefined)?.find((point) => sameAttributes(point.attributes, attributes));
  };
  return {
    meterProvider,
    tracerProvider,
    metrics,
    async value(name, attributes) {
      const point = await pointOf(name, attributes);
      return typeof point?.value === 'number' ? point.value : 0;
    },
    async histogramCount(name, attributes) {
      const metric = (await metrics()).get(name);
      if (metric !== undefined && metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
      const point = await pointOf(name, attributes);
      return (point?.value as { count?: number } | undefined)?.count ?? 0;
    },
    spans: () => exporter.getFinishedSpans(),
    shutdown: async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Every attribute value of every data point and span: what must never hold a login, address, token or password. */
export async function everyLabelValue(recorders: Recorders): Promise<string[]> {
  const values: string[] = [];
  for (const metric of (await recorders.metrics()).values()) {
    for (const point of metric.dataPoints as DataPoint<unknown>[]) values.push(...Object.values(point.attributes).map(String));
  }
  for (const span of recorders.spans()) values.push(span.name, ...Object.values(span.attributes).map(String));
  return values;
}
