import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { isDatabaseUnavailable, type Pool } from './db.js';
import { healthRoutes } from './routes/health.js';
import { pageViewRoutes } from './routes/page-views.js';
import { testOnlyRoutes } from './routes/test-only.js';

const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths pino must never print, whatever ends up in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
  'databaseUrl',
  'config.databaseUrl',
  'connectionString',
  '*.password',
  'password',
];

/** Reuse a well-formed incoming X-Request-Id (ALB/upstream); otherwise mint a UUID. */
function genReqId(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  if (typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

export interface AppOptions {
  /** Extra fields for every log line (trace_id/span_id when telemetry is on). */
  logMixin?: () => Record<string, unknown>;
}

export function buildApp(config: Config, pool: Pool, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(options.logMixin ? { mixin: options.logMixin } : {}),
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: 'page-views-api', version: config.version, env: config.nodeEnv },
    },
    genReqId,
    // Only the ALB can reach the task (security groups), so X-Forwarded-* is trusted.
    trustProxy: true,
    bodyLimit: 16 * 1024,
    // ALB idle timeout is 60 s: keep-alive must outlive it to avoid 502s.
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    ajv: { customOptions: { removeAdditional: false } },
  });

  // JSON only: a text/plain body is 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return reply.code(400).send({ error: 'Bad Request', message: error.message, requestId: request.id });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: { message: error.message, code: error.code } }, 'database unavailable');
      return reply.code(503).send({ error: 'Service Unavailable', message: 'database unavailable', requestId: request.id });
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'Internal Server Error', requestId: request.id });
    }
    // 4xx raised by Fastify itself: malformed JSON, unsupported media type, body too large...
    return reply.code(status).send({ error: STATUS_CODES[status] ?? 'Error', message: error.message, requestId: request.id });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'Not Found', message: `${request.method} ${request.url} not found` });
  });

  healthRoutes(app, { pool, version: config.version });

  // Constant response, no database: a floor for benchmarks and a dependency-free liveness probe.
  app.get(
    '/api/ping',
    {
      logLevel: 'warn',
      schema: { response: { 200: { type: 'object', properties: { pong: { type: 'boolean' } } } } },
    },
    async () => ({ pong: true }),
  );

  pageViewRoutes(app, { pool });

  if (config.nodeEnv === 'test') testOnlyRoutes(app, { pool });

  return app;
}
