import * as http from 'http';
import { AddressInfo } from 'net';

/** A real HTTP server on 127.0.0.1 (random port) for handler tests; subclasses answer in `handle`. */
export abstract class LocalHttpServer {
  url = '';
  private readonly server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', () => this.handle(req, res, raw));
  });

  /** Starts listening; `url` becomes `http://127.0.0.1:<port><path>`. */
  async start(path = ''): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void;
}

/** Captures the custom-resource responses a handler PUTs to CloudFormation's pre-signed URL. */
export class CfnReceiver extends LocalHttpServer {
  readonly bodies: any[] = [];

  constructor(private readonly path: string) {
    super();
  }

  start(): Promise<this> {
    return super.start(this.path);
  }

  /** The only response so far. */
  only(): any {
    expect(this.bodies).toHaveLength(1);
    return this.bodies[0];
  }

  /** The only response so far (and removes it). */
  take(): any {
    expect(this.bodies).toHaveLength(1);
    return this.bodies.pop();
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    this.bodies.push({ method: req.method, path: req.url, ...JSON.parse(raw) });
    res.writeHead(200);
    res.end();
  }
}
