import { useEffect, useRef, useState } from 'react';
import { recordPageView } from './api';
import { ConfigError, loadConfig, type RuntimeConfig } from './config';
import { About } from './pages/About';
import { Dashboard } from './pages/Dashboard';
import { NotFound } from './pages/NotFound';
import { Link, usePathname } from './router';
import { injectUmami, loadOpenReplay } from './trackers';

type ConfigState =
  | { status: 'loading' }
  | { status: 'error'; error: ConfigError | Error }
  | { status: 'ready'; config: RuntimeConfig };

export function App({ load = loadConfig }: { load?: () => Promise<RuntimeConfig> }) {
  const [state, setState] = useState<ConfigState>({ status: 'loading' });

  useEffect(() => {
    let active = true;
    load().then(
      (config) => active && setState({ status: 'ready', config }),
      (error: unknown) => active && setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      active = false;
    };
  }, [load]);

  if (state.status === 'loading') {
    return (
      <main className="centered" aria-busy="true">
        <p className="muted">Loading configuration…</p>
      </main>
    );
  }
  if (state.status === 'error') return <ConfigErrorView error={state.error} />;
  return <Shell config={state.config} />;
}

function ConfigErrorView({ error }: { error: Error }) {
  const problems = error instanceof ConfigError ? error.problems : [error.message];
  return (
    <main className="centered">
      <section className="card error" role="alert" data-testid="config-error">
        <h1>The site is not configured</h1>
        <p>
          The runtime configuration <code>/config.json</code> could not be used. It is written by the CDK deployment
          (<code>StaticCdnSite</code>'s <code>runtimeConfig</code>); redeploying the stack usually fixes this.
        </p>
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </section>
    </main>
  );
}

let firstView = true;

function Shell({ config }: { config: RuntimeConfig }) {
  const pathname = usePathname();
  const recorded = useRef<string | null>(null);

  useEffect(() => {
    injectUmami(config);
    void loadOpenReplay(config);
  }, [config]);

  useEffect(() => {
    if (recorded.current === pathname) return; // StrictMode runs effects twice in development
    recorded.current = pathname;
    // The external referrer belongs to the landing page only; in-app navigations have none.
    const referrer = firstView ? document.referrer || null : null;
    firstView = false;
    void recordPageView(config.apiUrl, { path: pathname, referrer });
  }, [config, pathname]);

  let page;
  if (pathname === '/' || pathname === '/index.html') page = <Dashboard apiUrl={config.apiUrl} />;
  else if (pathname === '/about' || pathname === '/about/') page = <About config={config} />;
  else page = <NotFound pathname={pathname} />;

  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Page views
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={pathname === '/' ? 'page' : undefined}>
            Dashboard
          </Link>
          <Link href="/about" aria-current={pathname.startsWith('/about') ? 'page' : undefined}>
            About
          </Link>
        </nav>
      </header>
      <main className="content">{page}</main>
    </>
  );
}
