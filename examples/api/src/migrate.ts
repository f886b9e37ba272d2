/**
 * One-off migration command: `npm run migrate` / `node dist/migrate.js`.
 * Exit codes: 0 success, 1 failure, 78 invalid configuration.
 */
import pg from 'pg';
import { loadConfigOrExit } from './config.js';
import { backoffDelay } from './db.js';
import { migrate } from './migrations.js';

const config = loadConfigOrExit();

function log(level: 'info' | 'warn' | 'error', msg: string, extra: object = {}): void {
  const line = JSON.stringify({ level, time: Date.now(), msg, database: config.databaseUrlRedacted, ...extra });
  (level === 'info' ? process.stdout : process.stderr).write(line + '\n');
}

async function connectWithRetry(maxAttempts = 5): Promise<pg.Client> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({
      connectionString: config.databaseUrl,
      application_name: 'page-views-migrate',
      connectionTimeoutMillis: 5_000,
    });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (attempt + 1 >= maxAttempts) throw err;
      const retryInMs = backoffDelay(attempt);
      log('warn', 'database not reachable yet', { attempt: attempt + 1, retryInMs, err: (err as Error).message });
      await new Promise((r) => setTimeout(r, retryInMs));
    }
  }
}

try {
  const client = await connectWithRetry();
  try {
    const result = await migrate(client);
    log('info', 'migrations complete', result);
  } finally {
    await client.end();
  }
} catch (err) {
  log('error', 'migration failed', { err: (err as Error).message });
  process.exitCode = 1;
}
