#!/usr/bin/env node
import { App, Tags } from 'aws-cdk-lib';
import { checkCompliance } from '../lib/compliance';
import { DOMAIN, edgeEnv, env, profileOf, PROJECT_TAG } from '../lib/config';
import { ApiStack } from '../lib/api-stack';
import { DataStack } from '../lib/data-stack';
import { EdgeStack } from '../lib/edge-stack';
import { NetworkStack } from '../lib/network-stack';
import { ObservabilityStack } from '../lib/observability-stack';
import { PlatformStack } from '../lib/platform-stack';
import { ReplayStack } from '../lib/replay-stack';
import { SiteStack } from '../lib/site-stack';
import { UmamiStack } from '../lib/umami-stack';

const app = new App();
const profile = profileOf(app.node.tryGetContext('profile'));
const prefix = `Analytics-${profile}`;

const network = new NetworkStack(app, `${prefix}-Network`, { env, profile });
const data = new DataStack(app, `${prefix}-Data`, { env, profile, vpc: network.vpc });
const platform = new PlatformStack(app, `${prefix}-Platform`, { env, profile, vpc: network.vpc });
const shared = {
  env, profile,
  cluster: platform.cluster,
  loadBalancer: platform.loadBalancer,
  zone: platform.zone,
  logKey: network.logKey,
  postgres: data.postgres,
};
new ApiStack(app, `${prefix}-Api`, shared);
const umami = new UmamiStack(app, `${prefix}-Umami`, shared);
const replay = new ReplayStack(app, `${prefix}-Replay`, shared);
const edge = new EdgeStack(app, `${prefix}-Edge`, { env: edgeEnv });
new SiteStack(app, `${prefix}-Site`, {
  env, profile,
  zone: platform.zone,
  certificate: edge.siteCertificate,
  umami: umami.umami,
  umamiWebsiteDomain: `www.${DOMAIN}`,
  openReplay: { projectKey: replay.replay.projectKey!, ingestPoint: replay.replay.ingestPoint },
});

new ObservabilityStack(app, `${prefix}-Observability`, { env, profile, platform: app });

Tags.of(app).add('Project', PROJECT_TAG);
Tags.of(app).add('Environment', profile);

checkCompliance(app);
