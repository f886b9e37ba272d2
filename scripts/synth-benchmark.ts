// Synthesis time of the whole example platform (dev profile) against a one-service ApplicationLoadBalancedFargateService
// app, in the same process and run: median of RUNS runs each, after one warm-up of each. Needs the compiled library
// (npx projen compile) and the site build (examples/site/dist) — `npm run example` makes both.
// Run: npx ts-node --transpile-only scripts/synth-benchmark.ts [RUNS]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as patterns from 'aws-cdk-lib/aws-ecs-patterns';
import { buildPlatform } from '../examples/lib/platform-app';

const RUNS = Number(process.argv[2] ?? 5);
const outdir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));

function platform(): number {
  const app = new App({ outdir: outdir() });
  buildPlatform(app, { profile: 'dev' });
  app.synth();
  return app.node.findAll().length;
}

function baseline(): number {
  const app = new App({ outdir: outdir() });
  const stack = new Stack(app, 'Baseline', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  new patterns.ApplicationLoadBalancedFargateService(stack, 'Service', {
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    taskImageOptions: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine') },
  });
  app.synth();
  return app.node.findAll().length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(fn: () => number): { ms: number; constructs: number; all: number[] } {
  const constructs = fn(); // warm-up
  const all: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    all.push(performance.now() - t0);
  }
  return { ms: median(all), constructs, all };
}

const base = measure(baseline);
const plat = measure(platform);
console.log(`runs per app: ${RUNS} (after one warm-up), node ${process.version}`);
console.log(`ApplicationLoadBalancedFargateService app: median ${base.ms.toFixed(0)} ms (${base.constructs} constructs) [${base.all.map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`example platform (dev, 10 stacks):          median ${plat.ms.toFixed(0)} ms (${plat.constructs} constructs) [${plat.all.map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`ratio: ${(plat.ms / base.ms).toFixed(1)}x the time for ${(plat.constructs / base.constructs).toFixed(1)}x the constructs`);
