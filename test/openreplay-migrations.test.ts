// The migration task's scripts, run by /bin/sh: PostgreSQL against a real local server (TLS, verify-full, as in the
// task), ClickHouse against a stand-in clickhouse-client that keeps openreplay_version() and
// openreplay_migration_state() in files. The schema files are stand-ins served by a stand-in wget.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalPostgres, startPostgres } from './helpers/postgres';
import { clickhouseMigrationScript, postgresMigrationScript, schemaBaseUrl } from '../src/openreplay/migrations';
import { OPENREPLAY_SCHEMA } from '../src/openreplay/services';

jest.setTimeout(60_000);

const BASE = 'https://schema.invalid/init_dbs';
let dir: string;
let bin: string;

/** Writes a stand-in schema file at `rel` (relative to the init_dbs directory). */
function schemaFile(rel: string, content: string): void {
  const f = path.join(dir, 'schema', rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, content);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'or-migrations-'));
  bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  // wget -qO- <url>: prints the file of the stand-in tree (fails, like wget, when it is missing); any other form fails,
  // so a script that downloads into a file (the containers' root file systems are read-only) fails here too.
  fs.writeFileSync(path.join(bin, 'wget'),
    `#!/bin/sh\n[ "$1" = -qO- ] || { echo "wget: only -qO- <url> here, got: $*" >&2; exit 2; }\nurl="$2"; cat "${dir}/schema/\${url#${BASE}/}"\n`, { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runScript(script: string, env: { [k: string]: string }) {
  const r = spawnSync('/bin/sh', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the schema is fetched from the pinned commit, never from a tag', () => {
  expect(OPENREPLAY_SCHEMA.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(schemaBaseUrl(OPENREPLAY_SCHEMA.commit)).toBe(`https://raw.githubusercontent.com/openreplay/openreplay/${OPENREPLAY_SCHEMA.commit}/scripts/schema/db/init_dbs`);
  // Upgrades apply in list order: each list ascends.
  const key = (v: string) => v.split('.').map((n) => n.padStart(4, '0')).join('.');
  for (const list of [OPENREPLAY_SCHEMA.postgresql, OPENREPLAY_SCHEMA.clickhouse.map(([v]) => v)]) {
    expect(list.map(key)).toEqual([...list.map(key)].sort());
  }
  expect(OPENREPLAY_SCHEMA.postgresql[OPENREPLAY_SCHEMA.postgresql.length - 1]).toBe(OPENREPLAY_SCHEMA.release.slice(1));
  expect(OPENREPLAY_SCHEMA.clickhouse[OPENREPLAY_SCHEMA.clickhouse.length - 1][0]).toBe(OPENREPLAY_SCHEMA.release.slice(1));
});

describe('PostgreSQL', () => {
  let pg: LocalPostgres;
  let env: { [k: string]: string };
  const psql = (sql: string) => execFileSync('psql', [env.POSTGRES_STRING, '-tAc', sql], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
  const script = postgresMigrationScript(BASE, ['1.25.0', '1.26.0', '1.27.0']);
  const version = (v: string) => `CREATE OR REPLACE FUNCTION openreplay_version() RETURNS text AS $$ SELECT '${v}' $$ LANGUAGE sql IMMUTABLE;`;

  beforeAll(async () => {
    pg = await startPostgres({ tls: true });
    env = {
      POSTGRES_STRING: `postgresql://${pg.user}:${pg.password}@127.0.0.1:${pg.port}/postgres?sslmode=verify-full`,
      PGSSLROOTCERT: pg.caFile!,
      PGSSLMODE: 'verify-full',
    };
    schemaFile('postgresql/init_schema.sql', `CREATE TABLE tenants (id int); CREATE TABLE applied (n serial, step text); ${version('v1.26.0')} INSERT INTO applied (step) VALUES ('init');`);
    schemaFile('postgresql/1.25.0/1.25.0.sql', `INSERT INTO applied (step) VALUES ('1.25.0'); ${version('v1.25.0')}`);
    schemaFile('postgresql/1.26.0/1.26.0.sql', `INSERT INTO applied (step) VALUES ('1.26.0'); ${version('v1.26.0')}`);
    schemaFile('postgresql/1.27.0/1.27.0.sql', `INSERT INTO applied (step) VALUES ('1.27.0'); ${version('v1.27.0')}`);
  });
  afterAll(() => pg?.destroy());

  test('a new database gets init_schema.sql only', () => {
    const r = runScript(script, env);
    expect([r.status, r.out]).toEqual([0, expect.stringContaining('applying init_schema.sql')]);
    expect(psql('SELECT string_agg(step, \',\' ORDER BY n) FROM applied')).toBe('init');
  });

  test('an existing database gets every upgrade after its version, in order, once', () => {
    psql(version('v1.25.0'));
    let r = runScript(script, env);
    expect(r.status).toBe(0);
    expect(psql('SELECT string_agg(step, \',\' ORDER BY n) FROM applied')).toBe('init,1.26.0,1.27.0');
    expect(psql('SELECT openreplay_version()')).toBe('v1.27.0');
    r = runScript(script, env);
    expect([r.status, r.out]).toEqual([0, expect.not.stringContaining('applying')]);
    expect(psql('SELECT count(*) FROM applied')).toBe('3');
  });

  test('a version off the upgrade path stops the task', () => {
    psql(version('v2.0.0'));
    const r = runScript(script, env);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('schema version v2.0.0 is not on the upgrade path (v1.25.0 .. v1.27.0)');
  });

  test('a failing upgrade stops the task', () => {
    psql(version('v1.26.0'));
    schemaFile('postgresql/1.27.0/1.27.0.sql', 'SELECT no_such_function();');
    const r = runScript(script, env);
    expect(r.status).not.toBe(0);
    expect(psql('SELECT openreplay_version()')).toBe('v1.26.0');
  });

  test('a step that cannot be downloaded stops the task before psql runs it', () => {
    psql(version('v1.26.0'));
    fs.rmSync(path.join(dir, 'schema', 'postgresql/1.27.0/1.27.0.sql'));
    const r = runScript(script, env);
    expect([r.status, r.out]).toEqual([1, expect.stringContaining('download of 1.27.0/1.27.0.sql failed')]);
    expect(r.out).not.toContain('applying 1.27.0');
    expect(psql('SELECT openreplay_version()')).toBe('v1.26.0');
  });
});

test('the scripts write no file (the migration containers have read-only root file systems)', () => {
  for (const script of [postgresMigrationScript(BASE, ['1.27.0']), clickhouseMigrationScript(BASE, [['1.27.0', 1]])]) {
    // Redirections only to stderr or /dev/null.
    expect([...script.matchAll(/\d?>\s*([^\s;)]+)/g)].map((m) => m[1]).filter((t) => t !== '&2' && t !== '/dev/null')).toEqual([]);
    expect(script).not.toMatch(/\/tmp\b|mktemp|\btee\b|wget -q?O [^-]/);
  }
});

describe('ClickHouse', () => {
  // Stand-in clickhouse-client: `-q "SELECT openreplay_version()"` / `-q "SELECT openreplay_migration_state()"` read
  // state files (failing when the function does not exist yet); `--multiquery` runs a step file, whose lines are
  // `version <v>`, `state <n>` or `fail`.
  const state = () => path.join(dir, 'ch');
  beforeAll(() => {
    fs.writeFileSync(path.join(bin, 'clickhouse-client'), `#!/bin/sh
s="${dir}/ch"; mkdir -p "$s"
case "$*" in
  *"SELECT 1"*) echo 1 ;;
  *"openreplay_version()"*) cat "$s/version" 2>/dev/null || exit 1 ;;
  *"openreplay_migration_state()"*) cat "$s/state" 2>/dev/null || exit 1 ;;
  *--multiquery*) while read -r k v; do
      case "$k" in version) echo "$v" > "$s/version" ;; state) echo "$v" > "$s/state" ;; fail) exit 1 ;; step) echo "$v" >> "$s/log" ;; esac
    done ;;
esac
`, { mode: 0o755 });
    schemaFile('clickhouse/create/init_schema.sql', 'step init\nversion v1.25.0\n');
    schemaFile('clickhouse/1.25.0/1.25.0.sql', 'step 1.25.0\nversion v1.25.0\n');
    schemaFile('clickhouse/1.26.0/0.sql', 'step 1.26.0/0\nversion v1.26.0\nstate 0\n');
    schemaFile('clickhouse/1.26.0/1.sql', 'step 1.26.0/1\nstate 1\n');
    schemaFile('clickhouse/1.26.0/2.sql', 'step 1.26.0/2\nstate -1\n');
    schemaFile('clickhouse/1.27.0/0.sql', 'step 1.27.0/0\nversion v1.27.0\nstate -1\n');
  });
  const script = clickhouseMigrationScript(BASE, [['1.25.0', 0], ['1.26.0', 3], ['1.27.0', 1]]);
  const env = { CH_HOST: 'clickhouse.internal', CH_PASSWORD: 'pw' };
  const log = () => fs.readFileSync(path.join(state(), 'log'), 'utf8').trim().split('\n').join(',');

  test('a new server gets create/init_schema.sql only', () => {
    const r = runScript(script, env);
    expect(r.status).toBe(0);
    expect(log()).toBe('init');
  });

  test('an existing server gets the numbered steps of every later version, in order', () => {
    fs.writeFileSync(path.join(state(), 'state'), '-1\n');
    const r = runScript(script, env);
    expect([r.status, r.out]).toEqual([0, expect.any(String)]);
    expect(log()).toBe('init,1.26.0/0,1.26.0/1,1.26.0/2,1.27.0/0');
    expect(runScript(script, env).out).not.toContain('applying');
  });

  test('a version whose steps stopped half-way resumes after the last step done', () => {
    fs.rmSync(path.join(state(), 'log'));
    fs.writeFileSync(path.join(state(), 'version'), 'v1.26.0\n');
    fs.writeFileSync(path.join(state(), 'state'), '0\n');
    const r = runScript(script, env);
    expect(r.status).toBe(0);
    expect(log()).toBe('1.26.0/1,1.26.0/2,1.27.0/0');
  });

  test('a failing step stops the task', () => {
    fs.writeFileSync(path.join(state(), 'version'), 'v1.26.0\n');
    fs.writeFileSync(path.join(state(), 'state'), '-1\n');
    schemaFile('clickhouse/1.27.0/0.sql', 'fail\n');
    expect(runScript(script, env).status).not.toBe(0);
  });
});
