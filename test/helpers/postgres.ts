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

/** Starts a new cluster with password authentication for TCP connections. */
export async function startPostgres(): Promise<LocalPostgres> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-test-'));
  const data = path.join(dir, 'data');
  const user = 'admin_user';
  const password = 'admin-pw-1';
  fs.writeFileSync(path.join(dir, 'pw'), password);
  if (root) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (cmd: string, args: string[]) => execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  run(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--pwfile', path.join(dir, 'pw'), '-A', 'scram-sha-256', '--no-sync']);
  const port = await freePort();
  const ctl = (action: string) => run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '30', '-l', path.join(dir, 'log'),
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, action]);
  ctl('start');
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    destroy: () => {
      try { run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-m', 'immediate', 'stop']); } catch { /* already stopped */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
