/**
 * End-to-end: the production build in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core: no browser download), served by a local stand-in for the CDN, CDK's config.json and the API.
 *
 * Environment: CHROMIUM_PATH (default /usr/bin/chromium); E2E_SKIP_BUILD=1 reuses an existing dist/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import sampleConfig from '../fixtures/config.json';
import openReplayConfig from '../fixtures/config.openreplay.json';
import stats from '../fixtures/stats.json';
import { startFakeSite, type FakeSite } from './server';

const root = resolve(import.meta.dirname, '../..');
const distDir = join(root, 'dist');
const resultsDir = join(root, 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let site: FakeSite;
let context: BrowserContext;
let userDataDir: string;
let page: Page;
/** Console errors, page errors and CSP violations of the current test's page. */
let problems: string[];
/** Every URL the current test's page requested. */
let requested: string[];

async function build(): Promise<void> {
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(join(distDir, 'index.html'))) return;
  // Same as `npm run build` without the type check: vite build with this project's vite.config.ts.
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH).`,
    );
  }
  await build();
  mkdirSync(resultsDir, { recursive: true });
  site = await startFakeSite({ distDir, config: sampleConfig, stats, apiPrefixes: ['/api', '/other-api'] });
  userDataDir = mkdtempSync(join(tmpdir(), 'site-e2e-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1100, height: 760 },
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await context?.close();
  await site?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  site.config = sampleConfig;
  site.statsStatus = 200;
  site.requests.length = 0;
  problems = [];
  requested = [];
  page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => requested.push(request.url()));
});

afterEach(async () => {
  await page.close();
});

const serverSaw = (method: string, url: string) => site.requests.filter((r) => r.method === method && r.url === url);

describe('the build', () => {
  it('has index.html at the root, hashed assets under assets/, and no config.json', () => {
    expect(existsSync(join(distDir, 'index.html'))).toBe(true);
    expect(existsSync(join(distDir, 'config.json'))).toBe(false);
    const top = readdirSync(distDir).sort();
    expect(top).toEqual(['assets', 'index.html']);
    const assets = readdirSync(join(distDir, 'assets'));
    expect(assets.length).toBeGreaterThan(0);
    for (const name of assets) expect(name).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css)$/);
  });

  it('puts OpenReplay in a lazy chunk of its own that index.html does not load', () => {
    const chunks = readdirSync(join(distDir, 'assets')).filter((n) => n.startsWith('openreplay-'));
    expect(chunks).toHaveLength(1);
    const html = readFileSync(join(distDir, 'index.html'), 'utf8');
    expect(html).not.toContain('openreplay');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script: the CSP would block it
  });
});

describe('in Chromium', () => {
  it('renders the stats from the API named in config.json and loads Umami once', async () => {
    await page.goto(`${site.origin}/`);
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('1,234');
    expect(await page.getByTestId('unique-paths').textContent()).toBe('17');
    expect(await page.getByTestId('top-paths').textContent()).toContain('/pricing');
    expect(await page.getByTestId('top-referrers').textContent()).toContain('https://news.ycombinator.com/');

    // config.json, then the API under its apiUrl, and the page's own view
    expect(serverSaw('GET', '/config.json')).toHaveLength(1);
    expect(serverSaw('GET', '/api/page-views/stats?days=7')).toHaveLength(1);
    await expect.poll(() => serverSaw('POST', '/api/page-views').length).toBe(1);
    expect(JSON.parse(serverSaw('POST', '/api/page-views')[0]!.body)).toEqual({ path: '/', referrer: null });

    // exactly one Umami tag with the configured website id, and the script was fetched and ran
    const tags = await page.$$eval('script[data-website-id]', (els) =>
      els.map((el) => ({ src: el.getAttribute('src'), id: el.getAttribute('data-website-id'), defer: (el as HTMLScriptElement).defer })),
    );
    expect(tags).toEqual([{ src: sampleConfig.umamiScriptUrl, id: sampleConfig.umamiWebsiteId, defer: true }]);
    await expect.poll(() => serverSaw('GET', '/stats/script.js').length).toBe(1);
    // its events go to the collect path routed to Umami (/api/send), not /stats/api/send
    await expect.poll(() => serverSaw('POST', '/api/send').length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(serverSaw('POST', '/api/send')[0]!.body).payload.website).toBe(sampleConfig.umamiWebsiteId);
    expect(serverSaw('POST', '/stats/api/send')).toHaveLength(0);

    // no OpenReplay without a project key
    expect(requested.filter((u) => u.includes('/assets/openreplay-'))).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(resultsDir, 'dashboard.png'), fullPage: true });
  });

  it('uses apiUrl from config.json', async () => {
    site.config = { ...sampleConfig, apiUrl: `${site.origin}/other-api/` };
    await page.goto(`${site.origin}/`);
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('1,234');
    expect(serverSaw('GET', '/other-api/page-views/stats?days=7')).toHaveLength(1);
    expect(serverSaw('GET', '/api/page-views/stats?days=7')).toHaveLength(0);
    await page.getByRole('button', { name: '30 days' }).click();
    await expect.poll(() => serverSaw('GET', '/other-api/page-views/stats?days=30').length).toBe(1);
    expect(problems).toEqual([]);
  });

  it('serves /about as a deep link, and navigates in-app with the history API', async () => {
    const response = await page.goto(`${site.origin}/about`);
    expect(response?.status()).toBe(200);
    await page.getByTestId('about').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('About this site');
    await page.screenshot({ path: join(resultsDir, 'about.png') });

    // client-side navigation: no new document, the page's state survives
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
    await page.getByTestId('stats').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.goBack();
    await page.getByTestId('about').waitFor();
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

    // one document load of index.html (for /about), one config.json, one Umami tag
    expect(site.requests.filter((r) => r.url === '/about' || r.url === '/')).toHaveLength(1);
    expect(serverSaw('GET', '/config.json')).toHaveLength(1);
    expect(await page.locator('script[data-website-id]').count()).toBe(1);
    // page views: the landing page, then the in-app navigations
    await expect.poll(() => serverSaw('POST', '/api/page-views').map((r) => JSON.parse(r.body).path)).toEqual(['/about', '/', '/about']);
    expect(problems).toEqual([]);
  });

  it('shows a not-found page for an unknown route, and a real 404 for a missing file', async () => {
    await page.goto(`${site.origin}/no/such/page`);
    await page.getByTestId('not-found').waitFor();
    const missing = await page.request.get(`${site.origin}/assets/missing-12345678.js`);
    expect(missing.status()).toBe(404);
  });

  it('shows a visible error when config.json is missing', async () => {
    site.config = null;
    await page.goto(`${site.origin}/`);
    const alert = page.getByTestId('config-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('HTTP 403');
    expect(serverSaw('GET', '/api/page-views/stats?days=7')).toHaveLength(0);
    expect(await page.locator('script[data-website-id]').count()).toBe(0);
    await page.screenshot({ path: join(resultsDir, 'config-error.png') });
  });

  it('shows a friendly error when the API fails, and recovers on retry', async () => {
    site.statsStatus = 502;
    await page.goto(`${site.origin}/`);
    const alert = page.getByTestId('api-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The API answered HTTP 502');
    await page.screenshot({ path: join(resultsDir, 'api-error.png') });
    site.statsStatus = 200;
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('1,234');
  });

  it('loads the OpenReplay chunk only when openReplayProjectKey is set', async () => {
    site.config = { ...openReplayConfig, openReplayIngestPoint: `${site.origin}/ingest` };
    await page.goto(`${site.origin}/`);
    await expect.poll(() => page.getByTestId('total').textContent()).toBe('1,234');
    await expect.poll(() => requested.filter((u) => u.includes('/assets/openreplay-')).length).toBe(1);
    // the tracker starts its session against the configured ingest point (the fake one answers 405: no recording)
    await expect.poll(() => serverSaw('POST', '/ingest/v1/web/start').length, { timeout: 10_000 }).toBe(1);
    expect(JSON.parse(serverSaw('POST', '/ingest/v1/web/start')[0]!.body)).toMatchObject({ projectKey: 'example-project-key' });
  });
});
