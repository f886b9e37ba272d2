/**
 * The service against a TLS-only PostgreSQL, configured exactly as the ECS task definition configures it
 * (FastifyFargateApi with a database: DATABASE_URL from the setup custom resource, ending in `?sslmode=verify-full`,
 * and the CA file written by the `database-ca` init container, named by NODE_EXTRA_CA_CERTS, PGSSLROOTCERT and
 * PGSSLMODE; see DATABASE_CA_ENVIRONMENT in src/core/database-ca.ts of the construct library).
 *
 * The server certificate comes from a throw-away CA that no trust store knows, the stand-in for the RDS CA.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type PgCluster } from './support/postgres.js';
import { MIGRATE_JS, runNode, spawnServer, waitForStatus, waitUntil, type RunningServer } from './support/server.js';

const APP_USER = 'page_views';
const APP_PASSWORD = 'app/pw:with@odd&chars';

describe('database over verified TLS (the task definition\'s environment)', () => {
  let cluster: PgCluster;
  let admin: pg.Client;
  /** The URL as the setup custom resource writes it: application role, encoded password, sslmode=verify-full. */
  let databaseUrl: string;
  /** The container environment the task definition sets besides DATABASE_URL. */
  let caEnvironment: Record<string, string>;
  const servers: RunningServer[] = [];

  before(async () => {
    cluster = await startPostgres({ tls: true, database: 'api' });
    assert.ok(cluster.caFile, 'the TLS fixture gives its CA file');
    admin = new pg.Client(cluster.clientConfig());
    await admin.connect();
    await admin.query(`CREATE ROLE ${APP_USER} LOGIN PASSWORD '${APP_PASSWORD}'`);
    await admin.query(`ALTER DATABASE api OWNER TO ${APP_USER}`);
    await admin.query(`ALTER SCHEMA public OWNER TO ${APP_USER}`);
    databaseUrl = `postgresql://${APP_USER}:${encodeURIComponent(APP_PASSWORD)}@127.0.0.1:${cluster.port}/api?sslmode=verify-full`;
    caEnvironment = { NODE_EXTRA_CA_CERTS: cluster.caFile, PGSSLROOTCERT: cluster.caFile, PGSSLMODE: 'verify-full' };
  });

  after(async () => {
    for (const s of servers) s.kill();
    await admin?.end().catch(() => undefined);
    await cluster?.destroy();
  });

  it('the fixture is TLS-only, and its CA is trusted by no one unless told', async () => {
    const plain = new pg.Client({ ...cluster.clientConfig(), ssl: false });
    await assert.rejects(plain.connect(), /no pg_hba\.conf entry .* no encryption/);
    const untrusted = new pg.Client({ ...cluster.clientConfig(), ssl: {} });
    await assert.rejects(untrusted.connect(), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', err.message);
      return true;
    });
  });

  it('with the CA as the task gives it: the migration command connects and migrates', async () => {
    const first = await runNode(MIGRATE_JS, { DATABASE_URL: databaseUrl, ...caEnvironment });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /"msg":"migrations complete"/);
    const { rows } = await admin.query<{ owner: string }>(
      "SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'page_views'",
    );
    assert.deepEqual(rows, [{ owner: APP_USER }], 'the migration ran as the application role');
  });

  it('with the CA as the task gives it: /health is 200, and the service\'s connections are TLS', async () => {
    const server = await spawnServer({ DATABASE_URL: databaseUrl, ...caEnvironment });
    servers.push(server);
    const res = await waitForStatus(`${server.baseUrl}/health`, 200);
    assert.equal(((await res.json()) as { database: string }).database, 'connected');

    const post = await fetch(`${server.baseUrl}/api/page-views`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/over-tls' }),
    });
    assert.equal(post.status, 201, await post.text());

    // The pool keeps its connections open for 30 s, so the server side can show how they came in.
    const { rows } = await admin.query<{ user: string; ssl: boolean; version: string | null }>(
      `SELECT a.usename AS user, s.ssl, s.version
         FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
        WHERE a.application_name = 'page-views-api'`,
    );
    assert.ok(rows.length >= 1, 'the service holds a connection');
    for (const row of rows) {
      assert.equal(row.user, APP_USER);
      assert.equal(row.ssl, true);
      assert.match(row.version ?? '', /^TLSv1\.[23]$/);
    }
    const stored = await admin.query("SELECT count(*)::int AS n FROM page_views WHERE path = '/over-tls'");
    assert.equal(stored.rows[0].n, 1);
  });

  it('the URL alone asks for verified TLS (node-postgres would also take PGSSLMODE): 200 with only NODE_EXTRA_CA_CERTS', async () => {
    const server = await spawnServer({ DATABASE_URL: databaseUrl, NODE_EXTRA_CA_CERTS: caEnvironment.NODE_EXTRA_CA_CERTS });
    servers.push(server);
    await waitForStatus(`${server.baseUrl}/health`, 200);
    server.kill();
    await server.exited;
  });

  it('without NODE_EXTRA_CA_CERTS: the service stays up, /health is 503, the log names the certificate error', async () => {
    const { NODE_EXTRA_CA_CERTS: _omitted, ...withoutNodeCa } = caEnvironment;
    const server = await spawnServer({ DATABASE_URL: databaseUrl, ...withoutNodeCa });
    servers.push(server);
    const res = await waitForStatus(`${server.baseUrl}/health`, 503);
    assert.deepEqual(
      { ...((await res.json()) as object), uptime: 0 },
      { status: 'unhealthy', database: 'disconnected', uptime: 0, version: '1.0.0' },
    );
    await waitUntil(() => server.logs().some((l) => l.msg === 'database not reachable yet'), 'a retry log line');
    const retry = server.logs().find((l) => l.msg === 'database not reachable yet')!;
    const err = retry.err as { message: string; code: string };
    assert.deepEqual({ message: err.message, code: err.code }, {
      message: 'unable to verify the first certificate',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    assert.equal(server.child.exitCode, null, 'the service keeps running (and retrying)');

    const migration = await runNode(MIGRATE_JS, { DATABASE_URL: databaseUrl, ...withoutNodeCa });
    assert.equal(migration.code, 1);
    assert.match(migration.stderr, /"msg":"migration failed".*unable to verify the first certificate/);
  });
});
