import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PG_PASSWORD, startPostgres, type PgCluster } from './support/postgres.js';
import { spawnServer, waitForStatus, waitUntil, type RunningServer } from './support/server.js';

describe('/health against a real PostgreSQL', () => {
  let pg: PgCluster;
  let server: RunningServer;

  before(async () => {
    pg = await startPostgres();
  });

  after(async () => {
    server?.kill();
    await pg?.destroy();
  });

  it('starts while the database is down, answers 503, then turns healthy by itself', async () => {
    await pg.stop();
    server = await spawnServer({ DATABASE_URL: pg.url });
    const down = await waitForStatus(`${server.baseUrl}/health`, 503);
    assert.deepEqual(
      { ...((await down.json()) as object), uptime: 0, version: '' },
      { status: 'unhealthy', database: 'disconnected', uptime: 0, version: '' },
    );
    await waitUntil(() => server.logs().some((l) => l.msg === 'database not reachable yet'), 'a retry log line');

    await pg.start();
    await waitForStatus(`${server.baseUrl}/health`, 200);
    await waitUntil(() => server.logs().some((l) => l.msg === 'database connected'), 'the "database connected" log line', 15_000);
  });

  it('healthy: 200 with database connected', async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'healthy');
    assert.equal(body.database, 'connected');
    assert.equal(typeof body.uptime, 'number');
    assert.ok((body.uptime as number) > 0);
    assert.equal(body.version, '1.0.0');
  });

  it('database stopped -> 503 (and API routes 503); database back -> 200, same process', async () => {
    const pid = server.child.pid;
    await pg.stop(); // pg_ctl stop -m fast: pooled connections are terminated
    const res = await fetch(`${server.baseUrl}/health`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'unhealthy');
    assert.equal(body.database, 'disconnected');

    const post = await fetch(`${server.baseUrl}/api/page-views`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/' }),
    });
    assert.equal(post.status, 503);
    assert.equal(((await post.json()) as { message: string }).message, 'database unavailable');

    await pg.start();
    const back = await waitForStatus(`${server.baseUrl}/health`, 200, 10_000);
    assert.equal(((await back.json()) as { database: string }).database, 'connected');
    assert.equal(server.child.pid, pid);
    assert.equal(server.child.exitCode, null, 'the service was not restarted');
  });

  it('/health stays cheap under a burst (concurrent checks share one query)', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => fetch(`${server.baseUrl}/health`).then((r) => r.status)));
    assert.deepEqual(new Set(results), new Set([200]));
  });

  it('request ids: echoed when valid, generated otherwise, present in logs', async () => {
    const mine = await fetch(`${server.baseUrl}/api/ping`, { headers: { 'x-request-id': 'req-abc.123' } });
    assert.equal(mine.headers.get('x-request-id'), 'req-abc.123');
    const bogus = await fetch(`${server.baseUrl}/api/ping`, { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(bogus.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const res = await fetch(`${server.baseUrl}/api/page-views/stats?days=oops`, { headers: { 'x-request-id': 'trace-me-42' } });
    assert.equal(res.status, 400);
    await waitUntil(() => server.logs().some((l) => l.reqId === 'trace-me-42'), 'a log line carrying the request id');
  });

  it('logs are JSON and never contain secrets', async () => {
    await fetch(`${server.baseUrl}/api/page-views/stats?days=bad`, { headers: { authorization: 'Bearer top-secret-token-xyz' } });
    await new Promise((r) => setTimeout(r, 100));
    const out = server.output();
    for (const line of out.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
    assert.ok(!out.includes(PG_PASSWORD), 'database password leaked into logs');
    assert.ok(!out.includes('top-secret-token-xyz'), 'authorization header leaked into logs');
    assert.ok(out.includes('postgres://postgres:***@127.0.0.1'), 'redacted DATABASE_URL is logged at start-up');
  });
});
