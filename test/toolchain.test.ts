import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// scripts/toolchain.sh runs first in `npm test` and `npm run example`. These tests run it against stand-in tools (small
// scripts that print a version) in a throw-away cache, with installing turned off, so that they neither download nor
// touch the machine: what it reports, what it links, and that it runs the command only when everything is there.
const script = path.join(__dirname, '..', 'scripts', 'toolchain.sh');

function fakeTool(file: string, body: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A stand-in `node` that answers the version query the script makes (`node -p ...`) and `--version`. */
function fakeNode(file: string, major: number): void {
  fakeTool(file, `case "$1" in -p) echo ${major} ;; --version) echo v${major}.0.0 ;; *) echo "fake node $*" ;; esac`);
}

function run(env: Record<string, string>, args: string[]) {
  return spawnSync('bash', [script, ...args], { encoding: 'utf-8', env: { HOME: os.tmpdir(), ...env } });
}

describe('scripts/toolchain.sh', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'toolchain-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('lists everything missing in one message, with the commands that install it, and runs nothing', () => {
    const bin = path.join(dir, 'bin');
    fakeNode(path.join(bin, 'node'), 20);
    fakeTool(path.join(bin, 'cfn-lint'), 'echo "cfn-lint 1.51.0"');
    const marker = path.join(dir, 'ran');
    const result = run({
      PATH: `${bin}:/usr/bin:/bin`,
      ANALYTICS_TOOLCHAIN_CACHE: path.join(dir, 'cache'),
      ANALYTICS_TOOLCHAIN_INSTALL: '0',
      CHROMIUM_PATH: path.join(dir, 'no-chromium'),
    }, ['touch', marker]);

    expect(result.status).toBe(1);
    expect(fs.existsSync(marker)).toBe(false);
    expect(result.stderr).toContain('toolchain: this machine lacks what the project\'s tests and example need:');
    expect(result.stderr).toContain('- Chromium (the tracker and the example site are tested in headless Chromium)');
    expect(result.stderr).toContain('- Node.js 22 (found v20.0.0)');
    expect(result.stderr).toContain('- cfn-lint 1.58.0 (found 1.51.0)');
    expect(result.stderr).toContain('sudo apt-get install -y --no-install-recommends chromium');
    expect(result.stderr).toContain(`npm install --prefix ${path.join(dir, 'cache', 'node22')} --no-save node@22`);
    // One message: the heading appears once.
    expect(result.stderr.split('this machine lacks').length).toBe(2);
  });

  test('puts the cached Node 22 and the pinned cfn-lint first on PATH, then runs the command with its arguments', () => {
    const bin = path.join(dir, 'bin');
    const cache = path.join(dir, 'cache');
    fakeNode(path.join(bin, 'node'), 20);
    fakeTool(path.join(bin, 'cfn-lint'), 'echo "cfn-lint 1.51.0"');
    fakeNode(path.join(cache, 'node22', 'node_modules', '.bin', 'node'), 22);
    fakeTool(path.join(cache, 'cfn-lint-1.58.0', 'bin', 'cfn-lint'), 'echo "cfn-lint 1.58.0"');
    const chromium = path.join(dir, 'chromium');
    fakeTool(chromium, 'exit 0');
    // nginx and PostgreSQL are the machine's own (`npm test` starts with this script, which installs them).
    const machineHasServers = fs.existsSync('/usr/sbin/nginx') && fs.existsSync('/usr/lib/postgresql');
    if (!machineHasServers) throw new Error('this test needs nginx and PostgreSQL on the machine (scripts/toolchain.sh installs them)');
    const result = run({
      PATH: `${bin}:/usr/bin:/bin`,
      ANALYTICS_TOOLCHAIN_CACHE: cache,
      ANALYTICS_TOOLCHAIN_INSTALL: '0',
      CHROMIUM_PATH: chromium,
    }, ['sh', '-c', 'node --version; cfn-lint --version; echo "args: $0 $1"', 'one', 'two']);

    expect(result.stderr).not.toContain('lacks');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['v22.0.0', 'cfn-lint 1.58.0', 'args: one two', '']);
    expect(fs.readlinkSync(path.join(cache, 'bin', 'node'))).toBe(path.join(cache, 'node22', 'node_modules', '.bin', 'node'));
  });

  test('--env prints a PATH with the shims first, for .ci/run to eval', () => {
    const bin = path.join(dir, 'bin');
    const cache = path.join(dir, 'cache');
    fakeNode(path.join(bin, 'node'), 22);
    fakeTool(path.join(bin, 'cfn-lint'), 'echo "cfn-lint 1.58.0"');
    const chromium = path.join(dir, 'chromium');
    fakeTool(chromium, 'exit 0');
    const result = run({ PATH: `${bin}:/usr/bin:/bin`, ANALYTICS_TOOLCHAIN_CACHE: cache, ANALYTICS_TOOLCHAIN_INSTALL: '0', CHROMIUM_PATH: chromium }, ['--env']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`export PATH=${path.join(cache, 'bin')}:${bin}:/usr/bin:/bin`);
    // The machine's node is new enough: no shim for it.
    expect(fs.existsSync(path.join(cache, 'bin', 'node'))).toBe(false);
  });
});
