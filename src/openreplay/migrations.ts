/**
 * The shell scripts of the one-off migration task: they fetch OpenReplay's schema scripts from one pinned commit and
 * either create the schema (a new database) or apply, in order, every upgrade after the version the database reports
 * (`openreplay_version()`), so that a release bump upgrades an existing installation. They write no file: each
 * step is piped from wget to the client (the containers run with a read-only root file system).
 */

/** Raw file base of the schema scripts at `commit`. */
export function schemaBaseUrl(commit: string): string {
  return `https://raw.githubusercontent.com/openreplay/openreplay/${commit}/scripts/schema/db/init_dbs`;
}

/**
 * PostgreSQL (psql, connection string in `$POSTGRES_STRING`): `init_schema.sql` when there is no `tenants` table yet,
 * else `<v>/<v>.sql` for every upgrade version after the current one. Fails when the database's version is not on
 * the upgrade path (e.g. newer than this release).
 */
export function postgresMigrationScript(base: string, versions: string[]): string {
  const lines = [
    'set -eu',
    `base='${base}/postgresql'`,
    // The step goes from wget to psql through the shell, not a file: the container's root file system is read-only.
    'run() { sql=$(wget -qO- "$base/$1") || { echo "download of $1 failed" >&2; exit 1; }; echo "applying $1"; printf \'%s\\n\' "$sql" | psql "$POSTGRES_STRING" -v ON_ERROR_STOP=1 -f -; }',
    'exists=$(psql "$POSTGRES_STRING" -tAc "SELECT to_regclass(\'public.tenants\') IS NOT NULL")',
    'if [ "$exists" != t ]; then run init_schema.sql; exit 0; fi',
    'current=$(psql "$POSTGRES_STRING" -tAc "SELECT openreplay_version()")',
    'echo "database schema $current"',
    'go=0',
  ];
  for (const v of versions) {
    lines.push(`if [ "$go" = 1 ]; then run ${v}/${v}.sql; fi`, `if [ "$current" = v${v} ]; then go=1; fi`);
  }
  lines.push(`if [ "$go" != 1 ]; then echo "schema version $current is not on the upgrade path (v${versions[0]} .. v${versions[versions.length - 1]})" >&2; exit 1; fi`);
  return lines.join('\n');
}

/**
 * ClickHouse (clickhouse-client; `$CH_HOST`, `$CH_USER`, `$CH_PASSWORD`): `create/init_schema.sql` when the server
 * has no `openreplay_version()` yet, else the numbered steps of every upgrade version after the current one. Step 0
 * of a version sets `openreplay_version()` and each step records its number in `openreplay_migration_state()` (-1
 * when the version is complete), so a version whose steps stopped half-way resumes after the last step done.
 */
export function clickhouseMigrationScript(base: string, versions: Array<[string, number]>): string {
  const lines = [
    'set -eu',
    `base='${base}/clickhouse'`,
    'ch() { clickhouse-client --host "$CH_HOST" --port 9000 --user "${CH_USER:-default}" --password "$CH_PASSWORD" "$@"; }',
    'run() { sql=$(wget -qO- "$base/$1") || { echo "download of $1 failed" >&2; exit 1; }; echo "applying $1"; printf \'%s\\n\' "$sql" | ch --multiquery; }',
    'ch -q "SELECT 1" >/dev/null',
    'if ! current=$(ch -q "SELECT openreplay_version()" 2>/dev/null); then run create/init_schema.sql; exit 0; fi',
    'state=$(ch -q "SELECT openreplay_migration_state()" 2>/dev/null || echo -1)',
    'echo "clickhouse schema $current (step $state)"',
    'go=0',
  ];
  for (const [v, steps] of versions) {
    if (steps === 0) {
      lines.push(`if [ "$go" = 1 ]; then run ${v}/${v}.sql; fi`);
    } else {
      const numbers = Array.from({ length: steps }, (_, i) => i).join(' ');
      // The next version, or the current one when its steps stopped half-way (step 0 sets the version).
      lines.push(`if [ "$go" = 1 ] || { [ "$current" = v${v} ] && [ "$state" != -1 ]; }; then `
        + `for n in ${numbers}; do if [ "$n" -gt "$state" ]; then run ${v}/$n.sql; fi; done; state=-1; fi`);
    }
    lines.push(`if [ "$current" = v${v} ]; then go=1; fi`);
  }
  lines.push(`if [ "$go" != 1 ]; then echo "clickhouse schema version $current is not on the upgrade path (v${versions[0][0]} .. v${versions[versions.length - 1][0]})" >&2; exit 1; fi`);
  return lines.join('\n');
}
