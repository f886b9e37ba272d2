/**
 * Integration test of FastifyFargateApi: the example API (examples/api, a real Fastify service) built from its
 * Dockerfile for ARM64, on Fargate behind its own load balancer (plain HTTP on the load balancer's DNS name, so no domain
 * is needed), with its DATABASE_URL from a dedicated database and role in a throw-away Aurora PostgreSQL cluster.
 *
 * Proves after deployment: GET /health answers 200 with the database connected (so the secret, the security groups and
 * the setup custom resource work), the schema migration ran as a one-off task before the service started (a page view
 * can be stored), and the ECS service runs its task. How to run it: test/integ/README.md.
 */
import * as path from 'path';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ApiImage, AuroraPostgresCluster, FastifyFargateApi } from '../src';

// integ-runner synthesizes its snapshots with CDK_INTEG_ACCOUNT / CDK_INTEG_REGION set to placeholders; a deployment
// uses the account of the credentials and the region of --parallel-regions (CDK_DEFAULT_*). Without either, fixed
// placeholders: the app synthesizes with no AWS credentials and no lookups.
const env = {
  account: process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111',
  region: process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1',
};

// No stack traces in the metadata: the committed snapshots must not depend on the machine's paths.
const app = new App({ context: { 'aws:cdk:disable-stack-trace': true, 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'AnalyticsInteg-FastifyApi', { env });

// A VPC the test brings (the construct creates one only when given none): public, private and isolated subnets.
const vpc = new ec2.Vpc(stack, 'Vpc', {
  maxAzs: 2,
  natGateways: 1,
  subnetConfiguration: [
    { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
    { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
  ],
});
const postgres = new AuroraPostgresCluster(stack, 'Postgres', {
  vpc,
  deletionProtection: false,
  removalPolicy: RemovalPolicy.DESTROY,
  backupRetention: Duration.days(1),
});
const database = postgres.database({ connectionLimit: 10 }).bind(stack, { vpc, databaseName: 'pageviews' });

const api = new FastifyFargateApi(stack, 'Api', {
  vpc,
  image: ApiImage.fromDirectory(path.join(__dirname, '..', 'examples', 'api')),
  secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(database.secret, 'DATABASE_URL') },
  // The example API's schema migration, as a one-off task of each new version before it takes traffic.
  migrationCommand: ['node', 'dist/migrate.js'],
  environment: { APP_VERSION: 'integ' },
  logLevel: 'debug',
  minCapacity: 1,
  maxCapacity: 2,
  // The default Ingress.loadBalancer(): HTTP on the load balancer's DNS name (no certificate without a domain).
});
postgres.allowConnectionsFrom(api);
// The migration task and the service start once the database, its role and the DATABASE_URL secret exist (the
// construct orders the service after its migration, not the migration after a database it does not know).
api.node.addDependency(database.setup);

// A test leaves nothing behind but its buckets: everything else is deleted with the stack (a bucket with objects
// cannot be deleted by CloudFormation, so buckets keep the construct's removal policy; see test/integ/README.md).
RemovalPolicies.of(stack).destroy({ excludeResourceTypes: ['AWS::S3::Bucket'] });

const integ = new IntegTest(app, 'FastifyFargateApiInteg', {
  testCases: [stack],
  // In the same environment as the API, so that the assertions may read its outputs.
  assertionStack: new Stack(app, 'AnalyticsInteg-FastifyApi-Assertions', { env }),
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// /health: 200 with the database connected (503 while the API cannot reach PostgreSQL).
integ.assertions.httpApiCall(`${api.url}/health`).expect(ExpectedResult.objectLike({
  status: 200,
  body: { status: 'healthy', database: 'connected', version: 'integ' },
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

// The migration created the schema: a page view is stored (201 with the stored row).
integ.assertions.httpApiCall(`${api.url}/api/page-views`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ path: '/integ-test', referrer: null }),
}).expect(ExpectedResult.objectLike({ status: 201, body: { path: '/integ-test' } }));

// The service runs its one task (CloudFormation waited for it to be stable; this checks nothing crashed since).
integ.assertions.awsApiCall('ECS', 'describeServices', {
  cluster: api.cluster.clusterArn,
  services: [api.service.serviceArn],
}).assertAtPath('services.0.runningCount', ExpectedResult.exact(1))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(30) });

app.synth();
