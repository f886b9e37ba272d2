// Verified database TLS, end to end, against a real PostgreSQL that serves TLS only with a certificate from a
// throw-away private CA (the stand-in for the RDS CA: Node does not trust it unless told).
// 1. The setup handler, bundled as it is for Lambda and run in a process that gets the CA the way Lambda gets the
//    RDS CAs (NODE_EXTRA_CA_CERTS), connects with verification and writes DATABASE_URL and DATABASE_CA; without the CA
//    it fails with a message that says what to do.
// 2. The DATABASE_URL it wrote, with the CA delivered the way the task definition delivers it (the init container's
//    own command writes DATABASE_CA to a file; the container's environment points at it), connects with verification
//    from node-postgres (the example API, Umami) and from libpq (psql: OpenReplay's migrations, chalice).
import { execFileSync, spawnSync } from 'child_process';
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { buildSync } from 'esbuild';
import { DatabaseSource } from '../src';
import { LocalPostgres, startPostgres } from './helpers/postgres';
import { DATABASE_CA_COMMAND, DATABASE_CA_DIR, DATABASE_CA_ENVIRONMENT, DATABASE_CA_FILE, trustDatabaseCa } from '../src/core/database-ca';

jest.setTimeout(120_000);

let pg: LocalPostgres;
let work: string;
let bundle: string;

beforeAll(async () => {
  pg = await startPostgres({ tls: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'db-tls-'));
  // The handler as the Lambda runs it: one esbuild bundle, the AWS SDK left to the runtime.
  bundle = path.join(work, 'handler.js');
  buildSync({
    entryPoints: [path.join(__dirname, '../src/core/database-setup.lambda.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    outfile: bundle,
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
});
afterAll(() => {
  pg?.destroy();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface HandlerRun {
  readonly secrets?: { [arn: string]: { [key: string]: any } };
  readonly error?: string;
}

/** Runs the bundled handler's run() in a fresh Node process with `env` (an in-memory secret store). */
function runHandler(databaseName: string, env: { [key: string]: string | undefined }): HandlerRun {
  const secrets = {
    admin: { username: pg.user, password: pg.password },
    app: { username: databaseName, password: "p@ss:w/rd?#%&'\"é" },
  };
  const event = {
    RequestType: 'Create',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Tls/uuid',
    LogicalResourceId: `Setup${databaseName}`,
    RequestId: 'r',
    ResponseURL: 'http://127.0.0.1:1/',
    ResourceType: 'Custom::PostgresDatabase',
    ResourceProperties: {
      ServiceToken: 'x',
      AdminSecretArn: 'admin',
      AppSecretArn: 'app',
      Host: pg.host,
      Port: String(pg.port),
      DatabaseName: databaseName,
      ConnectionLimit: '5',
      SslMode: 'verify-full',
    },
  };
  const script = `
    const { run } = require(${JSON.stringify(bundle)});
    const secrets = ${JSON.stringify(secrets)};
    run(${JSON.stringify(event)}, async (arn) => secrets[arn], async (arn, v) => { secrets[arn] = v; })
      .then(() => console.log(JSON.stringify({ secrets })), (e) => console.log(JSON.stringify({ error: e.message })));`;
  // The AWS SDK, which the Lambda runtime provides, comes from the project's node_modules.
  const out = spawnSync(process.execPath, ['-e', script], {
    env: cleanEnv({ ...env, NODE_PATH: path.join(__dirname, '..', 'node_modules') }), encoding: 'utf8', timeout: 60_000,
  });
  if (out.status !== 0) throw new Error(`handler process failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!);
}

/** The process environment without any CA or libpq settings of the machine, plus `extra`. */
function cleanEnv(extra: { [key: string]: string | undefined }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(NODE_EXTRA_CA_CERTS|NODE_TLS_REJECT_UNAUTHORIZED|PG.*|SSL_CERT_.*)$/.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** The task definition as the library writes it for a database consumer. */
function synthesizedTask(): { init: any; consumer: any } {
  const app = new App();
  const stack = new Stack(app, 'Tls', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const binding = DatabaseSource.newCluster().bind(stack, { vpc, databaseName: 'app' });
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  const image = ecs.ContainerImage.fromRegistry('node:22-alpine');
  const consumer = task.addContainer('app', { image, secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(binding.secret, 'DATABASE_URL') } });
  trustDatabaseCa(task, binding, [consumer], image);
  const [definition] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition')) as any[];
  const containers = definition.Properties.ContainerDefinitions;
  return { init: containers.find((c: any) => c.Name === 'database-ca'), consumer: containers.find((c: any) => c.Name === 'app') };
}

/** Does what the init container does: its own command, with the CA from the secret in its environment. */
function deliverCa(ca: string, dir: string): string {
  const { init } = synthesizedTask();
  expect(init.EntryPoint).toEqual(['sh', '-c']);
  const command: string = init.Command[0];
  expect(command).toBe(DATABASE_CA_COMMAND);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', command.split(DATABASE_CA_DIR).join(dir)], { env: { PATH: process.env.PATH, DATABASE_CA: ca } });
  return path.join(dir, path.basename(DATABASE_CA_FILE));
}

/** The consumer container's environment, with the CA path moved to where this test wrote the file. */
function consumerEnv(caFile: string): { [key: string]: string } {
  const { consumer } = synthesizedTask();
  const env: { [key: string]: string } = {};
  for (const { Name, Value } of consumer.Environment) env[Name] = Value === DATABASE_CA_FILE ? caFile : Value;
  return env;
}

/** Connects with node-postgres from a fresh process, as the containers do: `new Pool({ connectionString })`. */
function nodePostgres(url: string, env: { [key: string]: string | undefined }): { row?: any; error?: string } {
  const script = `
    const { Pool } = require('pg');
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 10000 });
    pool.query("SELECT current_user AS u, ssl, version AS tls FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
      .then((r) => console.log(JSON.stringify({ row: r.rows[0] })), (e) => console.log(JSON.stringify({ error: e.message })))
      .finally(() => pool.end());`;
  const out = spawnSync(process.execPath, ['-e', script], { env: cleanEnv({ ...env, DATABASE_URL: url }), encoding: 'utf8', cwd: path.join(__dirname, '..') });
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
}

describe('database setup handler against a TLS-only PostgreSQL with a private CA', () => {
  test('plain connections are refused by the server (the stand-in for rds.force_ssl)', () => {
    const out = nodePostgres(`postgresql://${pg.user}:${pg.password}@${pg.host}:${pg.port}/postgres?sslmode=disable`, {});
    expect(out.error).toMatch(/no pg_hba.conf entry .* no encryption/);
  });

  test('without the CA the handler fails, saying what to set', () => {
    const out = runHandler('untrusted', {});
    expect(out.error).toMatch(/^the certificate of 127\.0\.0\.1:\d+ is not signed by a trusted CA \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); .*NODE_EXTRA_CA_CERTS is not set.*\/var\/runtime\/ca-cert\.pem/);
  });

  test('with the CA given as Lambda gets it (NODE_EXTRA_CA_CERTS) it sets up, and writes a verify-full URL and the CA', () => {
    const out = runHandler('tls_app', { NODE_EXTRA_CA_CERTS: pg.caFile });
    expect(out.error).toBeUndefined();
    const app = out.secrets!.app;
    expect(app.DATABASE_URL).toBe(`postgresql://tls_app:p%40ss%3Aw%2Frd%3F%23%25%26'%22%C3%A9@127.0.0.1:${pg.port}/tls_app?sslmode=verify-full`);
    expect(app.port).toBe(pg.port);
    // DATABASE_CA is exactly the CA that signed the server's certificate.
    const written = new X509Certificate(app.DATABASE_CA);
    expect(written.fingerprint256).toBe(new X509Certificate(fs.readFileSync(pg.caFile!)).fingerprint256);
  });

  describe('DATABASE_URL used as each container uses it, with the CA delivered as the task definition delivers it', () => {
    let url: string;
    let caFile: string;
    beforeAll(() => {
      const app = runHandler('tls_consumer', { NODE_EXTRA_CA_CERTS: pg.caFile }).secrets!.app;
      url = app.DATABASE_URL;
      caFile = deliverCa(app.DATABASE_CA, path.join(work, 'volume'));
    });

    test('the consumer gets the CA environment and the read-only volume, after the init container succeeded', () => {
      const { consumer, init } = synthesizedTask();
      expect(consumer.MountPoints).toEqual([{ ContainerPath: DATABASE_CA_DIR, SourceVolume: 'database-ca', ReadOnly: true }]);
      expect(consumer.DependsOn).toEqual([{ ContainerName: 'database-ca', Condition: 'SUCCESS' }]);
      expect(init).toMatchObject({ Essential: false, User: '0', ReadonlyRootFilesystem: true });
      expect(init.Secrets).toEqual([{ Name: 'DATABASE_CA', ValueFrom: expect.anything() }]);
      for (const [name, value] of Object.entries(DATABASE_CA_ENVIRONMENT)) expect(consumer.Environment).toContainEqual({ Name: name, Value: value });
    });

    test('node-postgres (example API, Umami) connects with verification', () => {
      const out = nodePostgres(url, consumerEnv(caFile));
      expect(out.error).toBeUndefined();
      expect(out.row).toEqual({ u: 'tls_consumer', ssl: true, tls: expect.stringMatching(/^TLSv1\.[23]$/) });
    });

    test('node-postgres refuses the same URL without the CA (it really verifies)', () => {
      expect(nodePostgres(url, {}).error).toBe('unable to verify the first certificate');
    });

    test('libpq (psql) connects with verify-full and PGSSLROOTCERT', () => {
      const env = cleanEnv(consumerEnv(caFile));
      const out = execFileSync('psql', [url, '-tAc', 'SELECT current_user || \':\' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'], { env, encoding: 'utf8' });
      expect(out.trim()).toBe('tls_consumer:true');
      const refused = spawnSync('psql', [url, '-tAc', 'SELECT 1'], { env: cleanEnv({ PGSSLROOTCERT: path.join(work, 'missing.pem') }), encoding: 'utf8' });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/root certificate file .* does not exist|certificate verify failed/);
    });
  });
});
