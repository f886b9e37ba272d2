/* eslint-disable import/no-extraneous-dependencies */
// Custom-resource handler: creates (idempotently) a dedicated PostgreSQL database and a least-privilege login role
// inside an existing cluster or instance, using the cluster's admin secret, and writes the application's complete
// DATABASE_URL into the application secret. Bundled by projen (esbuild) for the Node 22 Lambda runtime; `pg` is
// bundled, the AWS SDK comes from the runtime.
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, ClientConfig } from 'pg';
import { CustomResourceEvent, sendResponse } from './custom-resource-response';

/** What the custom resource passes in ResourceProperties. */
export interface DatabaseSetupProperties {
  /** Secret with the cluster's admin `username` and `password`. */
  readonly AdminSecretArn: string;
  /** Secret with the application's `username` and `password` (generated); the handler adds `DATABASE_URL` to it. */
  readonly AppSecretArn: string;
  readonly Host: string;
  readonly Port: string;
  readonly DatabaseName: string;
  readonly ConnectionLimit: string;
  /** `require` (TLS, certificate verified) or `disable` (tests only). */
  readonly SslMode?: string;
}

/** Credentials of one PostgreSQL login. */
export interface Login {
  readonly username: string;
  readonly password: string;
}

/** Parameters of one setup run. */
export interface SetupParams {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly connectionLimit: number;
  readonly admin: Login;
  readonly app: Login;
  readonly ssl: boolean;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quotes a PostgreSQL identifier after checking it is a plain lower-case name. */
export function ident(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`'${name}' is not a valid name: use lower-case letters, digits and underscores, starting with a letter`);
  }
  return `"${name}"`;
}

/** Quotes a string literal for PostgreSQL (standard_conforming_strings on). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The complete, correctly encoded connection URL of the application role. */
export function databaseUrl(p: SetupParams): string {
  const u = encodeURIComponent(p.app.username);
  const pw = encodeURIComponent(p.app.password);
  const ssl = p.ssl ? '?sslmode=require' : '';
  return `postgresql://${u}:${pw}@${p.host}:${p.port}/${encodeURIComponent(p.database)}${ssl}`;
}

function clientConfig(p: SetupParams, database: string, login: Login): ClientConfig {
  return {
    host: p.host,
    port: p.port,
    database,
    user: login.username,
    password: login.password,
    ssl: p.ssl ? { rejectUnauthorized: true } : false,
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
  };
}

/**
 * Creates or updates the role and the database; safe to run any number of times. The role can log in only to its
 * own database (CONNECT is revoked from PUBLIC), owns it (so migrations can create tables), has no superuser,
 * CREATEDB or CREATEROLE rights, and is capped at `connectionLimit` connections.
 */
export async function setupDatabase(p: SetupParams): Promise<void> {
  const role = ident(p.app.username);
  const db = ident(p.database);
  if (!Number.isInteger(p.connectionLimit) || p.connectionLimit < 1) {
    throw new Error(`ConnectionLimit must be a positive integer, got ${p.connectionLimit}`);
  }
  const admin = new Client(clientConfig(p, 'postgres', p.admin));
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [p.app.username]);
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT CONNECTION LIMIT ${p.connectionLimit} PASSWORD ${literal(p.app.password)}`;
    if (exists.rowCount === 0) {
      await admin.query(`CREATE ROLE ${role} ${attributes}`);
    } else {
      await admin.query(`ALTER ROLE ${role} ${attributes}`);
    }
    // On RDS/Aurora the admin is not a superuser: it must be a member of the role to make it the database owner.
    await admin.query(`GRANT ${role} TO CURRENT_USER`).catch(() => undefined);
    const dbExists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [p.database]);
    if (dbExists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${db} OWNER ${role}`);
    } else {
      await admin.query(`ALTER DATABASE ${db} OWNER TO ${role}`);
    }
    await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`);
  } finally {
    await admin.end();
  }
  // Inside the new database: the application role owns the public schema (PostgreSQL 15+ gives it to the database
  // owner already; older versions give CREATE to everyone, which is revoked here).
  const inDb = new Client(clientConfig(p, p.database, p.admin));
  await inDb.connect();
  try {
    await inDb.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await inDb.query(`ALTER SCHEMA public OWNER TO ${role}`);
  } finally {
    await inDb.end();
  }
}

/** Reads a JSON secret. */
type ReadSecret = (arn: string) => Promise<{ [key: string]: unknown }>;
/** Writes a JSON secret. */
type WriteSecret = (arn: string, value: { [key: string]: unknown }) => Promise<void>;

/** The handler's work, with the secret store injected (tests pass an in-memory one). */
export async function run(event: CustomResourceEvent<DatabaseSetupProperties>, readSecret: ReadSecret, writeSecret: WriteSecret): Promise<string> {
  const props = event.ResourceProperties;
  const physicalId = `${props.Host}:${props.Port}/${props.DatabaseName}`;
  if (event.RequestType === 'Delete') {
    // The database and its data are kept: dropping them is a decision for a person, not a stack deletion.
    return event.PhysicalResourceId ?? physicalId;
  }
  const admin = await readSecret(props.AdminSecretArn);
  const app = await readSecret(props.AppSecretArn);
  const params: SetupParams = {
    host: props.Host,
    port: Number(props.Port),
    database: props.DatabaseName,
    connectionLimit: Number(props.ConnectionLimit),
    admin: { username: String(admin.username), password: String(admin.password) },
    app: { username: String(app.username), password: String(app.password) },
    ssl: (props.SslMode ?? 'require') !== 'disable',
  };
  await setupDatabase(params);
  await writeSecret(props.AppSecretArn, {
    ...app,
    host: params.host,
    port: params.port,
    dbname: params.database,
    engine: 'postgres',
    DATABASE_URL: databaseUrl(params),
  });
  return physicalId;
}

/** Lambda entry point. */
export async function handler(event: CustomResourceEvent<DatabaseSetupProperties>): Promise<void> {
  const sm = new SecretsManagerClient({});
  const readSecret: ReadSecret = async (arn) => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    return JSON.parse(out.SecretString ?? '{}');
  };
  const writeSecret: WriteSecret = async (arn, value) => {
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(value) }));
  };
  const fallbackId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-failed`;
  try {
    const physicalId = await run(event, readSecret, writeSecret);
    console.log(JSON.stringify({ level: 'info', msg: 'database setup done', requestType: event.RequestType, physicalId }));
    await sendResponse(event, 'SUCCESS', physicalId);
  } catch (e) {
    // Never log the event or the secrets: the message only.
    const message = e instanceof Error ? e.message : String(e);
    console.log(JSON.stringify({ level: 'error', msg: 'database setup failed', requestType: event.RequestType, error: message }));
    await sendResponse(event, 'FAILED', fallbackId, `database setup failed: ${message}`);
  }
}
