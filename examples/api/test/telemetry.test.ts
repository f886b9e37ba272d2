import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from './support/otlp.js';
import { startPostgres, type PgCluster } from './support/postgres.js';
import { MIGRATE_JS, runNode, spawnServer, waitForStatus, waitUntil, type RunningServer } from './support/server.js';

const SERVICE_NAME = 'page-views-api-otel-test';
/** Short batch/export intervals so the test does not wait for the 5 s / 60 s defaults. */
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_METRIC_EXPORT_INTERVAL: '500' };

function otelEnv(receiver: OtlpReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: SERVICE_NAME,
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.namespace=examples',
    ...FAST_EXPORT,
    ...extra,
  };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  await res.arrayBuffer();
  return res;
}

/** The HTTP server span (node:http instrumentation) of the request with this X-Request-Id. */
function serverSpanFor(receiver: OtlpReceiver, route: string, traceId?: string): ReceivedSpan | undefined {
  return receiver
    .spans()
    .find(
      (s) =>
        s.kind === SPAN_KIND.SERVER &&
        s.scope === '@opentelemetry/instrumentation-http' &&
        s.attributes['http.route'] === route &&
        (traceId === undefined || s.traceId === traceId),
    );
}

/** Walk up the parent chain of `span` (within its trace) and return the span ids. */
function ancestors(spans: ReceivedSpan[], span: ReceivedSpan): string[] {
  const byId = new Map(spans.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  const chain: string[] = [];
  for (let p = span.parentSpanId; p !== undefined; p = byId.get(p)?.parentSpanId) chain.push(p);
  return chain;
}

describe('OpenTelemetry (OTLP/HTTP to an in-process receiver)', () => {
  let cluster: PgCluster;
  let receiver: OtlpReceiver;
  let server: RunningServer;

  before(async () => {
    cluster = await startPostgres();
    const mig = await runNode(MIGRATE_JS, { DATABASE_URL: cluster.url });
    assert.equal(mig.code, 0, mig.stderr);
    receiver = await startOtlpReceiver();
    server = await spawnServer({ DATABASE_URL: cluster.url, ...otelEnv(receiver) });
    await waitForStatus(`${server.baseUrl}/health`, 200);
  });

  after(async () => {
    server?.kill();
    await server?.exited;
    await receiver?.close();
    await cluster?.destroy();
  });

  it('GET /api/page-views/stats: HTTP server span with http.route, Fastify handler span and pg query span in one trace', async () => {
    const res = await get(`${server.baseUrl}/api/page-views/stats?days=7`, { 'x-request-id': 'otel-stats-1' });
    assert.equal(res.status, 200);

    let http: ReceivedSpan | undefined;
    let handler: ReceivedSpan | undefined;
    let query: ReceivedSpan | undefined;
    await waitUntil(() => {
      http = serverSpanFor(receiver, '/api/page-views/stats');
      if (!http) return false;
      const trace = receiver.spans().filter((s) => s.traceId === http!.traceId);
      handler = trace.find((s) => s.scope === '@fastify/otel' && s.attributes['fastify.type'] === 'request-handler');
      query = trace.find(
        (s) => s.scope === '@opentelemetry/instrumentation-pg' && s.kind === SPAN_KIND.CLIENT && String(s.attributes['db.query.text']).includes('page_views'),
      );
      return handler !== undefined && query !== undefined;
    }, 'the stats spans (http, fastify handler, pg query) to be exported', 10_000);

    // HTTP server span: the root of the trace, named after the route.
    assert.equal(http!.name, 'GET /api/page-views/stats');
    assert.equal(http!.parentSpanId, undefined);
    assert.equal(http!.attributes['http.request.method'], 'GET');
    assert.equal(http!.attributes['http.response.status_code'], 200);

    // Fastify handler span, below the server span; the pg span is below the handler.
    assert.equal(handler!.attributes['http.route'], '/api/page-views/stats');
    assert.ok(ancestors(receiver.spans(), handler!).includes(http!.spanId), 'handler span descends from the HTTP server span');
    assert.ok(ancestors(receiver.spans(), query!).includes(handler!.spanId), 'pg span descends from the handler span');
    assert.equal(query!.attributes['db.system.name'], 'postgresql');
    assert.equal(query!.attributes['db.namespace'], 'app');

    // Resource: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES from the environment.
    for (const span of [http!, handler!, query!]) {
      assert.equal(span.resource['service.name'], SERVICE_NAME);
      assert.equal(span.resource['service.version'], '1.0.0');
      assert.equal(span.resource['deployment.environment.name'], 'test');
      assert.equal(span.resource['service.namespace'], 'examples');
    }

    // X-Ray compatible trace id: the first 8 hex digits are the start time in epoch seconds.
    const epoch = parseInt(http!.traceId.slice(0, 8), 16);
    assert.ok(Math.abs(epoch - Date.now() / 1000) < 300, `trace id ${http!.traceId} does not start with the current epoch seconds`);

    // The request's log lines carry the trace: trace_id, span_id and the X-Ray form.
    const completed = server.logs().find((l) => l.reqId === 'otel-stats-1' && l.msg === 'request completed');
    assert.ok(completed, server.output());
    assert.equal(completed.trace_id, http!.traceId);
    assert.match(String(completed.span_id), /^[0-9a-f]{16}$/);
    assert.equal(completed.xray_trace_id, `1-${http!.traceId.slice(0, 8)}-${http!.traceId.slice(8)}`);
  });

  it('GET /health: HTTP server span with http.route /health, handler span and the SELECT 1 span', async () => {
    const res = await get(`${server.baseUrl}/health`, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    assert.equal(res.status, 200);
    // W3C trace context is honoured: the request joins the caller's trace.
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await waitUntil(() => {
      const trace = receiver.spans().filter((s) => s.traceId === traceId);
      return (
        serverSpanFor(receiver, '/health', traceId) !== undefined &&
        trace.some((s) => s.scope === '@fastify/otel' && s.attributes['fastify.type'] === 'request-handler') &&
        trace.some((s) => s.scope === '@opentelemetry/instrumentation-pg' && s.attributes['db.query.text'] === 'SELECT 1')
      );
    }, 'the /health spans', 10_000);
    assert.equal(serverSpanFor(receiver, '/health', traceId)!.parentSpanId, 'b7ad6b7169203331');
  });

  it('continues an X-Ray trace from X-Amzn-Trace-Id', async () => {
    const root = `${Math.floor(Date.now() / 1000).toString(16)}${'5'.repeat(24)}`;
    const header = `Root=1-${root.slice(0, 8)}-${root.slice(8)};Parent=53995c3f42cd8ad8;Sampled=1`;
    const res = await get(`${server.baseUrl}/api/ping`, { 'x-amzn-trace-id': header });
    assert.equal(res.status, 200);
    await waitUntil(() => receiver.spans().some((s) => s.traceId === root && s.kind === SPAN_KIND.SERVER), 'the span of the X-Ray trace', 10_000);
    const span = receiver.spans().find((s) => s.traceId === root && s.kind === SPAN_KIND.SERVER)!;
    assert.equal(span.parentSpanId, '53995c3f42cd8ad8');
    assert.equal(span.attributes['http.route'], '/api/ping');
  });

  it('pg queries outside a request (start-up connection) make no orphan spans', () => {
    const serverTraces = new Set(receiver.spans().filter((s) => s.kind === SPAN_KIND.SERVER).map((s) => s.traceId));
    const orphans = receiver.spans().filter((s) => !serverTraces.has(s.traceId));
    assert.deepEqual(orphans.map((s) => s.name), []);
  });

  it('exports metrics with the same resource (HTTP server duration, pg client metrics)', async () => {
    await waitUntil(
      () => receiver.metrics().some((m) => m.name === 'http.server.request.duration') && receiver.metrics().some((m) => m.scope === '@opentelemetry/instrumentation-pg'),
      'http and pg metrics',
      10_000,
    );
    const metric = receiver.metrics().find((m) => m.name === 'http.server.request.duration')!;
    assert.equal(metric.resource['service.name'], SERVICE_NAME);
    assert.ok(receiver.requests().every((r) => r.method === 'POST' && r.contentType.startsWith('application/json')), JSON.stringify(receiver.requests()));
  });

  it('log lines outside a span carry no trace fields, and no field leaks from one line to the next', () => {
    const logs = server.logs();
    const started = logs.find((l) => l.msg === 'service started');
    assert.ok(started && started.database, server.output());
    assert.equal(started.trace_id, undefined);
    const connected = logs.find((l) => l.msg === 'database connected');
    assert.ok(connected);
    assert.equal(connected.nodeEnv, undefined, 'fields of an earlier log line must not reappear');
  });

  it('flushes buffered spans during the graceful shutdown (SIGTERM) and exits 0', async () => {
    const local = await startOtlpReceiver();
    // A 60 s batch delay: the span can only reach the receiver through the shutdown flush.
    const s = await spawnServer({ DATABASE_URL: cluster.url, ...otelEnv(local, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' }) });
    try {
      await waitForStatus(`${s.baseUrl}/health`, 200);
      assert.equal((await get(`${s.baseUrl}/api/page-views/stats`)).status, 200);
      assert.equal(local.spans().length, 0, 'nothing exported before the shutdown');
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.output());
      assert.ok(serverSpanFor(local, '/api/page-views/stats'), 'the stats span was flushed on shutdown');
      assert.ok(local.metrics().length > 0, 'metrics were flushed on shutdown');
      assert.ok(s.logs().some((l) => l.msg === 'telemetry flushed'), s.output());
    } finally {
      s.kill();
      await local.close();
    }
  });

  it('a collector that never answers does not hold the shutdown past SHUTDOWN_TIMEOUT_MS (exit 0)', async () => {
    const stuck = await startOtlpReceiver({ hang: true });
    const s = await spawnServer({
      DATABASE_URL: cluster.url,
      SHUTDOWN_TIMEOUT_MS: '1500',
      ...otelEnv(stuck, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' }),
    });
    try {
      await waitForStatus(`${s.baseUrl}/health`, 200);
      const t0 = Date.now();
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.output());
      const elapsed = Date.now() - t0;
      assert.ok(elapsed < 2_500, `shutdown took ${elapsed} ms`);
      assert.ok(stuck.requests().length > 0, 'the flush did try to export');
      assert.ok(s.logs().some((l) => l.msg === 'telemetry flush timed out, dropping buffered spans'), s.output());
    } finally {
      s.kill();
      await stuck.close();
    }
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT (or with OTEL_SDK_DISABLED=true) nothing is exported', async () => {
    const idle = await startOtlpReceiver();
    // The signal-specific endpoints point at the receiver: were the SDK running, it would export there.
    const unset = await spawnServer({
      DATABASE_URL: cluster.url,
      ...otelEnv(idle),
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${idle.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${idle.url}/v1/metrics`,
    });
    const disabled = await spawnServer({ DATABASE_URL: cluster.url, ...otelEnv(idle), OTEL_SDK_DISABLED: 'true' });
    try {
      for (const s of [unset, disabled]) {
        await waitForStatus(`${s.baseUrl}/health`, 200);
        assert.equal((await get(`${s.baseUrl}/api/page-views/stats`, { 'x-request-id': 'no-otel' })).status, 200);
      }
      // Several batch (200 ms) and metric (500 ms) intervals, then a shutdown (which would flush).
      await new Promise((r) => setTimeout(r, 1_200));
      for (const s of [unset, disabled]) {
        s.child.kill('SIGTERM');
        assert.equal(await s.exited, 0, s.output());
        const line = s.logs().find((l) => l.reqId === 'no-otel' && l.msg === 'request completed');
        assert.ok(line, s.output());
        assert.equal(line.trace_id, undefined);
        assert.ok(!s.logs().some((l) => String(l.msg).startsWith('telemetry')), s.output());
      }
      assert.deepEqual(idle.requests(), []);
    } finally {
      unset.kill();
      disabled.kill();
      await idle.close();
    }
  });
});
