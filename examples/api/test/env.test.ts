import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIGRATE_JS, SERVER_JS, runNode } from './support/server.js';

const VALID = {
  DATABASE_URL: 'postgres://app:secret-pw@127.0.0.1:1/app',
  HOST: '127.0.0.1',
  PORT: '1',
  SHUTDOWN_TIMEOUT_MS: '1000',
};

async function expectConfigError(env: Record<string, string | undefined>, pattern: RegExp, script = SERVER_JS) {
  const { code, stdout, stderr } = await runNode(script, env, 15_000);
  assert.equal(code, 78, `expected exit 78 (EX_CONFIG), got ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected exactly one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, pattern);
  assert.equal(stdout, '', 'nothing on stdout');
  return lines[0]!;
}

describe('environment validation (exit 78 = EX_CONFIG)', () => {
  it('DATABASE_URL missing', async () => {
    await expectConfigError({ ...VALID, DATABASE_URL: undefined }, /^config error: DATABASE_URL is required \(expected a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('DATABASE_URL empty', async () => {
    await expectConfigError({ ...VALID, DATABASE_URL: '  ' }, /DATABASE_URL is required/);
  });

  it('DATABASE_URL not a URL, without echoing the value', async () => {
    const line = await expectConfigError({ ...VALID, DATABASE_URL: 'host=db password=hunter2' }, /DATABASE_URL is not a valid URL/);
    assert.doesNotMatch(line, /hunter2/);
  });

  it('DATABASE_URL with another scheme', async () => {
    await expectConfigError({ ...VALID, DATABASE_URL: 'mysql://u:p@db:3306/x' }, /DATABASE_URL has protocol "mysql:" \(expected a postgres:\/\/ or postgresql:\/\//);
  });

  for (const port of ['abc', '0', '65536', '3000.5', '-1']) {
    it(`PORT=${port}`, async () => {
      await expectConfigError({ ...VALID, PORT: port }, new RegExp(`^config error: PORT must be an integer between 1 and 65535 \\(got "${port.replace('.', '\\.')}"\\)$`));
    });
  }

  it('LOG_LEVEL not a pino level', async () => {
    await expectConfigError({ ...VALID, LOG_LEVEL: 'verbose' }, /^config error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)$/);
  });

  it('SHUTDOWN_TIMEOUT_MS beyond the ECS stop timeout', async () => {
    await expectConfigError({ ...VALID, SHUTDOWN_TIMEOUT_MS: '30000' }, /SHUTDOWN_TIMEOUT_MS must be an integer between 100 and 28000/);
  });

  for (const [endpoint, pattern] of [
    ['localhost:4318', /has protocol "localhost:"/],
    ['grpc://localhost:4317', /has protocol "grpc:"/],
    ['not a url', /is not a valid URL/],
  ] as const) {
    it(`OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`, async () => {
      const line = await expectConfigError(
        { ...VALID, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
        /^config error: OTEL_EXPORTER_OTLP_ENDPOINT (has protocol|is not a valid URL).*\(expected an http:\/\/ or https:\/\/ URL, e\.g\. http:\/\/localhost:4318\)$/,
      );
      assert.match(line, pattern);
    });
  }

  it('the migrate command validates the same way', async () => {
    await expectConfigError({ ...VALID, DATABASE_URL: undefined }, /DATABASE_URL is required/, MIGRATE_JS);
  });
});
