/**
 * OpenTelemetry bootstrap (traces + metrics over OTLP/HTTP to the ADOT collector sidecar).
 *
 * server.ts calls startTelemetry() before it imports app.js / db.js, so fastify,
 * pg and node:http are loaded after the instrumentations are registered and
 * can be patched. When tracing is off (OTEL_EXPORTER_OTLP_ENDPOINT unset, or
 * OTEL_SDK_DISABLED=true) nothing below the early return runs: no
 * @opentelemetry package is even loaded.
 *
 * - Ids: AWS X-Ray compatible (the first 4 bytes of the trace id are the start
 *   time in epoch seconds), so the collector's awsxray exporter accepts them.
 * - Propagation: W3C traceparent/baggage and X-Amzn-Trace-Id (the X-Ray header
 *   wins when both are present).
 * - Spans: HTTP server span (node:http, with http.route set by @fastify/otel),
 *   Fastify request/hook/handler spans, pg query spans (only inside a request).
 * - Metrics: what the instrumentations record (HTTP server duration, pg pool
 *   usage), exported every OTEL_METRIC_EXPORT_INTERVAL ms (default 60 s).
 * Standard OTEL_* variables still apply: OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*,
 * OTEL_EXPORTER_OTLP_(TRACES_|METRICS_)ENDPOINT/HEADERS/TIMEOUT, OTEL_LOG_LEVEL.
 */
import type { Config } from './config.js';

export interface Telemetry {
  /** Ends the span/metric pipelines and flushes what is buffered. */
  shutdown(): Promise<void>;
  /**
   * Fields merged into every log line (pino `mixin`): the active span's
   * trace_id and span_id, plus the trace id in X-Ray form (1-xxxxxxxx-yyyy...)
   * to search the logs from the X-Ray console. Empty outside a span.
   */
  logFields(): Record<string, string>;
}

const DEFAULT_SERVICE_NAME = 'page-views-api';

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  return raw && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : fallback;
}

/**
 * Start the OpenTelemetry Node SDK if the configuration enables it.
 * Never throws: if the SDK cannot start, the service runs without telemetry and
 * says so on stderr (as a pino-style JSON line).
 */
export async function startTelemetry(config: Config): Promise<Telemetry | undefined> {
  if (!config.telemetry) return undefined;
  try {
    const [
      { trace },
      { NodeSDK, core, metrics, resources },
      { OTLPTraceExporter },
      { OTLPMetricExporter },
      { HttpInstrumentation },
      { PgInstrumentation },
      { FastifyOtelInstrumentation },
      { AWSXRayIdGenerator },
      { AWSXRayPropagator },
    ] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/exporter-metrics-otlp-http'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-pg'),
      import('@fastify/otel'),
      import('@opentelemetry/id-generator-aws-xray'),
      import('@opentelemetry/propagator-aws-xray'),
    ]);

    const exportIntervalMillis = positiveIntFromEnv('OTEL_METRIC_EXPORT_INTERVAL', 60_000);
    const sdk = new NodeSDK({
      // Defaults that OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (env detector) override.
      resource: resources.defaultResource().merge(
        resources.resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME, 'service.version': config.version }),
      ),
      idGenerator: new AWSXRayIdGenerator(),
      textMapPropagator: new core.CompositePropagator({
        propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator(), new AWSXRayPropagator()],
      }),
      // Endpoint, headers and timeout come from the OTEL_EXPORTER_OTLP_* variables;
      // batching from OTEL_BSP_* (schedule delay 5 s by default).
      traceExporter: new OTLPTraceExporter(),
      metricReaders: [
        new metrics.PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(),
          exportIntervalMillis,
          exportTimeoutMillis: Math.min(positiveIntFromEnv('OTEL_METRIC_EXPORT_TIMEOUT', 30_000), exportIntervalMillis),
        }),
      ],
      // Logs stay on stdout (pino JSON with trace_id/span_id); no OTLP log pipeline.
      logRecordProcessors: [],
      instrumentations: [
        new HttpInstrumentation({
          // The service makes no outgoing HTTP calls; the OTLP exporter's own requests are not traced.
          disableOutgoingRequestInstrumentation: true,
        }),
        // Hooks itself into every Fastify instance created from now on (diagnostics_channel).
        // No per-hook spans: the only hook (X-Request-Id header) would add a span per request for nothing.
        new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
        new PgInstrumentation({
          // No orphan root spans for the start-up connection retries.
          requireParentSpan: true,
          // Never record query parameters (paths and referrers are user data).
          enhancedDatabaseReporting: false,
        }),
      ],
    });
    sdk.start();

    return {
      shutdown: () => sdk.shutdown(),
      logFields: (): Record<string, string> => {
        // A fresh object every time: pino merges the log call's fields into it.
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return {
          trace_id: traceId,
          span_id: spanId,
          xray_trace_id: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`,
        };
      },
    };
  } catch (err) {
    process.stderr.write(
      JSON.stringify({
        level: 50,
        time: Date.now(),
        msg: 'telemetry disabled: the OpenTelemetry SDK failed to start',
        err: { message: (err as Error).message },
      }) + '\n',
    );
    return undefined;
  }
}
