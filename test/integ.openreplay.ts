/**
 * Integration test of OpenReplayPlatform with its defaults where they matter (grouped layout, new VPC and cluster,
 * ClickHouse on EFS, Valkey, a new Aurora PostgreSQL cluster made disposable here, the first administrator and project
 * bootstrapped) at replay-integ.<zone>: the tracker refuses plain HTTP, so this test needs a public hosted zone for the
 * certificate and the alias record (CDK_INTEG_HOSTED_ZONE_ID and CDK_INTEG_HOSTED_ZONE_NAME, see test/integ/README.md).
 *
 * Proves after deployment: the dashboard answers, its API (chalice) reaches PostgreSQL and has the bootstrapped tenant,
 * the gateway answers the tracker's CORS preflight, the ingest endpoint starts a session for the bootstrapped project
 * key (as the tracker does) and returns a session token, and every service runs its task.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { DatabaseSource, OpenReplayPlatform } from '../src';

// integ-runner synthesizes its snapshots with CDK_INTEG_ACCOUNT / CDK_INTEG_REGION set to placeholders; a deployment
// uses the account of the credentials and the region of --parallel-regions (CDK_DEFAULT_*). Without either, fixed
// placeholders: the app synthesizes with no AWS credentials and no lookups.
const env = {
  account: process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111',
  region: process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1',
};
// A public hosted zone of the deploying account (integ-runner sets placeholders for the snapshot).
const zoneId = process.env.CDK_INTEG_HOSTED_ZONE_ID ?? 'Z0123456789EXAMPLE';
const zoneName = process.env.CDK_INTEG_HOSTED_ZONE_NAME ?? 'example.com';

// No stack traces in the metadata: the committed snapshots must not depend on the machine's paths.
const app = new App({ context: { 'aws:cdk:disable-stack-trace': true, 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'AnalyticsInteg-OpenReplay', { env });
const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: zoneId, zoneName });

const replay = new OpenReplayPlatform(stack, 'Replay', {
  domainName: `replay-integ.${zoneName}`,
  hostedZone: zone,
  database: DatabaseSource.newCluster({ deletionProtection: false, removalPolicy: RemovalPolicy.DESTROY, backupRetention: Duration.days(1) }),
  recordingRetention: Duration.days(1),
  organizationName: 'Integ',
  projectName: 'integ',
  // removalPolicy keeps its default (RETAIN) for the buckets: they receive access logs, and CloudFormation cannot
  // delete a bucket with objects. Everything else is made disposable below.
});

// A test leaves nothing behind but its buckets: everything else is deleted with the stack (a bucket with objects
// cannot be deleted by CloudFormation, so buckets keep the construct's removal policy; see test/integ/README.md).
RemovalPolicies.of(stack).destroy({ excludeResourceTypes: ['AWS::S3::Bucket'] });

const assertionStack = new Stack(app, 'AnalyticsInteg-OpenReplay-Assertions', { env });

const integ = new IntegTest(app, 'OpenReplayPlatformInteg', {
  testCases: [stack],
  // In the same environment as the platform, so that the assertions may read its outputs.
  assertionStack,
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
const wait = { totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) };
const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

// The dashboard answers GET / (as HEAD: a custom resource may return at most 4 KB to CloudFormation, and the page is
// close to that).
integ.assertions.httpApiCall(`${replay.url}/`, { method: 'HEAD' }).expect(ExpectedResult.objectLike({
  status: 200,
  headers: Match.objectLike({ 'content-type': [Match.stringLikeRegexp('text/html')] }),
})).waitForAssertions(wait);

// The dashboard's API reaches PostgreSQL, and the bootstrap created the first tenant (so signup is closed).
integ.assertions.httpApiCall(`${replay.url}/api/signup`).expect(ExpectedResult.objectLike({
  status: 200,
  body: { data: { tenants: true } },
})).waitForAssertions(wait);

// The gateway answers the tracker's CORS preflight on the ingest path.
integ.assertions.httpApiCall(`${replay.ingestPoint}/v1/web/start`, {
  method: 'OPTIONS',
  headers: { 'Origin': 'https://www.example.com', 'Access-Control-Request-Method': 'POST', 'User-Agent': browser },
}).expect(ExpectedResult.objectLike({
  status: 204,
  headers: Match.objectLike({ 'access-control-allow-origin': ['*'] }),
}));

// The tracker's first call: start a session for the bootstrapped project. The http service answers 200 with a session
// token (404 for an unknown project key, 426 for a tracker older than 6.0.0, 403 for an unrecognized browser).
integ.assertions.httpApiCall(`${replay.ingestPoint}/v1/web/start`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'Origin': 'https://www.example.com', 'User-Agent': browser },
  body: assertionStack.toJsonString({
    projectKey: replay.projectKey!,
    trackerVersion: '16.0.0',
    revID: '',
    timestamp: 1767225600000,
    timezone: 'UTC',
    isSnippet: false,
    deviceMemory: 8192,
    jsHeapSizeLimit: 4294705152,
    reset: true,
    doNotRecord: false,
    width: 1280,
    height: 720,
  }),
}).expect(ExpectedResult.objectLike({
  status: 200,
  body: { token: Match.stringLikeRegexp('.+'), sessionID: Match.stringLikeRegexp('^[0-9]+$'), projectID: Match.stringLikeRegexp('^[0-9]+$') },
})).waitForAssertions(wait);

// Every task of the grouped layout runs (web with the gateway, workers, assist, ClickHouse).
for (const name of ['web', 'workers', 'assist', 'clickhouse']) {
  const service = replay.services[name].service;
  integ.assertions.awsApiCall('ECS', 'describeServices', { cluster: service.cluster.clusterArn, services: [service.serviceArn] })
    .assertAtPath('services.0.runningCount', ExpectedResult.exact(1))
    .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(30) });
}

app.synth();
