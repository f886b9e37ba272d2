/**
 * Client of the example page-views API (`examples/api`). Its routes are `/api/page-views` and
 * `/api/page-views/stats` on the service, and CloudFront routes `/api/*` to it, so `apiUrl` is `/api` behind the
 * site's distribution (or e.g. `https://api.example.com/api` when called directly, which also needs CORS on the API).
 * Its `/health` is for the load balancer and is not reachable through the distribution.
 */
export interface PageViewStats {
  days: number;
  from: string;
  total: number;
  uniquePaths: number;
  topPaths: { path: string; views: number }[];
  topReferrers: { referrer: string; views: number }[];
  daily: { date: string; views: number }[];
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined when the request did not get a response (network error, bad body). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `apiUrl` (no trailing slash) joined with a path starting with `/`. */
export function apiEndpoint(apiUrl: string, path: string): string {
  return `${apiUrl.replace(/\/+$/, '')}${path}`;
}

function isStats(value: unknown): value is PageViewStats {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.days === 'number' &&
    typeof v.from === 'string' &&
    typeof v.total === 'number' &&
    typeof v.uniquePaths === 'number' &&
    Array.isArray(v.topPaths) &&
    Array.isArray(v.topReferrers) &&
    Array.isArray(v.daily)
  );
}

export async function fetchStats(
  apiUrl: string,
  days: number,
  options: { fetchFn?: typeof fetch; signal?: AbortSignal } = {},
): Promise<PageViewStats> {
  const fetchFn = options.fetchFn ?? fetch;
  const url = apiEndpoint(apiUrl, `/page-views/stats?days=${encodeURIComponent(days)}`);
  let response: Response;
  try {
    response = await fetchFn(url, { headers: { accept: 'application/json' }, signal: options.signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(`The API could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!response.ok) {
    throw new ApiError(`The API answered HTTP ${response.status}`, response.status);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('The API answered something that is not JSON', response.status);
  }
  if (!isStats(body)) throw new ApiError('The API answered an unexpected response', response.status);
  return body;
}

/**
 * Records a page view of this site. Best effort: analytics must never break the page, so failures are only logged.
 * `referrer` is a full URL or null (the API validates it as a URI).
 */
export async function recordPageView(
  apiUrl: string,
  view: { path: string; referrer: string | null },
  fetchFn: typeof fetch = fetch,
): Promise<boolean> {
  try {
    const response = await fetchFn(apiEndpoint(apiUrl, '/page-views'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(view),
      keepalive: true,
    });
    if (!response.ok) console.warn(`page view not recorded: HTTP ${response.status}`);
    return response.ok;
  } catch (error) {
    console.warn('page view not recorded:', error);
    return false;
  }
}

/**
 * One entry per UTC day from the window's first day to `today`, with 0 for days without views (the API only
 * returns days that have views).
 */
export function fillDaily(stats: Pick<PageViewStats, 'from' | 'daily'>, today: Date = new Date()): { date: string; views: number }[] {
  const byDate = new Map(stats.daily.map((d) => [d.date, d.views]));
  const start = new Date(stats.from);
  if (Number.isNaN(start.getTime())) return stats.daily;
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const out: { date: string; views: number }[] = [];
  for (let guard = 0; day.getTime() <= end && guard < 400; guard++) {
    const date = day.toISOString().slice(0, 10);
    out.push({ date, views: byDate.get(date) ?? 0 });
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return out;
}
