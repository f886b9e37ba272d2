#!/usr/bin/env node
// Synthesizes examples/ into examples/cdk.out with the pinned aws-cdk 2.x CLI (no AWS credentials needed), then
// prints a summary: stacks, resources per stack, cfn-lint and cdk-nag results. Exits 1 on any cfn-lint error, any
// cfn-lint warning whose rule is not in ALLOWED_WARNINGS below, or any unacknowledged cdk-nag finding or unused acknowledgement. Extra arguments
// go to `cdk synth` (e.g. `-c profile=prod`).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
// `--app <dir>` synthesizes another CDK app of the repository (examples/quickstart: the README's quick starts), which
// runs no cdk-nag packs of its own: there the nag report is not required.
const args = process.argv.slice(2);
const appAt = args.indexOf('--app');
const appDir = appAt >= 0 ? args.splice(appAt, 2)[1] : 'examples';
const examples = path.resolve(root, appDir);
const requireNag = path.relative(root, examples) === 'examples';
const out = path.join(examples, 'cdk.out');
const cdk = path.join(root, 'node_modules', '.bin', 'cdk');
const started = Date.now();

// cfn-lint warnings accepted in the example's templates, by rule id, each with its reason. Every warning is printed;
// one whose rule is not here fails the example (fix it, or add the rule with the reason it cannot be fixed).
const ALLOWED_WARNINGS = {
  W3005: 'Redundant DependsOn next to a Ref/GetAtt of the same resource. aws-cdk-lib writes it itself (every '
    + 'lambda.Function on its service role, its own provider functions, node.addDependency alongside a reference); '
    + 'CloudFormation orders the two resources the same way with or without it, so it changes nothing at deploy time.',
};

fs.rmSync(out, { recursive: true, force: true });
const synth = spawnSync(cdk, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out, ...args], {
  cwd: examples,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
});
const synthSeconds = ((Date.now() - started) / 1000).toFixed(1);

const manifestFile = path.join(out, 'manifest.json');
if (!fs.existsSync(manifestFile)) {
  console.error(`example: cdk synth wrote no cloud assembly (exit ${synth.status})`);
  process.exit(1);
}
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf-8'));
const stacks = Object.entries(manifest.artifacts)
  .filter(([, a]) => a.type === 'aws:cloudformation:stack')
  .map(([id, a]) => {
    const file = path.join(out, a.properties.templateFile);
    const template = JSON.parse(fs.readFileSync(file, 'utf-8'));
    const resources = Object.values(template.Resources ?? {});
    return { id, region: (a.environment ?? '').split('/').pop(), file, resources: resources.length };
  });

// Every template written must be a stack of the manifest: a second App created during the synth (e.g. a helper's
// scratch App without autoSynth: false) writes its own manifest over the real one, and the real templates would go
// unchecked.
const unlisted = fs.readdirSync(out).filter((f) => f.endsWith('.template.json'))
  .filter((f) => !stacks.some((st) => path.basename(st.file) === f));
if (unlisted.length > 0) {
  console.error(`example: templates not in the cloud assembly's manifest (another App wrote it?): ${unlisted.join(', ')}`);
  process.exit(1);
}

// cfn-lint over every template.
const lintCmd = process.env.CFN_LINT ?? 'cfn-lint';
const lint = spawnSync(lintCmd, ['--format', 'json', '--', ...stacks.map((s) => s.file)], { encoding: 'utf-8', maxBuffer: 64 << 20 });
if (lint.error || lint.status === 1) {
  console.error(`example: could not run ${lintCmd}: ${lint.error ? lint.error.message : lint.stderr}`);
  process.exit(1);
}
const matches = lint.stdout.trim() ? JSON.parse(lint.stdout) : [];
// The version matters: older resource schemas reject what aws-cdk-lib writes. scripts/toolchain.sh pins it.
const lintVersion = (spawnSync(lintCmd, ['--version'], { encoding: 'utf-8' }).stdout || '').trim().split(/\s+/).pop();
const pinnedLint = (fs.readFileSync(path.join(__dirname, 'toolchain.sh'), 'utf-8').match(/^CFN_LINT_VERSION=(\S+)/m) || [])[1];
const lintBy = (level) => matches.filter((m) => m.Level === level);

// cdk-nag report written by examples/lib/compliance.ts.
const nagFile = path.join(out, 'nag-report.json');
const nag = fs.existsSync(nagFile) ? JSON.parse(fs.readFileSync(nagFile, 'utf-8')) : undefined;

console.log('');
console.log(`${requireNag ? 'Example deployment' : path.relative(root, examples)} synthesized to ${path.relative(root, out)} in ${synthSeconds}s`);
console.log('');
console.log('  stack                                     region        resources');
for (const s of stacks) {
  console.log(`  ${s.id.padEnd(42)}${s.region.padEnd(14)}${String(s.resources).padStart(9)}`);
}
const total = stacks.reduce((n, s) => n + s.resources, 0);
console.log(`  ${'total'.padEnd(56)}${String(total).padStart(9)}`);
console.log('');
const warnings = lintBy('Warning');
const unexpectedWarnings = warnings.filter((m) => !Object.prototype.hasOwnProperty.call(ALLOWED_WARNINGS, m.Rule.Id));
console.log(`  cfn-lint ${lintVersion}: ${lintBy('Error').length} errors, ${warnings.length} warnings (${unexpectedWarnings.length} not allowed), `
  + `${lintBy('Informational').length} informational`);
if (lintVersion !== pinnedLint) {
  console.log(`    (cfn-lint ${lintVersion} is not the pinned ${pinnedLint}: its resource schemas may disagree with aws-cdk-lib; `
    + 'run through `npm run example`, which makes the pinned one ready, or `bash scripts/toolchain.sh --check`)');
}
const where = (m) => `${m.Rule.Id} ${path.basename(m.Filename)} ${(m.Location.Path || []).slice(0, 2).join('.')}`;
for (const m of lintBy('Error')) {
  console.log(`    error ${where(m)}: ${m.Message}`);
}
for (const m of warnings) {
  const allowed = !unexpectedWarnings.includes(m);
  console.log(`    warning${allowed ? ' (allowed)' : ' (NOT ALLOWED)'} ${where(m)}: ${m.Message}`);
}
for (const id of [...new Set(warnings.map((m) => m.Rule.Id))].filter((id) => ALLOWED_WARNINGS[id])) {
  console.log(`    allowed ${id}: ${ALLOWED_WARNINGS[id]}`);
}
if (nag) {
  const packs = nag.filter((p) => p.pack !== 'acknowledgements');
  const unused = nag.filter((p) => p.pack === 'acknowledgements').flatMap((p) => p.findings);
  console.log(`  cdk-nag:  ${packs.map((p) => `${p.pack} ${p.findings.length}`).join(', ')} unacknowledged findings; `
    + `${unused.length} unused acknowledgements`);
} else {
  console.log(`  cdk-nag:  no report (the app did not run the packs${requireNag ? '' : '; not required for this app'})`);
}
console.log('');

// Estimated monthly cost at idle per stack and resource kind, against the profile's target (informational).
const cost = spawnSync(process.execPath, [path.join(__dirname, 'cost-report.js'), out], { stdio: 'inherit' });
if (cost.status !== 0) console.error('example: the cost report could not run (see above)');

const failed = synth.status !== 0 || lintBy('Error').length > 0 || unexpectedWarnings.length > 0
  || (requireNag && !nag) || (nag ?? []).some((p) => p.findings.length > 0);
if (unexpectedWarnings.length > 0) {
  console.error(`example: ${unexpectedWarnings.length} cfn-lint warnings of rules not in ALLOWED_WARNINGS `
    + `(${[...new Set(unexpectedWarnings.map((m) => m.Rule.Id))].join(', ')}): fix them, or allow the rule with its reason in scripts/example-synth.js`);
}
if (failed) {
  console.error('example: FAILED (see above)');
  process.exit(1);
}
