/**
 * Throw-away PostgreSQL cluster for tests and the benchmark: initdb into a temp
 * dir, pg_ctl start on a free 127.0.0.1 port, stop + delete at the end.
 * As root, the server runs as the `postgres` user through `runuser`.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  /** postgres://postgres:<password>@127.0.0.1:<port>/app */
  readonly url: string;
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

export async function startPostgres(options: { database?: string } = {}): Promise<PgCluster> {
  const bin = findPgBin();
  const as = runAs();
  const database = options.database ?? 'app';
  const dir = mkdtempSync(join(tmpdir(), 'pgtest-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  const logfile = join(dir, 'postgres.log');
  writeFileSync(pwfile, PG_PASSWORD + '\n', { mode: 0o600 });
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwfile, as.uid, as.gid);
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
  ].join(' ');

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
    const admin = new pg.Client({ connectionString: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres` });
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
    url: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/${database}`,
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
