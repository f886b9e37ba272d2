// Unit tests of the OpenReplay bootstrap custom-resource handler against a real local HTTP server that fakes the parts
// of the chalice dashboard API the handler uses (behind the gateway's `/api` prefix), a fake ECS client (a plain
// object) whose UpdateService "restarts" the fake, and a local server that captures the CloudFormation response.
import { randomBytes, randomUUID } from 'crypto';
import * as http from 'http';
import { ECSClient, UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CfnReceiver, LocalHttpServer } from './helpers/local-http';
import { CustomResourceEvent } from '../src/core/custom-resource-response';
import { BootstrapDeps, handler, OpenReplayBootstrapProperties, respond, run } from '../src/openreplay/bootstrap.lambda';

const EMAIL = 'admin@example.com';
const PASSWORD = 'Q7v-generated-32-characters-pw!x';
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/platform';
const SERVICE = 'arn:aws:ecs:eu-west-1:123456789012:service/platform/chalice';

interface FakeUser { email: string; password: string; name: string; role: string }
interface FakeProject { projectId: number; projectKey: string; name: string; platform: string }

interface FakeOptions {
  /** GET /api/signup answers 502 this many times first (Infinity: never ready). */
  notReady?: number;
  /** GET /api/signup answers 200 with an HTML page (the SPA), as when /api is not routed to chalice. */
  spaOnly?: boolean;
  /** `METHOD /path` routes that never answer. */
  hang?: string[];
  /** A restart does not remove the signup route (as if the redeployment never finished). */
  neverCloses?: boolean;
  /** After a restart, this many signup probes still reach an old task that has the route. */
  oldTaskAnswers?: number;
  /** POST /api/signup answers 422 echoing the request, as pydantic does for invalid input. */
  rejectSignup?: boolean;
  /**
   * POST /api/signup creates the tenant and then answers 500, as upstream does when its telemetry call to the
   * internet fails (api/chalicelib/core/signup.py -> telemetry.new_client(); seen in the v1.27.0 rehearsal).
   */
  telemetryUnreachable?: boolean;
  /** POST /api/signup answers 500 without creating anything. */
  signupBroken?: boolean;
}

/** In-memory fake of the chalice API as seen through the gateway. */
class FakeOpenReplay extends LocalHttpServer {
  tenant: string | undefined;
  readonly users: FakeUser[] = [];
  readonly projects: FakeProject[] = [];
  readonly tokens = new Map<string, string>();
  readonly calls: string[] = [];
  readonly signupBodies: any[] = [];
  /** Chalice registers POST /signup at start-up only while no tenant exists. */
  signupRegistered: boolean;
  restarts = 0;
  private readyCalls = 0;
  private oldTaskAnswersLeft = 0;

  constructor(private readonly options: FakeOptions = {}, existing?: { tenant: string; user: FakeUser }) {
    super();
    if (existing) {
      this.tenant = existing.tenant;
      this.users.push(existing.user);
      this.addProject('my first project');
    }
    this.signupRegistered = this.tenant === undefined;
  }

  /** A new chalice deployment: the route exists only if no tenant exists at start-up. */
  restart(): void {
    this.restarts++;
    this.oldTaskAnswersLeft = this.options.oldTaskAnswers ?? 0;
    if (!this.options.neverCloses) {
      this.signupRegistered = this.tenant === undefined;
    }
  }

  addProject(name: string): FakeProject {
    const p = { projectId: this.projects.length + 1, projectKey: randomBytes(10).toString('hex'), name, platform: 'web' };
    this.projects.push(p);
    return p;
  }

  count(key: string): number {
    return this.calls.filter((c) => c === key).length;
  }

  private login(user: FakeUser) {
    const jwt = `jwt-${randomUUID()}`;
    // Upstream: a new login invalidates the user's previous JWT.
    for (const [t, e] of this.tokens) {
      if (e === user.email) {
        this.tokens.delete(t);
      }
    }
    this.tokens.set(jwt, user.email);
    return { jwt, spotJwt: `spot-${randomUUID()}`, data: { scopeState: 2, user: { email: user.email, name: user.name, role: user.role, smtp: false } } };
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
    let body: any = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return send(400, { detail: 'bad json' });
    }
    if (!url.pathname.startsWith('/api/')) {
      return send(404, { detail: 'Not Found' });
    }
    const route = url.pathname.slice(4); // the gateway strips /api
    const email = (this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, '')) ?? '');
    const caller = this.users.find((u) => u.email === email);

    if (req.method === 'GET' && route === '/signup') {
      this.readyCalls++;
      if (this.readyCalls <= (this.options.notReady ?? 0)) {
        return send(502, { message: 'Bad Gateway' });
      }
      if (this.options.spaOnly) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><body>OpenReplay</body></html>');
        return;
      }
      return send(200, { data: { tenants: this.tenant !== undefined, sso: null, ssoProvider: null, enforceSSO: null, edition: 'foss' } });
    }
    if (req.method === 'POST' && route === '/signup') {
      const registered = this.signupRegistered || this.oldTaskAnswersLeft-- > 0;
      if (!registered) {
        return send(405, { detail: 'Method Not Allowed' });
      }
      const missing = ['email', 'password', 'fullname', 'organizationName'].filter((f) => typeof body[f] !== 'string' || body[f] === '');
      if (missing.length > 0 || this.options.rejectSignup) {
        // pydantic echoes the input, password included.
        return send(422, { detail: [{ type: 'missing', loc: ['body', ...missing], msg: 'Field required', input: body }] });
      }
      this.signupBodies.push(body);
      if (this.tenant !== undefined) {
        return send(400, { errors: ['tenants already registered'] });
      }
      if (this.options.signupBroken) {
        return send(500, { detail: 'Internal Server Error' });
      }
      this.tenant = body.organizationName;
      const user = { email: String(body.email).toLowerCase(), password: body.password, name: body.fullname, role: 'owner' };
      this.users.push(user);
      this.addProject('my first project');
      if (this.options.telemetryUnreachable) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal Server Error');
        return;
      }
      return send(200, this.login(user));
    }
    if (req.method === 'POST' && route === '/login') {
      const user = this.users.find((u) => u.email === String(body.email ?? '').toLowerCase());
      if (!user || user.password !== body.password) {
        return send(401, { errors: ["You've entered invalid Email or Password."] });
      }
      return send(200, this.login(user));
    }
    if (!caller) {
      return send(403, { errors: ['Invalid token or expired token.'] });
    }
    if (req.method === 'GET' && route === '/projects') {
      return send(200, { data: this.projects.map((p) => ({ ...p, saveRequestPayloads: false, recorded: false, gdpr: {} })) });
    }
    if (req.method === 'POST' && route === '/projects') {
      if (this.projects.some((p) => p.name.toLowerCase() === String(body.name).toLowerCase())) {
        return send(400, { errors: ['name already exists.'] });
      }
      const p = this.addProject(body.name);
      return send(200, { data: { ...p, saveRequestPayloads: false, gdpr: {} } });
    }
    return send(404, { detail: 'Not Found' });
  }
}

/** Fake ECS: UpdateService with forceNewDeployment restarts the fake chalice shortly afterwards. */
class FakeEcs {
  readonly inputs: UpdateServiceCommandInput[] = [];
  fail?: string;

  constructor(private readonly target: () => FakeOpenReplay, private readonly delayMs = 30) {}

  async updateService(input: UpdateServiceCommandInput): Promise<unknown> {
    this.inputs.push(input);
    if (this.fail) {
      throw new Error(this.fail);
    }
    setTimeout(() => this.target().restart(), this.delayMs);
    return { service: { serviceArn: input.service } };
  }
}


let fake: FakeOpenReplay;
let cfn: CfnReceiver;
let ecs: FakeEcs;
const started: Array<{ stop(): Promise<void> }> = [];
const logs: Array<{ [key: string]: unknown }> = [];
const secrets: { [arn: string]: { [key: string]: unknown } } = { 'arn:admin': { email: EMAIL, password: PASSWORD } };

function deps(extra: Partial<BootstrapDeps> = {}): BootstrapDeps {
  return {
    readSecret: async (arn) => {
      if (!secrets[arn]) {
        throw new Error(`no secret ${arn}`);
      }
      return secrets[arn];
    },
    ecs,
    log: (entry) => { logs.push(entry); },
    initialRetryDelayMs: 20,
    maxRetryDelayMs: 100,
    closePollIntervalMs: 10,
    closeTimeoutMs: 2_000,
    ...extra,
  };
}

async function openreplay(options: FakeOptions = {}, existing?: { tenant: string; user: FakeUser }): Promise<FakeOpenReplay> {
  fake = await new FakeOpenReplay(options, existing).start();
  started.push(fake);
  return fake;
}

beforeEach(async () => {
  logs.length = 0;
  cfn = await new CfnReceiver('/cfn?signature=x').start();
  started.push(cfn);
  ecs = new FakeEcs(() => fake);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

function event(props: Partial<OpenReplayBootstrapProperties> = {}, requestType: 'Create' | 'Update' | 'Delete' = 'Create',
  physicalId?: string): CustomResourceEvent<OpenReplayBootstrapProperties> {
  return {
    RequestType: requestType,
    ResponseURL: cfn.url,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/test/1',
    RequestId: randomUUID(),
    LogicalResourceId: 'OpenReplayBootstrap',
    PhysicalResourceId: physicalId,
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
      BaseUrl: fake.url,
      AdminSecretArn: 'arn:admin',
      OrganizationName: 'Example Org',
      AdminName: 'Platform Admin',
      ProjectName: 'Marketing site',
      ReadyTimeoutSeconds: '5',
      RequestTimeoutSeconds: '2',
      Cluster: CLUSTER,
      ChaliceService: SERVICE,
      ...props,
    },
  };
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toMatch(/jwt-[0-9a-f-]{36}/);
}

/** Asks the fake directly whether POST /api/signup is still registered. */
async function signupStatus(): Promise<number> {
  const res = await fetch(`${fake.url}/api/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await res.text();
  return res.status;
}

describe('first bootstrap', () => {
  test('signs up, closes signup by redeploying chalice, creates the project and returns its key', async () => {
    await openreplay();
    await respond(event(), deps());
    const response = cfn.take();
    expect(response).toMatchObject({ method: 'PUT', Status: 'SUCCESS', PhysicalResourceId: `openreplay-bootstrap:${fake.url}`, NoEcho: true });
    const project = fake.projects.find((p) => p.name === 'Marketing site')!;
    expect(response.Data).toEqual({ ProjectKey: project.projectKey, ProjectId: String(project.projectId) });
    expect(fake.tenant).toBe('Example Org');
    expect(fake.users).toEqual([{ email: EMAIL, password: PASSWORD, name: 'Platform Admin', role: 'owner' }]);
    expect(fake.signupBodies).toEqual([{ email: EMAIL, password: PASSWORD, fullname: 'Platform Admin', organizationName: 'Example Org' }]);
    expect(ecs.inputs).toEqual([{ cluster: CLUSTER, service: SERVICE, forceNewDeployment: true }]);
    expect(fake.restarts).toBe(1);
    expect(await signupStatus()).toBe(405);
    expect(logs.some((l) => l.msg === 'signup route closed after the new deployment of chalice')).toBe(true);
    expectNoSecrets(JSON.stringify(response) + JSON.stringify(logs));
  });

  test('the project created by signup is reused when ProjectName matches it (case-insensitively)', async () => {
    await openreplay();
    await respond(event({ ProjectName: 'My First Project' }), deps());
    const response = cfn.take();
    expect(response.Status).toBe('SUCCESS');
    expect(fake.projects).toHaveLength(1);
    expect(response.Data.ProjectKey).toBe(fake.projects[0].projectKey);
    expect(fake.count('POST /api/projects')).toBe(0);
  });

  test('signup answers 500 after creating the tenant (no egress to upstream telemetry): logs in and carries on', async () => {
    await openreplay({ telemetryUnreachable: true });
    await respond(event(), deps());
    const response = cfn.take();
    expect(response.Status).toBe('SUCCESS');
    expect(fake.users.map((u) => u.email)).toEqual([EMAIL]);
    expect(fake.count('POST /api/signup')).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => String(l.msg).startsWith('signup answered an error after creating the tenant'))).toBe(true);
  });

  test('signup answers 500 and no tenant exists: FAILED with the answer', async () => {
    await openreplay({ signupBroken: true });
    await respond(event(), deps());
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/signup failed: POST \/api\/signup answered HTTP 500/);
    expect(fake.tenant).toBeUndefined();
  });

  test('old chalice tasks still answering during the rollout: waits for several closed answers in a row', async () => {
    await openreplay({ oldTaskAnswers: 3 });
    await respond(event(), deps({ closeConfirmations: 3 }));
    expect(cfn.take().Status).toBe('SUCCESS');
    expect(await signupStatus()).toBe(405);
  });
});

describe('idempotence', () => {
  test('a second run signs up nothing, redeploys nothing and returns the same project key', async () => {
    await openreplay();
    await respond(event(), deps());
    const first = cfn.take();
    const signupPosts = fake.count('POST /api/signup');
    await respond(event({}, 'Update', first.PhysicalResourceId), deps());
    const second = cfn.take();
    expect(second).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: first.PhysicalResourceId, Data: first.Data });
    expect(fake.signupBodies).toHaveLength(1);
    expect(fake.count('POST /api/signup')).toBe(signupPosts + 1); // the closed-route check only
    expect(ecs.inputs).toHaveLength(1);
    expect(fake.projects.filter((p) => p.name === 'Marketing site')).toHaveLength(1);
    expect(logs.some((l) => l.msg === 'already bootstrapped: logged in with the generated credentials')).toBe(true);
  });

  test('an existing administrator with other credentials: FAILED with the message, nothing changed', async () => {
    await openreplay({}, { tenant: 'Someone', user: { email: 'owner@example.com', password: 'their-own-password', name: 'Owner', role: 'owner' } });
    await respond(event(), deps());
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('OpenReplay already has an administrator and the generated credentials do not log in');
    expectNoSecrets(response.Reason);
    expect(fake.signupBodies).toHaveLength(0);
    expect(fake.count('POST /api/projects')).toBe(0);
    expect(ecs.inputs).toHaveLength(0);
  });

  test('a tenant exists but the signup route is still registered (an earlier run failed): chalice is redeployed', async () => {
    await openreplay();
    fake.tenant = 'Example Org';
    fake.users.push({ email: EMAIL, password: PASSWORD, name: 'Platform Admin', role: 'owner' });
    await respond(event(), deps());
    expect(cfn.take().Status).toBe('SUCCESS');
    expect(fake.signupBodies).toHaveLength(0);
    expect(ecs.inputs).toHaveLength(1);
    expect(await signupStatus()).toBe(405);
  });
});

describe('closing signup', () => {
  test('the route never closes: FAILED after UpdateService, within the close timeout', async () => {
    await openreplay({ neverCloses: true });
    const t0 = Date.now();
    await respond(event(), deps({ closeTimeoutMs: 300 }));
    expect(Date.now() - t0).toBeLessThan(3_000);
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`the signup route at ${fake.url}/api/signup still accepts requests`);
    expect(response.Reason).toContain(SERVICE);
    expect(ecs.inputs).toHaveLength(1);
  });

  test('the close wait is bounded by the Lambda remaining time', async () => {
    await openreplay({ neverCloses: true });
    const t0 = Date.now();
    await respond(event(), deps({ closeTimeoutMs: 600_000, remainingTimeMs: () => 10_500 }));
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(cfn.take().Reason).toContain('still accepts requests');
  });

  test('UpdateService fails: FAILED with the ECS error', async () => {
    await openreplay();
    ecs.fail = 'AccessDeniedException: not authorized to perform ecs:UpdateService';
    await respond(event(), deps());
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('could not be started: AccessDeniedException');
  });

  test('no Cluster/ChaliceService while the route is open: FAILED', async () => {
    await openreplay();
    await respond(event({ Cluster: '', ChaliceService: undefined }), deps());
    expect(cfn.take().Reason).toContain('Cluster/ChaliceService are not set');
  });
});

describe('waiting for OpenReplay', () => {
  test('not ready at first, then ready: succeeds after retries', async () => {
    await openreplay({ notReady: 3 });
    await respond(event(), deps());
    expect(cfn.take().Status).toBe('SUCCESS');
    expect(fake.count('GET /api/signup')).toBe(4);
    expect(logs.find((l) => l.msg === 'openreplay api is up')).toMatchObject({ attempts: 4, tenantExists: false });
  });

  test('never ready: FAILED within the timeout, with the URL and the last answer', async () => {
    await openreplay({ notReady: Infinity });
    const t0 = Date.now();
    await respond(event({ ReadyTimeoutSeconds: '1' }), deps());
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_500);
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`did not answer at ${fake.url}/api/signup within 1 s`);
    expect(response.Reason).toContain('last: HTTP 502');
    expect(fake.signupBodies).toHaveLength(0);
  });

  test('the dashboard SPA answers instead of the API: FAILED with a routing hint', async () => {
    await openreplay({ spaOnly: true });
    await respond(event({ ReadyTimeoutSeconds: '0.3' }), deps());
    expect(cfn.take().Reason).toContain('is /api routed to chalice?');
  });

  test('nothing listening at BaseUrl: FAILED with the connection error', async () => {
    await openreplay();
    const url = fake.url;
    await fake.stop();
    started.splice(started.indexOf(fake), 1);
    await respond(event({ BaseUrl: url, ReadyTimeoutSeconds: '0.3' }), deps());
    expect(cfn.take().Reason).toMatch(/ECONNREFUSED/);
  });

  test('a request that never answers fails with a timeout message', async () => {
    await openreplay({ hang: ['POST /api/login'] });
    const t0 = Date.now();
    await respond(event({ RequestTimeoutSeconds: '0.5' }), deps());
    expect(Date.now() - t0).toBeLessThan(2_500);
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`POST /api/login on ${fake.url} timed out after 0.5 s`);
  });

  test('the Lambda time budget ends the run with FAILED before the function would time out', async () => {
    await openreplay({ notReady: Infinity });
    const t0 = Date.now();
    await respond(event({ ReadyTimeoutSeconds: '600' }), deps(), { getRemainingTimeInMillis: () => 5_400 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(cfn.take().Reason).toContain('the function ran out of time');
  });
});

describe('validation and secrets', () => {
  test('the signup is rejected with an answer that echoes the password: the reason does not contain it', async () => {
    await openreplay({ rejectSignup: true });
    await respond(event(), deps());
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('signup failed: POST /api/signup answered HTTP 422');
    expect(response.Reason).toContain('***');
    expectNoSecrets(JSON.stringify(response));
    expectNoSecrets(JSON.stringify(logs));
  });

  test.each([
    [{ OrganizationName: 'Evil<script>' }, "OrganizationName 'Evil<script>' may contain only"],
    [{ AdminName: '' }, 'AdminName is required'],
    [{ ProjectName: 'Süßes Projekt' }, "ProjectName 'Süßes Projekt' may contain only"],
    [{ BaseUrl: 'ftp://x' }, 'must use http or https'],
    [{ ReadyTimeoutSeconds: 'soon' }, 'ReadyTimeoutSeconds must be a positive number of seconds'],
    [{ AdminSecretArn: 'arn:missing' }, 'no secret arn:missing'],
  ])('invalid input %j: FAILED before any call to OpenReplay', async (props, message) => {
    await openreplay();
    await respond(event(props as Partial<OpenReplayBootstrapProperties>), deps());
    expect(cfn.take().Reason).toContain(message);
    expect(fake.calls).toHaveLength(0);
  });

  test('a secret with a short password: FAILED, and the password is not named', async () => {
    await openreplay();
    secrets['arn:short'] = { email: EMAIL, password: 'short' };
    await expect(run(event({ AdminSecretArn: 'arn:short' }), deps())).rejects.toThrow('no password of at least 8 characters');
  });
});

describe('Delete', () => {
  test('does nothing and answers SUCCESS with the same physical id', async () => {
    await openreplay();
    await respond(event({}, 'Delete', `openreplay-bootstrap:${fake.url}`), deps());
    expect(cfn.take()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `openreplay-bootstrap:${fake.url}`, Data: {} });
    expect(fake.calls).toHaveLength(0);
    expect(ecs.inputs).toHaveLength(0);
  });
});

describe('handler', () => {
  test('reads the secret with the AWS SDK and reports to CloudFormation (already bootstrapped)', async () => {
    await openreplay({}, { tenant: 'Example Org', user: { email: EMAIL, password: PASSWORD, name: 'Platform Admin', role: 'owner' } });
    const sm = jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command: any) =>
      ({ SecretString: JSON.stringify(secrets[command.input.SecretId]) }));
    const ecsSend = jest.spyOn(ECSClient.prototype, 'send');
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    try {
      await handler(event(), { getRemainingTimeInMillis: () => 900_000 });
    } finally {
      sm.mockRestore();
      ecsSend.mockRestore();
      log.mockRestore();
    }
    const response = cfn.take();
    expect(response).toMatchObject({ method: 'PUT', Status: 'SUCCESS', Data: { ProjectId: '2', ProjectKey: fake.projects[1].projectKey } });
    expect(ecsSend).not.toHaveBeenCalled();
    expectNoSecrets(lines.join('\n'));
  });

  test('sends UpdateService with the SDK client when the signup route is open; its error fails the resource', async () => {
    await openreplay();
    fake.tenant = 'Example Org';
    fake.users.push({ email: EMAIL, password: PASSWORD, name: 'Platform Admin', role: 'owner' });
    const sm = jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async (command: any) =>
      ({ SecretString: JSON.stringify(secrets[command.input.SecretId]) }));
    const commands: any[] = [];
    const ecsSend = jest.spyOn(ECSClient.prototype, 'send').mockImplementation(async (command: any) => {
      commands.push(command);
      throw new Error('ServiceNotActiveException: Service was not ACTIVE.');
    });
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    try {
      await handler(event(), { getRemainingTimeInMillis: () => 900_000 });
    } finally {
      sm.mockRestore();
      ecsSend.mockRestore();
      log.mockRestore();
    }
    expect(commands.map((c) => [c.constructor.name, c.input])).toEqual([
      ['UpdateServiceCommand', { cluster: CLUSTER, service: SERVICE, forceNewDeployment: true }],
    ]);
    const response = cfn.take();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('ServiceNotActiveException');
    expectNoSecrets(JSON.stringify(response) + lines.join('\n'));
    expect(lines.some((l) => l.includes('openreplay bootstrap failed'))).toBe(true);
  });
});
