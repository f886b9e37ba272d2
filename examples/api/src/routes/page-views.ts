import type { FastifyInstance } from 'fastify';
import type { Pool } from '../db.js';

interface PageViewBody {
  path: string;
  referrer?: string | null;
}

interface StatsQuery {
  days: number;
}

const pageView = {
  type: 'object',
  required: ['id', 'path', 'referrer', 'createdAt'],
  properties: {
    id: { type: 'string', description: 'bigint, as a string' },
    path: { type: 'string' },
    referrer: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function pageViewRoutes(app: FastifyInstance, opts: { pool: Pool }): void {
  const { pool } = opts;

  app.post<{ Body: PageViewBody }>(
    '/api/page-views',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['path'],
          properties: {
            path: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^/' },
            referrer: { anyOf: [{ type: 'string', format: 'uri', maxLength: 2048 }, { type: 'null' }] },
          },
        },
        response: { 201: pageView },
      },
    },
    async (request, reply) => {
      const { path, referrer = null } = request.body;
      const { rows } = await pool.query<{ id: string; path: string; referrer: string | null; created_at: Date }>(
        `INSERT INTO page_views (path, referrer) VALUES ($1, $2)
         RETURNING id, path, referrer, created_at`,
        [path, referrer],
      );
      const row = rows[0]!;
      reply.code(201);
      return { id: row.id, path: row.path, referrer: row.referrer, createdAt: row.created_at.toISOString() };
    },
  );

  app.get<{ Querystring: StatsQuery }>(
    '/api/page-views/stats',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'integer', minimum: 1, maximum: 365, default: 7 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['days', 'from', 'total', 'uniquePaths', 'topPaths', 'topReferrers', 'daily'],
            properties: {
              days: { type: 'integer' },
              from: { type: 'string', format: 'date-time' },
              total: { type: 'integer' },
              uniquePaths: { type: 'integer' },
              topPaths: {
                type: 'array',
                items: { type: 'object', properties: { path: { type: 'string' }, views: { type: 'integer' } } },
              },
              topReferrers: {
                type: 'array',
                items: { type: 'object', properties: { referrer: { type: 'string' }, views: { type: 'integer' } } },
              },
              daily: {
                type: 'array',
                items: { type: 'object', properties: { date: { type: 'string' }, views: { type: 'integer' } } },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { days } = request.query;
      // One round trip: the window is computed once and shared by every aggregate.
      const { rows } = await pool.query<{
        from: Date;
        total: string;
        unique_paths: string;
        top_paths: { path: string; views: number }[];
        top_referrers: { referrer: string; views: number }[];
        daily: { date: string; views: number }[];
      }>(
        `WITH win AS (SELECT now() - make_interval(days => $1::int) AS since),
         v AS (SELECT pv.* FROM page_views pv, win WHERE pv.created_at >= win.since)
         SELECT
           (SELECT since FROM win)                                   AS from,
           (SELECT count(*) FROM v)                                  AS total,
           (SELECT count(DISTINCT path) FROM v)                      AS unique_paths,
           (SELECT coalesce(json_agg(t ORDER BY t.views DESC, t.path), '[]'::json) FROM (
              SELECT path, count(*)::int AS views FROM v GROUP BY path
              ORDER BY views DESC, path LIMIT 10) t)                 AS top_paths,
           (SELECT coalesce(json_agg(t ORDER BY t.views DESC, t.referrer), '[]'::json) FROM (
              SELECT referrer, count(*)::int AS views FROM v WHERE referrer IS NOT NULL GROUP BY referrer
              ORDER BY views DESC, referrer LIMIT 10) t)             AS top_referrers,
           (SELECT coalesce(json_agg(t ORDER BY t.date), '[]'::json) FROM (
              SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS date,
                     count(*)::int AS views
              FROM v GROUP BY 1) t)                                  AS daily`,
        [days],
      );
      const row = rows[0]!;
      return {
        days,
        from: row.from.toISOString(),
        total: Number(row.total),
        uniquePaths: Number(row.unique_paths),
        topPaths: row.top_paths,
        topReferrers: row.top_referrers,
        daily: row.daily,
      };
    },
  );
}
