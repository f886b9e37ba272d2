import type pg from 'pg';

export interface Migration {
  /** Stable, sortable identifier recorded in schema_migrations. Never rename an applied one. */
  readonly id: string;
  readonly sql: string;
}

/** Append-only list; each migration runs once, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_create_page_views',
    sql: `
      CREATE TABLE page_views (
        id          bigserial PRIMARY KEY,
        path        text        NOT NULL CHECK (char_length(path) BETWEEN 1 AND 2048),
        referrer    text                 CHECK (referrer IS NULL OR char_length(referrer) <= 2048),
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX page_views_created_at_idx ON page_views (created_at);
    `,
  },
];

/** Arbitrary constant key for pg_advisory_xact_lock so concurrent runs serialise. */
const MIGRATION_LOCK_KEY = 727_011;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

/**
 * Apply pending migrations in ONE transaction: either all pending migrations
 * are applied and recorded, or none is. Idempotent; safe to run concurrently
 * (an advisory lock serialises runners).
 */
export async function migrate(client: pg.ClientBase, migrations = MIGRATIONS): Promise<MigrationResult> {
  const result: MigrationResult = { applied: [], skipped: [] };
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        id          text PRIMARY KEY,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )
    `);
    const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) {
        result.skipped.push(migration.id);
        continue;
      }
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      result.applied.push(migration.id);
    }
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
