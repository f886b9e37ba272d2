// Every construct of the library with its default props (only what is required), one stack each, as a consumer
// would start. Used by test/consumers/newest-cdk/app.ts (against the newest aws-cdk-lib, scripts/newest-cdk-check.sh)
// and by the jest tests that check a property of every synthesized resource (test/every-construct.test.ts).
import {
  AuroraPostgresCluster, FastifyFargateApi, HardenedFargateService, HardenedLoadBalancer, ObservabilityBundle,
  OpenReplayPlatform, StaticCdnSite, UmamiService, ApiImage,
} from '@org/analytics-constructs';
import { Annotations, App, Environment, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';

/** The stacks built by {@link buildEveryConstruct}, by construct name. */
export type EveryConstructStacks = { [construct: string]: Stack };

/**
 * Adds one stack per construct to `app`. `env` undefined gives environment-agnostic stacks.
 */
export function buildEveryConstruct(app: App, env?: Environment, prefix = 'Every'): EveryConstructStacks {
  const stacks: EveryConstructStacks = {};
  const stack = (name: string) => (stacks[name] = new Stack(app, `${prefix}-${name}`, { env }));
  const clusterOf = (s: Stack) => new ecs.Cluster(s, 'Cluster', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
  const image = (s: Stack) => ecs.ContainerImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'Repo', 'team/app'), 'v1');

  let s = stack('HardenedFargateService');
  new HardenedFargateService(s, 'Service', { cluster: clusterOf(s), image: image(s) });

  s = stack('HardenedLoadBalancer');
  new HardenedLoadBalancer(s, 'Alb', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 }) });

  s = stack('AuroraPostgresCluster');
  new AuroraPostgresCluster(s, 'Db', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 }) });

  s = stack('FastifyFargateApi');
  new FastifyFargateApi(s, 'Api', { image: ApiImage.fromEcrRepository(ecr.Repository.fromRepositoryName(s, 'Repo', 'team/api'), 'v1') });

  s = stack('UmamiService');
  new UmamiService(s, 'Umami', {});

  s = stack('OpenReplayPlatform');
  new OpenReplayPlatform(s, 'Replay', {
    domainName: 'replay.example.com',
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(s, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' }),
  });

  s = stack('StaticCdnSite');
  new StaticCdnSite(s, 'Site', {});

  s = stack('ObservabilityBundle');
  new ObservabilityBundle(s, 'Observability', {});

  return stacks;
}

/**
 * The warnings the library gives on purpose for default props, each with why it is expected here. Every other warning
 * (from the library or from aws-cdk-lib about how the library uses it) is a defect.
 */
export const DEFAULT_PROPS_WARNINGS: { [id: string]: string } = {
  '@org/analytics-constructs:insecureHttp': 'default props bring no certificate, so the load balancers serve plain HTTP (for development only)',
};

/** Acknowledges {@link DEFAULT_PROPS_WARNINGS} on every stack of `app`. */
export function acknowledgeDefaultPropsWarnings(stacks: EveryConstructStacks): void {
  for (const stack of Object.values(stacks)) {
    for (const [id, reason] of Object.entries(DEFAULT_PROPS_WARNINGS)) Annotations.of(stack).acknowledgeWarning(id, reason);
  }
}
