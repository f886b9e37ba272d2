import { afterEach, describe, expect, it, vi } from 'vitest';
import stats from '../test/fixtures/stats.json';
import { ApiError, apiEndpoint, fetchStats, fillDaily, recordPageView } from './api';

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

afterEach(() => vi.restoreAllMocks());

describe('apiEndpoint', () => {
  it('joins the base URL and the path', () => {
    expect(apiEndpoint('/api', '/page-views/stats')).toBe('/api/page-views/stats');
    expect(apiEndpoint('https://api.example.com/api/', '/page-views')).toBe('https://api.example.com/api/page-views');
  });
});

describe('fetchStats', () => {
  it('calls {apiUrl}/page-views/stats with the window', async () => {
    const fetchFn = vi.fn(async () => json(stats));
    await expect(fetchStats('/api', 30, { fetchFn })).resolves.toEqual(stats);
    expect(fetchFn).toHaveBeenCalledWith('/api/page-views/stats?days=30', expect.anything());
  });

  it('turns an HTTP error into an ApiError with the status', async () => {
    const fetchFn = vi.fn(async () => json({ message: 'Bad Gateway' }, 502));
    const error = await fetchStats('/api', 7, { fetchFn }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, message: 'The API answered HTTP 502' });
  });

  it('rejects a body that is not the stats (e.g. the SPA fallback page)', async () => {
    const html = vi.fn(async () => new Response('<!doctype html>', { status: 200 }));
    await expect(fetchStats('/api', 7, { fetchFn: html })).rejects.toThrow('not JSON');
    const other = vi.fn(async () => json({ hello: 'world' }));
    await expect(fetchStats('/api', 7, { fetchFn: other })).rejects.toThrow('unexpected response');
  });

  it('reports a network failure', async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(fetchStats('/api', 7, { fetchFn })).rejects.toThrow('The API could not be reached (Failed to fetch)');
  });
});

describe('recordPageView', () => {
  it('posts the path and referrer as JSON', async () => {
    const fetchFn = vi.fn(async () => json({ id: '1' }, 201));
    await expect(recordPageView('/api', { path: '/about', referrer: null }, fetchFn)).resolves.toBe(true);
    expect(fetchFn).toHaveBeenCalledWith(
      '/api/page-views',
      expect.objectContaining({ method: 'POST', body: '{"path":"/about","referrer":null}' }),
    );
  });

  it('never throws', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(recordPageView('/api', { path: '/', referrer: null }, fetchFn)).resolves.toBe(false);
  });
});

describe('fillDaily', () => {
  it('has one entry per day of the window, 0 for days without views', () => {
    const days = fillDaily(stats, new Date('2025-06-10T12:00:00Z'));
    expect(days.map((d) => d.date)).toEqual([
      '2025-06-03',
      '2025-06-04',
      '2025-06-05',
      '2025-06-06',
      '2025-06-07',
      '2025-06-08',
      '2025-06-09',
      '2025-06-10',
    ]);
    expect(days.find((d) => d.date === '2025-06-07')!.views).toBe(0);
    expect(days.find((d) => d.date === '2025-06-08')!.views).toBe(260);
  });
});
