import * as http from 'http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { LocalPostgres, startPostgres } from './helpers/postgres';
import { databaseUrl, handler, ident, run, setupDatabase, SetupParams } from '../src/core/database-setup.lambda';

jest.setTimeout(60_000);

let pg: LocalPostgres;
beforeAll(async () => { pg = await startPostgres(); });
afterAll(() => pg?.destroy());

function params(overrides: Partial<SetupParams> = {}): SetupParams {
  return {
    host: pg.host,
    port: pg.port,
    database: 'umami',
    connectionLimit: 7,
    ssl: false,
    admin: { username: pg.user, password: pg.password },
    app: { username: 'umami', password: "p@ss:w/rd?#%&'\"é" },
    ...overrides,
  };
}

async function query<T = any>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try { return (await c.query(sql, values)).rows; } finally { await c.end(); }
}
const adminUrl = (db = 'postgres') => `postgresql://${pg.user}:${encodeURIComponent(pg.password)}@${pg.host}:${pg.port}/${db}`;

describe('database setup handler against a real PostgreSQL', () => {
  test('creates the role and database; the URL (password with special characters) connects', async () => {
    const p = params();
    await setupDatabase(p);
    const url = databaseUrl(p);
    expect(url).toBe(`postgresql://umami:p%40ss%3Aw%2Frd%3F%23%25%26'%22%C3%A9@127.0.0.1:${pg.port}/umami`);
    const rows = await query(url, 'SELECT current_user AS u, current_database() AS d');
    expect(rows[0]).toEqual({ u: 'umami', d: 'umami' });
    // The role can create tables in its own database (what migrations need).
    await query(url, 'CREATE TABLE IF NOT EXISTS t (id int)');
  });

  test('is idempotent, and updates password and connection limit', async () => {
    await setupDatabase(params());
    const p2 = params({ connectionLimit: 3, app: { username: 'umami', password: 'new-password-2' } });
    await setupDatabase(p2);
    const [role] = await query(adminUrl(), 'SELECT rolconnlimit, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1', ['umami']);
    expect(role).toEqual({ rolconnlimit: 3, rolsuper: false, rolcreatedb: false, rolcreaterole: false });
    await expect(query(databaseUrl(params()), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    expect(await query(databaseUrl(p2), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const [{ count }] = await query(adminUrl(), "SELECT count(*)::int AS count FROM pg_database WHERE datname = 'umami'");
    expect(count).toBe(1);
  });

  test('the database is closed to other roles, and the role cannot create objects in other databases', async () => {
    await query(adminUrl(), 'CREATE DATABASE other');
    await query(adminUrl(), "CREATE ROLE intruder LOGIN PASSWORD 'intruder-pw'");
    const p = params({ database: 'umami', app: { username: 'umami', password: 'pw-3' } });
    await setupDatabase(p);
    const intruder = databaseUrl({ ...p, app: { username: 'intruder', password: 'intruder-pw' } });
    await expect(query(intruder, 'SELECT 1')).rejects.toThrow(/permission denied for database "umami"/);
    // PostgreSQL grants CONNECT on every database to PUBLIC by default; what the role cannot do elsewhere is create.
    await expect(query(databaseUrl({ ...p, database: 'other' }), 'CREATE TABLE x (id int)')).rejects.toThrow(/permission denied for schema public/);
  });

  test('the connection limit is enforced', async () => {
    const p = params({ connectionLimit: 1, app: { username: 'umami', password: 'pw-4' } });
    await setupDatabase(p);
    const first = new Client({ connectionString: databaseUrl(p) });
    await first.connect();
    try {
      await expect(query(databaseUrl(p), 'SELECT 1')).rejects.toThrow(/too many connections for role "umami"/);
    } finally {
      await first.end();
    }
  });

  test('rejects names that are not plain identifiers', async () => {
    expect(() => ident('Robert"; DROP TABLE x; --')).toThrow(/is not a valid name/);
    await expect(setupDatabase(params({ database: 'bad-name' }))).rejects.toThrow(/'bad-name' is not a valid name/);
  });

  test('run(): reads both secrets, writes DATABASE_URL into the application secret; Delete keeps the data', async () => {
    const store: { [arn: string]: any } = {
      admin: { username: pg.user, password: pg.password },
      app: { username: 'reports', password: 'r3p0rts/pw' },
    };
    const event: any = {
      RequestType: 'Create',
      ResponseURL: 'http://unused',
      StackId: 's',
      RequestId: 'r',
      LogicalResourceId: 'Db',
      ResourceProperties: { AdminSecretArn: 'admin', AppSecretArn: 'app', Host: pg.host, Port: String(pg.port), DatabaseName: 'reports', ConnectionLimit: '5', SslMode: 'disable' },
    };
    const id = await run(event, async (arn) => store[arn], async (arn, v) => { store[arn] = v; });
    expect(id).toBe(`${pg.host}:${pg.port}/reports`);
    expect(store.app).toEqual({
      username: 'reports',
      password: 'r3p0rts/pw',
      host: pg.host,
      port: pg.port,
      dbname: 'reports',
      engine: 'postgres',
      DATABASE_URL: `postgresql://reports:r3p0rts%2Fpw@${pg.host}:${pg.port}/reports`,
    });
    expect(await query(store.app.DATABASE_URL, 'SELECT current_database() AS d')).toEqual([{ d: 'reports' }]);
    await run({ ...event, RequestType: 'Delete', PhysicalResourceId: id }, async () => { throw new Error('no secret read on delete'); }, async () => undefined);
    const [{ count }] = await query(adminUrl(), "SELECT count(*)::int AS count FROM pg_database WHERE datname = 'reports'");
    expect(count).toBe(1);
  });

  test('run(): a second application naming the same database on the server fails and changes nothing; its owner may run again', async () => {
    const store: { [arn: string]: any } = {
      admin: { username: pg.user, password: pg.password },
      first: { username: 'shared_db', password: 'first-password-1' },
      second: { username: 'shared_db', password: 'second-password-2' },
    };
    const event = (stack: string, appSecret: string): any => ({
      RequestType: 'Create',
      ResponseURL: 'http://unused',
      RequestId: 'r',
      LogicalResourceId: 'UmamiAppDatabaseSetup',
      StackId: `arn:aws:cloudformation:eu-west-1:111111111111:stack/${stack}/0d1e2f`,
      ResourceProperties: { AdminSecretArn: 'admin', AppSecretArn: appSecret, Host: pg.host, Port: String(pg.port), DatabaseName: 'shared_db', ConnectionLimit: '5', SslMode: 'disable' },
    });
    const read = async (arn: string) => store[arn];
    const write = async (arn: string, v: any) => { store[arn] = v; };
    await run(event('Marketing', 'first'), read, write);
    await expect(run(event('Shop', 'second'), read, write)).rejects.toThrow(
      `database 'shared_db' on ${pg.host} already belongs to Marketing/UmamiAppDatabaseSetup; two applications on one server need different database names (databaseName)`);
    // The first application's password still works; the second's never took effect.
    expect(await query(store.first.DATABASE_URL, 'SELECT current_user AS u')).toEqual([{ u: 'shared_db' }]);
    expect(store.second.DATABASE_URL).toBeUndefined();
    await run({ ...event('Marketing', 'first'), RequestType: 'Update' }, read, write);
  });

  test('handler(): reports FAILED to CloudFormation without leaking secrets when the database is down', async () => {
    const bodies: any[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { bodies.push({ method: req.method, body: JSON.parse(body) }); res.end(); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as any).port;
    pg.stop();
    try {
      const spy = jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (cmd: any) => {
        if (cmd.input.SecretString) return {};
        return { SecretString: JSON.stringify(cmd.input.SecretId === 'admin' ? { username: pg.user, password: pg.password } : { username: 'x', password: 'top-secret-pw' }) };
      });
      await handler({
        RequestType: 'Create',
        ResponseURL: `http://127.0.0.1:${port}/response?sig=1`,
        StackId: 's',
        RequestId: 'r',
        LogicalResourceId: 'Db',
        ResourceProperties: { AdminSecretArn: 'admin', AppSecretArn: 'app', Host: pg.host, Port: String(pg.port), DatabaseName: 'x', ConnectionLimit: '5', SslMode: 'disable' },
      });
      spy.mockRestore();
    } finally {
      pg.start();
      server.close();
    }
    expect(bodies).toHaveLength(1);
    expect(bodies[0].method).toBe('PUT');
    expect(bodies[0].body).toMatchObject({ Status: 'FAILED', RequestId: 'r', LogicalResourceId: 'Db', PhysicalResourceId: 'Db-failed' });
    expect(bodies[0].body.Reason).toMatch(/^database setup failed: .*ECONNREFUSED/);
    expect(JSON.stringify(bodies[0])).not.toContain('top-secret-pw');
    expect(JSON.stringify(bodies[0])).not.toContain(pg.password);
  });
});
