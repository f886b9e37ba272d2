import { readPackageVersion } from './version.js';

/**
 * Environment validation. Every setting the service reads from the
 * environment is parsed here, once, at start-up. Anything missing or malformed
 * raises a ConfigError whose message names the variable and what is expected;
 * the entry points turn it into one line on stderr and exit code 78 (EX_CONFIG).
 */

export const EX_CONFIG = 78;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** Full connection string, including the password. Never log it: use `databaseUrlRedacted`. */
  readonly databaseUrl: string;
  readonly databaseUrlRedacted: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly nodeEnv: string;
  /** Hard deadline for graceful shutdown; the ECS stop timeout is 30 s. */
  readonly shutdownTimeoutMs: number;
  /** Reported by /health: APP_VERSION (e.g. image tag / git sha) or package.json's version. */
  readonly version: string;
  /**
   * OpenTelemetry: set only when OTEL_EXPORTER_OTLP_ENDPOINT is a valid http(s) URL
   * (and OTEL_SDK_DISABLED is not "true"). Undefined means no SDK is loaded at all.
   */
  readonly telemetry: TelemetryConfig | undefined;
}

export interface TelemetryConfig {
  /** OTLP/HTTP base URL, e.g. http://localhost:4318 (the exporters append /v1/traces, /v1/metrics). */
  readonly endpoint: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Replace the password of a connection string by `***` (returns a placeholder if unparsable). */
export function redactDatabaseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparsable DATABASE_URL>';
  }
}

function parseDatabaseUrl(raw: string | undefined): string {
  const expected = 'expected a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/dbname';
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigError('DATABASE_URL', `is required (${expected})`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // Do not echo the value: it may contain a password.
    throw new ConfigError('DATABASE_URL', `is not a valid URL (${expected})`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `has protocol "${url.protocol}" (${expected})`);
  }
  if (!url.hostname) {
    throw new ConfigError('DATABASE_URL', `has no host (${expected})`);
  }
  return raw.trim();
}

function parseOtlpEndpoint(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const expected = 'expected an http:// or https:// URL, e.g. http://localhost:4318';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `is not a valid URL (${expected})`);
  }
  // `localhost:4318` parses as a URL whose protocol is "localhost:": the usual mistake.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `has protocol "${url.protocol}" (${expected})`);
  }
  if (!url.hostname) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', `has no host (${expected})`);
  }
  return raw.trim();
}

function parseTelemetry(env: Env): TelemetryConfig | undefined {
  const endpoint = parseOtlpEndpoint(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (endpoint === undefined) return undefined;
  // The standard kill switch (the SDK would read it too; checking here avoids loading it).
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  return { endpoint };
}

function parseInteger(
  variable: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim();
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(variable, `must be an integer between ${min} and ${max} (got "${value}")`);
  }
  return Number(value);
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw.trim() === '') return 'info';
  const value = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${raw.trim()}")`);
  }
  return value as LogLevel;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = parseDatabaseUrl(env.DATABASE_URL);
  return {
    databaseUrl,
    databaseUrlRedacted: redactDatabaseUrl(databaseUrl),
    port: parseInteger('PORT', env.PORT, 3000, 1, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    logLevel: parseLogLevel(env.LOG_LEVEL),
    nodeEnv: env.NODE_ENV?.trim() || 'development',
    shutdownTimeoutMs: parseInteger('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 25_000, 100, 28_000),
    version: env.APP_VERSION?.trim() || readPackageVersion(),
    telemetry: parseTelemetry(env),
  };
}

/**
 * Load the configuration or terminate the process with EX_CONFIG.
 * Prints exactly one line, e.g. `config error: PORT must be an integer between 1 and 65535 (got "abc")`.
 */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw err;
  }
}
