import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The cfn-guard binary and the AWS Control Tower proactive-control rules that @cdklabs/cdk-validator-cfnguard ships. */
export function controlTowerGuard(): { binary: string; rules: string } {
  const root = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const os = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return { binary: path.join(root, 'bin', os, arch, 'cfn-guard'), rules: path.join(root, 'rules', 'control-tower', 'cfn-guard') };
}

/** One failing control on one resource: `CT.S3.PR.9 Audit/TrailBucketA831CE63` (stack name without its profile prefix). */
export type GuardFailure = string;

/** The `/Resources/<logical id>` paths a cfn-guard result clause checked (the compared value's path, not the expected one). */
function resourcesOf(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) resourcesOf(n, out);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ('comparison' in o && 'from' in o) {
      resourcesOf(o.from, out);
      return;
    }
    for (const [k, v] of Object.entries(o)) {
      const m = k === 'path' && typeof v === 'string' ? /^\/Resources\/([^/]+)/.exec(v) : null;
      if (m) out.add(m[1]);
      else if (k !== 'path') resourcesOf(v, out);
    }
  }
}

/** The controls (`[CT.<SERVICE>.PR.<n>]` in the rule's message) a result names. */
function controlsOf(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) controlsOf(n, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'custom_message' && typeof v === 'string') {
        for (const m of v.matchAll(/\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/g)) out.add(m[1]);
      } else {
        controlsOf(v, out);
      }
    }
  }
}

/**
 * Runs every Control Tower rule over the templates in `dir` and returns each failing control x resource once, as
 * `<control> <stack>/<logical id>`, where `<stack>` is the template's name after its last `-` (e.g. `Audit`).
 */
export function controlTowerFailures(dir: string): GuardFailure[] {
  const { binary, rules } = controlTowerGuard();
  const run = spawnSync(binary, ['validate', '-r', rules, '-d', dir, '-o', 'json', '-z', '-S', 'none'], { encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw run.error;
  // Exit 19: some rule failed; 0: none. Anything else is an error of cfn-guard itself.
  if (run.status !== 0 && run.status !== 19) throw new Error(`cfn-guard exited ${run.status}: ${run.stderr}`);
  const files = JSON.parse(run.stdout) as Array<{ name: string; not_compliant?: unknown[] }>;
  const out = new Set<string>();
  for (const file of files) {
    const stack = path.basename(file.name).replace(/\.template\.json$/, '').split('-').pop();
    for (const result of file.not_compliant ?? []) {
      const controls = new Set<string>();
      const resources = new Set<string>();
      controlsOf(result, controls);
      resourcesOf(result, resources);
      for (const c of controls) for (const r of resources) out.add(`${c} ${stack}/${r}`);
    }
  }
  return [...out].sort();
}

/** Copies the stack templates of a cloud assembly directory into a fresh directory (cfn-guard reads every file in it). */
export function templatesOnly(assemblyDir: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  for (const f of fs.readdirSync(assemblyDir).filter((n) => n.endsWith('.template.json'))) {
    fs.copyFileSync(path.join(assemblyDir, f), path.join(into, f));
  }
  return into;
}
