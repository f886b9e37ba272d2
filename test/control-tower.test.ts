import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { controlTowerFailures, templatesOnly } from './helpers/cfn-guard';
import { buildPlatform } from '../examples/lib/platform-app';

jest.setTimeout(300_000);

// The AWS Control Tower proactive controls (cfn-guard rules) over the example's templates. Every failure is accepted
// on purpose, with its class and reason, in test/control-tower-accepted.json, and explained in docs/security.md: a new
// failure fails this test, and so does an accepted one that no longer happens (it would hide the next one).
const accepted = JSON.parse(fs.readFileSync(path.join(__dirname, 'control-tower-accepted.json'), 'utf-8')) as
  { [control: string]: { class: string; reason: string; dev: string[]; prod: string[] } };
const securityDoc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'security.md'), 'utf-8');
// The context `cdk synth` runs the example with (feature flags shape the templates).
const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'cdk.json'), 'utf-8')).context;

describe.each(['dev', 'prod'] as const)('AWS Control Tower controls on the example (%s)', (profile) => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `control-tower-${profile}-`));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('every failing control x resource is accepted with a reason, and every accepted one still fails', () => {
    const app = new App({ outdir: path.join(outdir, 'cdk.out'), context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    buildPlatform(app, { profile, siteDirectory: path.join(__dirname, 'fixtures', 'site') });
    const failures = controlTowerFailures(templatesOnly(app.synth().directory, path.join(outdir, 'templates')));
    expect(failures.length).toBeGreaterThan(50);
    const expected = Object.entries(accepted).flatMap(([control, a]) => a[profile].map((r) => `${control} ${r}`)).sort();
    const unexpected = failures.filter((f) => !expected.includes(f));
    const stale = expected.filter((f) => !failures.includes(f));
    expect({ unexpected, stale }).toEqual({ unexpected: [], stale: [] });
  });
});

test('each accepted control has a class and a reason here, and its section in docs/security.md', () => {
  for (const [control, a] of Object.entries(accepted)) {
    expect({ control, reason: a.reason.length > 20, class: /gap|by design|false positive/.test(a.class) }).toEqual({ control, reason: true, class: true });
    expect({ control, inDoc: securityDoc.includes(control) }).toEqual({ control, inDoc: true });
  }
});
