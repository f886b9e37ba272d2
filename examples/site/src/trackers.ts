import type { RuntimeConfig } from './config';

export const UMAMI_SCRIPT_ID = 'umami-tracker';

/**
 * The `data-host-url` the Umami tracker needs, or undefined when its default is right.
 *
 * Without `data-host-url`, Umami's tracker posts its events to the directory of its own script URL plus `/api/send`:
 * a script served first-party at `/stats/script.js` would post to `/stats/api/send`, which no behaviour of the
 * distribution routes to Umami (`StaticCdnSite` routes `analyticsOrigin.collectPath`, `/api/send` by default). So a
 * script on the site's own origin gets the site's origin as its host, and its events go to `/api/send`.
 */
export function umamiHostUrl(config: RuntimeConfig, location: Pick<Location, 'origin' | 'href'>): string | undefined {
  if (config.umamiHostUrl) return config.umamiHostUrl;
  if (!config.umamiScriptUrl) return undefined;
  const script = new URL(config.umamiScriptUrl, location.href);
  return script.origin === location.origin ? location.origin : undefined;
}

/**
 * Adds `<script defer src="{umamiScriptUrl}" data-website-id="{umamiWebsiteId}">` to the head, once: a second call
 * (React StrictMode, a remount) returns the existing tag. Returns null when Umami is not configured. Umami's tracker
 * follows history navigation by itself (it wraps pushState), so the SPA's route changes are page views too.
 */
export function injectUmami(config: RuntimeConfig, doc: Document = document): HTMLScriptElement | null {
  if (!config.umamiScriptUrl || !config.umamiWebsiteId) return null;
  const existing = doc.getElementById(UMAMI_SCRIPT_ID);
  if (existing instanceof HTMLScriptElement) return existing;
  const script = doc.createElement('script');
  script.id = UMAMI_SCRIPT_ID;
  script.defer = true;
  script.src = config.umamiScriptUrl;
  script.setAttribute('data-website-id', config.umamiWebsiteId);
  const hostUrl = umamiHostUrl(config, doc.location ?? window.location);
  if (hostUrl) script.setAttribute('data-host-url', hostUrl);
  doc.head.appendChild(script);
  return script;
}

/** The part of `@openreplay/tracker`'s default export (the Tracker class) this app uses. */
export interface OpenReplayTracker {
  start(): Promise<unknown>;
}
export interface OpenReplayOptions {
  projectKey: string;
  ingestPoint?: string;
  /** OpenReplay refuses to record over plain HTTP unless this is set: allowed on the local machine only. */
  __DISABLE_SECURE_MODE?: boolean;
}
export type OpenReplayTrackerClass = new (options: OpenReplayOptions) => OpenReplayTracker;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Plain HTTP on the local machine (`npm run dev`, the end-to-end test): OpenReplay's secure mode must be off. */
export function isLocalHttp(location: Pick<Location, 'protocol' | 'hostname'>): boolean {
  return location.protocol === 'http:' && LOCAL_HOSTS.has(location.hostname);
}

/** Loads the tracker package: a dynamic import, so that it is a chunk of its own, fetched only when configured. */
export const importOpenReplay = async (): Promise<OpenReplayTrackerClass> =>
  (await import('@openreplay/tracker')).default as unknown as OpenReplayTrackerClass;

let openReplay: Promise<OpenReplayTracker | null> | undefined;

/**
 * Starts OpenReplay session recording when `openReplayProjectKey` is set, once per page; resolves to the tracker,
 * or null when not configured or when loading or starting failed (logged: session replay must not break the app).
 */
export function loadOpenReplay(
  config: RuntimeConfig,
  importTracker: () => Promise<OpenReplayTrackerClass> = importOpenReplay,
  location: Pick<Location, 'protocol' | 'hostname'> = window.location,
): Promise<OpenReplayTracker | null> {
  if (!config.openReplayProjectKey) return Promise.resolve(null);
  const projectKey = config.openReplayProjectKey;
  openReplay ??= (async () => {
    try {
      const Tracker = await importTracker();
      const tracker = new Tracker({
        projectKey,
        ...(config.openReplayIngestPoint && { ingestPoint: config.openReplayIngestPoint }),
        ...(isLocalHttp(location) && { __DISABLE_SECURE_MODE: true }),
      });
      await tracker.start();
      return tracker;
    } catch (error) {
      console.warn('OpenReplay tracker not started:', error);
      return null;
    }
  })();
  return openReplay;
}

/** For tests: forget the started OpenReplay tracker. */
export function resetOpenReplayForTests(): void {
  openReplay = undefined;
}
