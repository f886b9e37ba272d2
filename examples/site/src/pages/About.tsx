import type { RuntimeConfig } from '../config';

export function About({ config }: { config: RuntimeConfig }) {
  return (
    <section className="card prose" data-testid="about">
      <h1>About this site</h1>
      <p>
        This is the example single-page app of the analytics constructs. It is built once with Vite and served by
        <code> StaticCdnSite</code>: a private S3 bucket behind CloudFront, HTML and <code>config.json</code> served
        <code> no-cache</code>, hashed assets cached for a year. A CloudFront Function answers every extension-less
        path with <code>index.html</code>, which is why this page also works as a deep link.
      </p>
      <h2>Runtime configuration</h2>
      <dl className="config">
        <dt>API</dt>
        <dd>
          <code>{config.apiUrl}</code>
        </dd>
        <dt>Umami</dt>
        <dd>{config.umamiScriptUrl ? <code>{config.umamiScriptUrl}</code> : 'not configured'}</dd>
        <dt>OpenReplay</dt>
        <dd>{config.openReplayProjectKey ? 'session replay enabled' : 'not configured'}</dd>
      </dl>
    </section>
  );
}
