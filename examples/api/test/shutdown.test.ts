import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startPostgres, type PgCluster } from './support/postgres.js';
import { spawnServer, waitForStatus, waitUntil, type RunningServer } from './support/server.js';

/** One request on its own connection (no keep-alive agent). */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function tryConnect(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const started = (s: RunningServer, prefix: string) =>
  s.logs().filter((l) => l.msg === 'incoming request' && String((l.req as { url?: string })?.url).startsWith(prefix)).length;

describe('graceful shutdown', () => {
  let cluster: PgCluster;
  const servers: RunningServer[] = [];

  before(async () => {
    cluster = await startPostgres();
  });

  after(async () => {
    for (const s of servers) s.kill();
    await cluster?.destroy();
  });

  async function boot(env: Record<string, string> = {}) {
    const s = await spawnServer({ DATABASE_URL: cluster.url, ...env });
    servers.push(s);
    await waitForStatus(`${s.baseUrl}/health`, 200);
    return s;
  }

  it('SIGTERM with 50 requests in flight: all succeed, new connections refused, exit 0', async () => {
    const s = await boot();
    const N = 50;
    // pg_sleep holds real pool connections (max 10), so requests also queue for the pool.
    let settled = 0;
    const inflight = Array.from({ length: N }, () =>
      get(`${s.baseUrl}/api/_test/slow?ms=300`).finally(() => settled++),
    );
    await waitUntil(() => started(s, '/api/_test/slow') === N, `${N} requests to reach the server`);

    const t0 = Date.now();
    s.child.kill('SIGTERM');
    await waitUntil(() => s.logs().some((l) => l.msg?.startsWith('shutdown started')), 'the shutdown log line');

    // The listening socket closes straight away, while the requests are still being served.
    let attempt = await tryConnect(s.port);
    while (attempt !== 'ECONNREFUSED' && Date.now() - t0 < 2_000) {
      await new Promise((r) => setTimeout(r, 10));
      attempt = await tryConnect(s.port);
    }
    assert.equal(attempt, 'ECONNREFUSED', 'a new connection after SIGTERM is refused');
    assert.ok(settled < N, `refusal observed while ${N - settled} requests were still in flight`);

    const results = await Promise.all(inflight);
    const failed = results.filter((r) => r.status !== 200);
    assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 3))}`);
    assert.ok(results.every((r) => JSON.parse(r.body).slept === 300));

    const code = await s.exited;
    const elapsed = Date.now() - t0;
    assert.equal(code, 0, s.output().slice(-2000));
    assert.ok(elapsed < 25_000, `drained in ${elapsed} ms`);
    assert.ok(s.logs().some((l) => l.msg === 'shutdown complete'));
  });

  it('SIGINT on an idle server exits 0 quickly', async () => {
    const s = await boot();
    const t0 = Date.now();
    s.child.kill('SIGINT');
    assert.equal(await s.exited, 0);
    assert.ok(Date.now() - t0 < 2_000, `took ${Date.now() - t0} ms`);
  });

  it('hard deadline: draining that hangs past SHUTDOWN_TIMEOUT_MS exits 1', async () => {
    const s = await boot({ SHUTDOWN_TIMEOUT_MS: '500' });
    const stuck = get(`${s.baseUrl}/api/_test/slow?ms=10000`).catch((err: Error) => ({ status: 0, body: err.message }));
    await waitUntil(() => started(s, '/api/_test/slow') === 1, 'the slow request to start');
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 1);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 450 && elapsed < 3_000, `exited after ${elapsed} ms`);
    assert.ok(s.logs().some((l) => l.msg === 'shutdown deadline exceeded, forcing exit'));
    await stuck;
  });
});
