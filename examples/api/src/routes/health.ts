import type { FastifyInstance } from 'fastify';
import { checkDatabase, type Pool } from '../db.js';

const healthResponse = {
  type: 'object',
  required: ['status', 'database', 'uptime', 'version'],
  properties: {
    status: { type: 'string', enum: ['healthy', 'unhealthy'] },
    database: { type: 'string', enum: ['connected', 'disconnected'] },
    uptime: { type: 'number', description: 'process uptime in seconds' },
    version: { type: 'string' },
  },
} as const;

export function healthRoutes(app: FastifyInstance, opts: { pool: Pool; version: string }): void {
  app.get(
    '/health',
    {
      // The ALB probes every few seconds: keep those out of the info-level logs.
      logLevel: 'warn',
      schema: { response: { 200: healthResponse, 503: healthResponse } },
    },
    async (_request, reply) => {
      const connected = await checkDatabase(opts.pool);
      const uptime = Math.round(process.uptime() * 1000) / 1000;
      reply.header('cache-control', 'no-store');
      if (connected) {
        return { status: 'healthy', database: 'connected', uptime, version: opts.version };
      }
      reply.code(503);
      return { status: 'unhealthy', database: 'disconnected', uptime, version: opts.version };
    },
  );
}
