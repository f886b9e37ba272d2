/* eslint-disable import/no-extraneous-dependencies */
// Custom-resource handler: creates OpenReplay's first administrator and the declared project, as code. OpenReplay has
// no environment variable for the first admin: its dashboard API (chalice, served under `/api`) offers
// `POST /signup` while no tenant exists. The handler waits for `GET /api/signup`, signs up with the generated
// credentials from Secrets Manager if no tenant exists yet, logs in (the idempotent path on re-runs), finds or creates
// the project and returns its key for the tracker. Chalice registers `POST /signup` at start-up only while no tenant
// exists, so after the first signup the route stays registered until chalice restarts: the handler then forces a new
// deployment of the chalice ECS service and waits until the route is gone. Bundled by projen (esbuild) for the
// Node 22 Lambda runtime; HTTP uses the global `fetch`, the AWS SDK comes from the runtime. Passwords and tokens are
// never logged and never put into a failure reason.
//
// Upstream (openreplay/openreplay, api/): routers/core_dynamic.py (GET/POST /signup, POST /login, GET /projects),
// routers/core.py (POST /projects), chalicelib/core/signup.py, chalicelib/core/projects.py, or_dependencies.py
// (a 200 answer carrying `errors` becomes 400, or 404 for "not found").
import { ECSClient, UpdateServiceCommand, UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CustomResourceEvent, defaultLog, LambdaContextLike, Log, respondWithin } from '../core/custom-resource-response';
import { errorMessage, formatSeconds, HttpResult, JsonApi, nonEmptyString, normalizeBaseUrl, ReadSecret, Redactor, seconds, sleep, throwIfAborted } from '../core/handler-kit';
import { collapseWhitespace, openReplayAccountNameProblem, openReplayProjectNameProblem } from '../core/validation-rules';

/** What the custom resource passes in ResourceProperties (CloudFormation passes every value as a string). */
export interface OpenReplayBootstrapProperties {
  /** The dashboard's base URL without a trailing slash, e.g. `https://replay.example.com`. */
  readonly BaseUrl: string;
  /** Secret with JSON `{"email":"...","password":"<generated>"}`. */
  readonly AdminSecretArn: string;
  readonly OrganizationName: string;
  /** Full name of the first administrator. */
  readonly AdminName: string;
  /** The project whose key the tracker uses; found by name (case-insensitively, as upstream compares) or created. */
  readonly ProjectName: string;
  /** How long to wait for the API, in seconds (default 900). */
  readonly ReadyTimeoutSeconds?: string;
  /** Timeout of every single HTTP request, in seconds (default 15). */
  readonly RequestTimeoutSeconds?: string;
  /** ARN (or name) of the chalice ECS service, redeployed to close the signup route. */
  readonly ChaliceService?: string;
  /** ARN (or name) of the ECS cluster of the chalice service. */
  readonly Cluster?: string;
}

/** The ECS call the handler makes (the SDK client in Lambda, a plain object in tests). */
export interface EcsServiceApi {
  updateService(input: UpdateServiceCommandInput): Promise<unknown>;
}

/** Injected dependencies of {@link run}. */
export interface BootstrapDeps {
  readonly readSecret: ReadSecret;
  readonly ecs: EcsServiceApi;
  /** Defaults to one JSON line on stdout. */
  readonly log?: Log;
  /** First pause between readiness attempts (default 2000 ms); it grows by half each time. */
  readonly initialRetryDelayMs?: number;
  /** Longest pause between readiness attempts (default 15000 ms). */
  readonly maxRetryDelayMs?: number;
  /** Pause between two checks of the signup route after the redeployment (default 5000 ms). */
  readonly closePollIntervalMs?: number;
  /** Closed answers in a row that prove the route is gone from every chalice task (default 3). */
  readonly closeConfirmations?: number;
  /** Longest wait for the signup route to close (default 600000 ms; also bounded by the Lambda's remaining time). */
  readonly closeTimeoutMs?: number;
  /** Remaining time of the Lambda invocation. */
  readonly remainingTimeMs?: () => number;
  /** Stops the run (its reason becomes the error), e.g. shortly before the Lambda function times out. */
  readonly signal?: AbortSignal;
}

/** Outcome of one run. */
export interface BootstrapResult {
  readonly physicalId: string;
  readonly data: { [key: string]: string };
}

interface Project {
  readonly projectId: string;
  readonly projectKey: string;
  readonly name: string;
}

/** Upstream requires 6 characters; the generated password has 32, and shorter ones would only mangle messages. */
const MIN_PASSWORD_LENGTH = 8;
/** Time kept back from the Lambda budget for the failure answer. */
const ANSWER_MARGIN_MS = 10_000;

/** Thin JSON client of the OpenReplay dashboard API with a timeout on every request. */
class OpenReplayApi extends JsonApi {
  constructor(baseUrl: string, timeoutMs: number, redactor: Redactor, signal?: AbortSignal) {
    super(baseUrl, timeoutMs, redactor, signal, '/api');
  }
}


function accountName(name: string, value: string | undefined): string {
  const problem = openReplayAccountNameProblem(value);
  if (problem !== undefined) {
    throw new Error(`${name} ${problem}`);
  }
  return collapseWhitespace(value as string);
}

function projectName(value: string | undefined): string {
  const problem = openReplayProjectNameProblem(value);
  if (problem !== undefined) {
    throw new Error(`ProjectName ${problem}`);
  }
  return collapseWhitespace(value as string);
}

/** The stable physical id of the resource. */
export function physicalIdOf(baseUrl: string): string {
  return `openreplay-bootstrap:${baseUrl}`;
}

/** `GET /api/signup` answers `{"data":{"tenants":<bool>,...}}`; anything else means the API is not (yet) there. */
function tenantsFlag(res: HttpResult): boolean | undefined {
  const data = (res.body as { data?: { tenants?: unknown } } | undefined)?.data;
  return res.status === 200 && typeof data?.tenants === 'boolean' ? data.tenants : undefined;
}

/** Waits for `GET /api/signup` to answer like the chalice API, with a growing pause; returns whether a tenant exists. */
async function waitForApi(api: OpenReplayApi, timeoutMs: number, deps: BootstrapDeps, log: Log): Promise<boolean> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let delay = deps.initialRetryDelayMs ?? 2_000;
  const maxDelay = deps.maxRetryDelayMs ?? 15_000;
  let attempts = 0;
  let last = 'no answer';
  for (;;) {
    attempts++;
    try {
      const res = await api.call('GET', '/signup', { timeoutMs: deadline - Date.now() });
      const tenants = tenantsFlag(res);
      if (tenants !== undefined) {
        log({ level: 'info', msg: 'openreplay api is up', attempts, waitedMs: Date.now() - started, tenantExists: tenants });
        return tenants;
      }
      // A 200 HTML page is typically the dashboard SPA answering because /api is not routed to chalice.
      last = res.status === 200 ? 'HTTP 200 without the expected JSON {"data":{"tenants":...}} (is /api routed to chalice?)' : `HTTP ${res.status}`;
    } catch (e) {
      throwIfAborted(deps.signal);
      last = errorMessage(e);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      break;
    }
    await sleep(Math.min(delay, left), deps.signal);
    delay = Math.min(Math.round(delay * 1.5), maxDelay);
    if (deadline - Date.now() < 100) {
      break; // an attempt with (almost) no time left would only hide the last real answer
    }
  }
  throw new Error(`the OpenReplay API did not answer at ${api.baseUrl}/api/signup within ${formatSeconds(timeoutMs)} `
    + `(${attempts} attempts; last: ${last})`);
}

/** Creates the tenant and the first administrator; returns false if another request created the tenant first. */
async function signup(api: OpenReplayApi, email: string, password: string, fullname: string, organizationName: string, log: Log): Promise<boolean> {
  const res = await api.call('POST', '/signup', { body: { email, password, fullname, organizationName } });
  if (res.status === 200) {
    log({ level: 'info', msg: 'signed up: tenant and first administrator created', email, organizationName });
    return true;
  }
  if (res.status === 400 && /tenants already registered/i.test(res.text)) {
    log({ level: 'warn', msg: 'signup refused: a tenant was registered meanwhile' });
    return false;
  }
  if (res.status === 404 || res.status === 405) {
    throw new Error(`no tenant exists but the signup route is not available (${api.describe('POST', '/signup', res)}); `
      + 'chalice registers it only when it starts without a tenant: restart the chalice service');
  }
  if (res.status >= 500) {
    // Upstream (api/chalicelib/core/signup.py) creates the tenant, then calls its telemetry service on the internet
    // (telemetry.new_client(), with no error handling): without egress the answer is a 500 although the signup is
    // done. Whether it is done is what GET /api/signup says; the login that follows proves the credentials.
    const after = await api.call('GET', '/signup');
    if (tenantsFlag(after) === true) {
      log({ level: 'warn', msg: 'signup answered an error after creating the tenant (chalice could not reach its telemetry service); continuing', status: res.status });
      return true;
    }
  }
  throw new Error(`signup failed: ${api.describe('POST', '/signup', res)}`);
}

/** Logs in; returns the JWT, or undefined on 401 (wrong credentials). */
async function login(api: OpenReplayApi, email: string, password: string, redactor: Redactor): Promise<string | undefined> {
  const res = await api.call('POST', '/login', { body: { email, password } });
  if (res.status === 401) {
    return undefined;
  }
  if (res.status !== 200) {
    throw new Error(`login as '${email}': ${api.describe('POST', '/login', res)}`);
  }
  const jwt = (res.body as { jwt?: unknown } | undefined)?.jwt;
  if (!nonEmptyString(jwt)) {
    throw new Error(`login as '${email}': POST /api/login answered 200 without a jwt`);
  }
  redactor.add(jwt);
  return jwt;
}

/**
 * Whether `POST /api/signup` is registered: an empty body is answered 422 (validation) while the route exists and
 * 404/405 once it is gone. Nothing is created either way. Undefined when the answer says neither (e.g. 502).
 */
async function signupRouteOpen(api: OpenReplayApi): Promise<{ open?: boolean; answer: string }> {
  try {
    const res = await api.call('POST', '/signup', { body: {} });
    if (res.status === 404 || res.status === 405) {
      return { open: false, answer: `HTTP ${res.status}` };
    }
    if ((res.status >= 200 && res.status < 300) || res.status === 400 || res.status === 422) {
      return { open: true, answer: `HTTP ${res.status}` };
    }
    return { answer: `HTTP ${res.status}` };
  } catch (e) {
    return { answer: errorMessage(e) };
  }
}

/** Makes sure strangers cannot sign up: redeploys chalice if the signup route is still registered, and waits until it is gone. */
async function ensureSignupClosed(api: OpenReplayApi, props: OpenReplayBootstrapProperties, deps: BootstrapDeps, log: Log): Promise<void> {
  const first = await signupRouteOpen(api);
  if (first.open === false) {
    log({ level: 'info', msg: 'signup route is closed' });
    return;
  }
  if (!nonEmptyString(props.Cluster) || !nonEmptyString(props.ChaliceService)) {
    throw new Error(`the signup route at ${api.baseUrl}/api/signup still accepts requests (${first.answer}) and Cluster/ChaliceService `
      + 'are not set, so chalice cannot be restarted to close it');
  }
  log({ level: 'warn', msg: 'signup route still open: forcing a new deployment of chalice', answer: first.answer, service: props.ChaliceService });
  try {
    await deps.ecs.updateService({ cluster: props.Cluster, service: props.ChaliceService, forceNewDeployment: true });
  } catch (e) {
    throw new Error(`the signup route is still open and the new deployment of ${props.ChaliceService} could not be started: ${errorMessage(e)}`);
  }
  const started = Date.now();
  let deadline = started + (deps.closeTimeoutMs ?? 600_000);
  if (deps.remainingTimeMs) {
    deadline = Math.min(deadline, started + deps.remainingTimeMs() - ANSWER_MARGIN_MS);
  }
  const interval = deps.closePollIntervalMs ?? 5_000;
  const needed = Math.max(1, deps.closeConfirmations ?? 3);
  let closedInARow = 0;
  let last = first.answer;
  let checks = 0;
  while (Date.now() < deadline) {
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), deps.signal);
    const probe = await signupRouteOpen(api);
    checks++;
    last = probe.answer;
    // While old and new tasks both serve, answers alternate: only several closed answers in a row count.
    closedInARow = probe.open === false ? closedInARow + 1 : 0;
    if (closedInARow >= needed) {
      log({ level: 'info', msg: 'signup route closed after the new deployment of chalice', checks, waitedMs: Date.now() - started });
      return;
    }
  }
  throw new Error(`the signup route at ${api.baseUrl}/api/signup still accepts requests ${formatSeconds(Date.now() - started)} after `
    + `forcing a new deployment of ${props.ChaliceService} (last answer: ${last}); check that the deployment finishes`);
}

function toProject(item: unknown): Project | undefined {
  const p = (item ?? {}) as { projectId?: unknown; projectKey?: unknown; name?: unknown };
  if ((typeof p.projectId !== 'number' && !nonEmptyString(p.projectId)) || !nonEmptyString(p.projectKey) || typeof p.name !== 'string') {
    return undefined;
  }
  return { projectId: String(p.projectId), projectKey: p.projectKey, name: p.name };
}

async function findProject(api: OpenReplayApi, token: string, name: string): Promise<Project | undefined> {
  const res = await api.call('GET', '/projects', { token });
  if (res.status !== 200) {
    throw new Error(`listing projects: ${api.describe('GET', '/projects', res)}`);
  }
  const data = (res.body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) {
    throw new Error('listing projects: GET /api/projects answered an unexpected shape (no data array)');
  }
  // Upstream compares names with ILIKE: case-insensitively.
  return data.map(toProject).find((p) => p !== undefined && p.name.toLowerCase() === name.toLowerCase());
}

/** Finds the project by name or creates it (web platform). */
async function ensureProject(api: OpenReplayApi, token: string, name: string, deps: BootstrapDeps, log: Log): Promise<Project> {
  const existing = await findProject(api, token, name);
  if (existing) {
    log({ level: 'info', msg: 'project exists', name: existing.name, projectId: existing.projectId });
    return existing;
  }
  const res = await api.call('POST', '/projects', { token, body: { name, platform: 'web' } });
  if (res.status === 200) {
    const created = toProject((res.body as { data?: unknown } | undefined)?.data);
    if (!created) {
      throw new Error('creating the project: POST /api/projects answered without projectId and projectKey');
    }
    log({ level: 'info', msg: 'project created', name: created.name, projectId: created.projectId });
    return created;
  }
  if (res.status === 400 && /already exists/i.test(res.text)) {
    // Created meanwhile; upstream caches the project list for up to 20 s, so it may take a moment to show.
    for (let i = 0; i < 6; i++) {
      await sleep(5_000, deps.signal);
      const found = await findProject(api, token, name);
      if (found) {
        return found;
      }
    }
  }
  throw new Error(`creating project '${name}': ${api.describe('POST', '/projects', res)}`);
}

/** The handler's work, with the secret store and ECS injected (tests pass fakes). */
export async function run(event: CustomResourceEvent<OpenReplayBootstrapProperties>, deps: BootstrapDeps): Promise<BootstrapResult> {
  const props = event.ResourceProperties;
  const log = deps.log ?? defaultLog;
  if (event.RequestType === 'Delete') {
    // Nothing is undone: the tenant, its users, projects and recordings stay.
    return { physicalId: event.PhysicalResourceId ?? physicalIdOf(String(props.BaseUrl ?? '')), data: {} };
  }
  const redactor = new Redactor();
  try {
    const baseUrl = normalizeBaseUrl(props.BaseUrl);
    const readyMs = seconds('ReadyTimeoutSeconds', props.ReadyTimeoutSeconds, 900) * 1000;
    const requestMs = seconds('RequestTimeoutSeconds', props.RequestTimeoutSeconds, 15) * 1000;
    const organizationName = accountName('OrganizationName', props.OrganizationName);
    const adminName = accountName('AdminName', props.AdminName);
    const project = projectName(props.ProjectName);
    if (!nonEmptyString(props.AdminSecretArn)) {
      throw new Error('AdminSecretArn is required');
    }

    // The secret first: a broken secret fails fast, before waiting for OpenReplay.
    const secret = await deps.readSecret(props.AdminSecretArn);
    const password = secret.password;
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`the admin secret has no password of at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    redactor.add(password);
    if (typeof secret.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(secret.email.trim())) {
      throw new Error('the admin secret has no valid email');
    }
    // Upstream lower-cases emails (`transform_email`).
    const email = secret.email.trim().toLowerCase();

    const api = new OpenReplayApi(baseUrl, requestMs, redactor, deps.signal);
    const tenantExists = await waitForApi(api, readyMs, deps, log);
    const signedUp = !tenantExists && await signup(api, email, password, adminName, organizationName, log);
    const token = await login(api, email, password, redactor);
    if (!token) {
      throw new Error(signedUp
        ? `signup succeeded but logging in as '${email}' with the generated password answered HTTP 401`
        : 'OpenReplay already has an administrator and the generated credentials do not log in '
          + `(POST /api/login answered HTTP 401 for '${email}'; if the password was changed by hand, put it into the admin secret)`);
    }
    if (!signedUp) {
      log({ level: 'info', msg: 'already bootstrapped: logged in with the generated credentials', email });
    }
    await ensureSignupClosed(api, props, deps, log);
    const found = await ensureProject(api, token, project, deps, log);
    return { physicalId: physicalIdOf(baseUrl), data: { ProjectKey: found.projectKey, ProjectId: found.projectId } };
  } catch (e) {
    throw new Error(redactor.apply(errorMessage(e)));
  }
}

/** Runs {@link run} and reports the outcome to CloudFormation (FAILED before the function times out). */
export async function respond(
  event: CustomResourceEvent<OpenReplayBootstrapProperties>, deps: BootstrapDeps, context?: LambdaContextLike,
): Promise<void> {
  await respondWithin(event, 'openreplay bootstrap', 'the function ran out of time before OpenReplay was bootstrapped: '
    + 'give the Lambda function a longer timeout than ReadyTimeoutSeconds plus a few minutes', deps, context,
  (signal, remainingTimeMs) => run(event, { ...deps, remainingTimeMs, signal }));
}

/** Lambda entry point. */
export async function handler(event: CustomResourceEvent<OpenReplayBootstrapProperties>, context?: LambdaContextLike): Promise<void> {
  const sm = new SecretsManagerClient({});
  const ecs = new ECSClient({});
  const readSecret: ReadSecret = async (arn) => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    try {
      return JSON.parse(out.SecretString ?? '{}');
    } catch {
      throw new Error(`secret ${arn} is not JSON`);
    }
  };
  await respond(event, {
    readSecret,
    ecs: { updateService: (input) => ecs.send(new UpdateServiceCommand(input)) },
  }, context);
}
