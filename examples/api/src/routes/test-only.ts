import type { FastifyInstance } from 'fastify';
import type { Pool } from '../db.js';

/**
 * Routes registered only when NODE_ENV=test. `/api/_test/slow` holds a real
 * database connection (pg_sleep) so shutdown tests have genuine in-flight work.
 */
export function testOnlyRoutes(app: FastifyInstance, opts: { pool: Pool }): void {
  app.get<{ Querystring: { ms: number } }>(
    '/api/_test/slow',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { ms: { type: 'integer', minimum: 0, maximum: 20_000, default: 1_000 } },
        },
      },
    },
    async (request) => {
      const seconds = request.query.ms / 1000;
      await opts.pool.query('SELECT pg_sleep($1)', [seconds]);
      return { slept: request.query.ms };
    },
  );
}
