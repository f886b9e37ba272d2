import { Link } from '../router';

export function NotFound({ pathname }: { pathname: string }) {
  return (
    <section className="card" data-testid="not-found">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <Link href="/">Back to the dashboard</Link>.
      </p>
    </section>
  );
}
