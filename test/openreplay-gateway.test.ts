import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { OpenReplayLayout, OpenReplayPlatform } from '../src';
import { DnsStub, freePort, Nginx, Received, StandIn } from './helpers/gateway-nginx';
import { testApp } from './helpers/nag';
import { testStack } from './helpers/stacks';
import { GATEWAY_RUN_DIR, gatewayCommand, OPENREPLAY_ROUTES, renderGatewayConfig, TRACKER_REQUEST_HEADERS, VPC_RESOLVER } from '../src/openreplay/gateway-config';

jest.setTimeout(30_000);

// The generated configuration runs in a real nginx (Debian's nginx-light; .ci/run installs it) in front of one
// stand-in per OpenReplay service, and each route of the upstream table is checked end to end.
const SERVICES = [...new Set(OPENREPLAY_ROUTES.map((r) => r.service))];

async function request(port: number, method: string, p: string, headers: { [k: string]: string } = {}, body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const allowed = (res: { headers: http.IncomingHttpHeaders }) =>
  String(res.headers['access-control-allow-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase());

describe('gateway configuration in a real nginx', () => {
  let nginx: Nginx;
  const standIns: StandIn[] = [];
  const seen: Received[] = [];
  const req = (method: string, p: string, headers: { [k: string]: string } = {}, body?: string) => request(nginx.port, method, p, headers, body);

  beforeAll(async () => {
    const upstreams: { [name: string]: string } = {};
    for (const service of SERVICES) {
      const s = await new StandIn(service, seen).start();
      standIns.push(s);
      upstreams[service] = `127.0.0.1:${s.port}`;
    }
    const port = await freePort();
    nginx = await new Nginx(renderGatewayConfig(upstreams, { listenPort: port }), port).start();
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(standIns.map((s) => s.stop()));
  });

  const ROUTES: Array<[string, string, string]> = [
    // The canvases service registers /v1/web/images only (backend/pkg/canvases/api/handlers.go, no prefix).
    ['/ingest/v1/web/images', 'canvases', '/v1/web/images'],
    ['/ingest/v1/mobile/images?x=1', 'images', '/v1/mobile/images?x=1'],
    ['/ingest/v1/web/start', 'http', '/v1/web/start'],
    ['/v2/api/dashboards', 'api', '/dashboards'],
    ['/api/projects', 'chalice', '/projects'],
    ['/spot/v1/spots', 'spot', '/v1/spots'],
    ['/integrations/v1/x', 'integrations', '/v1/x'],
    ['/ws-assist/socket/?EIO=4', 'assist', '/socket/?EIO=4'],
    ['/session/42', 'frontend', '/session/42'],
    ['/', 'frontend', '/'],
  ];

  test.each(ROUTES)('%s goes to %s as %s', async (from, service, to) => {
    const res = await req('GET', from);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ service, path: to });
  });

  test.each(ROUTES)('%s: the client address, scheme and host reach %s', async (from, service) => {
    // As behind the ALB: it appends the peer it saw to X-Forwarded-For and sets X-Forwarded-Proto.
    const before = seen.length;
    await req('GET', from, { 'host': 'replay.example.com', 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'x-forwarded-proto': 'https' });
    const got = seen.slice(before).find((s) => s.service === service)!;
    expect(got.headers.host).toBe('replay.example.com');
    expect(got.headers['x-real-ip']).toBe('203.0.113.9');
    expect(got.headers['x-forwarded-for']).toBe('198.51.100.7, 203.0.113.9, 127.0.0.1');
    expect(got.headers['x-forwarded-proto']).toBe('https');
  });

  test('called directly, the upstream sees the peer address and the gateway\'s own scheme', async () => {
    const before = seen.length;
    await req('POST', '/ingest/v1/web/start', { 'host': 'replay.example.com', 'content-type': 'application/json' }, '{}');
    const got = seen.slice(before).find((s) => s.service === 'http')!;
    expect(got.headers).toMatchObject({ 'host': 'replay.example.com', 'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http' });
  });

  test.each([
    // What the tracker's worker sends with each batch (tracker/tracker/src/webworker/QueueSender.ts).
    ['/ingest/v1/web/i', 'authorization,content-encoding,datatype'],
    ['/ingest/v1/web/start', 'content-type'],
    // Canvas snapshots (tracker/tracker/src/main/app/canvas.ts).
    ['/ingest/v1/web/images', 'authorization'],
  ])('CORS preflight for %s allows %s, answered by the gateway', async (p, headers) => {
    const before = seen.length;
    const pre = await req('OPTIONS', p, { 'origin': 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': headers });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    for (const h of headers.split(',')) expect(allowed(pre)).toContain(h);
    expect(seen.length).toBe(before);
  });

  test('the allowed headers are the tracker\'s, and CORS headers are on responses too', async () => {
    const post = await req('POST', '/ingest/v1/web/start', { 'content-type': 'application/json' }, '{}');
    expect(post.headers['access-control-allow-origin']).toBe('*');
    expect(allowed(post)).toEqual(TRACKER_REQUEST_HEADERS.map((h) => h.toLowerCase()));
    expect(JSON.parse(post.body).service).toBe('http');
    const canvas = await req('POST', '/ingest/v1/web/images', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--');
    expect(canvas.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(canvas.body)).toEqual({ service: 'canvases', path: '/v1/web/images' });
  });

  test('WebSocket upgrade reaches assist with the prefix stripped', async () => {
    const before = seen.length;
    const status = await new Promise<number>((resolve, reject) => {
      const r = http.request({
        host: '127.0.0.1',
        port: nginx.port,
        path: '/ws-assist/socket/?EIO=4&transport=websocket',
        headers: { 'connection': 'Upgrade', 'upgrade': 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      r.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode!); });
      r.on('response', (res) => resolve(res.statusCode!));
      r.on('error', reject);
      r.end();
    });
    expect(status).toBe(101);
    expect(seen.slice(before)).toEqual([expect.objectContaining({ service: 'assist', url: '/socket/?EIO=4&transport=websocket', websocket: true })]);
  });

  test('bodies up to 100 MB pass; larger ones are refused', async () => {
    const ok = await req('POST', '/api/upload', { 'content-type': 'application/octet-stream' }, 'x'.repeat(2 * 1024 * 1024));
    expect(ok.status).toBe(200);
    const big = await req('POST', '/api/upload', { 'content-length': String(101 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  test('the gateway answers its own health check', async () => {
    const res = await req('GET', '/gateway-health');
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
  });
});

describe('upstream names are resolved per request', () => {
  // As in the GROUPED layout, where assist and the others are Cloud Map names: a DNS stand-in for the VPC resolver.
  let nginx: Nginx;
  let dns: DnsStub;
  const standIns: StandIn[] = [];
  const seen: Received[] = [];

  beforeAll(async () => {
    const upstreams: { [name: string]: string } = {};
    const names: { [name: string]: string } = {};
    for (const service of SERVICES) {
      const s = await new StandIn(service, seen).start();
      standIns.push(s);
      upstreams[service] = `${service}.openreplay.test:${s.port}`;
      names[`${service}.openreplay.test`] = '127.0.0.1';
    }
    dns = await new DnsStub(names).start();
    const port = await freePort();
    nginx = await new Nginx(renderGatewayConfig(upstreams, { listenPort: port, resolver: `127.0.0.1:${dns.port}` }), port).start();
  });

  afterAll(async () => {
    await nginx?.stop();
    await dns?.stop();
    await Promise.all(standIns.map((s) => s.stop()));
  });

  test.each([['/ws-assist/socket/', 'assist'], ['/ingest/v1/web/start', 'http'], ['/', 'frontend']])('%s reaches %s by name', async (p, service) => {
    const res = await request(nginx.port, 'GET', p);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).service).toBe(service);
    expect(dns.asked).toContain(`${service}.openreplay.test`);
  });
});

describe('resolver', () => {
  const ips = Object.fromEntries(SERVICES.map((s, i) => [s, `10.0.0.${i + 1}:8080`]));
  const resolverOf = (conf: string) => conf.split('\n').filter((l) => l.startsWith('resolver '));

  test('names without a resolver get the VPC resolver (a name in a variable proxy_pass needs one)', () => {
    const conf = renderGatewayConfig({ ...ips, assist: 'assist.openreplay.local:9001' }, { listenPort: 80 });
    expect(resolverOf(conf)).toEqual([`resolver ${VPC_RESOLVER} valid=10s ipv6=off;`]);
  });

  test('an explicit resolver wins; addresses alone need none', () => {
    expect(resolverOf(renderGatewayConfig({ ...ips, http: 'http.x:8080' }, { listenPort: 80, resolver: '10.0.0.2' }))).toEqual(['resolver 10.0.0.2 valid=10s ipv6=off;']);
    expect(resolverOf(renderGatewayConfig(ips, { listenPort: 80 }))).toEqual([]);
  });
});

test('the synthesized GROUPED gateway resolves its Cloud Map names (assist runs in another task)', async () => {
  const app = testApp();
  const stack = testStack(app);
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
  new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, layout: OpenReplayLayout.GROUPED });
  const containers = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))
    .flatMap((r: any) => r.Properties.ContainerDefinitions);
  const conf: string = containers.find((c: any) => c.Name === 'gateway').Environment.find((e: any) => e.Name === 'NGINX_CONF').Value;
  const upstreamHosts = [...conf.matchAll(/set \$upstream_(\w+) ([^:;]+):\d+;/g)].map((m) => [m[1], m[2]]);
  expect(upstreamHosts.find(([service]) => service === 'assist')![1]).not.toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(conf.split('\n').filter((l) => l.startsWith('resolver '))).toEqual([`resolver ${VPC_RESOLVER} valid=10s ipv6=off;`]);
  const nginx = new Nginx(conf, 8090, { whole: true });
  try {
    expect(() => nginx.check()).not.toThrow();
  } finally {
    await nginx.stop();
  }
});

test('the synthesized gateway container: nginx as uid 101 on a read-only root, writing only its /tmp volume', async () => {
  const app = testApp();
  const stack = testStack(app);
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
  new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, layout: OpenReplayLayout.SERVICE_PER_TASK });
  const gateway = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))
    .flatMap((r: any) => r.Properties.ContainerDefinitions).find((c: any) => c.Name === 'gateway');
  expect(gateway).toMatchObject({ User: '101:101', ReadonlyRootFilesystem: true, Command: ['sh', '-c', gatewayCommand()] });
  expect(gateway.EntryPoint).toBeUndefined();
  expect(gateway.MountPoints).toEqual([{ ContainerPath: '/tmp', SourceVolume: 'gateway-tmp', ReadOnly: false }]);
  const conf: string = gateway.Environment.find((e: any) => e.Name === 'NGINX_CONF').Value;
  expect(conf).toContain(`pid ${GATEWAY_RUN_DIR}/nginx.pid;`);
  // The same script and nginx.conf in a real nginx, on another port, with the run directory moved.
  const port = await freePort();
  const nginx = new Nginx(conf.replace(/listen 8090;/, `listen ${port};`), port, { whole: true });
  try {
    await nginx.start();
    const res = await request(port, 'GET', '/gateway-health');
    expect([res.status, res.body]).toEqual([200, 'ok']);
    expect(nginx.written()).toEqual(['nginx', ...['client_temp', 'fastcgi_temp', 'nginx.conf', 'nginx.pid', 'proxy_temp', 'scgi_temp', 'uwsgi_temp'].map((f) => `nginx/${f}`)]);
    // Run as root, the tests ran it as nobody: everything it wrote is nobody's (no step needed root).
    if (process.getuid?.() === 0) {
      const volume = path.dirname(nginx.runDir);
      expect([...new Set(nginx.written().map((f) => fs.statSync(path.join(volume, f)).uid))]).toEqual([65534]);
    }
  } finally {
    await nginx.stop();
  }
});

test('every route needs an upstream', () => {
  expect(() => renderGatewayConfig({ frontend: '127.0.0.1:1' }, { listenPort: 80 })).toThrow("gateway: no upstream for service 'canvases' (route /ingest/v1/web/images)");
});
