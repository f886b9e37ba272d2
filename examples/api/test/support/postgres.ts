/**
 * Throw-away PostgreSQL cluster for tests and the benchmark: initdb into a temp
 * dir, pg_ctl start on a free 127.0.0.1 port, stop + delete at the end.
 * As root, the server runs as the `postgres` user through `runuser`.
 * With `tls`, it serves TLS only (like Aurora with rds.force_ssl=1), with a
 * certificate from a throw-away CA that no trust store knows (the stand-in for the RDS CA).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net.js';

const execFileAsync = promisify(execFile);

export const PG_PASSWORD = 'pw-Zx81-never-logged';
const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin, PG_BIN or PATH. ' +
  'Install them: apt-get update && apt-get install -y postgresql (or set PG_BIN=/path/to/bin).';

/** Locate initdb/pg_ctl: $PG_BIN, then the newest /usr/lib/postgresql/<v>/bin, then `pg_config --bindir`. */
export function findPgBin(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

interface RunAs {
  uid: number;
  gid: number;
  wrap: (cmd: string, args: string[]) => [string, string[]];
}

function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error(
      'Running as root but there is no `postgres` user to run the PostgreSQL server as ' +
        '(apt-get install -y postgresql creates it), or run the tests as a non-root user.',
    );
  }
  return { uid, gid, wrap: (cmd, args) => ['runuser', ['-u', 'postgres', '--', cmd, ...args]] };
}

export interface PgCluster {
  readonly port: number;
  readonly dir: string;
  /**
   * postgres://postgres:<password>@127.0.0.1:<port>/app; with `tls`,
   * postgresql://postgres:<password>@127.0.0.1:<port>/app?sslmode=verify-full (the form the database setup writes).
   */
  readonly url: string;
  /** With `tls`: PEM file of the throw-away CA that signed the server certificate (for 127.0.0.1 and localhost). */
  readonly caFile?: string;
  /**
   * Superuser connection settings for the test's own clients (no URL, so that `ssl` is not overridden by a
   * `sslmode` in it): with `tls`, verified against {@link caFile} in this process only.
   */
  clientConfig(database?: string): pg.ClientConfig;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: disconnects every client, like a database outage. */
  stop(): Promise<void>;
  /** Stop (immediate) and delete the data directory. Safe to call twice. */
  destroy(): Promise<void>;
}

const live = new Set<() => void>();
process.once('exit', () => {
  for (const kill of live) kill();
});

export interface PostgresOptions {
  /** Name of the database created for the tests (default `app`). */
  database?: string;
  /**
   * Serve TLS only: `ssl=on` with a server certificate signed by a throw-away CA (openssl), and a pg_hba.conf that
   * admits TCP clients through `hostssl` only (plain connections are refused; the Unix socket stays for pg_ctl).
   */
  tls?: boolean;
}

/** A throw-away CA and a server certificate for 127.0.0.1 and localhost signed by it, made with openssl in `dir`. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { stdio: 'pipe' });
    } catch (err) {
      const e = err as Error & { stderr?: Buffer };
      throw new Error(`openssl ${args[0]} failed (the TLS fixture needs the openssl command): ${e.message}\n${e.stderr ?? ''}`);
    }
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Throw-away test database CA',
    '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr'));
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', f('server.ext'), '-out', f('server.crt'));
  // PostgreSQL refuses a key file readable by others.
  chmodSync(f('server.key'), 0o600);
  chmodSync(f('ca.pem'), 0o644);
  return { ca: f('ca.pem'), cert: f('server.crt'), key: f('server.key') };
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PgCluster> {
  const bin = findPgBin();
  const as = runAs();
  const database = options.database ?? 'app';
  const dir = mkdtempSync(join(tmpdir(), 'pgtest-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  const logfile = join(dir, 'postgres.log');
  writeFileSync(pwfile, PG_PASSWORD + '\n', { mode: 0o600 });
  const certs = options.tls ? makeCertificates(dir) : undefined;
  if (as) {
    for (const file of [dir, pwfile, ...(certs ? [certs.ca, certs.cert, certs.key] : [])]) chownSync(file, as.uid, as.gid);
  }
  const port = await freePort();

  const cmd = (name: string, args: string[]): [string, string[]] => {
    const full = join(bin, name);
    return as ? as.wrap(full, args) : [full, args];
  };
  const run = async (name: string, args: string[]): Promise<void> => {
    const [c, a] = cmd(name, args);
    try {
      await execFileAsync(c, a, { cwd: dir, timeout: 60_000 });
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };

  await run('initdb', [
    '-D', data,
    '-U', 'postgres',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);

  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=50',
    '-c shared_buffers=32MB',
    ...(certs ? ['-c ssl=on', `-c ssl_cert_file=${certs.cert}`, `-c ssl_key_file=${certs.key}`] : []),
  ].join(' ');
  if (certs) {
    // TCP clients only through TLS; the Unix socket (trust) stays for pg_ctl.
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
    if (as) chownSync(join(data, 'pg_hba.conf'), as.uid, as.gid);
  }
  const clientConfig = (db = database): pg.ClientConfig => ({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: PG_PASSWORD,
    database: db,
    ssl: certs ? { ca: readFileSync(certs.ca, 'utf8') } : false,
  });

  let running = false;
  const start = async (): Promise<void> => {
    await run('pg_ctl', ['-D', data, '-l', logfile, '-o', serverOptions, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async (mode = 'fast'): Promise<void> => {
    if (!running) return;
    await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    running = false;
  };
  const killSync = (): void => {
    if (running) {
      const [c, a] = cmd('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(c, a, { stdio: 'ignore', timeout: 15_000 });
      running = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  live.add(killSync);

  try {
    await start();
    const admin = new pg.Client(clientConfig('postgres'));
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
  } catch (err) {
    killSync();
    live.delete(killSync);
    throw err;
  }

  return {
    port,
    dir,
    url: certs
      ? `postgresql://postgres:${PG_PASSWORD}@127.0.0.1:${port}/${database}?sslmode=verify-full`
      : `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/${database}`,
    caFile: certs?.ca,
    clientConfig,
    start,
    stop: () => stop('fast'),
    destroy: async () => {
      try {
        await stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        live.delete(killSync);
      }
    },
  };
}
