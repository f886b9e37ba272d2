/* eslint-disable import/no-extraneous-dependencies */
// Custom-resource handler: makes sure a freshly deployed Umami (v3) never keeps its well-known default login
// `admin` / `umami`. After the ECS service is stable it waits for `/api/heartbeat`, replaces the default admin password
// with the generated one from Secrets Manager (idempotently: an already bootstrapped instance logs in with the
// generated password), proves that the default password is rejected, then creates the declared websites and users.
// Bundled by projen (esbuild) for the Node 22 Lambda runtime; HTTP uses the global `fetch`, the AWS SDK comes from
// the runtime. Secrets, tokens and passwords are never logged and never put into a failure reason.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CustomResourceEvent, defaultLog, LambdaContextLike, Log, respondWithin } from '../core/custom-resource-response';
import { JsonApi, nonEmptyString, normalizeBaseUrl, ReadSecret, Redactor, seconds, sleep, throwIfAborted } from '../core/handler-kit';
import { UMAMI_ROLES, umamiUsernameProblem, umamiWebsiteNameProblem } from '../core/validation-rules';

/** What the custom resource passes in ResourceProperties (CloudFormation passes every value as a string). */
export interface UmamiAdminBootstrapProperties {
  /** Umami's base URL without a trailing slash, e.g. `https://analytics.example.com`. */
  readonly BaseUrl: string;
  /** Secret with JSON `{"username":"admin","password":"<generated>"}`. */
  readonly AdminSecretArn: string;
  /** JSON array `[{"name":"Marketing site","domain":"example.com"}]`; may be `[]` or absent. */
  readonly Websites?: string;
  /** JSON array `[{"username":"alice","role":"view-only","secretArn":"arn:..."}]`; may be `[]` or absent. */
  readonly Users?: string;
  /** How long to wait for `/api/heartbeat` to answer 200, in seconds (default 600). */
  readonly ReadyTimeoutSeconds?: string;
  /** Timeout of every single HTTP request, in seconds (default 10). */
  readonly RequestTimeoutSeconds?: string;
}

/** The login that the Umami migration `01_init` creates. Public knowledge: it must never survive a deployment. */
export const DEFAULT_ADMIN_USERNAME = 'admin';
export const DEFAULT_ADMIN_PASSWORD = 'umami';
/** Id of the default admin user (migration `01_init`); used only if the login answer carries no user id. */
export const DEFAULT_ADMIN_ID = '41e2b680-648e-4b09-bcd7-3e2b10c06264';

const ROLES = UMAMI_ROLES;
const PAGE_SIZE = 100;
const MAX_PAGES = 1000;
/** Umami v3 rejects shorter passwords (`z.string().min(8)`). */
const MIN_PASSWORD_LENGTH = 8;

/** Injected dependencies of {@link run}. */
export interface BootstrapDeps {
  readonly readSecret: ReadSecret;
  /** Defaults to one JSON line on stdout. */
  readonly log?: Log;
  /** First pause between heartbeat attempts (default 2000 ms); it grows by half each time. */
  readonly initialRetryDelayMs?: number;
  /** Longest pause between heartbeat attempts (default 15000 ms). */
  readonly maxRetryDelayMs?: number;
  /** Stops the run (its reason becomes the error), e.g. shortly before the Lambda function times out. */
  readonly signal?: AbortSignal;
}

/** Outcome of one run: the physical id and the attributes (`WebsiteId.<domain>`, `UserId.<username>`). */
export interface BootstrapResult {
  readonly physicalId: string;
  readonly data: { [key: string]: string };
}

interface WebsiteSpec {
  readonly name: string;
  readonly domain: string;
}

interface UserSpec {
  readonly username: string;
  readonly role: string;
  readonly secretArn: string;
}

interface Session {
  readonly token: string;
  readonly userId: string;
}

/** Thin JSON client of the Umami API with a timeout on every request. */
class UmamiApi extends JsonApi {
  /** One request that must answer 2xx; returns the parsed body. */
  async expectOk(what: string, method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown } = {}): Promise<unknown> {
    const res = await this.call(method, path, options);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${what}: ${this.describe(method, path, res)}`);
    }
    return res.body;
  }

  /** Logs in; returns undefined on 401 (wrong credentials), throws on anything else that is not 200. */
  async login(username: string, password: string): Promise<Session | undefined> {
    const res = await this.call('POST', '/api/auth/login', { body: { username, password } });
    if (res.status === 401) {
      return undefined;
    }
    if (res.status !== 200) {
      throw new Error(`login as '${username}': ${this.describe('POST', '/api/auth/login', res)}`);
    }
    const body = (res.body ?? {}) as { token?: unknown; user?: { id?: unknown } };
    if (typeof body.token !== 'string' || body.token === '') {
      throw new Error(`login as '${username}': POST /api/auth/login answered 200 without a token`);
    }
    this.redactor.add(body.token);
    const userId = typeof body.user?.id === 'string' && body.user.id ? body.user.id : DEFAULT_ADMIN_ID;
    return { token: body.token, userId };
  }

  /** Every item of a (possibly paged) list endpoint. Accepts v3 `{data, count, page, pageSize}` and plain arrays. */
  async list(what: string, path: string, token: string): Promise<Array<{ [key: string]: unknown }>> {
    const items: Array<{ [key: string]: unknown }> = [];
    const separator = path.includes('?') ? '&' : '?';
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = await this.expectOk(what, 'GET', `${path}${separator}page=${page}&pageSize=${PAGE_SIZE}`, { token });
      if (Array.isArray(body)) {
        // Unpaged answer (older versions): everything at once.
        items.push(...body);
        return items;
      }
      const paged = (body ?? {}) as { data?: unknown; count?: unknown };
      if (!Array.isArray(paged.data)) {
        throw new Error(`${what}: GET ${path.split('?')[0]} answered an unexpected shape (no data array)`);
      }
      items.push(...paged.data);
      const count = Number(paged.count);
      if (paged.data.length === 0 || (Number.isFinite(count) ? items.length >= count : paged.data.length < PAGE_SIZE)) {
        return items;
      }
    }
    throw new Error(`${what}: more than ${MAX_PAGES} pages`);
  }
}

function parseArray(name: string, value: string | undefined): unknown[] {
  if (value === undefined || value.trim() === '') {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) {
    throw new Error(`${name} must be a JSON array`);
  }
  return parsed;
}

/** The declared websites, checked, without duplicate domains (compared case-insensitively). */
export function parseWebsites(value: string | undefined): WebsiteSpec[] {
  const seen = new Set<string>();
  const out: WebsiteSpec[] = [];
  parseArray('Websites', value).forEach((item, i) => {
    const w = (item ?? {}) as { name?: unknown; domain?: unknown };
    if (!nonEmptyString(w.name) || !nonEmptyString(w.domain)) {
      throw new Error(`Websites[${i}] needs a non-empty name and domain`);
    }
    const nameProblem = umamiWebsiteNameProblem(w.name);
    if (nameProblem !== undefined) {
      throw new Error(`Websites[${i}]: the name ${nameProblem}`);
    }
    const key = w.domain.trim().toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ name: w.name.trim(), domain: w.domain.trim() });
    }
  });
  return out;
}

/** The declared users, checked. */
export function parseUsers(value: string | undefined): UserSpec[] {
  const seen = new Set<string>();
  return parseArray('Users', value).map((item, i) => {
    const u = (item ?? {}) as { username?: unknown; role?: unknown; secretArn?: unknown };
    if (!nonEmptyString(u.username) || !nonEmptyString(u.secretArn)) {
      throw new Error(`Users[${i}] needs a non-empty username and secretArn`);
    }
    const userProblem = umamiUsernameProblem(u.username);
    if (userProblem !== undefined) {
      throw new Error(`Users[${i}]: the username ${userProblem}`);
    }
    const role = u.role === undefined ? 'view-only' : u.role;
    if (typeof role !== 'string' || !ROLES.includes(role)) {
      throw new Error(`Users[${i}] ('${u.username}') has role '${String(role)}': use one of ${ROLES.join(', ')}`);
    }
    if (seen.has(u.username)) {
      throw new Error(`Users[${i}]: user '${u.username}' is declared twice`);
    }
    seen.add(u.username);
    return { username: u.username, role, secretArn: u.secretArn };
  });
}

function secretPassword(secret: { [key: string]: unknown }, what: string): string {
  const password = secret.password;
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`the secret of ${what} has no password of at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password === DEFAULT_ADMIN_PASSWORD) {
    throw new Error(`the secret of ${what} holds Umami's default password`);
  }
  return password;
}

/** Waits for `GET /api/heartbeat` to answer 200, with a growing pause, until the timeout. */
async function waitForHeartbeat(api: UmamiApi, timeoutMs: number, deps: BootstrapDeps, log: Log): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let delay = deps.initialRetryDelayMs ?? 2_000;
  const maxDelay = deps.maxRetryDelayMs ?? 15_000;
  let attempts = 0;
  let last = 'no answer';
  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    try {
      const res = await api.call('GET', '/api/heartbeat', { timeoutMs: remaining });
      if (res.status === 200) {
        log({ level: 'info', msg: 'umami is up', attempts, waitedMs: Date.now() - started });
        return;
      }
      last = `HTTP ${res.status}`;
    } catch (e) {
      throwIfAborted(deps.signal);
      last = e instanceof Error ? e.message : String(e);
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
  throw new Error(`Umami did not answer at ${api.baseUrl}/api/heartbeat within ${Math.round(timeoutMs / 1000 * 10) / 10} s `
    + `(${attempts} attempts; last: ${last})`);
}

/**
 * Logs in as admin with the generated password and makes sure the default password no longer works: if the default
 * login still succeeds, the admin's password is changed to the generated one, both logins are checked again, and any
 * failure fails the deployment.
 */
async function secureAdmin(api: UmamiApi, username: string, generated: string, log: Log): Promise<Session> {
  let session = await api.login(username, generated);
  // Checked even when the generated password works (one cheap request): the deployment must never end with the
  // default login working.
  const defaultSession = await api.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD);
  if (!session && !defaultSession) {
    throw new Error('admin login failed with both the generated and the default password: POST /api/auth/login answered '
      + `HTTP 401 for '${username}' with the generated password and for '${DEFAULT_ADMIN_USERNAME}' with the default one `
      + '(was the admin password changed by hand? then put it into the admin secret)');
  }
  if (!defaultSession) {
    log({ level: 'info', msg: 'admin already secured: logged in with the generated password, default password rejected' });
    return session!;
  }
  log({ level: 'warn', msg: 'the default admin password works: replacing it with the generated one', userId: defaultSession.userId });
  const path = `/api/users/${encodeURIComponent(defaultSession.userId)}`;
  const res = await api.call('POST', path, { token: defaultSession.token, body: { password: generated } });
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`changing the default admin password failed, so the default login still works: ${api.describe('POST', path, res)}`);
  }
  session = await api.login(username, generated);
  if (!session) {
    throw new Error(`the admin password was changed, but logging in as '${username}' with the generated password answered HTTP 401`);
  }
  if (await api.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)) {
    throw new Error('the admin password was changed, but the default login admin/umami still works');
  }
  log({ level: 'info', msg: 'default admin password replaced; generated password works, default password rejected' });
  return session;
}

async function ensureWebsites(api: UmamiApi, token: string, websites: WebsiteSpec[], log: Log, data: { [key: string]: string }): Promise<void> {
  if (websites.length === 0) {
    return;
  }
  const existing = await api.list('listing websites', '/api/websites?includeTeams=true', token);
  const byDomain = new Map<string, string>();
  for (const w of existing) {
    if (typeof w.domain === 'string' && typeof w.id === 'string' && !byDomain.has(w.domain.trim().toLowerCase())) {
      byDomain.set(w.domain.trim().toLowerCase(), w.id);
    }
  }
  for (const w of websites) {
    let id = byDomain.get(w.domain.toLowerCase());
    if (id) {
      log({ level: 'info', msg: 'website exists', domain: w.domain, id });
    } else {
      const created = (await api.expectOk(`creating website '${w.domain}'`, 'POST', '/api/websites',
        { token, body: { name: w.name, domain: w.domain } })) as { id?: unknown } | undefined;
      if (typeof created?.id !== 'string' || !created.id) {
        throw new Error(`creating website '${w.domain}': POST /api/websites answered without an id`);
      }
      id = created.id;
      byDomain.set(w.domain.toLowerCase(), id);
      log({ level: 'info', msg: 'website created', domain: w.domain, id });
    }
    // Keyed by the lower-case domain (what the construct reads) and, if different, by the domain as declared.
    data[`WebsiteId.${w.domain.toLowerCase()}`] = id;
    data[`WebsiteId.${w.domain}`] = id;
  }
}

async function listUsers(api: UmamiApi, token: string): Promise<Array<{ [key: string]: unknown }>> {
  // v3: GET /api/admin/users (admin only, paged). Older versions listed users at GET /api/users.
  const probe = await api.call('GET', `/api/admin/users?page=1&pageSize=${PAGE_SIZE}`, { token });
  if (probe.status === 404 || probe.status === 405) {
    return api.list('listing users', '/api/users', token);
  }
  if (probe.status < 200 || probe.status >= 300) {
    throw new Error(`listing users: ${api.describe('GET', '/api/admin/users', probe)}`);
  }
  return api.list('listing users', '/api/admin/users', token);
}

async function ensureUsers(api: UmamiApi, token: string, users: Array<UserSpec & { password: string }>, log: Log,
  data: { [key: string]: string }): Promise<void> {
  if (users.length === 0) {
    return;
  }
  const existing = await listUsers(api, token);
  const byName = new Map<string, string>();
  for (const u of existing) {
    if (typeof u.username === 'string' && typeof u.id === 'string') {
      byName.set(u.username, u.id);
    }
  }
  for (const u of users) {
    let id = byName.get(u.username);
    if (id) {
      await api.expectOk(`updating user '${u.username}'`, 'POST', `/api/users/${encodeURIComponent(id)}`,
        { token, body: { password: u.password, role: u.role } });
      log({ level: 'info', msg: 'user exists: password and role set', username: u.username, role: u.role, id });
    } else {
      const created = (await api.expectOk(`creating user '${u.username}'`, 'POST', '/api/users',
        { token, body: { username: u.username, password: u.password, role: u.role } })) as { id?: unknown } | undefined;
      if (typeof created?.id !== 'string' || !created.id) {
        throw new Error(`creating user '${u.username}': POST /api/users answered without an id`);
      }
      id = created.id;
      log({ level: 'info', msg: 'user created', username: u.username, role: u.role, id });
    }
    data[`UserId.${u.username}`] = id;
  }
}

/** The stable physical id of the resource. */
export function physicalIdOf(baseUrl: string): string {
  return `umami-admin:${baseUrl}`;
}

/** The handler's work, with the secret store injected (tests pass an in-memory one). */
export async function run(event: CustomResourceEvent<UmamiAdminBootstrapProperties>, deps: BootstrapDeps): Promise<BootstrapResult> {
  const props = event.ResourceProperties;
  const log = deps.log ?? defaultLog;
  if (event.RequestType === 'Delete') {
    // Nothing is undone: the admin must not be locked out and websites, users and their data stay.
    return { physicalId: event.PhysicalResourceId ?? physicalIdOf(String(props.BaseUrl ?? '')), data: {} };
  }
  const redactor = new Redactor();
  try {
    const baseUrl = normalizeBaseUrl(props.BaseUrl);
    const readyMs = seconds('ReadyTimeoutSeconds', props.ReadyTimeoutSeconds, 600) * 1000;
    const requestMs = seconds('RequestTimeoutSeconds', props.RequestTimeoutSeconds, 10) * 1000;
    const websites = parseWebsites(props.Websites);
    const userSpecs = parseUsers(props.Users);
    if (!nonEmptyString(props.AdminSecretArn)) {
      throw new Error('AdminSecretArn is required');
    }

    // Secrets first: a broken secret fails fast, before waiting for Umami.
    const adminSecret = await deps.readSecret(props.AdminSecretArn);
    const adminPassword = secretPassword(adminSecret, 'the admin');
    redactor.add(adminPassword);
    const adminUsername = nonEmptyString(adminSecret.username) ? adminSecret.username : DEFAULT_ADMIN_USERNAME;
    const users: Array<UserSpec & { password: string }> = [];
    for (const u of userSpecs) {
      if (u.username === adminUsername || u.username === DEFAULT_ADMIN_USERNAME) {
        throw new Error(`Users: '${u.username}' is the admin user, which this resource manages already`);
      }
      const password = secretPassword(await deps.readSecret(u.secretArn), `user '${u.username}'`);
      redactor.add(password);
      users.push({ ...u, password });
    }

    const api = new UmamiApi(baseUrl, requestMs, redactor, deps.signal);
    await waitForHeartbeat(api, readyMs, deps, log);
    const session = await secureAdmin(api, adminUsername, adminPassword, log);
    const data: { [key: string]: string } = { AdminUserId: session.userId };
    await ensureWebsites(api, session.token, websites, log, data);
    await ensureUsers(api, session.token, users, log, data);
    return { physicalId: physicalIdOf(baseUrl), data };
  } catch (e) {
    throw new Error(redactor.apply(e instanceof Error ? e.message : String(e)));
  }
}

/** Runs {@link run} and reports the outcome to CloudFormation (FAILED before the function times out). */
export async function respond(
  event: CustomResourceEvent<UmamiAdminBootstrapProperties>, deps: BootstrapDeps, context?: LambdaContextLike,
): Promise<void> {
  await respondWithin(event, 'umami admin bootstrap', 'the function ran out of time before Umami was bootstrapped: '
    + 'give the Lambda function a longer timeout than ReadyTimeoutSeconds plus a few minutes', deps, context,
  (signal) => run(event, { ...deps, signal }));
}

/** Lambda entry point. */
export async function handler(event: CustomResourceEvent<UmamiAdminBootstrapProperties>, context?: LambdaContextLike): Promise<void> {
  const sm = new SecretsManagerClient({});
  const readSecret: ReadSecret = async (arn) => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    try {
      return JSON.parse(out.SecretString ?? '{}');
    } catch {
      throw new Error(`secret ${arn} is not JSON`);
    }
  };
  await respond(event, { readSecret }, context);
}
