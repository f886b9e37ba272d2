import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RuntimeConfig } from './config';
import {
  injectUmami,
  loadOpenReplay,
  resetOpenReplayForTests,
  umamiHostUrl,
  UMAMI_SCRIPT_ID,
  type OpenReplayTrackerClass,
} from './trackers';

const WEBSITE_ID = '3f9c2a1e-7b4d-4c8e-9a61-0d2e5b7f8c34';
const umamiConfig: RuntimeConfig = { apiUrl: '/api', umamiScriptUrl: '/stats/script.js', umamiWebsiteId: WEBSITE_ID };
const site = { origin: 'https://www.example.com', href: 'https://www.example.com/about' };

describe('injectUmami', () => {
  beforeEach(() => {
    document.head.innerHTML = '';
  });

  it('injects one deferred script with the website id', () => {
    const script = injectUmami(umamiConfig);
    const scripts = document.querySelectorAll('script');
    expect(scripts).toHaveLength(1);
    expect(script).toBe(scripts[0]);
    expect(script!.id).toBe(UMAMI_SCRIPT_ID);
    expect(script!.defer).toBe(true);
    expect(script!.getAttribute('src')).toBe('/stats/script.js');
    expect(script!.getAttribute('data-website-id')).toBe(WEBSITE_ID);
  });

  it('injects the script only once', () => {
    const first = injectUmami(umamiConfig);
    const second = injectUmami(umamiConfig);
    expect(second).toBe(first);
    expect(document.querySelectorAll('script[data-website-id]')).toHaveLength(1);
  });

  it('does nothing when Umami is not configured', () => {
    expect(injectUmami({ apiUrl: '/api' })).toBeNull();
    expect(document.querySelectorAll('script')).toHaveLength(0);
  });

  it('points a first-party tracker at the site origin so events go to /api/send', () => {
    const script = injectUmami(umamiConfig);
    expect(script!.getAttribute('data-host-url')).toBe(window.location.origin);
  });
});

describe('umamiHostUrl', () => {
  it('is the site origin for a script on the site', () => {
    expect(umamiHostUrl(umamiConfig, site)).toBe('https://www.example.com');
    expect(umamiHostUrl({ ...umamiConfig, umamiScriptUrl: 'https://www.example.com/stats/script.js' }, site)).toBe(
      'https://www.example.com',
    );
  });

  it("is Umami's default for a script elsewhere", () => {
    expect(umamiHostUrl({ ...umamiConfig, umamiScriptUrl: 'https://umami.example.com/script.js' }, site)).toBeUndefined();
  });

  it('is the configured umamiHostUrl when set', () => {
    expect(umamiHostUrl({ ...umamiConfig, umamiHostUrl: 'https://stats.example.com' }, site)).toBe('https://stats.example.com');
  });

  it('is undefined without Umami', () => {
    expect(umamiHostUrl({ apiUrl: '/api' }, site)).toBeUndefined();
  });
});

describe('loadOpenReplay', () => {
  const start = vi.fn(async () => ({ success: true }));
  const constructed: unknown[] = [];
  const FakeTracker = class {
    constructor(options: unknown) {
      constructed.push(options);
    }
    start = start;
  } as unknown as OpenReplayTrackerClass;

  beforeEach(() => {
    resetOpenReplayForTests();
    constructed.length = 0;
    start.mockClear();
  });
  afterEach(() => vi.restoreAllMocks());

  it('does not load the package when no project key is configured', async () => {
    const importer = vi.fn(async () => FakeTracker);
    await expect(loadOpenReplay({ apiUrl: '/api' }, importer)).resolves.toBeNull();
    expect(importer).not.toHaveBeenCalled();
  });

  it('loads and starts the tracker once when configured', async () => {
    const importer = vi.fn(async () => FakeTracker);
    const config = { apiUrl: '/api', openReplayProjectKey: 'key-1', openReplayIngestPoint: 'https://or.example.com/ingest' };
    const [a, b] = await Promise.all([loadOpenReplay(config, importer), loadOpenReplay(config, importer)]);
    expect(a).not.toBeNull();
    expect(b).toBe(a);
    expect(importer).toHaveBeenCalledTimes(1);
    expect(constructed).toEqual([{ projectKey: 'key-1', ingestPoint: 'https://or.example.com/ingest' }]);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('omits ingestPoint when not configured (OpenReplay cloud)', async () => {
    await loadOpenReplay({ apiUrl: '/api', openReplayProjectKey: 'key-1' }, async () => FakeTracker);
    expect(constructed).toEqual([{ projectKey: 'key-1' }]);
  });

  it('turns off secure mode on plain HTTP on the local machine only', async () => {
    const config = { apiUrl: '/api', openReplayProjectKey: 'k' };
    await loadOpenReplay(config, async () => FakeTracker, { protocol: 'http:', hostname: '127.0.0.1' });
    resetOpenReplayForTests();
    await loadOpenReplay(config, async () => FakeTracker, { protocol: 'http:', hostname: 'www.example.com' });
    resetOpenReplayForTests();
    await loadOpenReplay(config, async () => FakeTracker, { protocol: 'https:', hostname: 'localhost' });
    expect(constructed).toEqual([{ projectKey: 'k', __DISABLE_SECURE_MODE: true }, { projectKey: 'k' }, { projectKey: 'k' }]);
  });

  it('resolves to null, with a warning, when the chunk cannot be loaded', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const importer = vi.fn(async (): Promise<OpenReplayTrackerClass> => {
      throw new TypeError('Failed to fetch dynamically imported module');
    });
    await expect(loadOpenReplay({ apiUrl: '/api', openReplayProjectKey: 'k' }, importer)).resolves.toBeNull();
    expect(warn).toHaveBeenCalled();
  });
});
