import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** A throw-away PostgreSQL cluster on 127.0.0.1, started by tests that need a real server. */
export interface LocalPostgres {
  readonly host: string;
  readonly port: number;
  /** Superuser of the cluster. */
  readonly user: string;
  readonly password: string;
  /**
   * With `tls`: PEM file of the throw-away CA that signed the server certificate. Node does not trust it unless told
   * (NODE_EXTRA_CA_CERTS or `ssl.ca`), which makes it a faithful stand-in for the RDS CA.
   */
  readonly caFile?: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

function binDir(): string {
  const candidates = [process.env.PG_BIN, ...(fs.existsSync('/usr/lib/postgresql')
    ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [])].filter((d): d is string => !!d);
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!found) {
    throw new Error('PostgreSQL server binaries not found (initdb): install them with `apt-get install postgresql`, or set PG_BIN');
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /**
   * Serve TLS only (like Aurora with `rds.force_ssl=1`): a server certificate for 127.0.0.1/localhost signed by a
   * throw-away private CA, and `hostssl`-only authentication (plain TCP connections are refused).
   */
  readonly tls?: boolean;
}

/** Makes a throw-away CA and a server certificate for 127.0.0.1 and localhost signed by it (openssl). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Throw-away test database CA',
    '-keyout', f('ca.key'), '-out', f('ca.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr'));
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', f('server.ext'), '-out', f('server.crt'));
  fs.chmodSync(f('server.key'), 0o600);
  return { ca: f('ca.pem'), cert: f('server.crt'), key: f('server.key') };
}

/** Starts a new cluster with password authentication for TCP connections. */
export async function startPostgres(options: PostgresOptions = {}): Promise<LocalPostgres> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-test-'));
  const data = path.join(dir, 'data');
  const user = 'admin_user';
  const password = 'admin-pw-1';
  fs.writeFileSync(path.join(dir, 'pw'), password);
  const certs = options.tls ? makeCertificates(dir) : undefined;
  if (root) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[]) => execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  run(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--pwfile', path.join(dir, 'pw'), '-A', 'scram-sha-256', '--no-sync']);
  const tlsOptions = certs ? ` -c ssl=on -c ssl_cert_file=${certs.cert} -c ssl_key_file=${certs.key}` : '';
  if (certs) {
    // Only TLS connections are admitted over TCP (the socket stays for pg_ctl).
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
  }
  const port = await freePort();
  const ctl = (action: string) => run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '30', '-l', path.join(dir, 'log'),
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${tlsOptions}`, action]);
  ctl('start');
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    caFile: certs?.ca,
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    destroy: () => {
      try { run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-m', 'immediate', 'stop']); } catch { /* already stopped */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
