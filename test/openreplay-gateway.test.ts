import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { OPENREPLAY_ROUTES, renderGatewayConfig } from '../src/openreplay/gateway-config';

jest.setTimeout(30_000);

// The generated configuration runs in a real nginx (Debian's nginx-light; .ci/run installs it) in front of one echo
// server per OpenReplay service, and each route of the upstream table is checked end to end.
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Seen { service: string; method: string; path: string; upgrade?: string }

describe('gateway configuration in a real nginx', () => {
  let nginx: ChildProcess;
  let dir: string;
  let port: number;
  const servers: http.Server[] = [];
  const seen: Seen[] = [];

  beforeAll(async () => {
    if (!NGINX) throw new Error('nginx not found: install it with `apt-get install nginx-light`');
    const upstreams: { [name: string]: string } = {};
    for (const service of new Set(OPENREPLAY_ROUTES.map((r) => r.service))) {
      const p = await freePort();
      upstreams[service] = `127.0.0.1:${p}`;
      const server = http.createServer((req, res) => {
        seen.push({ service, method: req.method!, path: req.url!, upgrade: req.headers.upgrade });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ service, path: req.url }));
      });
      await new Promise<void>((r) => server.listen(p, '127.0.0.1', r));
      servers.push(server);
    }
    port = await freePort();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-'));
    const server = renderGatewayConfig(upstreams, { listenPort: port });
    fs.writeFileSync(path.join(dir, 'nginx.conf'), [
      ...(process.getuid?.() === 0 ? ['user root;'] : []), 'worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, 'daemon off;',
      'events { worker_connections 64; }',
      `http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
      `fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;`,
      server, '}',
    ].join('\n'));
    const check = spawnSync(NGINX, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf-8' });
    if (check.status !== 0) throw new Error(`nginx -t failed: ${check.stderr}`);
    nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); });
        s.on('error', () => r(false));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function request(method: string, p: string, headers: { [k: string]: string } = {}, body?: string) {
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

  test.each([
    ['/ingest/v1/web/images', 'canvases', '/ingest/v1/web/images'],
    ['/ingest/v1/mobile/images?x=1', 'images', '/v1/mobile/images?x=1'],
    ['/ingest/v1/web/start', 'http', '/v1/web/start'],
    ['/v2/api/dashboards', 'api', '/dashboards'],
    ['/api/projects', 'chalice', '/projects'],
    ['/spot/v1/spots', 'spot', '/v1/spots'],
    ['/integrations/v1/x', 'integrations', '/v1/x'],
    ['/ws-assist/socket/?EIO=4', 'assist', '/socket/?EIO=4'],
    ['/session/42', 'frontend', '/session/42'],
    ['/', 'frontend', '/'],
  ])('%s goes to %s as %s', async (from, service, to) => {
    const res = await request('GET', from);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ service, path: to });
  });

  test('CORS on the ingest path: preflight answered by the gateway, headers on responses', async () => {
    const before = seen.length;
    const pre = await request('OPTIONS', '/ingest/v1/web/start', { origin: 'https://shop.example.com' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    expect(seen.length).toBe(before);
    const post = await request('POST', '/ingest/v1/web/start', { 'content-type': 'application/json' }, '{}');
    expect(post.headers['access-control-allow-origin']).toBe('*');
    expect(JSON.parse(post.body).service).toBe('http');
  });

  test('WebSocket upgrade headers reach assist', async () => {
    await request('GET', '/ws-assist/socket/', { upgrade: 'websocket', connection: 'Upgrade' }).catch(() => undefined);
    expect(seen.filter((s) => s.service === 'assist' && s.upgrade === 'websocket').length).toBeGreaterThan(0);
  });

  test('bodies up to 100 MB pass; larger ones are refused', async () => {
    const ok = await request('POST', '/api/upload', { 'content-type': 'application/octet-stream' }, 'x'.repeat(2 * 1024 * 1024));
    expect(ok.status).toBe(200);
    const big = await request('POST', '/api/upload', { 'content-length': String(101 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  test('the gateway answers its own health check', async () => {
    const res = await request('GET', '/gateway-health');
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
  });
});

test('every route needs an upstream', () => {
  expect(() => renderGatewayConfig({ frontend: '127.0.0.1:1' }, { listenPort: 80 })).toThrow("gateway: no upstream for service 'canvases' (route /ingest/v1/web/images)");
});
