// Shared by the custom-resource handlers (bundled into each by esbuild): a JSON HTTP client with a timeout on every
// request, secret redaction for messages, abortable sleeps, and input parsing.

/** Reads a JSON secret. */
export type ReadSecret = (arn: string) => Promise<{ [key: string]: unknown }>;

/** An HTTP answer: status, parsed JSON body (if any) and raw text. */
export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** Replaces every known secret in a message (defence in depth: messages are built without secrets anyway). */
export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(private readonly minLength = 8) {}

  add(secret: string | undefined): void {
    // Short strings (such as a public default password) would only mangle the message.
    if (secret && secret.length >= this.minLength) {
      this.secrets.add(secret);
    }
  }

  apply(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      out = out.split(secret).join('***');
    }
    return out;
  }
}

/** Thin JSON client of an HTTP API under `baseUrl` + `prefix`, with a timeout on every request. */
export class JsonApi {
  constructor(readonly baseUrl: string, protected readonly timeoutMs: number, protected readonly redactor: Redactor,
    protected readonly signal?: AbortSignal, private readonly prefix = '') {}

  /** One request; throws on network errors and timeouts only (the caller judges the status). */
  async call(method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<HttpResult> {
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.timeoutMs, this.timeoutMs));
    const headers: { [key: string]: string } = { accept: 'application/json' };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    const target = `${method} ${pathOnly(this.prefix + path)}`;
    try {
      const res = await fetch(`${this.baseUrl}${this.prefix}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'follow',
        signal: this.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), this.signal]) : AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, text };
    } catch (e) {
      throwIfAborted(this.signal);
      const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
        throw new Error(`${target} on ${this.baseUrl} timed out after ${formatSeconds(timeoutMs)}`);
      }
      const cause = err?.cause?.code ?? err?.cause?.message;
      throw new Error(`${target} on ${this.baseUrl} failed: ${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`);
    }
  }

  /** `POST /api/users answered HTTP 400 {...}` with a short, redacted excerpt of the answer. */
  describe(method: string, path: string, res: HttpResult): string {
    const excerpt = res.text.replace(/\s+/g, ' ').trim().slice(0, 300);
    return this.redactor.apply(`${method} ${pathOnly(this.prefix + path)} answered HTTP ${res.status}${excerpt ? ` ${excerpt}` : ''}`);
  }
}

function pathOnly(path: string): string {
  return path.split('?')[0];
}

export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Throws the abort reason of `signal`, if it fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
  }
}

/** Pauses; ends early (and throws) when `signal` fires. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done);
  });
  throwIfAborted(signal);
}

/** Parses a positive number of seconds, with a default. */
export function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') {
    return fallback;
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive number of seconds, got '${value}'`);
  }
  return n;
}

export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** The base URL, checked and without trailing slashes. */
export function normalizeBaseUrl(value: string | undefined): string {
  const raw = (value ?? '').trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`BaseUrl '${value}' is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`BaseUrl '${value}' must use http or https`);
  }
  return raw;
}
