/* eslint-disable import/no-extraneous-dependencies */
// Custom-resource handler: creates (idempotently) a dedicated PostgreSQL database and a least-privilege login role
// inside an existing cluster or instance, using the cluster's admin secret, and writes the application's complete
// DATABASE_URL into the application secret. Bundled by projen (esbuild) for the Node 22 Lambda runtime; `pg` is
// bundled, the AWS SDK comes from the runtime.
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import { TLSSocket } from 'tls';
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
  /**
   * `verify-full` (TLS; the server certificate is verified against the trusted CAs, on Lambda the runtime's CA file
   * given in NODE_EXTRA_CA_CERTS, and its name against the host) or `disable` (tests only). `require`, which earlier
   * versions wrote, means `verify-full`.
   */
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
  /** Who owns the database (stack and logical id of the custom resource); another owner fails the setup. */
  readonly owner?: string;
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

/**
 * The complete, correctly encoded connection URL of the application role. With TLS it says `sslmode=verify-full`,
 * which means the same to every client: libpq (psql, psycopg), pgx and node-postgres all verify the certificate and the
 * host name, against the CA file the container is given (NODE_EXTRA_CA_CERTS for Node, PGSSLROOTCERT for libpq/pgx).
 */
export function databaseUrl(p: SetupParams): string {
  const u = encodeURIComponent(p.app.username);
  const pw = encodeURIComponent(p.app.password);
  const ssl = p.ssl ? '?sslmode=verify-full' : '';
  return `postgresql://${u}:${pw}@${p.host}:${p.port}/${encodeURIComponent(p.database)}${ssl}`;
}

function clientConfig(p: SetupParams, database: string, login: Login): ClientConfig {
  return {
    host: p.host,
    port: p.port,
    database,
    user: login.username,
    password: login.password,
    // Verified against Node's trust store plus NODE_EXTRA_CA_CERTS (on Lambda: /var/runtime/ca-cert.pem, which has
    // the RDS CAs), and the certificate's names against the host.
    ssl: p.ssl ? { rejectUnauthorized: true } : false,
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
  };
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED']);

/** Connects, turning a certificate that cannot be verified into a message that says what to do. */
async function connect(client: Client, p: SetupParams): Promise<void> {
  try {
    await client.connect();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code && UNTRUSTED.has(code)) {
      const extra = process.env.NODE_EXTRA_CA_CERTS;
      throw new Error(`the certificate of ${p.host}:${p.port} is not signed by a trusted CA (${code}); the handler trusts `
        + `Node's CAs and ${extra ? `the file in NODE_EXTRA_CA_CERTS (${extra})` : 'no extra CA file (NODE_EXTRA_CA_CERTS is not set)'}. `
        + 'On AWS Lambda set NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem, which holds the RDS CAs.');
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      throw new Error(`the certificate of ${p.host}:${p.port} does not name that host (${(e as Error).message}); connect through the endpoint name the certificate was issued for`);
    }
    throw e;
  }
}

function toPem(raw: Buffer): string {
  const b64 = raw.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The certificates in a PEM file. */
function readPemFile(file: string): X509Certificate[] {
  const text = fs.readFileSync(file, 'utf8');
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).flatMap((pem) => {
    try { return [new X509Certificate(pem)]; } catch { return []; }
  });
}

/**
 * The CA chain that verified the server's certificate (every certificate above the server's own, up to the trusted
 * root), as PEM: what the application's containers must trust. When the server does not send the root, it is taken
 * from the file in NODE_EXTRA_CA_CERTS.
 */
export function serverCaChain(socket: TLSSocket): string {
  const chain: X509Certificate[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  const cas = chain.slice(1);
  const top = chain[chain.length - 1];
  if (top && !top.checkIssued(top) && process.env.NODE_EXTRA_CA_CERTS) {
    const root = readPemFile(process.env.NODE_EXTRA_CA_CERTS).find((c) => top.checkIssued(c) && top.verify(c.publicKey));
    if (root) cas.push(root);
  }
  if (cas.length === 0) {
    throw new Error('the server sent no certificate chain to derive the CA from');
  }
  return cas.map((c) => toPem(c.raw)).join('');
}

function tlsSocket(client: Client): TLSSocket | undefined {
  const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream;
  return stream instanceof TLSSocket ? stream : undefined;
}

/**
 * Creates or updates the role and the database; safe to run any number of times. The role can log in only to its
 * own database (CONNECT is revoked from PUBLIC), owns it (so migrations can create tables), has no superuser,
 * CREATEDB or CREATEROLE rights, and is capped at `connectionLimit` connections.
 */
export async function setupDatabase(p: SetupParams): Promise<SetupResult> {
  const role = ident(p.app.username);
  const db = ident(p.database);
  if (!Number.isInteger(p.connectionLimit) || p.connectionLimit < 1) {
    throw new Error(`ConnectionLimit must be a positive integer, got ${p.connectionLimit}`);
  }
  const admin = new Client(clientConfig(p, 'postgres', p.admin));
  await connect(admin, p);
  let ca: string | undefined;
  try {
    const socket = tlsSocket(admin);
    if (p.ssl) {
      if (!socket?.authorized) throw new Error(`the connection to ${p.host}:${p.port} is not a verified TLS connection`);
      ca = serverCaChain(socket);
    }
    await claimDatabase(admin, p);
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
    await recordOwner(admin, p);
  } finally {
    await admin.end();
  }
  // Inside the new database: the application role owns the public schema (PostgreSQL 15+ gives it to the database
  // owner already; older versions give CREATE to everyone, which is revoked here).
  const inDb = new Client(clientConfig(p, p.database, p.admin));
  await connect(inDb, p);
  try {
    await inDb.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await inDb.query(`ALTER SCHEMA public OWNER TO ${role}`);
  } finally {
    await inDb.end();
  }
  return { ca };
}

/** What a setup run found out. */
export interface SetupResult {
  /** PEM of the CA chain that verified the server (with TLS). */
  readonly ca?: string;
}

/**
 * One database belongs to one owner (a custom resource in a stack): a second application that names the same database
 * on the same server would otherwise share its data and reset its password. The owner is recorded as the database's
 * comment; a different owner fails the setup.
 */
async function claimDatabase(admin: Client, p: SetupParams): Promise<void> {
  if (!p.owner) return;
  const found = await admin.query('SELECT shobj_description(oid, \'pg_database\') AS owner FROM pg_database WHERE datname = $1', [p.database]);
  const current: string | null = found.rows[0]?.owner ?? null;
  if (current && current.startsWith(OWNER_PREFIX) && current !== `${OWNER_PREFIX}${p.owner}`) {
    throw new Error(`database '${p.database}' on ${p.host} already belongs to ${current.slice(OWNER_PREFIX.length)}; `
      + `two applications on one server need different database names (databaseName), or remove the claim with COMMENT ON DATABASE ${ident(p.database)} IS NULL `
      + 'when the database really moves to this stack');
  }
}

const OWNER_PREFIX = 'managed by ';

async function recordOwner(admin: Client, p: SetupParams): Promise<void> {
  if (!p.owner) return;
  await admin.query(`COMMENT ON DATABASE ${ident(p.database)} IS ${literal(`${OWNER_PREFIX}${p.owner}`)}`);
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
    ssl: (props.SslMode ?? 'verify-full') !== 'disable',
    owner: `${stackName(event.StackId)}/${event.LogicalResourceId}`,
  };
  const result = await setupDatabase(params);
  const { DATABASE_CA: _previous, ...rest } = app;
  await writeSecret(props.AppSecretArn, {
    ...rest,
    host: params.host,
    port: params.port,
    dbname: params.database,
    engine: 'postgres',
    DATABASE_URL: databaseUrl(params),
    ...(result.ca ? { DATABASE_CA: result.ca } : {}),
  });
  return physicalId;
}

/** The stack's name from its id (`arn:aws:cloudformation:region:account:stack/<name>/<uuid>`). */
function stackName(stackId: string | undefined): string {
  return stackId?.split('/')[1] ?? stackId ?? 'unknown stack';
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
