// Prints the reserved Fargate capacity of OpenReplayPlatform in each layout, read from the synthesized templates,
// and its monthly on-demand cost at us-east-1 list prices (Linux/x86: $0.04048 per vCPU-hour, $0.004445 per GB-hour;
// 730 hours a month; one task per service, migrations excluded).
// Run: npx ts-node --transpile-only scripts/openreplay-footprint.ts
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { OpenReplayLayout, OpenReplayPlatform } from '../src';

const VCPU_HOUR = 0.04048;
const GB_HOUR = 0.004445;
const HOURS = 730;

for (const layout of [OpenReplayLayout.GROUPED, OpenReplayLayout.SERVICE_PER_TASK]) {
  const app = new App();
  const stack = new Stack(app, 'Footprint', { env: { account: '111111111111', region: 'us-east-1' } });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
  new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, layout });
  const t = Template.fromStack(stack);
  const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r: any) => r.Properties)
    .filter((p: any) => !p.ContainerDefinitions.some((c: any) => c.Name === 'postgres'));
  const vcpu = defs.reduce((n: number, d: any) => n + Number(d.Cpu) / 1024, 0);
  const gib = defs.reduce((n: number, d: any) => n + Number(d.Memory) / 1024, 0);
  const cost = vcpu * VCPU_HOUR * HOURS + gib * GB_HOUR * HOURS;
  console.log(`${layout.padEnd(17)} tasks ${String(defs.length).padStart(2)}  ${vcpu.toFixed(2)} vCPU  ${gib.toFixed(2)} GiB  $${cost.toFixed(2)}/month`);
}
