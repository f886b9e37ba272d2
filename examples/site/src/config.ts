/**
 * Runtime configuration: `/config.json`, written by CDK (`StaticCdnSite`'s `runtimeConfig`) at deployment time and
 * served `no-cache`, so that one build runs in every environment. Every value CDK writes is a string; an empty
 * string counts as "not set" (handy for optional values passed through as empty).
 */
export interface RuntimeConfig {
  /** Base URL of the page-views API, without a trailing slash: `/api` (same distribution) or an absolute URL. */
  readonly apiUrl: string;
  /** Umami tracker script, e.g. `/stats/script.js` (first-party through CloudFront). Set with `umamiWebsiteId`. */
  readonly umamiScriptUrl?: string;
  /** Umami website id (a UUID). Set with `umamiScriptUrl`. */
  readonly umamiWebsiteId?: string;
  /**
   * Where the Umami tracker sends its events (`data-host-url`; it appends `/api/send`). When unset and the script is
   * served by the site itself, the tracker posts to the site's own origin (see `umamiHostUrl` in trackers.ts).
   */
  readonly umamiHostUrl?: string;
  /** OpenReplay project key: the OpenReplay tracker is loaded only when it is set. */
  readonly openReplayProjectKey?: string;
  /** OpenReplay ingest endpoint of a self-hosted OpenReplay, e.g. `https://openreplay.example.com/ingest`. */
  readonly openReplayIngestPoint?: string;
}

export const CONFIG_PATH = '/config.json';

/** Raised for a config.json that cannot be fetched, is not JSON, or has missing or malformed values. */
export class ConfigError extends Error {
  constructor(
    message: string,
    /** Each problem found, one per entry (a malformed file can have several). */
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEYS = [
  'apiUrl',
  'umamiScriptUrl',
  'umamiWebsiteId',
  'umamiHostUrl',
  'openReplayProjectKey',
  'openReplayIngestPoint',
] as const;
type Key = (typeof KEYS)[number];

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A path on the site itself (`/api`), not a protocol-relative URL (`//evil.example`). */
function isSitePath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !/\s/.test(value);
}

/**
 * Validates the parsed content of config.json and returns it normalised (trimmed, no trailing slash on `apiUrl`,
 * empty strings dropped, unknown keys ignored). Throws a ConfigError listing every problem.
 */
export function parseConfig(raw: unknown): RuntimeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config.json must contain a JSON object');
  }
  const source = raw as Record<string, unknown>;
  const problems: string[] = [];
  const values: Partial<Record<Key, string>> = {};
  for (const key of KEYS) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      problems.push(`${key} must be a string (got ${typeof value})`);
      continue;
    }
    const trimmed = value.trim();
    if (trimmed !== '') values[key] = trimmed;
  }

  let apiUrl = values.apiUrl;
  if (apiUrl === undefined) {
    if (!problems.some((p) => p.startsWith('apiUrl '))) problems.push('apiUrl is required (e.g. "/api")');
  } else if (!isSitePath(apiUrl) && !isHttpUrl(apiUrl)) {
    problems.push(`apiUrl must be a path such as "/api" or an http(s) URL (got "${apiUrl}")`);
  } else {
    apiUrl = apiUrl.replace(/\/+$/, '');
  }

  const { umamiScriptUrl, umamiWebsiteId, umamiHostUrl, openReplayProjectKey, openReplayIngestPoint } = values;
  if ((umamiScriptUrl === undefined) !== (umamiWebsiteId === undefined)) {
    problems.push(
      umamiScriptUrl === undefined
        ? 'umamiWebsiteId is set but umamiScriptUrl is not: set both or neither'
        : 'umamiScriptUrl is set but umamiWebsiteId is not: set both or neither',
    );
  }
  if (umamiScriptUrl !== undefined && !isSitePath(umamiScriptUrl) && !isHttpUrl(umamiScriptUrl)) {
    problems.push(`umamiScriptUrl must be a path such as "/stats/script.js" or an http(s) URL (got "${umamiScriptUrl}")`);
  }
  if (umamiWebsiteId !== undefined && !UUID.test(umamiWebsiteId)) {
    problems.push(`umamiWebsiteId must be a UUID (got "${umamiWebsiteId}")`);
  }
  if (umamiHostUrl !== undefined && !isHttpUrl(umamiHostUrl)) {
    problems.push(`umamiHostUrl must be an http(s) URL (got "${umamiHostUrl}")`);
  }
  if (openReplayIngestPoint !== undefined) {
    if (openReplayProjectKey === undefined) {
      problems.push('openReplayIngestPoint is set but openReplayProjectKey is not');
    }
    if (!isHttpUrl(openReplayIngestPoint)) {
      problems.push(`openReplayIngestPoint must be an http(s) URL (got "${openReplayIngestPoint}")`);
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid config.json: ${problems.join('; ')}`, problems);
  }
  return {
    apiUrl: apiUrl!,
    ...(umamiScriptUrl !== undefined && { umamiScriptUrl, umamiWebsiteId }),
    ...(umamiHostUrl !== undefined && { umamiHostUrl }),
    ...(openReplayProjectKey !== undefined && { openReplayProjectKey }),
    ...(openReplayIngestPoint !== undefined && { openReplayIngestPoint }),
  };
}

/**
 * Fetches and validates `/config.json`. `cache: 'no-store'` on top of the CDN's `no-cache`: a redeployment that
 * changes the config is picked up on the next load.
 */
export async function loadConfig(fetchFn: typeof fetch = fetch, url: string = CONFIG_PATH): Promise<RuntimeConfig> {
  let response: Response;
  try {
    response = await fetchFn(url, { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ConfigError(`Could not fetch ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) {
    // A private S3 origin answers 403 (not 404) for a missing object.
    throw new ConfigError(`Could not load ${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const text = await response.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`${url} is not valid JSON${/^\s*</.test(text) ? ' (got an HTML page: is the file deployed?)' : ''}`);
  }
  return parseConfig(raw);
}
