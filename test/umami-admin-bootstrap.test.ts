// Unit tests of the Umami admin-bootstrap custom-resource handler against a real local HTTP server that fakes the
// parts of the Umami v3 API the handler uses, plus a local server that captures the CloudFormation response.
import { randomUUID } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CfnReceiver, LocalHttpServer } from './helpers/local-http';
import { CustomResourceEvent } from '../src/core/custom-resource-response';
import {
  BootstrapDeps,
  DEFAULT_ADMIN_ID,
  handler,
  respond,
  run,
  UmamiAdminBootstrapProperties,
} from '../src/umami/admin-bootstrap.lambda';

const ADMIN_PASSWORD = 'Gen3rated-Admin-Passw0rd-32chars!';
const ALICE_PASSWORD = 'alice-generated-password-123456';
const BOB_PASSWORD = 'bob-generated-password-abcdefgh';
const FAST: Pick<BootstrapDeps, 'initialRetryDelayMs' | 'maxRetryDelayMs'> = { initialRetryDelayMs: 20, maxRetryDelayMs: 100 };

interface FakeUser { id: string; username: string; password: string; role: string }
interface FakeWebsite { id: string; name: string; domain: string; userId: string }

interface FakeOptions {
  /** Heartbeat answers 503 this many times first (Infinity: never 200). */
  heartbeatFailures?: number;
  /** The change-password request is refused with this status (and the body echoes the request). */
  rejectPasswordChange?: number;
  /** `METHOD /path` routes that never answer. */
  hang?: string[];
  /** Behave like an older Umami without GET /api/admin/users (404) but with GET /api/users (plain array). */
  noAdminUsersRoute?: boolean;
  /** Largest page size the server honours (the handler asks for more; this forces paging). */
  maxPageSize?: number;
}

/** In-memory fake of the Umami v3 API. */
class FakeUmami extends LocalHttpServer {
  readonly users = new Map<string, FakeUser>();
  readonly websites: FakeWebsite[] = [];
  readonly tokens = new Map<string, string>();
  readonly calls: string[] = [];
  heartbeatCalls = 0;

  constructor(private readonly options: FakeOptions = {}) {
    super();
    this.users.set(DEFAULT_ADMIN_ID, { id: DEFAULT_ADMIN_ID, username: 'admin', password: 'umami', role: 'admin' });
  }

  admin(): FakeUser {
    return this.users.get(DEFAULT_ADMIN_ID)!;
  }

  addWebsite(name: string, domain: string): FakeWebsite {
    const w = { id: randomUUID(), name, domain, userId: DEFAULT_ADMIN_ID };
    this.websites.push(w);
    return w;
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = `${req.method} ${url.pathname}`;
    this.calls.push(key);
    if (this.options.hang?.includes(key)) {
      return; // never answers
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const unauthorized = () => send(401, { error: { message: 'Unauthorized', code: 'unauthorized', status: 401 } });
    let body: any = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return send(400, { error: { message: 'Bad request' } });
    }
    const caller = this.users.get(this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, '')) ?? '');
    const paged = <T>(items: T[]) => {
      const page = Number(url.searchParams.get('page') ?? 1);
      const size = Math.min(Number(url.searchParams.get('pageSize') ?? 20), this.options.maxPageSize ?? 1000);
      return { data: items.slice((page - 1) * size, page * size), count: items.length, page, pageSize: size };
    };

    if (key === 'GET /api/heartbeat') {
      this.heartbeatCalls++;
      return this.heartbeatCalls > (this.options.heartbeatFailures ?? 0) ? send(200, { ok: true }) : send(503, { message: 'starting' });
    }
    if (key === 'POST /api/auth/login') {
      const user = [...this.users.values()].find((u) => u.username === body.username);
      if (!user || user.password !== body.password) {
        return send(401, { error: { message: 'Unauthorized', code: 'incorrect-username-password', status: 401 } });
      }
      const token = `tok-${randomUUID()}`;
      this.tokens.set(token, user.id);
      return send(200, { token, user: { id: user.id, username: user.username, role: user.role, isAdmin: user.role === 'admin' } });
    }
    if (!caller) {
      return unauthorized();
    }
    const userMatch = /^\/api\/users\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && userMatch) {
      const target = this.users.get(userMatch[1]);
      if (caller.role !== 'admin' && caller.id !== userMatch[1]) {
        return unauthorized();
      }
      if (!target) {
        return send(404, { error: { message: 'Not found' } });
      }
      if (this.options.rejectPasswordChange && target.id === DEFAULT_ADMIN_ID) {
        // A hostile answer that echoes the request: the handler must not pass the password on.
        return send(this.options.rejectPasswordChange, { error: { message: 'nope', received: body } });
      }
      if (body.password !== undefined && (typeof body.password !== 'string' || body.password.length < 8)) {
        return send(400, { error: { message: 'password too short' } });
      }
      if (body.password) {
        target.password = body.password;
      }
      if (body.role && caller.role === 'admin') {
        target.role = body.role;
      }
      return send(200, { id: target.id, username: target.username, role: target.role });
    }
    if (key === 'GET /api/websites') {
      return send(200, paged(this.websites.filter((w) => w.userId === caller.id)));
    }
    if (key === 'POST /api/websites') {
      const w = { id: randomUUID(), name: body.name, domain: body.domain, userId: caller.id };
      this.websites.push(w);
      return send(200, w);
    }
    const listedUsers = () => [...this.users.values()].map(({ password, ...u }) => u);
    if (key === 'GET /api/admin/users' && !this.options.noAdminUsersRoute) {
      return caller.role === 'admin' ? send(200, paged(listedUsers())) : unauthorized();
    }
    if (key === 'GET /api/users' && this.options.noAdminUsersRoute) {
      return caller.role === 'admin' ? send(200, listedUsers()) : unauthorized();
    }
    if (key === 'POST /api/users') {
      if (caller.role !== 'admin') {
        return unauthorized();
      }
      if (!['admin', 'user', 'view-only'].includes(body.role) || typeof body.password !== 'string' || body.password.length < 8) {
        return send(400, { error: { message: 'Bad request' } });
      }
      if ([...this.users.values()].some((u) => u.username === body.username)) {
        return send(400, { error: { message: 'User already exists' } });
      }
      const u = { id: randomUUID(), username: body.username, password: body.password, role: body.role };
      this.users.set(u.id, u);
      return send(200, { id: u.id, username: u.username, role: u.role });
    }
    return send(404, { error: { message: 'Not found' } });
  }
}


const secrets: { [arn: string]: { [key: string]: unknown } } = {
  'arn:admin': { username: 'admin', password: ADMIN_PASSWORD },
  'arn:alice': { username: 'alice', password: ALICE_PASSWORD },
  'arn:bob': { username: 'bob', password: BOB_PASSWORD },
};

const logs: Array<{ [key: string]: unknown }> = [];
const deps: BootstrapDeps = {
  ...FAST,
  readSecret: async (arn) => {
    const s = secrets[arn];
    if (!s) {
      throw new Error(`secret ${arn} not found`);
    }
    return s;
  },
  log: (entry) => logs.push(entry),
};

let fake: FakeUmami;
let cfn: CfnReceiver;
const started: Array<FakeUmami | CfnReceiver> = [];

async function umami(options: FakeOptions = {}): Promise<FakeUmami> {
  fake = await new FakeUmami(options).start();
  started.push(fake);
  return fake;
}

beforeEach(async () => {
  logs.length = 0;
  cfn = await new CfnReceiver('/cfn?X-Amz-Signature=abc').start();
  started.push(cfn);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

function event(props: Partial<UmamiAdminBootstrapProperties> = {}, requestType: 'Create' | 'Update' | 'Delete' = 'Create',
  physicalId?: string): CustomResourceEvent<UmamiAdminBootstrapProperties> {
  return {
    RequestType: requestType,
    ResponseURL: cfn.url,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/test/1',
    RequestId: randomUUID(),
    LogicalResourceId: 'UmamiAdmin',
    PhysicalResourceId: physicalId,
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
      BaseUrl: fake.url,
      AdminSecretArn: 'arn:admin',
      Websites: JSON.stringify([{ name: 'Marketing site', domain: 'example.com' }, { name: 'Docs', domain: 'docs.example.com' }]),
      Users: JSON.stringify([{ username: 'alice', role: 'view-only', secretArn: 'arn:alice' }, { username: 'bob', role: 'user', secretArn: 'arn:bob' }]),
      ReadyTimeoutSeconds: '5',
      RequestTimeoutSeconds: '2',
      ...props,
    },
  };
}

/** Logs in against the fake with a plain fetch and returns the HTTP status. */
async function loginStatus(username: string, password: string): Promise<number> {
  const res = await fetch(`${fake.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await res.text();
  return res.status;
}

function expectNoSecrets(text: string): void {
  for (const secret of [ADMIN_PASSWORD, ALICE_PASSWORD, BOB_PASSWORD]) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(/tok-[0-9a-f-]{36}/);
}

describe('first bootstrap', () => {
  test('replaces the default admin password, creates websites and users, answers SUCCESS with their ids', async () => {
    await umami();
    await respond(event(), deps);

    const response = cfn.only();
    expect(response).toMatchObject({
      method: 'PUT',
      path: '/cfn?X-Amz-Signature=abc',
      Status: 'SUCCESS',
      PhysicalResourceId: `umami-admin:${fake.url}`,
      LogicalResourceId: 'UmamiAdmin',
      NoEcho: true,
    });
    // The default password is gone, the generated one works.
    expect(fake.admin().password).toBe(ADMIN_PASSWORD);
    expect(await loginStatus('admin', 'umami')).toBe(401);
    expect(await loginStatus('admin', ADMIN_PASSWORD)).toBe(200);
    expect(fake.calls).toContain(`POST /api/users/${DEFAULT_ADMIN_ID}`);

    const byDomain = Object.fromEntries(fake.websites.map((w) => [w.domain, w.id]));
    expect(fake.websites).toHaveLength(2);
    expect(response.Data).toEqual({
      'AdminUserId': DEFAULT_ADMIN_ID,
      'WebsiteId.example.com': byDomain['example.com'],
      'WebsiteId.docs.example.com': byDomain['docs.example.com'],
      'UserId.alice': [...fake.users.values()].find((u) => u.username === 'alice')!.id,
      'UserId.bob': [...fake.users.values()].find((u) => u.username === 'bob')!.id,
    });
    expect(fake.websites.find((w) => w.domain === 'example.com')!.name).toBe('Marketing site');
    const alice = [...fake.users.values()].find((u) => u.username === 'alice')!;
    expect(alice).toMatchObject({ role: 'view-only', password: ALICE_PASSWORD });
    expect(await loginStatus('alice', ALICE_PASSWORD)).toBe(200);
    expect(await loginStatus('bob', BOB_PASSWORD)).toBe(200);

    // No secret or token in the logs.
    expectNoSecrets(JSON.stringify(logs));
    expect(logs.some((l) => String(l.msg).includes('default admin password replaced'))).toBe(true);
  });

  test('empty Websites and Users: only the admin is secured', async () => {
    await umami();
    const result = await run(event({ Websites: '[]', Users: '[]' }), deps);
    expect(result.data).toEqual({ AdminUserId: DEFAULT_ADMIN_ID });
    expect(fake.admin().password).toBe(ADMIN_PASSWORD);
    expect(fake.calls.filter((c) => c.includes('websites') || c.includes('admin/users'))).toEqual([]);
  });
});

describe('idempotence', () => {
  test('a second run logs in with the generated password and creates nothing twice', async () => {
    await umami();
    const first = await run(event(), deps);
    fake.calls.length = 0;
    // Someone changed alice's password and role in the UI: the declared state comes back.
    const alice = [...fake.users.values()].find((u) => u.username === 'alice')!;
    alice.password = 'changed-in-the-ui';
    alice.role = 'admin';

    const second = await run(event({}, 'Update', first.physicalId), deps);

    expect(second).toEqual(first);
    expect(fake.websites).toHaveLength(2);
    expect(fake.users.size).toBe(3);
    expect(fake.calls).not.toContain('POST /api/websites');
    expect(fake.calls).not.toContain('POST /api/users');
    expect(fake.calls).not.toContain(`POST /api/users/${DEFAULT_ADMIN_ID}`);
    expect(alice).toMatchObject({ password: ALICE_PASSWORD, role: 'view-only' });
    expect(fake.admin().password).toBe(ADMIN_PASSWORD);
    expect(logs.some((l) => String(l.msg).includes('admin already secured'))).toBe(true);
  });

  test('existing websites are matched by domain, case-insensitively, across pages', async () => {
    await umami({ maxPageSize: 2 });
    for (let i = 0; i < 5; i++) {
      fake.addWebsite(`Other ${i}`, `other${i}.example.org`);
    }
    const existing = fake.addWebsite('Marketing (renamed)', 'Example.COM');
    const result = await run(event({ Users: '[]' }), deps);
    expect(result.data['WebsiteId.example.com']).toBe(existing.id);
    expect(fake.websites).toHaveLength(7); // only docs.example.com was created
    expect(fake.calls.filter((c) => c === 'GET /api/websites').length).toBe(3); // 2 + 2 + 2 of 6
  });

  test('duplicate domains in Websites create one website', async () => {
    await umami();
    const result = await run(event({
      Users: '[]',
      Websites: JSON.stringify([{ name: 'A', domain: 'example.com' }, { name: 'B', domain: 'EXAMPLE.com' }]),
    }), deps);
    expect(fake.websites).toHaveLength(1);
    expect(result.data['WebsiteId.example.com']).toBe(fake.websites[0].id);
  });

  test('a mixed-case domain is returned under its lower-case key (what the construct reads) and as declared', async () => {
    await umami();
    const result = await run(event({ Users: '[]', Websites: JSON.stringify([{ name: 'Shop', domain: 'Shop.Example.com' }]) }), deps);
    expect(fake.websites).toHaveLength(1);
    expect(result.data).toEqual({
      'AdminUserId': DEFAULT_ADMIN_ID,
      'WebsiteId.shop.example.com': fake.websites[0].id,
      'WebsiteId.Shop.Example.com': fake.websites[0].id,
    });
  });

  test('falls back to GET /api/users when GET /api/admin/users answers 404', async () => {
    await umami({ noAdminUsersRoute: true });
    const first = await run(event({ Websites: '[]' }), deps);
    const second = await run(event({ Websites: '[]' }, 'Update'), deps);
    expect(second.data).toEqual(first.data);
    expect(fake.users.size).toBe(3);
    expect(fake.calls).toContain('GET /api/admin/users');
    expect(fake.calls).toContain('GET /api/users');
  });
});

describe('waiting for Umami', () => {
  test('not ready at first, then ready: succeeds after retries', async () => {
    await umami({ heartbeatFailures: 3 });
    await respond(event(), deps);
    expect(cfn.only().Status).toBe('SUCCESS');
    expect(fake.heartbeatCalls).toBe(4);
    expect(fake.admin().password).toBe(ADMIN_PASSWORD);
  });

  test('never ready: FAILED within the timeout, with the URL in the message', async () => {
    await umami({ heartbeatFailures: Infinity });
    const t0 = Date.now();
    await respond(event({ ReadyTimeoutSeconds: '1' }), deps);
    expect(Date.now() - t0).toBeLessThan(3_000);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`Umami did not answer at ${fake.url}/api/heartbeat within 1 s`);
    expect(response.Reason).toContain('HTTP 503');
    expect(fake.heartbeatCalls).toBeGreaterThan(1);
    expect(fake.admin().password).toBe('umami');
    expect(fake.calls.filter((c) => c !== 'GET /api/heartbeat')).toEqual([]);
  });

  test('nothing listening at BaseUrl: FAILED with the connection error', async () => {
    await umami();
    const url = fake.url;
    await fake.stop();
    started.splice(started.indexOf(fake), 1);
    await respond(event({ BaseUrl: url, ReadyTimeoutSeconds: '0.5' }), deps);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`Umami did not answer at ${url}/api/heartbeat within 0.5 s`);
  });

  test('a request that never answers fails quickly with a timeout message', async () => {
    await umami({ hang: ['POST /api/auth/login'] });
    const t0 = Date.now();
    await respond(event({ RequestTimeoutSeconds: '1' }), deps);
    expect(Date.now() - t0).toBeLessThan(3_000);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`POST /api/auth/login on ${fake.url} timed out after 1 s`);
    expectNoSecrets(response.Reason);
  });

  test('the Lambda time budget ends the run with FAILED before the function would time out', async () => {
    await umami({ heartbeatFailures: Infinity });
    const t0 = Date.now();
    await respond(event({ ReadyTimeoutSeconds: '600' }), deps, { getRemainingTimeInMillis: () => 5_400 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('ran out of time');
    // The work stopped too: no more heartbeat calls.
    const calls = fake.heartbeatCalls;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.heartbeatCalls).toBe(calls);
  });
});

describe('admin login failures', () => {
  test('neither the generated nor the default password works: FAILED', async () => {
    await umami();
    fake.admin().password = 'set-by-hand-in-the-ui';
    await respond(event(), deps);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('admin login failed with both the generated and the default password');
    expect(response.PhysicalResourceId).toBe('UmamiAdmin-failed');
    expectNoSecrets(response.Reason);
    expect(fake.websites).toHaveLength(0);
    expect(fake.users.size).toBe(1);
  });

  test('the server refuses the password change: FAILED, secret not echoed', async () => {
    await umami({ rejectPasswordChange: 400 });
    await respond(event(), deps);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('changing the default admin password failed');
    expect(response.Reason).toContain('HTTP 400');
    expectNoSecrets(response.Reason);
    expectNoSecrets(JSON.stringify(logs));
    expect(fake.websites).toHaveLength(0);
  });

  test('the password change answers 200 but does nothing: FAILED because the generated password does not work', async () => {
    await umami();
    const original = fake.admin();
    // A server that accepts and ignores the change.
    Object.defineProperty(original, 'password', { get: () => 'umami', set: () => undefined });
    await respond(event(), deps);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('logging in as \'admin\' with the generated password answered HTTP 401');
  });

  test('login answers 500: FAILED with the status', async () => {
    await umami();
    const server = http.createServer((req, res) => {
      if (req.url === '/api/heartbeat') {
        res.writeHead(200);
        return res.end('{"ok":true}');
      }
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"error":{"message":"Server error"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await respond(event({ BaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }), deps);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('POST /api/auth/login answered HTTP 500');
  });
});

describe('other failures', () => {
  test('a user secret with a too short password: FAILED before any call to Umami', async () => {
    await umami();
    await respond(event({ Users: JSON.stringify([{ username: 'x', role: 'view-only', secretArn: 'arn:short' }]) }), {
      ...deps,
      readSecret: async (arn) => (arn === 'arn:short' ? { username: 'x', password: 'short' } : deps.readSecret(arn)),
    });
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('user \'x\'');
    expect(fake.calls).toEqual([]);
  });

  test.each([
    [{ Users: JSON.stringify([{ username: 'a', role: 'owner', secretArn: 'arn:alice' }]) }, 'role \'owner\''],
    [{ Users: JSON.stringify([{ username: 'admin', role: 'admin', secretArn: 'arn:alice' }]) }, '\'admin\' is the admin user'],
    [{ Websites: '{"name":"x"}' }, 'Websites must be a JSON array'],
    [{ Websites: '[{"name":"x"}]' }, 'Websites[0] needs a non-empty name and domain'],
    [{ BaseUrl: 'ftp://example.com' }, 'must use http or https'],
    [{ ReadyTimeoutSeconds: 'soon' }, 'ReadyTimeoutSeconds must be a positive number'],
    [{ AdminSecretArn: 'arn:missing' }, 'secret arn:missing not found'],
  ])('invalid input %j: FAILED before any call to Umami', async (props, message) => {
    await umami();
    await respond(event(props as Partial<UmamiAdminBootstrapProperties>), deps);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(message);
    expect(fake.calls).toEqual([]);
  });

  test('a non-2xx answer while creating a website: FAILED with the step and status', async () => {
    await umami({ hang: [] });
    const realFetch = global.fetch;
    const spy = jest.spyOn(global, 'fetch').mockImplementation(async (input, init) => {
      if (String(input).endsWith('/api/websites') && init?.method === 'POST') {
        return new Response('{"error":{"message":"Website limit reached."}}', { status: 401 });
      }
      return realFetch(input, init);
    });
    try {
      await respond(event(), deps);
    } finally {
      spy.mockRestore();
    }
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('creating website \'example.com\': POST /api/websites answered HTTP 401');
    expect(response.Reason).toContain('Website limit reached.');
    // The admin was secured before the failure.
    expect(fake.admin().password).toBe(ADMIN_PASSWORD);
  });
});

describe('Delete', () => {
  test('does nothing and answers SUCCESS with the same physical id', async () => {
    await umami();
    const physicalId = `umami-admin:${fake.url}`;
    await respond(event({}, 'Delete', physicalId), deps);
    const response = cfn.only();
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalId, Data: {} });
    expect(fake.calls).toEqual([]);
    expect(fake.admin().password).toBe('umami');
  });

  test('succeeds even when Umami is gone', async () => {
    await umami();
    await respond(event({ BaseUrl: 'http://127.0.0.1:1' }, 'Delete', 'UmamiAdmin-failed'), deps);
    expect(cfn.only()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'UmamiAdmin-failed' });
  });
});

describe('handler', () => {
  test('reads the secrets with the AWS SDK and reports to CloudFormation', async () => {
    await umami();
    const send = jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command: any) => {
      const arn = command.input.SecretId as string;
      return { SecretString: JSON.stringify(secrets[arn]) };
    });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    let secretIds: string[];
    try {
      await handler(event({ Users: JSON.stringify([{ username: 'alice', role: 'view-only', secretArn: 'arn:alice' }]) }));
      secretIds = send.mock.calls.map(([c]: any[]) => c.input.SecretId);
    } finally {
      send.mockRestore();
      log.mockRestore();
    }
    const response = cfn.only();
    expect(response.Status).toBe('SUCCESS');
    expect(Object.keys(response.Data).sort()).toEqual(['AdminUserId', 'UserId.alice', 'WebsiteId.docs.example.com', 'WebsiteId.example.com']);
    expect(secretIds).toEqual(['arn:admin', 'arn:alice']);
    expect(await loginStatus('admin', 'umami')).toBe(401);
  });

  test('failure reasons and logs never contain the generated password', async () => {
    await umami({ rejectPasswordChange: 403 });
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    const send = jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command: any) =>
      ({ SecretString: JSON.stringify(secrets[command.input.SecretId]) }));
    try {
      await handler(event());
    } finally {
      send.mockRestore();
      log.mockRestore();
    }
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('HTTP 403');
    expectNoSecrets(JSON.stringify(response));
    expectNoSecrets(lines.join('\n'));
    expect(lines.some((l) => l.includes('umami admin bootstrap failed'))).toBe(true);
  });
});
