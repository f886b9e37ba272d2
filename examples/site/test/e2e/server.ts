import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

/**
 * A stand-in for the deployed site, on 127.0.0.1 and a random port: `dist/` served the way StaticCdnSite serves it
 * (SPA fallback of its CloudFront Function, cache headers, default Content-Security-Policy), plus what CDK and the
 * other origins provide: `/config.json`, a fake page-views API under `/api/*` (and any other prefix in
 * `apiPrefixes`), a fake Umami tracker at `/stats/script.js` and its collect endpoint `/api/send`.
 */
export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  body: string;
}

export interface FakeSite {
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** The content of /config.json; null answers 403 like a private S3 bucket without the object. */
  config: Record<string, string> | null;
  /** HTTP status of the fake stats endpoint (200: the stats). */
  statsStatus: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** StaticCdnSite's default CSP, less `upgrade-insecure-requests` (this server is plain HTTP). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Mimics Umami's tracker where it matters here: it reads its own tag, posts to `data-host-url` (or, like Umami,
 * the directory of its own URL) + `/api/send`, and follows history navigation.
 */
const FAKE_UMAMI = `(() => {
  const script = document.currentScript;
  const websiteId = script.getAttribute('data-website-id');
  const host = script.getAttribute('data-host-url') || script.src.split('/').slice(0, -1).join('/');
  const endpoint = host.replace(/\\/$/, '') + '/api/send';
  const send = () => fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'event', payload: { website: websiteId, url: location.pathname } }),
  });
  window.__fakeUmami = { websiteId, endpoint, loads: (window.__fakeUmami?.loads ?? 0) + 1 };
  const push = history.pushState;
  history.pushState = function (...args) { push.apply(this, args); send(); };
  send();
})();
`;

/** The fake stats: the fixture's numbers, with dates moved to the last `days` days. */
function statsFor(fixture: StatsFixture, days: number): unknown {
  const now = Date.now();
  const daily = fixture.daily.map((d, i) => ({
    date: new Date(now - (fixture.daily.length - 1 - i) * 86_400_000).toISOString().slice(0, 10),
    views: d.views,
  }));
  return { ...fixture, days, from: new Date(now - days * 86_400_000).toISOString(), daily };
}

interface StatsFixture {
  daily: { date: string; views: number }[];
  [key: string]: unknown;
}

function isFilePath(pathname: string): boolean {
  // The rule of StaticCdnSite's CloudFront Function (spa-routing.js).
  if (pathname.startsWith('/.well-known/')) return true;
  return pathname.slice(pathname.lastIndexOf('/') + 1).includes('.');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeSite(options: {
  distDir: string;
  config: Record<string, string> | null;
  stats: StatsFixture;
  apiPrefixes?: string[];
}): Promise<FakeSite> {
  const distDir = resolve(options.distDir);
  const apiPrefixes = options.apiPrefixes ?? ['/api'];
  const requests: RecordedRequest[] = [];

  const site: Omit<FakeSite, 'origin' | 'close'> = { requests, config: options.config, statsStatus: 200 };

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', ...headers });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), { 'cache-control': 'no-store' });

  async function serveFile(res: ServerResponse, pathname: string): Promise<void> {
    const file = resolve(join(distDir, decodeURIComponent(pathname)));
    if (file !== distDir && !file.startsWith(distDir + sep)) return send(res, 403, 'text/plain', 'Forbidden');
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      // S3 behind OAC answers 403 for a missing key; a 404 is just as clear here.
      return send(res, 404, 'text/plain', 'Not Found');
    }
    const ext = extname(file);
    const html = ext === '.html';
    send(res, 200, TYPES[ext] ?? 'application/octet-stream', await readFile(file), {
      'cache-control': html ? 'no-cache' : 'public, max-age=31536000, immutable',
      ...(html && { 'content-security-policy': CSP }),
    });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = req.method === 'POST' ? await readBody(req) : '';
      requests.push({ method: req.method ?? 'GET', url: url.pathname + url.search, body });
      const path = url.pathname;

      if (path === '/config.json') {
        if (site.config === null) return send(res, 403, 'application/xml', '<Error><Code>AccessDenied</Code></Error>');
        return send(res, 200, 'application/json', JSON.stringify(site.config), { 'cache-control': 'no-cache' });
      }
      if (path === '/stats/script.js') {
        return send(res, 200, 'text/javascript; charset=utf-8', FAKE_UMAMI, { 'cache-control': 'no-cache' });
      }
      // Umami's collect path takes precedence over the API's /api/*, as in StaticCdnSite.
      if (path === '/api/send' && req.method === 'POST') return json(res, 200, { ok: true });
      const prefix = apiPrefixes.find((p) => path.startsWith(`${p}/`));
      if (prefix) {
        const route = path.slice(prefix.length);
        if (route === '/page-views/stats' && req.method === 'GET') {
          if (site.statsStatus !== 200) return json(res, site.statsStatus, { message: 'fake failure' });
          const days = Number(url.searchParams.get('days') ?? 7);
          return json(res, 200, statsFor(options.stats, days));
        }
        if (route === '/page-views' && req.method === 'POST') {
          const view = JSON.parse(body || '{}') as { path?: string; referrer?: string | null };
          return json(res, 201, { id: String(requests.length), path: view.path, referrer: view.referrer ?? null, createdAt: new Date().toISOString() });
        }
        return json(res, 404, { message: `Route ${req.method}:${path} not found` });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method Not Allowed');
      return serveFile(res, isFilePath(path) ? path : '/index.html');
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', String(error));
      else res.destroy();
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;

  return Object.assign(site, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  });
}
