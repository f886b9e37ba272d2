// The README's quick starts as one CDK app: each stack holds one quick start, whose `readme:start` regions README.md
// shows verbatim (test/readme.test.ts compares them). Synthesized without AWS credentials by `npm run quickstart`
// (and in CI): the stacks have an explicit account and region, and cdk.json gives the availability zones that
// `ec2.Vpc` would otherwise look up in the account.
import { App } from 'aws-cdk-lib';
import { ApiQuickstart } from './lib/api';
import { ObservabilityQuickstart } from './lib/observability';
import { OpenReplayQuickstart } from './lib/openreplay';
import { SharedAlbQuickstart } from './lib/shared-alb';
import { SiteQuickstart } from './lib/site';
import { UmamiQuickstart } from './lib/umami';

const app = new App();
// Your own account and region here (an env is required: the load balancers' access logs need the region).
const env = { account: '111111111111', region: 'eu-west-1' };
new ApiQuickstart(app, 'QuickstartApi', { env });
new SharedAlbQuickstart(app, 'QuickstartSharedAlb', { env });
new UmamiQuickstart(app, 'QuickstartUmami', { env });
new OpenReplayQuickstart(app, 'QuickstartReplay', { env });
// CloudFront certificates live in us-east-1, so the site's stack does too.
new SiteQuickstart(app, 'QuickstartSite', { env: { account: env.account, region: 'us-east-1' } });
new ObservabilityQuickstart(app, 'QuickstartObservability', { env });
