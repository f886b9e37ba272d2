/**
 * The real browser tracker (`@openreplay/tracker` from npm, the release the v1.27.0 platform hands out) in headless
 * Chromium, pointed at a real nginx running the generated gateway configuration, with stand-in upstream services on
 * loopback that record what they get. The page is served from another origin than the gateway, so every ingest call
 * is cross-origin and goes through the browser's CORS checks, as on a customer's site.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import * as esbuild from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/chromium';
import { DnsStub, freePort, Nginx, Received, StandIn } from './helpers/gateway-nginx';
import { OPENREPLAY_ROUTES, renderGatewayConfig } from '../src/openreplay/gateway-config';

jest.setTimeout(120_000);

const FIXTURE = path.join(__dirname, 'fixtures', 'tracker-page');
// The browser reaches the gateway by this name (mapped to 127.0.0.1), so the Host header upstream is checkable.
const GATEWAY_HOST = 'gateway.test';
const TOKEN = `token-${crypto.randomUUID()}`;
const SESSION_ID = '7340562123456789012';

/**
 * The http service's answer to `/v1/web/start`: the fields of `StartSessionResponse` (backend/pkg/sessions/api/web/
 * model.go at v1.27.0) as its handler fills them (backend/pkg/sessions/api/web/handlers.go), with canvas recording on
 * (`RECORD_CANVAS`) so that the tracker uploads canvas snapshots too.
 */
function startResponse() {
  const now = Date.now();
  return {
    timestamp: now,
    startTimestamp: now,
    delay: 0,
    token: TOKEN,
    userUUID: crypto.randomUUID(),
    userOS: 'Linux',
    userDevice: '',
    userBrowser: 'Chrome',
    userCountry: 'UN',
    userState: '',
    userCity: '',
    sessionID: SESSION_ID,
    projectID: '1',
    beaconSizeLimit: 1_000_000,
    compressionThreshold: 20_000,
    canvasEnabled: true,
    canvasQuality: 'low',
    canvasFPS: 10,
    framesSupport: true,
    protocolVersion: 2,
  };
}

/**
 * What the real http service (v1.27.0, backend/pkg/sessions/api/web/handlers.go, pushMessagesHandlerWeb) refuses of
 * a batch: a missing or foreign token (401), and a `visual` batch whose `split` query parameter (the offset between
 * its player and assets parts) is missing or outside the decompressed body (400, "split value is empty" / "... out of
 * range").
 */
function batchProblem(r: Received): [number, string] | undefined {
  if (r.headers.authorization !== `Bearer ${TOKEN}`) return [401, 'unauthorized'];
  const body = r.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
  if (body.length === 0) return [400, 'request body is empty'];
  if (r.headers.datatype === 'visual') {
    const split = new URL(r.url, 'http://x').searchParams.get('split');
    if (!split) return [400, 'split value is empty'];
    const n = Number(split);
    if (!Number.isInteger(n) || n <= 0 || n >= body.length) return [400, 'split value is out of range'];
  }
  return undefined;
}

describe('the OpenReplay tracker through the gateway', () => {
  const received: Received[] = [];
  /** The http stand-in's answers to data batches. */
  const batchAnswers: Array<{ datatype: string; status: number; problem?: string }> = [];
  const standIns: StandIn[] = [];
  let dns: DnsStub;
  let nginx: Nginx;
  let site: http.Server;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  /** Requests the browser gave up on, and console errors (a refused CORS preflight shows up in both). */
  const problems: string[] = [];

  beforeAll(async () => {
    // Stand-ins, reached by name through a DNS stand-in for the VPC resolver (as the Cloud Map names are on ECS).
    const upstreams: { [service: string]: string } = {};
    const names: { [name: string]: string } = {};
    for (const service of new Set(OPENREPLAY_ROUTES.map((r) => r.service))) {
      const answer = service !== 'http' ? undefined : (r: Received, res: http.ServerResponse) => {
        if (r.method === 'POST' && r.url === '/v1/web/start') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(startResponse()));
        } else if (r.method === 'POST' && r.url.startsWith('/v1/web/i')) {
          const problem = batchProblem(r);
          batchAnswers.push({ datatype: String(r.headers.datatype), status: problem ? problem[0] : 200, problem: problem?.[1] });
          res.statusCode = problem ? problem[0] : 200;
          res.end(problem ? JSON.stringify({ error: problem[1] }) : '');
        } else {
          res.end();
        }
      };
      const s = await new StandIn(service, received, answer).start();
      standIns.push(s);
      upstreams[service] = `${service}.openreplay.test:${s.port}`;
      names[`${service}.openreplay.test`] = '127.0.0.1';
    }
    dns = await new DnsStub(names).start();
    const gatewayPort = await freePort();
    nginx = await new Nginx(renderGatewayConfig(upstreams, { listenPort: gatewayPort, resolver: `127.0.0.1:${dns.port}` }), gatewayPort).start();

    // The customer's site: the page, its config and the tracker bundle.
    const bundle = await esbuild.build({
      entryPoints: [path.join(FIXTURE, 'page.js')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
    });
    const gateway = `${GATEWAY_HOST}:${gatewayPort}`;
    const files: { [p: string]: [string, string | Uint8Array] } = {
      '/': ['text/html', fs.readFileSync(path.join(FIXTURE, 'index.html'))],
      '/config.js': ['text/javascript', `window.TRACKER_TEST = ${JSON.stringify({
        ingestPoint: `http://${gateway}/ingest`,
        assistUrl: `ws://${gateway}/ws-assist/socket/?EIO=4&transport=websocket`,
      })};`],
      '/page.js': ['text/javascript', bundle.outputFiles[0].contents],
      '/favicon.ico': ['image/x-icon', ''],
      // A real page has a stylesheet and images: the tracker records them as assets (and tracker 18.0.17 sends a
      // `visual` batch without `split`, which the real http service refuses, when a page has none).
      '/style.css': ['text/css', fs.readFileSync(path.join(FIXTURE, 'style.css'))],
      '/logo.svg': ['image/svg+xml', fs.readFileSync(path.join(FIXTURE, 'logo.svg'))],
    };
    site = http.createServer((req, res) => {
      const file = files[req.url!];
      res.writeHead(file ? 200 : 404, { 'content-type': file ? file[0] : 'text/plain' });
      res.end(file ? file[1] : 'not found');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));

    browser = await launchChromium([`--host-resolver-rules=MAP ${GATEWAY_HOST} 127.0.0.1`]);
    page = await browser.context.newPage();
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${(site.address() as net.AddressInfo).port}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (site ? site.close(r) : r(undefined)));
    await nginx?.stop();
    await dns?.stop();
    await Promise.all(standIns.map((s) => s.stop()));
  });

  /**
   * Waits until a stand-in has received a matching request. Fails as soon as the browser gives up on a request to the
   * same path (e.g. a refused preflight), with what the browser said; the long cap only stops a hung run.
   */
  async function arrival(what: string, browserPath: string, match: (r: Received) => boolean): Promise<Received> {
    for (let i = 0; i < 600; i++) {
      const got = received.find(match);
      if (got) return got;
      if (problems.some((p) => p.startsWith('request failed') && p.includes(browserPath))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} never arrived; the browser reported:\n${problems.join('\n') || '(nothing)'}\nnginx: ${nginx.errorLog()}`);
  }

  test('the start request reaches the http service with /ingest stripped, and the session starts', async () => {
    const start = await arrival('POST /v1/web/start', '/ingest/v1/web/start', (r) => r.service === 'http' && r.url === '/v1/web/start');
    expect(start.method).toBe('POST');
    expect(JSON.parse(start.body.toString())).toMatchObject({ projectKey: 'tracker-test-project' });
    await page.waitForFunction('window.trackerTest.start !== undefined');
    expect(await page.evaluate('window.trackerTest.start')).toMatchObject({ success: true, sessionID: SESSION_ID });
  });

  test('the forwarded headers reach the upstream', async () => {
    const start = await arrival('POST /v1/web/start', '/ingest/v1/web/start', (r) => r.url === '/v1/web/start');
    expect(start.headers).toMatchObject({
      'host': GATEWAY_HOST,
      'x-real-ip': '127.0.0.1',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
    });
  });

  test('data batches arrive at /v1/web/i with their DataType header (the CORS preflight passes)', async () => {
    await page.waitForFunction('window.trackerTest.start !== undefined');
    await page.evaluate('window.trackerTest.flush()');
    const batch = await arrival('a batch to /v1/web/i', '/ingest/v1/web/i', (r) => r.service === 'http' && r.url.startsWith('/v1/web/i?'));
    expect(batch.method).toBe('POST');
    expect(batch.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // The DataType union of the installed tracker (dist/lib/common/interaction.d.ts; v1.27.0's source has all but 'visual').
    expect(['player', 'assets', 'devtools', 'analytics', 'visual']).toContain(batch.headers.datatype);
    expect(batch.body.length).toBeGreaterThan(0);
    // Every batch passes the real service's checks (token; a visual batch's split offset).
    await page.evaluate('window.trackerTest.flush()');
    expect(batchAnswers.length).toBeGreaterThan(0);
    expect(batchAnswers.filter((a) => a.status !== 200)).toEqual([]);
    // The gateway answered the preflights itself.
    expect(received.filter((r) => r.method === 'OPTIONS')).toEqual([]);
  });

  test('canvas snapshots reach the canvases service at /v1/web/images', async () => {
    const upload = await arrival('a canvas upload', '/ingest/v1/web/images', (r) => r.service === 'canvases');
    expect(upload.method).toBe('POST');
    expect(upload.url).toBe('/v1/web/images');
    expect(upload.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.body.toString('latin1')).toContain('filename="');
  });

  test('the assist WebSocket upgrade passes through /ws-assist/', async () => {
    const upgrade = await arrival('the assist WebSocket upgrade', '/ws-assist/', (r) => r.service === 'assist' && !!r.websocket);
    expect(upgrade.url).toBe('/socket/?EIO=4&transport=websocket');
    expect(upgrade.headers['x-forwarded-for']).toBe('127.0.0.1');
    await page.waitForFunction('window.trackerTest.assist.length > 0');
    expect(await page.evaluate('window.trackerTest.assist')).toEqual(['hello from assist']);
  });
});
