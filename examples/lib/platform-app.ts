import * as path from 'path';
import { App, Aspects, Stack, Tags } from 'aws-cdk-lib';
import { ApiStack } from './api-stack';
import { AuditStack } from './audit-stack';
import { DOMAIN, edgeEnv, env, Profile, PROJECT_TAG } from './config';
import { DataStack } from './data-stack';
import { EdgeStack } from './edge-stack';
import { LimitKeyGrantsToAwsResources } from './kms-grants';
import { NetworkStack } from './network-stack';
import { ObservabilityStack } from './observability-stack';
import { PlatformStack } from './platform-stack';
import { checkQuotas } from './quotas';
import { ReplayStack } from './replay-stack';
import { SiteStack } from './site-stack';
import { UmamiStack } from './umami-stack';

export interface PlatformAppOptions {
  readonly profile: Profile;
  /** The site's build output. */
  readonly siteDirectory?: string;
}

/** The whole platform: every stack, composed the way the team deploys it. */
export function buildPlatform(app: App, options: PlatformAppOptions) {
  const profile = options.profile;
  const prefix = `Analytics-${profile}`;
  const network = new NetworkStack(app, `${prefix}-Network`, { env, profile });
  const data = new DataStack(app, `${prefix}-Data`, { env, profile, vpc: network.vpc });
  const platform = new PlatformStack(app, `${prefix}-Platform`, { env, profile, vpc: network.vpc, logKey: network.logKey });
  const shared = {
    env,
    profile,
    cluster: platform.cluster,
    loadBalancer: platform.loadBalancer,
    zone: platform.zone,
    logKey: network.logKey,
    postgres: data.postgres,
  };
  const api = new ApiStack(app, `${prefix}-Api`, shared);
  const umami = new UmamiStack(app, `${prefix}-Umami`, shared);
  const replay = new ReplayStack(app, `${prefix}-Replay`, shared);
  const edge = new EdgeStack(app, `${prefix}-Edge`, { env: edgeEnv, profile });
  const site = new SiteStack(app, `${prefix}-Site`, {
    env,
    profile,
    zone: platform.zone,
    certificate: edge.siteCertificate,
    webAclArn: edge.webAclArn,
    siteDirectory: options.siteDirectory ?? path.join(__dirname, '..', 'site', 'dist'),
    umami: umami.umami,
    umamiWebsiteDomain: `www.${DOMAIN}`,
    openReplay: { projectKey: replay.replay.projectKey!, ingestPoint: replay.replay.ingestPoint },
  });
  const audit = new AuditStack(app, `${prefix}-Audit`, { env, profile });
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, { env, profile, platform: app });

  // Tagging scheme: on every taggable resource (and so in the cost allocation reports).
  Tags.of(app).add('Project', PROJECT_TAG);
  Tags.of(app).add('Environment', profile);
  Tags.of(app).add('Owner', process.env.EXAMPLE_OWNER ?? 'platform-team');
  Tags.of(app).add('CostCenter', process.env.EXAMPLE_COST_CENTER ?? 'CC-1042');
  const services: Array<[Stack, string]> = [
    [network, 'network'], [data, 'database'], [platform, 'platform'], [api, 'api'], [umami, 'umami'], [replay, 'openreplay'],
    [edge, 'edge'], [site, 'site'], [audit, 'audit'], [observability, 'observability'],
  ];
  for (const [stack, service] of services) Tags.of(stack).add('Service', service);

  // Every KMS key: grants only for AWS resources (AWS Control Tower CT.KMS.PR.3).
  Aspects.of(app).add(new LimitKeyGrantsToAwsResources());

  // Guard rails checked at synth time: IP addresses, listener rules, security groups, target groups.
  checkQuotas(app);
  return { network, data, platform, api, umami, replay, edge, site, audit, observability };
}
