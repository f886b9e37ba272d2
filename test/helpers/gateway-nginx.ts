import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { GATEWAY_RUN_DIR, gatewayCommand, renderGatewayNginxConf } from '../../src/openreplay/gateway-config';

/** uid and gid of `nobody`, the unprivileged user the gateway script runs as when the tests run as root. */
const NOBODY = 65534;

/** Debian's nginx (nginx-light; .ci/run installs it). */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A real nginx on 127.0.0.1 run as the gateway container runs it: the generated server configuration inside the whole
 * `nginx.conf` of `renderGatewayNginxConf`, written and started by the container's own `gatewayCommand` script under
 * `/bin/sh`, with every path nginx writes in one directory that stands for the task's `/tmp` volume. Run as root, the
 * script runs as `nobody` (uid 65534) on a directory handed to that uid first, as the gateway's init container does on
 * Fargate (the container runs as nginx, uid 101); run as another user, it runs as that user.
 */
export class Nginx {
  private proc?: ChildProcess;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-'));
  /** The stand-in for the task volume at /tmp. */
  private readonly volume = path.join(this.dir, 'tmp');
  /** Where the script writes (GATEWAY_RUN_DIR in the container). */
  readonly runDir = path.join(this.volume, 'nginx');
  private stderr = '';

  /**
   * `conf` is the generated server configuration (or, with `whole`, the container's whole `NGINX_CONF`, whose
   * GATEWAY_RUN_DIR paths are moved into this nginx's directory); it must listen on `port`.
   */
  constructor(private readonly conf: string, readonly port: number, private readonly options: { whole?: boolean } = {}) {
    fs.mkdirSync(this.volume, { mode: 0o700 });
    if (process.getuid?.() === 0) {
      fs.chmodSync(this.dir, 0o711);
      fs.chownSync(this.volume, NOBODY, NOBODY);
    }
  }

  private spawnOptions(): { env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
    if (!NGINX) throw new Error('nginx not found: install it with `apt-get install nginx-light`');
    const conf = this.options.whole ? this.conf.split(GATEWAY_RUN_DIR).join(this.runDir) : renderGatewayNginxConf(this.conf, this.runDir);
    const env = { PATH: `${path.dirname(NGINX)}:/usr/bin:/bin`, NGINX_CONF: conf };
    return process.getuid?.() === 0 ? { env, uid: NOBODY, gid: NOBODY } : { env };
  }

  /** Runs the container's script with `nginx -t` (which resolves no upstream and binds no port); returns the nginx.conf path. */
  check(): string {
    const check = spawnSync('/bin/sh', ['-c', `${gatewayCommand(this.runDir)} -t`], { ...this.spawnOptions(), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf-8' });
    if (check.status !== 0) throw new Error(`nginx -t failed: ${check.stderr}`);
    return path.join(this.runDir, 'nginx.conf');
  }

  async start(): Promise<this> {
    this.check();
    // The access log opens /dev/stdout by path, which fails on the socket node gives a child for 'pipe' (ENXIO); in a
    // container it is a pipe that runc hands to the container's user. /dev/null here.
    this.proc = spawn('/bin/sh', ['-c', gatewayCommand(this.runDir)], { ...this.spawnOptions(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect(this.port, '127.0.0.1', () => { s.end(); r(true); });
        s.on('error', () => r(false));
      });
      if (ok) return this;
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nginx did not listen on ${this.port}: ${this.errorLog()}`);
  }

  /** What nginx wrote to stderr (its error log). */
  errorLog(): string {
    return this.stderr;
  }

  /** Every file and directory nginx created, relative to the stand-in for /tmp. */
  written(): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        out.push(path.relative(this.volume, p));
        if (e.isDirectory()) walk(p);
      }
    };
    walk(this.volume);
    return out.sort();
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A DNS server on 127.0.0.1 (UDP) that answers A queries for the names it knows, standing in for the VPC resolver
 * and its Cloud Map names; it records every name asked.
 */
export class DnsStub {
  readonly asked: string[] = [];
  port = 0;
  private readonly socket = dgram.createSocket('udp4');

  constructor(private readonly names: { [name: string]: string }) {}

  async start(): Promise<this> {
    this.socket.on('message', (q, rinfo) => {
      let at = 12;
      const labels: string[] = [];
      while (q[at] !== 0) { labels.push(q.subarray(at + 1, at + 1 + q[at]).toString()); at += q[at] + 1; }
      const qtype = q.readUInt16BE(at + 1);
      const question = q.subarray(12, at + 5);
      const name = labels.join('.').toLowerCase();
      this.asked.push(name);
      const address = qtype === 1 ? this.names[name] : undefined;
      const header = Buffer.alloc(12);
      q.copy(header, 0, 0, 2);
      header.writeUInt16BE(address || this.names[name] ? 0x8180 : 0x8183, 2); // NOERROR or NXDOMAIN
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(address ? 1 : 0, 6);
      const answer = address ? Buffer.concat([
        Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4]),
        Buffer.from(address.split('.').map(Number)),
      ]) : Buffer.alloc(0);
      this.socket.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    this.port = this.socket.address().port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

/** One request an upstream stand-in received. */
export interface Received {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Set when the request was a WebSocket upgrade that the stand-in accepted. */
  readonly websocket?: boolean;
}

export type Answer = (req: Received, res: http.ServerResponse) => void;

/**
 * An upstream service stand-in on 127.0.0.1 that records every request. By default it answers JSON
 * `{ service, path }`; WebSocket upgrades are accepted (RFC 6455 handshake) and greeted with one text frame.
 */
export class StandIn {
  port = 0;
  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly service: string, readonly received: Received[], answer?: Answer) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { service, method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
        received.push(r);
        if (answer) return answer(r, res);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ service, path: req.url }));
      });
    });
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      const key = req.headers['sec-websocket-key'];
      received.push({ service, method: req.method!, url: req.url!, headers: req.headers, body: Buffer.alloc(0), websocket: !!key });
      if (!key) { socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); return; }
      const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      const text = Buffer.from(`hello from ${service}`);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
