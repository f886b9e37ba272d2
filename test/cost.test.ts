import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildPlatform } from '../examples/lib/platform-app';

// The report's own estimate (scripts/cost-report.js, plain Node.js), so that the test and `npm run example` agree.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { estimate } = require('../scripts/cost-report.js');

jest.setTimeout(180_000);

/** The idle budget of each profile (issue 16): what a later change may not exceed unseen. */
const BUDGET = { dev: 120, prod: 300 } as const;
const prices = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'scripts', 'cost-prices.json'), 'utf-8'));
const siteDirectory = path.join(__dirname, 'fixtures', 'site');

function synthesize(profile: 'dev' | 'prod') {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `cost-${profile}-`));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  buildPlatform(app, { profile, siteDirectory });
  const assembly = app.synth();
  return { app, assembly, outdir };
}

describe.each(['dev', 'prod'] as const)('idle cost of the example platform (%s profile)', (profile) => {
  const { assembly, outdir } = synthesize(profile);
  const result = estimate({ dir: assembly.directory, profile });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test(`at most $${BUDGET[profile]} a month at idle, and the report says the target is met`, () => {
    expect(result.total).toBeLessThanOrEqual(BUDGET[profile]);
    // The report prints the same target (scripts/cost-prices.json) and says it is met.
    expect(prices.targets[profile]).toBe(BUDGET[profile]);
    expect(result.target).toBe(BUDGET[profile]);
    expect(result.met).toBe(true);
    expect(result.text).toMatch(new RegExp(`Target for ${profile}: <= \\$${BUDGET[profile]}\\.00 / month\\. MET`));
  });

  test('the estimate prices what runs: Fargate tasks, the load balancer, NAT instances, the database, the cache', () => {
    const kinds = new Set(result.items.map((i: { kind: string }) => i.kind));
    for (const kind of ['Application Load Balancer', 'EC2 instances (NAT)', 'Aurora Serverless v2 capacity', 'ElastiCache valkey nodes']) {
      expect(kinds).toContain(kind);
    }
    expect([...kinds].some((k) => String(k).startsWith('Fargate'))).toBe(true);
    // Nothing is left unpriced for want of a price (the report warns when it meets a resource it cannot price).
    expect(result.warnings.filter((w: string) => /no price/.test(w))).toEqual([]);
  });

  test('with Container Insights off, every service still has a paging running-task alarm, and no containerInsightsOff warning', () => {
    const templates = assembly.stacks.map((st) => st.template as { Resources?: { [id: string]: any } });
    const clusters = templates.flatMap((t) => Object.values(t.Resources ?? {}).filter((r) => r.Type === 'AWS::ECS::Cluster'));
    expect(clusters.map((c) => c.Properties.ClusterSettings)).toEqual([[{ Name: 'containerInsights', Value: 'disabled' }]]);
    const services = templates.flatMap((t) => Object.keys(t.Resources ?? {}).filter((id) => t.Resources![id].Type === 'AWS::ECS::Service'));
    const taskAlarms = templates.flatMap((t) => Object.entries(t.Resources ?? {}))
      .filter(([id, r]) => r.Type === 'AWS::CloudWatch::Alarm' && /(HealthyTasksLow|NoRunningTasks|TasksBelowDesired)[0-9A-F]{8}$/.test(id));
    expect(services.length).toBeGreaterThanOrEqual(6);
    expect(taskAlarms).toHaveLength(services.length);
    for (const [id, r] of taskAlarms) expect({ id, actions: (r.Properties.AlarmActions ?? []).length }).toEqual({ id, actions: 1 });
    const warnings = assembly.stacks.flatMap((st) => st.messages).filter((m) => /containerInsightsOff/.test(JSON.stringify(m.entry.data)));
    expect(warnings).toEqual([]);
  });

  test('the guarantees kept: a NAT instance per AZ in prod, a Valkey replica and two Umami tasks in prod, Spot only in dev', () => {
    const items = result.items as Array<{ kind: string; name: string; count: number; detail: string; stack: string }>;
    const nat = items.filter((i) => i.kind === 'EC2 instances (NAT)');
    expect(nat).toHaveLength(profile === 'prod' ? 2 : 1);
    expect(items.filter((i) => i.kind === 'NAT gateway')).toEqual([]);
    const valkey = items.find((i) => i.kind === 'ElastiCache valkey nodes')!;
    expect(valkey.count).toBe(profile === 'prod' ? 2 : 1);
    const aurora = items.filter((i) => i.kind === 'Aurora Serverless v2 capacity');
    expect(aurora).toHaveLength(profile === 'prod' ? 2 : 1);
    const umami = items.find((i) => i.kind.startsWith('Fargate') && i.stack.endsWith('-Umami'))!;
    expect(umami.count).toBe(profile === 'prod' ? 2 : 1);
    const spot = items.filter((i) => i.kind.startsWith('Fargate') && /on Spot/.test(i.detail));
    if (profile === 'prod') expect(spot).toEqual([]);
    else expect(spot.length).toBeGreaterThan(0);
  });
});
