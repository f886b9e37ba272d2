/**
 * Integration test of UmamiService with its defaults where they matter: a new VPC and ECS cluster, a new Aurora
 * PostgreSQL Serverless v2 cluster (made disposable here), its own load balancer (plain HTTP on the load balancer's DNS
 * name, so no domain is needed), and the admin bootstrap with a website and a user.
 *
 * Proves after deployment: /api/heartbeat answers, the default admin / umami login is refused (the bootstrap replaced
 * it), and the ECS service runs its task. How to run it: test/integ/README.md.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { DatabaseSource, UmamiService } from '../src';

// integ-runner synthesizes its snapshots with CDK_INTEG_ACCOUNT / CDK_INTEG_REGION set to placeholders; a deployment
// uses the account of the credentials and the region of --parallel-regions (CDK_DEFAULT_*). Without either, fixed
// placeholders: the app synthesizes with no AWS credentials and no lookups.
const env = {
  account: process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111',
  region: process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1',
};

// No stack traces in the metadata: the committed snapshots must not depend on the machine's paths.
const app = new App({ context: { 'aws:cdk:disable-stack-trace': true, 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'AnalyticsInteg-Umami', { env });

const umami = new UmamiService(stack, 'Umami', {
  database: DatabaseSource.newCluster({ deletionProtection: false, removalPolicy: RemovalPolicy.DESTROY, backupRetention: Duration.days(1) }),
  websites: [{ name: 'Integ site', domain: 'integ.example.com' }],
  users: [{ username: 'integ-viewer', role: 'view-only' }],
  trackerScriptName: 'stats.js',
  // The default Ingress.loadBalancer(): HTTP on the load balancer's DNS name (no certificate without a domain).
});

// A test leaves nothing behind but its buckets: everything else is deleted with the stack (a bucket with objects
// cannot be deleted by CloudFormation, so buckets keep the construct's removal policy; see test/integ/README.md).
RemovalPolicies.of(stack).destroy({ excludeResourceTypes: ['AWS::S3::Bucket'] });

const integ = new IntegTest(app, 'UmamiServiceInteg', {
  testCases: [stack],
  // In the same environment as Umami, so that the assertions may read its outputs.
  assertionStack: new Stack(app, 'AnalyticsInteg-Umami-Assertions', { env }),
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// Umami is up and reaches its database.
integ.assertions.httpApiCall(`${umami.url}/api/heartbeat`).expect(ExpectedResult.objectLike({
  status: 200,
  body: { ok: true },
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

// The default login no longer works: the bootstrap set a generated password (in umami.adminSecret).
integ.assertions.httpApiCall(`${umami.url}/api/auth/login`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: 'umami' }),
}).expect(ExpectedResult.objectLike({ status: 401 }));

// The tracker script is served under its extra name too (TRACKER_SCRIPT_NAME). HEAD: a custom resource may return at
// most 4 KB to CloudFormation, and the script alone is close to that.
integ.assertions.httpApiCall(`${umami.url}/stats.js`, { method: 'HEAD' }).expect(ExpectedResult.objectLike({ status: 200 }));

// The service runs its task.
integ.assertions.awsApiCall('ECS', 'describeServices', {
  cluster: umami.fargate.service.cluster.clusterArn,
  services: [umami.service.serviceArn],
}).assertAtPath('services.0.runningCount', ExpectedResult.exact(1))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(30) });

app.synth();
