import pg from 'pg';
import type { Config } from './config.js';

export type Pool = pg.Pool;

/** Minimal logger shape shared by Fastify's pino logger and the migrate CLI. */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Time budget of the /health `SELECT 1`, client side (covers connect + query). */
export const HEALTH_QUERY_TIMEOUT_MS = 1_500;

export function createPool(config: Config, log: Log, applicationName = 'page-views-api'): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    application_name: applicationName,
    max: 10,
    idleTimeoutMillis: 30_000,
    // Fail fast instead of queueing forever when the database is unreachable.
    connectionTimeoutMillis: 2_000,
    // Server-side and client-side ceilings for ordinary queries.
    statement_timeout: 10_000,
    query_timeout: 12_000,
  });
  // An idle client that loses its connection (database restart, failover) emits
  // 'error' on the pool. Without a listener that would crash the process; the
  // pool already discards the broken client and reconnects on the next query.
  pool.on('error', (err) => {
    log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'idle database client error');
  });
  return pool;
}

let inFlightCheck: Promise<boolean> | undefined;

/**
 * `SELECT 1` with a short timeout. Concurrent callers share the same in-flight
 * check, so a burst of health checks costs at most one query and one pool slot.
 */
export function checkDatabase(pool: pg.Pool): Promise<boolean> {
  inFlightCheck ??= pool
    .query({ text: 'SELECT 1', query_timeout: HEALTH_QUERY_TIMEOUT_MS } as pg.QueryConfig)
    .then(
      () => true,
      () => false,
    )
    .finally(() => {
      inFlightCheck = undefined;
    });
  return inFlightCheck;
}

/** Exponential backoff with full jitter: 250 ms, 500 ms, 1 s, ... capped at `maxMs`. */
export function backoffDelay(attempt: number, baseMs = 250, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Try to reach the database until it answers, backing off exponentially.
 * Used at start-up so that the service comes up (and reports 503 on /health)
 * even while the database is still starting. Resolves `true` once connected,
 * `false` if aborted or if `maxAttempts` is exhausted.
 */
export async function waitForDatabase(
  pool: pg.Pool,
  log: Log,
  options: { signal?: AbortSignal; maxAttempts?: number; target?: string } = {},
): Promise<boolean> {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (options.signal?.aborted) return false;
    try {
      await pool.query({ text: 'SELECT 1', query_timeout: HEALTH_QUERY_TIMEOUT_MS } as pg.QueryConfig);
      log.info({ database: options.target, attempt: attempt + 1 }, 'database connected');
      return true;
    } catch (err) {
      const delayMs = backoffDelay(attempt);
      log.warn(
        {
          database: options.target,
          attempt: attempt + 1,
          retryInMs: delayMs,
          err: { message: (err as Error).message, code: (err as { code?: string }).code },
        },
        'database not reachable yet',
      );
      await sleep(delayMs, options.signal);
    }
  }
  return false;
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** True when an error means "database unavailable" rather than "bad query". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && CONNECTION_ERROR_CODES.has(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout/i.test(err.message);
}
