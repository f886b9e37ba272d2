/**
 * In-process OTLP/HTTP receiver for the telemetry tests: a plain http server on
 * 127.0.0.1:0 that accepts POST /v1/traces and /v1/metrics with JSON bodies (the
 * encoding of @opentelemetry/exporter-*-otlp-http) and flattens them.
 * `hang: true` accepts requests and never answers (a collector that is stuck).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

type Attributes = Record<string, unknown>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP enum: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Attributes;
  /** Instrumentation scope name, e.g. @opentelemetry/instrumentation-pg. */
  scope: string;
  resource: Attributes;
}

export interface ReceivedMetric {
  name: string;
  scope: string;
  resource: Attributes;
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every request received (method, path, content type). */
  requests(): { method: string; path: string; contentType: string }[];
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetric[];
  close(): Promise<void>;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}

function decodeValue(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(kvs: KeyValue[] | undefined): Attributes {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, decodeValue(kv.value)]));
}

interface TracesRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: KeyValue[] }[];
    }[];
  }[];
}

interface MetricsRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { scope?: { name?: string }; metrics?: { name: string }[] }[];
  }[];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export async function startOtlpReceiver(options: { hang?: boolean } = {}): Promise<OtlpReceiver> {
  const requests: { method: string; path: string; contentType: string }[] = [];
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    const contentType = req.headers['content-type'] ?? '';
    requests.push({ method: req.method ?? '', path, contentType });
    const body = await readBody(req);
    if (options.hang) return; // never answer
    if (req.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) {
      res.writeHead(404).end();
      return;
    }
    if (!contentType.startsWith('application/json')) {
      res.writeHead(415).end(); // the tests configure the JSON exporters only
      return;
    }
    if (path === '/v1/traces') {
      const payload = JSON.parse(body.toString('utf8')) as TracesRequest;
      for (const rs of payload.resourceSpans ?? []) {
        const resource = decodeAttributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: decodeAttributes(s.attributes),
              scope: ss.scope?.name ?? '',
              resource,
            });
          }
        }
      }
    } else {
      const payload = JSON.parse(body.toString('utf8')) as MetricsRequest;
      for (const rm of payload.resourceMetrics ?? []) {
        const resource = decodeAttributes(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) metrics.push({ name: m.name, scope: sm.scope?.name ?? '', resource });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(400).end(err.message);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...requests],
    spans: () => [...spans],
    metrics: () => [...metrics],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
