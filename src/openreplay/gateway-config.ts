/**
 * The OpenReplay gateway: nginx in front of the services, implementing the upstream routing table (prefix stripping,
 * WebSocket for live assist, 100 MB bodies, CORS on the ingest path). An ALB cannot strip path prefixes, so this runs
 * as its own container behind the load balancer; its configuration is generated here and handed to the stock nginx
 * image through an environment variable (no custom image).
 */

/** One route of the gateway. */
export interface GatewayRoute {
  /** Location prefix, e.g. `/ingest/`. */
  readonly path: string;
  /** Service name in the upstream map. */
  readonly service: string;
  /** Prefix removed before the request is proxied (`/v2/api/x` -> `/x`). */
  readonly stripPrefix?: string;
  /** WebSocket upgrade with a long read timeout. */
  readonly websocket?: boolean;
  /** CORS for the tracker (any origin, POST/OPTIONS). */
  readonly cors?: boolean;
}

/** The routing table of upstream OpenReplay's nginx (scripts/helmcharts, FOSS), in match order. */
export const OPENREPLAY_ROUTES: GatewayRoute[] = [
  { path: '/ingest/v1/web/images', service: 'canvases' },
  { path: '/ingest/v1/mobile/images', service: 'images', stripPrefix: '/ingest' },
  { path: '/ingest/', service: 'http', stripPrefix: '/ingest', cors: true },
  { path: '/v2/api/', service: 'api', stripPrefix: '/v2/api' },
  { path: '/api/', service: 'chalice', stripPrefix: '/api' },
  { path: '/spot/', service: 'spot', stripPrefix: '/spot' },
  { path: '/integrations/', service: 'integrations', stripPrefix: '/integrations' },
  { path: '/ws-assist/', service: 'assist', stripPrefix: '/ws-assist', websocket: true },
  { path: '/', service: 'frontend' },
];

/** Where each routed service listens (`host:port`). */
export type Upstreams = { [service: string]: string };

/**
 * Renders the nginx server configuration. `resolver` is the DNS server for upstream names that must be resolved at
 * request time (so that a service's tasks can change without restarting the gateway).
 */
export function renderGatewayConfig(upstreams: Upstreams, options: { listenPort: number; resolver?: string }): string {
  const lines: string[] = [];
  const out = (s: string) => lines.push(s);
  if (options.resolver) {
    out(`resolver ${options.resolver} valid=10s ipv6=off;`);
  }
  out('map $http_upgrade $connection_upgrade { default upgrade; \'\' close; }');
  out('server {');
  out(`  listen ${options.listenPort};`);
  out('  server_tokens off;');
  out('  client_max_body_size 100m;');
  out('  proxy_read_timeout 300s;');
  out('  proxy_http_version 1.1;');
  out('  proxy_set_header Host $host;');
  out('  proxy_set_header X-Real-IP $remote_addr;');
  out('  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  out('  proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;');
  out('  location = /gateway-health { access_log off; add_header Content-Type text/plain; return 200 "ok"; }');
  for (const route of OPENREPLAY_ROUTES) {
    const upstream = upstreams[route.service];
    if (!upstream) {
      throw new Error(`gateway: no upstream for service '${route.service}' (route ${route.path})`);
    }
    const exact = !route.path.endsWith('/');
    out(`  location ${exact ? '^~ ' : ''}${route.path} {`);
    // A variable in proxy_pass makes nginx resolve the name per request (with `resolver`), and pass the URI as is,
    // so the prefix is stripped with a rewrite.
    out(`    set $upstream_${route.service} ${upstream};`);
    if (route.cors) {
      out('    add_header Access-Control-Allow-Origin * always;');
      out('    add_header Access-Control-Allow-Methods "POST, OPTIONS" always;');
      out('    add_header Access-Control-Allow-Headers "Content-Type, Authorization, Content-Encoding" always;');
      // Before the rewrite: `rewrite ... break` ends the rewrite phase, `if` and `return` included.
      out('    if ($request_method = OPTIONS) { return 204; }');
    }
    if (route.stripPrefix) {
      out(`    rewrite ^${route.stripPrefix}/?(.*)$ /$1 break;`);
    }
    if (route.websocket) {
      out('    proxy_set_header Upgrade $http_upgrade;');
      out('    proxy_set_header Connection $connection_upgrade;');
      out('    proxy_read_timeout 3600s;');
      out('    proxy_send_timeout 3600s;');
    } else {
      out('    proxy_set_header Connection "";');
    }
    out(`    proxy_pass http://$upstream_${route.service};`);
    out('  }');
  }
  out('}');
  return lines.join('\n') + '\n';
}
