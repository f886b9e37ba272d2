import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

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

/** A real nginx on 127.0.0.1 running one generated server configuration (the gateway's `conf.d/default.conf`). */
export class Nginx {
  private proc?: ChildProcess;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-'));

  /** `serverConf` is the generated configuration; it must listen on `port`. */
  constructor(private readonly serverConf: string, readonly port: number) {}

  /** Writes the configuration and checks it with `nginx -t` (which resolves no upstream and binds no port). */
  check(): string {
    if (!NGINX) throw new Error('nginx not found: install it with `apt-get install nginx-light`');
    const dir = this.dir;
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, [
      ...(process.getuid?.() === 0 ? ['user root;'] : []), 'worker_processes 1;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log;`, 'daemon off;',
      'events { worker_connections 64; }',
      `http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;`,
      `fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;`,
      this.serverConf, '}',
    ].join('\n'));
    const check = spawnSync(NGINX, ['-t', '-p', dir, '-c', conf], { encoding: 'utf-8' });
    if (check.status !== 0) throw new Error(`nginx -t failed: ${check.stderr}`);
    return conf;
  }

  async start(): Promise<this> {
    const conf = this.check();
    this.proc = spawn(NGINX!, ['-p', this.dir, '-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect(this.port, '127.0.0.1', () => { s.end(); r(true); });
        s.on('error', () => r(false));
      });
      if (ok) return this;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`nginx did not listen on ${this.port}: ${this.errorLog()}`);
  }

  errorLog(): string {
    const f = path.join(this.dir, 'error.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf-8') : '';
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
