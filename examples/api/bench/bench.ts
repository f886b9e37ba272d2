/**
 * `npm run bench`: throw-away PostgreSQL + the built server (NODE_ENV=production,
 * LOG_LEVEL=info, stdout discarded), loopback only. Measures
 *   (a) spawn -> first 200 on /health, 5 cold starts;
 *   (b) /health under 100 connections for 10 s (autocannon);
 *   (c) the same load on GET /api/ping (constant, no DB) in the same server,
 *       so (b)/(c) is the cost of the health check itself.
 * (b) and (c) alternate for BENCH_ROUNDS rounds (default 2) because a shared
 * 2-vCPU VM is noisy; the ratio uses the mean req/s of each route.
 * Stops by itself (~60 s) and removes the database cluster.
 *
 * Tracing is off by default (OTEL_EXPORTER_OTLP_ENDPOINT unset, as in the
 * figures of the README). BENCH_OTEL=1 turns it on for every server started
 * here, exporting to an in-process OTLP sink that reads and discards the
 * payloads, to measure the cost of the instrumentation.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import autocannon from 'autocannon';
import { startPostgres, type PgCluster } from '../test/support/postgres.js';
import { freePort } from '../test/support/net.js';
import { MIGRATE_JS, SERVER_JS, runNode, spawnServer, waitForStatus, type RunningServer } from '../test/support/server.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const OTEL = process.env.BENCH_OTEL === '1';

/** Extra environment for the servers: the OTLP endpoint when BENCH_OTEL=1. */
let otelEnv: Record<string, string> = {};
const sink = { requests: 0, bytes: 0 };
const otlpSink = createServer((req, res) => {
  sink.requests++;
  req.on('data', (chunk: Buffer) => (sink.bytes += chunk.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timeToHealthy(databaseUrl: string): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/health`;
  const t0 = performance.now();
  const child = spawn(process.execPath, [SERVER_JS], {
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), NODE_ENV: 'production', ...otelEnv },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (performance.now() - t0 > 15_000) throw new Error('server did not become healthy within 15 s');
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

interface LoadResult {
  route: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

async function load(url: string): Promise<LoadResult> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  return {
    route: new URL(url).pathname,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

let cluster: PgCluster | undefined;
let server: RunningServer | undefined;
const hardStop = setTimeout(() => {
  console.error('bench: global 120 s limit reached, aborting');
  server?.kill();
  process.exit(2); // the exit hook in support/postgres stops the cluster
}, 120_000);
hardStop.unref();

try {
  console.log(`node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()}), loopback only`);
  if (OTEL) {
    otlpSink.listen(0, '127.0.0.1');
    await once(otlpSink, 'listening');
    const { port } = otlpSink.address() as { port: number };
    otelEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'page-views-api-bench' };
    console.log(`tracing ON (BENCH_OTEL=1): OTLP/HTTP JSON to an in-process sink at ${otelEnv.OTEL_EXPORTER_OTLP_ENDPOINT}, default batching`);
  } else {
    console.log('tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset; BENCH_OTEL=1 turns it on)');
  }
  cluster = await startPostgres();
  const mig = await runNode(MIGRATE_JS, { DATABASE_URL: cluster.url });
  if (mig.code !== 0) throw new Error(`migrate failed: ${mig.stderr}`);

  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) starts.push(await timeToHealthy(cluster.url));

  server = await spawnServer({ DATABASE_URL: cluster.url, NODE_ENV: 'production', LOG_LEVEL: 'info', ...otelEnv });
  server.child.stdout!.removeAllListeners('data').resume(); // discard logs, as a log driver would consume them
  await waitForStatus(`${server.baseUrl}/health`, 200);
  // Short warm-up so the JIT and pool are hot for both measurements.
  await autocannon({ url: `${server.baseUrl}/health`, connections: 10, duration: 1 });
  await autocannon({ url: `${server.baseUrl}/api/ping`, connections: 10, duration: 1 });
  const rounds: LoadResult[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await load(`${server.baseUrl}/health`));
    rounds.push(await load(`${server.baseUrl}/api/ping`));
  }
  const mean = (route: string) => {
    const rs = rounds.filter((r) => r.route === route);
    return rs.reduce((n, r) => n + r.rps, 0) / rs.length;
  };
  const healthRps = mean('/health');
  const pingRps = mean('/api/ping');

  server.child.kill('SIGTERM');
  const code = await server.exited;

  const f = (n: number, d = 1) => n.toFixed(d);
  console.log('\n(a) spawn -> first 200 on /health');
  console.log(`    runs: ${starts.map((s) => f(s, 0)).join(', ')} ms`);
  console.log(`    min ${f(Math.min(...starts), 0)} ms, median ${f(median(starts), 0)} ms`);
  console.log(`\n(b)/(c) ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} alternating rounds, autocannon on the same machine`);
  console.log('    route        req/s      p50 ms  p99 ms  requests  errors  non-2xx');
  for (const r of rounds) {
    console.log(
      `    ${r.route.padEnd(12)} ${f(r.rps).padStart(9)}  ${String(r.p50).padStart(6)}  ${String(r.p99).padStart(6)}  ${String(r.requests).padStart(8)}  ${String(r.errors).padStart(6)}  ${String(r.non2xx).padStart(7)}`,
    );
  }
  console.log(`\n    mean req/s: /health ${f(healthRps)}, /api/ping ${f(pingRps)}`);
  console.log(`    /health throughput = ${f((healthRps / pingRps) * 100)}% of the bare route (${f(pingRps / healthRps, 2)}x cost per request)`);
  console.log(`    server exit code after SIGTERM under no load: ${code}`);
  if (OTEL) console.log(`    OTLP sink received ${sink.requests} export requests, ${f(sink.bytes / 1e6)} MB`);
  if (rounds.some((r) => r.errors || r.non2xx)) process.exitCode = 1;
} catch (err) {
  console.error('bench failed:', err);
  process.exitCode = 1;
} finally {
  server?.kill();
  await cluster?.destroy();
  if (otlpSink.listening) {
    otlpSink.closeAllConnections();
    otlpSink.close();
  }
}
