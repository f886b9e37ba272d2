import { describe, expect, it, vi } from 'vitest';
import sample from '../test/fixtures/config.json';
import sampleWithOpenReplay from '../test/fixtures/config.openreplay.json';
import { ConfigError, loadConfig, parseConfig } from './config';

function response(body: string, init: ResponseInit = {}): Response {
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' }, ...init });
}

describe('parseConfig', () => {
  it('accepts the sample config', () => {
    expect(parseConfig(sample)).toEqual({
      apiUrl: '/api',
      umamiScriptUrl: '/stats/script.js',
      umamiWebsiteId: '3f9c2a1e-7b4d-4c8e-9a61-0d2e5b7f8c34',
    });
  });

  it('accepts the OpenReplay keys', () => {
    expect(parseConfig(sampleWithOpenReplay)).toMatchObject({
      openReplayProjectKey: 'example-project-key',
      openReplayIngestPoint: 'https://openreplay.example.com/ingest',
    });
  });

  it('needs only apiUrl, strips its trailing slash, and ignores unknown keys', () => {
    expect(parseConfig({ apiUrl: 'https://api.example.com/api/', extra: 1 })).toEqual({
      apiUrl: 'https://api.example.com/api',
    });
  });

  it('treats empty strings as unset', () => {
    expect(
      parseConfig({ apiUrl: '/api', umamiScriptUrl: '', umamiWebsiteId: ' ', openReplayProjectKey: '' }),
    ).toEqual({ apiUrl: '/api' });
  });

  it.each([
    [null, 'must contain a JSON object'],
    [[], 'must contain a JSON object'],
    ['/api', 'must contain a JSON object'],
    [{}, 'apiUrl is required'],
    [{ apiUrl: '' }, 'apiUrl is required'],
    [{ apiUrl: 42 }, 'apiUrl must be a string'],
    [{ apiUrl: 'api' }, 'apiUrl must be a path'],
    [{ apiUrl: '//evil.example' }, 'apiUrl must be a path'],
    [{ apiUrl: 'javascript:alert(1)' }, 'apiUrl must be a path'],
    [{ apiUrl: '/api', umamiWebsiteId: '3f9c2a1e-7b4d-4c8e-9a61-0d2e5b7f8c34' }, 'umamiScriptUrl is not'],
    [{ apiUrl: '/api', umamiScriptUrl: '/stats/script.js' }, 'umamiWebsiteId is not'],
    [{ apiUrl: '/api', umamiScriptUrl: '/stats/script.js', umamiWebsiteId: 'site-1' }, 'umamiWebsiteId must be a UUID'],
    [{ apiUrl: '/api', openReplayIngestPoint: 'https://or.example.com/ingest' }, 'openReplayProjectKey is not'],
    [{ apiUrl: '/api', openReplayProjectKey: 'k', openReplayIngestPoint: 'or.example.com' }, 'must be an http(s) URL'],
  ])('rejects %j', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      parseConfig({ umamiScriptUrl: '/stats/script.js', umamiWebsiteId: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});

describe('loadConfig', () => {
  it('fetches /config.json bypassing the HTTP cache and validates it', async () => {
    const fetchFn = vi.fn(async () => response(JSON.stringify(sample)));
    await expect(loadConfig(fetchFn)).resolves.toMatchObject({ apiUrl: '/api' });
    expect(fetchFn).toHaveBeenCalledWith('/config.json', expect.objectContaining({ cache: 'no-store' }));
  });

  it('reports a missing file (a private S3 origin answers 403)', async () => {
    const fetchFn = vi.fn(async () => response('<Error>AccessDenied</Error>', { status: 403, statusText: 'Forbidden' }));
    await expect(loadConfig(fetchFn)).rejects.toThrow('Could not load /config.json: HTTP 403 Forbidden');
  });

  it('reports an HTML page instead of JSON', async () => {
    const fetchFn = vi.fn(async () => response('<!doctype html><html></html>', { headers: { 'content-type': 'text/html' } }));
    await expect(loadConfig(fetchFn)).rejects.toThrow(/not valid JSON \(got an HTML page/);
  });

  it('reports a network failure', async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(loadConfig(fetchFn)).rejects.toThrow('Could not fetch /config.json: Failed to fetch');
  });

  it('reports invalid values', async () => {
    const fetchFn = vi.fn(async () => response('{"apiUrl": 1}'));
    await expect(loadConfig(fetchFn)).rejects.toThrow('apiUrl must be a string');
  });
});
