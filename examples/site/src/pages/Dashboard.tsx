import { useCallback, useEffect, useState } from 'react';
import { ApiError, fetchStats, fillDaily, type PageViewStats } from '../api';

const RANGES = [7, 30, 90] as const;

type StatsState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; stats: PageViewStats };

const number = new Intl.NumberFormat('en');

export function Dashboard({ apiUrl }: { apiUrl: string }) {
  const [days, setDays] = useState<number>(7);
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<StatsState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    fetchStats(apiUrl, days, { signal: controller.signal }).then(
      (stats) => setState({ status: 'ready', stats }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const detail = error instanceof ApiError ? error.message : 'Unexpected error';
        setState({ status: 'error', message: detail });
      },
    );
    return () => controller.abort();
  }, [apiUrl, days, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  return (
    <>
      <div className="heading">
        <h1>Page views</h1>
        <div className="ranges" role="group" aria-label="Time range">
          {RANGES.map((d) => (
            <button key={d} type="button" aria-pressed={d === days} onClick={() => setDays(d)}>
              {d} days
            </button>
          ))}
        </div>
      </div>
      {state.status === 'loading' && (
        <p className="muted" aria-busy="true">
          Loading statistics…
        </p>
      )}
      {state.status === 'error' && (
        <section className="card error" role="alert" data-testid="api-error">
          <h2>Statistics are unavailable right now</h2>
          <p>{state.message}. The rest of the site still works; try again in a moment.</p>
          <button type="button" onClick={retry}>
            Try again
          </button>
        </section>
      )}
      {state.status === 'ready' && <Stats stats={state.stats} />}
    </>
  );
}

function Stats({ stats }: { stats: PageViewStats }) {
  const daily = fillDaily(stats);
  const max = Math.max(1, ...daily.map((d) => d.views));
  const labelEvery = Math.ceil(daily.length / 10);
  return (
    <div className="grid" data-testid="stats">
      <section className="card metric">
        <h2>Total views</h2>
        <p className="big" data-testid="total">
          {number.format(stats.total)}
        </p>
        <p className="muted">since {new Date(stats.from).toLocaleDateString('en', { dateStyle: 'medium' })}</p>
      </section>
      <section className="card metric">
        <h2>Unique paths</h2>
        <p className="big" data-testid="unique-paths">
          {number.format(stats.uniquePaths)}
        </p>
        <p className="muted">last {stats.days} days</p>
      </section>
      <section className="card wide">
        <h2>Daily views</h2>
        <ol className="bars" aria-label="Views per day">
          {daily.map((d, i) => (
            <li key={d.date} title={`${d.date}: ${d.views} views`}>
              <span className="bar" style={{ height: `${(d.views / max) * 100}%` }} />
              {(daily.length - 1 - i) % labelEvery === 0 && <span className="label">{d.date.slice(5)}</span>}
            </li>
          ))}
        </ol>
      </section>
      <TopList title="Top pages" testId="top-paths" rows={stats.topPaths.map((r) => [r.path, r.views])} empty="No page views yet." />
      <TopList
        title="Top referrers"
        testId="top-referrers"
        rows={stats.topReferrers.map((r) => [r.referrer, r.views])}
        empty="No referrers yet."
      />
    </div>
  );
}

function TopList({ title, rows, empty, testId }: { title: string; rows: [string, number][]; empty: string; testId: string }) {
  return (
    <section className="card" data-testid={testId}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table>
          <tbody>
            {rows.map(([label, views]) => (
              <tr key={label}>
                <td className="truncate">{label}</td>
                <td className="num">{number.format(views)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
