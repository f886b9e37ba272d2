import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type PgCluster } from './support/postgres.js';
import { MIGRATE_JS, runNode, spawnServer, waitForStatus, type RunningServer } from './support/server.js';

describe('migrations and /api/page-views', () => {
  let cluster: PgCluster;
  let server: RunningServer;
  let db: pg.Client;

  before(async () => {
    cluster = await startPostgres();
    db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
  });

  after(async () => {
    server?.kill();
    await db?.end().catch(() => undefined);
    await cluster?.destroy();
  });

  const post = (body: unknown, raw?: string) =>
    fetch(`${server.baseUrl}/api/page-views`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ?? JSON.stringify(body),
    });

  it('migrate applies once, then is a no-op (idempotent)', async () => {
    const first = await runNode(MIGRATE_JS, { DATABASE_URL: cluster.url });
    assert.equal(first.code, 0, first.stderr);
    const log1 = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(log1.applied, ['0001_create_page_views']);
    assert.deepEqual(log1.skipped, []);

    const second = await runNode(MIGRATE_JS, { DATABASE_URL: cluster.url });
    assert.equal(second.code, 0, second.stderr);
    const log2 = JSON.parse(second.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(log2.applied, []);
    assert.deepEqual(log2.skipped, ['0001_create_page_views']);

    const { rows } = await db.query('SELECT id FROM schema_migrations');
    assert.deepEqual(rows, [{ id: '0001_create_page_views' }]);
    assert.ok(!first.stdout.includes(cluster.url.split(':')[2]!.split('@')[0]!), 'password not logged');
  });

  it('concurrent migrate runs serialise on the advisory lock', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => runNode(MIGRATE_JS, { DATABASE_URL: cluster.url })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
  });

  it('migrate exits 1 when the database stays unreachable', async () => {
    const bad = cluster.url.replace(/:(\d+)\//, ':1/');
    const r = await runNode(MIGRATE_JS, { DATABASE_URL: bad }, 60_000);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"msg":"migration failed"/);
  });

  it('server starts', async () => {
    server = await spawnServer({ DATABASE_URL: cluster.url });
    await waitForStatus(`${server.baseUrl}/health`, 200);
  });

  it('POST /api/page-views stores a view (201)', async () => {
    const res = await post({ path: '/pricing', referrer: 'https://news.example.com/item?id=1' });
    assert.equal(res.status, 201);
    const body = (await res.json()) as Record<string, unknown>;
    assert.match(body.id as string, /^\d+$/);
    assert.equal(body.path, '/pricing');
    assert.equal(body.referrer, 'https://news.example.com/item?id=1');
    assert.ok(Math.abs(Date.parse(body.createdAt as string) - Date.now()) < 60_000);

    const noRef = await post({ path: '/' });
    assert.equal(noRef.status, 201);
    assert.equal(((await noRef.json()) as { referrer: unknown }).referrer, null);
  });

  const invalid: [string, unknown, string?][] = [
    ['missing path', { referrer: 'https://a.example' }],
    ['empty path', { path: '' }],
    ['path not starting with /', { path: 'pricing' }],
    ['path too long', { path: '/' + 'a'.repeat(2048) }],
    ['path not a string', { path: 42 }],
    ['referrer not a URI', { path: '/', referrer: 'not a url' }],
    ['unknown property', { path: '/', userId: 7 }],
    ['malformed JSON', undefined, '{"path": '],
    ['array body', [{ path: '/' }]],
  ];
  for (const [name, body, raw] of invalid) {
    it(`POST /api/page-views rejects ${name} with 400`, async () => {
      const res = await post(body, raw);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: string };
      assert.equal(json.error, 'Bad Request');
    });
  }

  it('POST with a non-JSON content type is 415', async () => {
    const res = await fetch(`${server.baseUrl}/api/page-views`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'path=/' });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { error: string }).error, 'Unsupported Media Type');
  });

  it('GET /api/page-views/stats aggregates the requested window', async () => {
    await db.query('TRUNCATE page_views');
    // 3 recent views on /a (2 from the same referrer), 1 on /b, 2 old ones outside a 7-day window.
    await db.query(`
      INSERT INTO page_views (path, referrer, created_at) VALUES
        ('/a', 'https://r.example', now() - interval '1 hour'),
        ('/a', 'https://r.example', now() - interval '2 days'),
        ('/a', NULL,                now() - interval '3 days'),
        ('/b', 'https://s.example', now() - interval '5 minutes'),
        ('/old', NULL,              now() - interval '20 days'),
        ('/old', NULL,              now() - interval '40 days')`);
    for (let i = 0; i < 2; i++) assert.equal((await post({ path: '/b' })).status, 201);

    const res = await fetch(`${server.baseUrl}/api/page-views/stats?days=7`);
    assert.equal(res.status, 200);
    const s = (await res.json()) as {
      days: number; total: number; uniquePaths: number; from: string;
      topPaths: { path: string; views: number }[];
      topReferrers: { referrer: string; views: number }[];
      daily: { date: string; views: number }[];
    };
    assert.equal(s.days, 7);
    assert.equal(s.total, 6);
    assert.equal(s.uniquePaths, 2);
    assert.deepEqual(s.topPaths, [{ path: '/a', views: 3 }, { path: '/b', views: 3 }]);
    assert.deepEqual(s.topReferrers, [{ referrer: 'https://r.example', views: 2 }, { referrer: 'https://s.example', views: 1 }]);
    assert.equal(s.daily.reduce((n, d) => n + d.views, 0), 6);
    assert.ok(s.daily.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.date)));
    assert.ok(Math.abs(Date.parse(s.from) - (Date.now() - 7 * 86_400_000)) < 60_000);

    const month = (await (await fetch(`${server.baseUrl}/api/page-views/stats?days=30`)).json()) as { total: number };
    assert.equal(month.total, 7);
    const dflt = (await (await fetch(`${server.baseUrl}/api/page-views/stats`)).json()) as { days: number; total: number };
    assert.deepEqual([dflt.days, dflt.total], [7, 6]);
  });

  for (const q of ['days=0', 'days=366', 'days=abc', 'days=1.5', 'foo=1']) {
    it(`GET /api/page-views/stats?${q} is 400`, async () => {
      const res = await fetch(`${server.baseUrl}/api/page-views/stats?${q}`);
      assert.equal(res.status, 400);
    });
  }

  it('unknown routes are 404 JSON', async () => {
    const res = await fetch(`${server.baseUrl}/api/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: string }).error, 'Not Found');
  });

  it('test-only routes do not exist outside NODE_ENV=test', async () => {
    const prod = await spawnServer({ DATABASE_URL: cluster.url, NODE_ENV: 'production' });
    try {
      await waitForStatus(`${prod.baseUrl}/health`, 200);
      assert.equal((await fetch(`${prod.baseUrl}/api/_test/slow?ms=1`)).status, 404);
      assert.equal((await fetch(`${server.baseUrl}/api/_test/slow?ms=1`)).status, 200);
    } finally {
      prod.child.kill('SIGTERM');
      assert.equal(await prod.exited, 0);
    }
  });
});
