import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import stats from '../test/fixtures/stats.json';
import { App } from './App';
import { ConfigError, type RuntimeConfig } from './config';
import { UMAMI_SCRIPT_ID } from './trackers';

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean;
}
globalThis.IS_REACT_ACT_ENVIRONMENT = true;

const config: RuntimeConfig = {
  apiUrl: '/api',
  umamiScriptUrl: '/stats/script.js',
  umamiWebsiteId: '3f9c2a1e-7b4d-4c8e-9a61-0d2e5b7f8c34',
};

let container: HTMLElement;
let root: Root;
let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  document.head.innerHTML = '';
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.startsWith('/api/page-views/stats')) {
      return new Response(JSON.stringify(stats), { headers: { 'content-type': 'application/json' } });
    }
    return new Response('{}', { status: 201 });
  });
  vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

async function render(load: () => Promise<RuntimeConfig>) {
  await act(async () => {
    root.render(<App load={load} />);
  });
  // let the stats request settle
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
}

describe('App', () => {
  it('shows a visible error when the config cannot be loaded', async () => {
    await render(() => Promise.reject(new ConfigError('Could not load /config.json: HTTP 403')));
    const alert = container.querySelector('[data-testid="config-error"]');
    expect(alert?.textContent).toContain('The site is not configured');
    expect(alert?.textContent).toContain('HTTP 403');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('renders the dashboard from the API, records the view and injects Umami', async () => {
    await render(async () => config);
    expect(container.querySelector('[data-testid="total"]')?.textContent).toBe('1,234');
    expect(container.querySelector('[data-testid="top-paths"]')?.textContent).toContain('/pricing');
    const urls = fetchMock.mock.calls.map((c) => String(c[0]));
    expect(urls).toContain('/api/page-views/stats?days=7');
    expect(urls).toContain('/api/page-views');
    expect(document.querySelectorAll(`#${UMAMI_SCRIPT_ID}`)).toHaveLength(1);
  });

  it('shows a friendly error when the API fails', async () => {
    fetchMock.mockImplementation(async () => new Response('oops', { status: 503 }));
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await render(async () => config);
    expect(container.querySelector('[data-testid="api-error"]')?.textContent).toContain('HTTP 503');
  });

  it('renders /about and navigates client-side', async () => {
    window.history.replaceState(null, '', '/about');
    await render(async () => config);
    expect(container.querySelector('[data-testid="about"]')).not.toBeNull();
    const home = [...container.querySelectorAll('nav a')].find((a) => a.textContent === 'Dashboard') as HTMLAnchorElement;
    await act(async () => {
      home.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0 }));
    });
    expect(window.location.pathname).toBe('/');
    expect(container.querySelector('[data-testid="about"]')).toBeNull();
  });

  it('renders a not-found page for unknown routes', async () => {
    window.history.replaceState(null, '', '/nope');
    await render(async () => config);
    expect(container.querySelector('[data-testid="not-found"]')?.textContent).toContain('/nope');
  });
});
