/**
 * Service entry point: `node dist/server.js`.
 *
 * Start-up: validate env (exit 78 on error) -> listen -> reach the database in
 * the background with exponential backoff (/health answers 503 meanwhile).
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish,
 * close the pool, exit 0. If draining exceeds SHUTDOWN_TIMEOUT_MS (default
 * 25 s, inside the 30 s ECS stop timeout) exit 1.
 *
 * OpenTelemetry (only if OTEL_EXPORTER_OTLP_ENDPOINT is set) starts before
 * fastify, pg and node:http are loaded: app.js and db.js are imported
 * dynamically, after startTelemetry(). The SDK is flushed at the end of the
 * graceful shutdown, inside the same deadline.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfigOrExit } from './config.js';
import type { Log } from './db.js';
import { startTelemetry } from './telemetry.js';

const config = loadConfigOrExit();
const telemetry = await startTelemetry(config);
const { buildApp } = await import('./app.js');
const { createPool, waitForDatabase } = await import('./db.js');

/** Upper bound for the final telemetry flush (it also has to fit in the shutdown deadline). */
const TELEMETRY_FLUSH_MAX_MS = 5_000;

// The pool logs through the app's logger, which exists once buildApp returns.
let app: FastifyInstance;
const log: Log = {
  info: (obj, msg) => app.log.info(obj, msg),
  warn: (obj, msg) => app.log.warn(obj, msg),
  error: (obj, msg) => app.log.error(obj, msg),
};
const pool = createPool(config, log);
app = buildApp(config, pool, telemetry ? { logMixin: telemetry.logFields } : {});

const startup = new AbortController();
let shuttingDown = false;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) {
    app.log.warn({ signal }, 'shutdown already in progress');
    return;
  }
  shuttingDown = true;
  const startedAt = Date.now();
  app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutdown started: draining in-flight requests');

  const deadline = setTimeout(() => {
    app.log.error({ elapsedMs: Date.now() - startedAt }, 'shutdown deadline exceeded, forcing exit');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();

  try {
    startup.abort();
    // Stops accepting connections, closes idle keep-alive sockets, waits for
    // in-flight requests; requests arriving on busy sockets get 503 + close.
    await app.close();
    await pool.end();
    if (telemetry) await flushTelemetry(telemetry, startedAt + config.shutdownTimeoutMs);
    app.log.info({ elapsedMs: Date.now() - startedAt }, 'shutdown complete');
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}

/**
 * Flush buffered spans and metrics, giving up (exit stays 0: the requests
 * were served) if the collector does not answer before the shutdown deadline.
 */
async function flushTelemetry(t: NonNullable<typeof telemetry>, deadlineAt: number): Promise<void> {
  const budgetMs = Math.min(TELEMETRY_FLUSH_MAX_MS, deadlineAt - Date.now() - 100);
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    t.shutdown().then(
      () => 'flushed' as const,
      (err: unknown) => err as Error,
    ),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, budgetMs));
    }),
  ]);
  clearTimeout(timer);
  if (outcome === 'flushed') app.log.info({ elapsedMs: Date.now() - startedAt }, 'telemetry flushed');
  else if (outcome === 'timeout') app.log.warn({ budgetMs }, 'telemetry flush timed out, dropping buffered spans');
  else app.log.warn({ err: { message: outcome.message } }, 'telemetry flush failed');
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

process.on('unhandledRejection', (reason) => {
  app.log.error({ err: reason }, 'unhandled rejection');
});

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ database: config.databaseUrlRedacted, nodeEnv: config.nodeEnv }, 'service started');
} catch (err) {
  app.log.fatal({ err }, 'failed to start');
  await pool.end().catch(() => undefined);
  process.exit(1);
}

// Not awaited: the service is up (and /health says 503) while the DB is still coming.
void waitForDatabase(pool, log, { signal: startup.signal, target: config.databaseUrlRedacted });
