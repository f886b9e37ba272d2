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
  /** CORS for the tracker (any origin, POST/OPTIONS, the tracker's request headers). */
  readonly cors?: boolean;
}

/**
 * The request headers the browser tracker sends to the ingest path, which the CORS preflight must allow. Upstream
 * v1.27.0: the worker sends `Authorization` and `DataType` on every `/v1/web/i` batch, plus `Content-Encoding` when
 * compressed (tracker/tracker/src/webworker/QueueSender.ts); `/v1/web/start` is JSON (`Content-Type`,
 * tracker/tracker/src/main/app/index.ts); canvas uploads send `Authorization` (tracker/tracker/src/main/app/canvas.ts).
 * The list is upstream's (scripts/docker-compose/nginx.conf and charts/http/values.yaml `ingress.cors.allowHeaders`).
 */
export const TRACKER_REQUEST_HEADERS = ['Content-Type', 'Authorization', 'Content-Encoding', 'X-Openreplay-Batch', 'DataType'];

/** The Amazon-provided DNS server, reachable from every task in the VPC (it resolves the Cloud Map names). */
export const VPC_RESOLVER = '169.254.169.253';

/**
 * The routing table of upstream OpenReplay's nginx (scripts/helmcharts, FOSS), in match order.
 *
 * Canvas uploads: the canvases service registers `/v1/web/images` with no prefix (backend/cmd/canvases/main.go uses
 * `api.NoPrefix`, backend/pkg/canvases/api/handlers.go) and sends no CORS headers (`USE_CORS` defaults to false,
 * backend/internal/config/common/config.go), while the tracker posts from the site's origin with an `Authorization`
 * header. Upstream's canvases ingress passes `/ingest/v1/web/images` unchanged and without CORS, which the service
 * answers with 404; here the prefix is stripped and the gateway answers CORS, as for the rest of `/ingest/`.
 */
export const OPENREPLAY_ROUTES: GatewayRoute[] = [
  { path: '/ingest/v1/web/images', service: 'canvases', stripPrefix: '/ingest', cors: true },
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

/** Options of {@link renderGatewayConfig}. */
export interface GatewayConfigOptions {
  /** Port the gateway listens on. */
  readonly listenPort: number;
  /**
   * DNS server for upstream names, which are resolved at request time (so that a service's tasks can change without
   * restarting the gateway). Default: the VPC resolver ({@link VPC_RESOLVER}) when any upstream is a name, none when
   * all are IP addresses.
   */
  readonly resolver?: string;
}

const isIpLiteral = (hostPort: string) => /^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/.test(hostPort) || hostPort.startsWith('[');

/** Renders the nginx server configuration (for nginx's `http` context, e.g. `conf.d/default.conf`). */
export function renderGatewayConfig(upstreams: Upstreams, options: GatewayConfigOptions): string {
  const lines: string[] = [];
  const out = (s: string) => lines.push(s);
  for (const route of OPENREPLAY_ROUTES) {
    if (!upstreams[route.service]) {
      throw new Error(`gateway: no upstream for service '${route.service}' (route ${route.path})`);
    }
  }
  // Every location proxies through a variable, so nginx resolves names per request and needs a resolver; without one
  // a name fails every request with 502 ("no resolver defined").
  const names = OPENREPLAY_ROUTES.some((r) => !isIpLiteral(upstreams[r.service]));
  const resolver = options.resolver ?? (names ? VPC_RESOLVER : undefined);
  if (resolver) {
    out(`resolver ${resolver} valid=10s ipv6=off;`);
    out('resolver_timeout 5s;');
  }
  out('map $http_upgrade $connection_upgrade { default upgrade; \'\' close; }');
  // The scheme the client used: the load balancer's header, or this server's own scheme when called directly.
  out('map $http_x_forwarded_proto $gateway_forwarded_proto { default $http_x_forwarded_proto; \'\' $scheme; }');
  // The client as the load balancer saw it: the last X-Forwarded-For entry (the ALB appends the peer address; earlier
  // entries are whatever the client sent), or the peer itself when there is no such header.
  out('map $http_x_forwarded_for $gateway_client_ip { "~(?:^|,)\\s*([^,\\s]+)\\s*$" $1; default $remote_addr; }');
  out('server {');
  out(`  listen ${options.listenPort};`);
  out('  server_tokens off;');
  out('  client_max_body_size 100m;');
  out('  proxy_read_timeout 300s;');
  out('  proxy_http_version 1.1;');
  out('  location = /gateway-health { access_log off; add_header Content-Type text/plain; return 200 "ok"; }');
  for (const route of OPENREPLAY_ROUTES) {
    const exact = !route.path.endsWith('/');
    out(`  location ${exact ? '^~ ' : ''}${route.path} {`);
    // A variable in proxy_pass makes nginx resolve the name per request (with `resolver`), and pass the URI as is,
    // so the prefix is stripped with a rewrite.
    out(`    set $upstream_${route.service} ${upstreams[route.service]};`);
    if (route.cors) {
      // The gateway is the only source of CORS headers (a service with USE_CORS would otherwise double them).
      for (const h of ['Origin', 'Methods', 'Headers']) out(`    proxy_hide_header Access-Control-Allow-${h};`);
      out('    add_header Access-Control-Allow-Origin * always;');
      out('    add_header Access-Control-Allow-Methods "POST, OPTIONS" always;');
      out(`    add_header Access-Control-Allow-Headers "${TRACKER_REQUEST_HEADERS.join(', ')}" always;`);
      out('    add_header Access-Control-Expose-Headers Content-Length always;');
      out('    add_header Access-Control-Max-Age 1728000 always;');
      // Before the rewrite: `rewrite ... break` ends the rewrite phase, `if` and `return` included.
      out('    if ($request_method = OPTIONS) { return 204; }');
    }
    if (route.stripPrefix) {
      out(`    rewrite ^${route.stripPrefix}/?(.*)$ /$1 break;`);
    }
    // Here and not at server level: a location with any proxy_set_header of its own inherits none from the server.
    out('    proxy_set_header Host $host;');
    out('    proxy_set_header X-Real-IP $gateway_client_ip;');
    out('    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    out('    proxy_set_header X-Forwarded-Proto $gateway_forwarded_proto;');
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

/**
 * Where the gateway writes at run time: its `nginx.conf`, the pid file and the five temp directories, all under a
 * task volume at `/tmp` (the container's root file system is read-only).
 */
export const GATEWAY_RUN_DIR = '/tmp/nginx';

/**
 * The whole `nginx.conf` of the gateway around `serverConf` (from {@link renderGatewayConfig}): what the stock image's
 * `/etc/nginx/nginx.conf` gives the http context (mime types, default type, access log format, sendfile, keepalive),
 * with every path nginx writes moved into `dir`, no `user` directive (the container runs as the nginx user, uid 101,
 * not as root) and the error log on stderr.
 */
export function renderGatewayNginxConf(serverConf: string, dir: string = GATEWAY_RUN_DIR): string {
  return [
    'worker_processes auto;',
    `pid ${dir}/nginx.pid;`,
    'error_log stderr notice;',
    'events { worker_connections 1024; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    '  default_type application/octet-stream;',
    '  log_format main \'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"\';',
    '  access_log /dev/stdout main;',
    '  sendfile on;',
    '  keepalive_timeout 65;',
    `  client_body_temp_path ${dir}/client_temp;`,
    `  proxy_temp_path ${dir}/proxy_temp;`,
    `  fastcgi_temp_path ${dir}/fastcgi_temp;`,
    `  uwsgi_temp_path ${dir}/uwsgi_temp;`,
    `  scgi_temp_path ${dir}/scgi_temp;`,
    serverConf.trimEnd(),
    '}',
  ].join('\n') + '\n';
}

/**
 * The gateway's `sh -c` script: writes `$NGINX_CONF` (from {@link renderGatewayNginxConf}) into `dir` and runs nginx on
 * it in the foreground. Nothing outside `dir` is written, and the image's `/docker-entrypoint.sh` runs none of its
 * `/docker-entrypoint.d` scripts (it runs them only when the command starts with `nginx`).
 */
export function gatewayCommand(dir: string = GATEWAY_RUN_DIR): string {
  return `mkdir -p ${dir} && printf '%s' "$NGINX_CONF" > ${dir}/nginx.conf && exec nginx -e stderr -c ${dir}/nginx.conf -g 'daemon off;'`;
}
