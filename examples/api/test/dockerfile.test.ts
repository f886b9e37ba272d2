import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { API_ROOT } from './support/server.js';

const DOCKERFILELINT = join(API_ROOT, 'node_modules', 'dockerfilelint', 'bin', 'dockerfilelint');

function lint(file: string) {
  const r = spawnSync(process.execPath, [DOCKERFILELINT, '-o', 'json', file], { encoding: 'utf8', cwd: API_ROOT });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(API_ROOT, 'Dockerfile'), 'utf8');

  it('passes dockerfilelint', () => {
    const r = lint(join(API_ROOT, 'Dockerfile'));
    assert.equal(r.code, 0, r.out);
  });

  it('the linter does fail a bad Dockerfile (so the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockerlint-'));
    try {
      const bad = join(dir, 'Dockerfile');
      writeFileSync(bad, 'FROM node\nRUN apt-get install curl\nEXPOSE 99999\nCMD node dist/server.js\n');
      const r = lint(bad);
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.out, /Base Image Missing Tag|Invalid Port Exposed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is multi-stage on node:22-alpine, prod deps only, non-root, healthcheck, port 3000', () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => m[1]);
    assert.deepEqual(froms, ['node:22-alpine', 'node:22-alpine']);
    assert.match(dockerfile, /RUN npm ci\b(?!.*--omit=dev)/);
    assert.match(dockerfile, /RUN npm ci --omit=dev/);
    assert.match(dockerfile, /COPY --from=build \/app\/dist \.\/dist/);
    assert.match(dockerfile, /^ENV NODE_ENV=production/m);
    assert.match(dockerfile, /^USER (?!root\b|0\b)\S+/m);
    assert.match(dockerfile, /^EXPOSE 3000$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", ".*\/health/m);
    assert.match(dockerfile, /^CMD \["node", "dist\/server\.js"\]$/m);
    const ignore = readFileSync(join(API_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', 'test']) assert.ok(ignore.includes(entry), `.dockerignore lacks ${entry}`);
  });
});
