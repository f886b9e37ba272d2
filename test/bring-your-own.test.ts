// A platform team that already runs a VPC, an ECS cluster, an HTTPS listener, an RDS instance, an Aurora cluster, a
// hosted zone, certificates, an SNS topic, a KMS key and IAM roles brings all of them, imported by attributes (no
// lookups, so nothing needs AWS credentials), and synthesizes every construct of the library with them: once in a
// stack with a fixed environment and once in an environment-agnostic stack.
import * as path from 'path';
import { App, Environment, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  ApiImage, DatabaseSource, FastifyFargateApi, Ingress, ObservabilityBundle, OpenReplayPlatform, StaticCdnSite, UmamiService,
} from '../src';
import { CfnLintMatch, cfnLintStack } from './helpers/cfn-lint';
import { testApp } from './helpers/nag';

jest.setTimeout(300_000);

/** What the team already has: identifiers as its other stacks export them. */
export const EXISTING = {
  account: '111111111111',
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f00001',
  vpcCidr: '10.20.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  publicSubnetIds: ['subnet-0a1b2c3d4e5f6a001', 'subnet-0a1b2c3d4e5f6b001'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f6a002', 'subnet-0a1b2c3d4e5f6b002'],
  isolatedSubnetIds: ['subnet-0a1b2c3d4e5f6a003', 'subnet-0a1b2c3d4e5f6b003'],
  clusterName: 'platform',
  listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/platform/50dc6c495c0c9188/f2f7dc8efc522ab2',
  listenerSecurityGroupId: 'sg-0a1b2c3d4e5f00a1b',
  instanceEndpoint: 'apps.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com',
  instanceSecurityGroupId: 'sg-0a1b2c3d4e5f00db1',
  instanceAdminSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-apps-AbCdEf',
  clusterEndpoint: 'analytics.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com',
  clusterSecurityGroupId: 'sg-0a1b2c3d4e5f00db2',
  clusterAdminSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-analytics-GhIjKl',
  hostedZoneId: 'Z0123456789EXAMPLEBYO',
  zoneName: 'example.com',
  regionalCertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/0b2c1d4e-0000-4000-8000-00000000e0e1',
  globalCertificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/9a8b7c6d-0000-4000-8000-0000000000e1',
  topicArn: 'arn:aws:sns:eu-west-1:111111111111:platform-alarms',
  keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1f2e3d4c-0000-4000-8000-00000000abcd',
  apiTaskRoleArn: 'arn:aws:iam::111111111111:role/team-api-task',
  umamiTaskRoleArn: 'arn:aws:iam::111111111111:role/team-umami-task',
};

const siteDirectory = path.join(__dirname, 'fixtures', 'site');

/** The constructs of one bring-your-own stack. */
interface Byo {
  readonly stack: Stack;
  readonly api: FastifyFargateApi;
  readonly umami: UmamiService;
  readonly replay: OpenReplayPlatform;
  readonly site: StaticCdnSite;
  readonly bundle: ObservabilityBundle;
}

/** One stack with every construct on what the team brings; `env` undefined gives an environment-agnostic stack. */
function buildByo(app: App, id: string, env: Environment | undefined): Byo {
  const e = EXISTING;
  const stack = new Stack(app, id, { env });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: e.vpcId,
    vpcCidrBlock: e.vpcCidr,
    availabilityZones: e.availabilityZones,
    publicSubnetIds: e.publicSubnetIds,
    privateSubnetIds: e.privateSubnetIds,
    isolatedSubnetIds: e.isolatedSubnetIds,
  });
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: e.clusterName, vpc, securityGroups: [] });
  const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'Listener', {
    listenerArn: e.listenerArn,
    securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'ListenerSg', e.listenerSecurityGroupId, { allowAllOutbound: false }),
  });
  const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Instance', {
    instanceIdentifier: 'apps',
    instanceEndpointAddress: e.instanceEndpoint,
    port: 5432,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'InstanceSg', e.instanceSecurityGroupId)],
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
  });
  const instanceAdmin = secretsmanager.Secret.fromSecretCompleteArn(stack, 'InstanceAdmin', e.instanceAdminSecretArn);
  const aurora = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Aurora', {
    clusterIdentifier: 'analytics',
    clusterEndpointAddress: e.clusterEndpoint,
    port: 5432,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'AuroraSg', e.clusterSecurityGroupId)],
  });
  const auroraAdmin = secretsmanager.Secret.fromSecretCompleteArn(stack, 'AuroraAdmin', e.clusterAdminSecretArn);
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: e.hostedZoneId, zoneName: e.zoneName });
  const regionalCertificate = acm.Certificate.fromCertificateArn(stack, 'RegionalCertificate', e.regionalCertificateArn);
  const globalCertificate = acm.Certificate.fromCertificateArn(stack, 'GlobalCertificate', e.globalCertificateArn);
  const topic = sns.Topic.fromTopicArn(stack, 'Topic', e.topicArn);
  const key = kms.Key.fromKeyArn(stack, 'Key', e.keyArn);
  const immutableRole = (rid: string, arn: string) => iam.Role.fromRoleArn(stack, rid, arn, { mutable: false });

  // The listener serves the team's names with its certificate; the library's rules go onto it.
  listener.addCertificates('TeamHosts', [elbv2.ListenerCertificate.fromCertificateManager(regionalCertificate)]);

  const api = new FastifyFargateApi(stack, 'Api', {
    cluster,
    image: ApiImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'ApiRepo', 'team/api'), 'v1.4.2'),
    database: DatabaseSource.fromInstance(instance, instanceAdmin),
    databaseName: 'api',
    ingress: Ingress.listenerRule(listener, { priority: 10, hostHeaders: [`api.${e.zoneName}`] }),
    taskRole: immutableRole('ApiTaskRole', e.apiTaskRoleArn),
    logEncryptionKey: key,
    openTelemetry: true,
  });
  const umami = new UmamiService(stack, 'Umami', {
    cluster,
    database: DatabaseSource.fromCluster(aurora, auroraAdmin),
    ingress: Ingress.listenerRule(listener, { priority: 20, hostHeaders: [`analytics.${e.zoneName}`] }),
    taskRole: immutableRole('UmamiTaskRole', e.umamiTaskRoleArn),
    logEncryptionKey: key,
    openTelemetry: true,
    websites: [{ name: 'Marketing', domain: `www.${e.zoneName}` }],
  });
  const replay = new OpenReplayPlatform(stack, 'Replay', {
    cluster,
    domainName: `replay.${e.zoneName}`,
    hostedZone: zone,
    certificate: regionalCertificate,
    ingress: Ingress.listenerRule(listener, { priority: 30, hostHeaders: [`replay.${e.zoneName}`] }),
    database: DatabaseSource.fromInstance(instance, instanceAdmin),
    logEncryptionKey: key,
  });
  const site = new StaticCdnSite(stack, 'Site', {
    sourceDirectory: siteDirectory,
    domainNames: [`www.${e.zoneName}`],
    hostedZone: zone,
    certificate: globalCertificate,
    apiOrigin: { domainName: `api.${e.zoneName}` },
    analyticsOrigin: { domainName: `analytics.${e.zoneName}`, trackerScriptPath: '/stats.js' },
    cspConnectSources: [replay.url],
    runtimeConfig: { apiUrl: '/api', umamiWebsiteId: umami.websiteId(`www.${e.zoneName}`) },
  });
  const bundle = new ObservabilityBundle(stack, 'Observability', {
    existingTopic: topic,
    dashboardName: `${id}-platform`,
    // The site's metrics live in us-east-1: graphs on this dashboard, alarms from a bundle in a us-east-1 stack.
    defaults: { distribution: { crossRegionMetrics: true } },
  });
  bundle.monitor(api);
  bundle.monitor(umami);
  bundle.monitor(replay.gateway);
  bundle.monitor(site);
  bundle.monitorDatabaseInstance(instance);
  bundle.monitorDatabase(aurora);
  bundle.applyLogRetention(stack);
  return { stack, api, umami, replay, site, bundle };
}

/** Container definitions of every task definition, with the logical id of their task definition. */
function containers(t: Template): Array<{ task: string; c: any }> {
  return Object.entries(t.findResources('AWS::ECS::TaskDefinition'))
    .flatMap(([task, r]) => (r.Properties.ContainerDefinitions as any[]).map((c) => ({ task, c })));
}

const envOf = (c: any): Record<string, unknown> => Object.fromEntries((c.Environment ?? []).map((v: any) => [v.Name, v.Value]));

/** cfn-lint warnings that are accepted here, each with its reason. */
const CFN_LINT_ALLOWED: Array<{ rule: string; message: RegExp; reason: string }> = [
  {
    rule: 'W3005',
    message: /dependency already enforced by a '(GetAtt|Ref)'/,
    reason: 'a DependsOn that a reference already implies: harmless; aws-cdk-lib writes one from every Lambda function to its role',
  },
  {
    rule: 'W3045',
    message: /'AccessControl' is a legacy property/,
    reason: 'aws-cdk-lib gives a bucket that receives S3 server access logs the LogDeliveryWrite ACL unless the app sets '
      + '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy (Bucket.allowLogDelivery), which an app without cdk.json does not',
  },
];

const CASES: Array<[string, Environment | undefined]> = [
  ['a stack with a fixed environment', { account: EXISTING.account, region: EXISTING.region }],
  ['an environment-agnostic stack', undefined],
];

describe.each(CASES)('bring your own: every construct on existing infrastructure, in %s', (_name, env) => {
  let byo: Byo;
  let t: Template;
  beforeAll(() => {
    const app = testApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    byo = buildByo(app, 'Byo', env);
    // The whole app synthesizes (aspects, validations), not only the template.
    app.synth();
    t = Template.fromStack(byo.stack);
  });

  test('synthesizes with no error annotation', () => {
    expect(Token.isUnresolved(byo.stack.region)).toBe(env === undefined);
    const errors = Annotations.fromStack(byo.stack).findError('*', Match.anyValue()).map((m) => `${m.id}: ${m.entry.data}`);
    expect(errors).toEqual([]);
  });

  test('creates no VPC, cluster, load balancer, listener, database, hosted zone, certificate or topic of its own', () => {
    for (const type of [
      'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::NatGateway', 'AWS::ECS::Cluster',
      'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::Route53::HostedZone',
      'AWS::CertificateManager::Certificate', 'AWS::SNS::Topic',
    ]) {
      expect([type, Object.keys(t.findResources(type)).length]).toEqual([type, 0]);
    }
  });

  test('the imported listener gets one rule per service, with its host and the imported certificate', () => {
    const rules = Object.values(t.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map((r) => r.Properties);
    expect(rules.map((r) => [r.ListenerArn, r.Priority, r.Conditions[0].HostHeaderConfig.Values]).sort((a, b) => a[1] - b[1])).toEqual([
      [EXISTING.listenerArn, 10, ['api.example.com']],
      [EXISTING.listenerArn, 20, ['analytics.example.com']],
      [EXISTING.listenerArn, 30, ['replay.example.com']],
    ]);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerCertificate', {
      ListenerArn: EXISTING.listenerArn, Certificates: [{ CertificateArn: EXISTING.regionalCertificateArn }],
    });
    // The listener's security group may reach each service's port, and each service admits it.
    const egress = Object.values(t.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties)
      .filter((p) => p.GroupId === EXISTING.listenerSecurityGroupId);
    expect(egress.length).toBeGreaterThanOrEqual(3);
    const fromListener = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((p) => p.SourceSecurityGroupId === EXISTING.listenerSecurityGroupId);
    expect(fromListener.length).toBeGreaterThanOrEqual(3);
  });

  test('each application gets its own database on the imported instance or cluster, with string ports', () => {
    const setups = Object.values(t.findResources('Custom::PostgresDatabase')).map((r) => r.Properties);
    expect(setups.map((p) => [p.DatabaseName, p.Host, p.Port, p.AdminSecretArn, p.SslMode]).sort()).toEqual([
      ['api', EXISTING.instanceEndpoint, '5432', EXISTING.instanceAdminSecretArn, 'verify-full'],
      ['openreplay', EXISTING.instanceEndpoint, '5432', EXISTING.instanceAdminSecretArn, 'verify-full'],
      ['umami', EXISTING.clusterEndpoint, '5432', EXISTING.clusterAdminSecretArn, 'verify-full'],
    ].sort());
    // The database security groups admit the setup functions and the tasks on 5432.
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    for (const sg of [EXISTING.instanceSecurityGroupId, EXISTING.clusterSecurityGroupId]) {
      const rules = ingress.filter((p) => p.GroupId === sg);
      expect(rules.length).toBeGreaterThanOrEqual(2);
      expect(rules.every((p) => p.FromPort === 5432 && p.ToPort === 5432 && p.IpProtocol === 'tcp')).toBe(true);
    }
  });

  test('every container environment value is a string (ECS takes strings only), pg_port among them', () => {
    const all = containers(t);
    const nonString = all.flatMap(({ task, c }) => (c.Environment ?? [])
      .filter((v: any) => typeof v.Value !== 'string' && (typeof v.Value !== 'object' || v.Value === null))
      .map((v: any) => `${task}/${c.Name}: ${v.Name}=${JSON.stringify(v.Value)}`));
    expect(nonString).toEqual([]);
    const pgPorts = all.map(({ c }) => envOf(c).pg_port).filter((v) => v !== undefined);
    expect(pgPorts.length).toBeGreaterThan(0);
    expect(new Set(pgPorts)).toEqual(new Set(['5432']));
    const pgHosts = new Set(all.map(({ c }) => envOf(c).pg_host).filter((v) => v !== undefined));
    expect(pgHosts).toEqual(new Set([EXISTING.instanceEndpoint]));
  });

  test('the API and Umami run on the imported cluster with the imported task roles, the collector and verified TLS', () => {
    const services = Object.values(t.findResources('AWS::ECS::Service')).map((r) => r.Properties);
    expect(services.length).toBeGreaterThanOrEqual(5);
    expect(services.every((s) => s.Cluster === EXISTING.clusterName)).toBe(true);
    for (const [container, roleArn] of [['api', EXISTING.apiTaskRoleArn], ['umami', EXISTING.umamiTaskRoleArn]]) {
      const tasks = Object.values(t.findResources('AWS::ECS::TaskDefinition'))
        .filter((r) => r.Properties.TaskRoleArn === roleArn).map((r) => r.Properties);
      expect([container, tasks.length]).toEqual([container, 1]);
      const names = tasks[0].ContainerDefinitions.map((c: any) => c.Name);
      expect(names).toEqual(expect.arrayContaining([container, 'otel-collector', 'database-ca']));
      const main = tasks[0].ContainerDefinitions.find((c: any) => c.Name === container);
      expect(main.Secrets.map((s: any) => s.Name)).toContain('DATABASE_URL');
      expect(envOf(main).PGSSLROOTCERT).toBe('/etc/ssl/database/ca.pem');
    }
    // The roles CDK may not change get no policy; a warning per service names the prop and the statements instead.
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((r) => r.Properties);
    expect(policies.filter((p) => JSON.stringify(p.Roles ?? []).match(/team-(api|umami)-task/))).toEqual([]);
    const warnings = Annotations.fromStack(byo.stack).findWarning('*', Match.stringLikeRegexp('openTelemetryTaskRoleImmutable'));
    expect(warnings.map((w) => w.id).sort()).toEqual(['/Byo/Api/Fargate', '/Byo/Umami/Fargate'].sort());
  });

  test('log groups of the services use the imported key', () => {
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup')).map((r) => r.Properties).filter((p) => p.KmsKeyId !== undefined);
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(new Set(groups.map((p) => JSON.stringify(p.KmsKeyId)))).toEqual(new Set([JSON.stringify(EXISTING.keyArn)]));
  });

  test('the site uses the us-east-1 certificate and records in the imported zone', () => {
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['www.example.com'],
        ViewerCertificate: Match.objectLike({ AcmCertificateArn: EXISTING.globalCertificateArn, MinimumProtocolVersion: 'TLSv1.2_2021' }),
      }),
    });
    const records = Object.values(t.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
    expect(records.map((r) => [r.HostedZoneId, r.Name, r.Type]).sort()).toEqual([
      [EXISTING.hostedZoneId, 'www.example.com.', 'A'],
      [EXISTING.hostedZoneId, 'www.example.com.', 'AAAA'],
    ]);
  });

  test('the bundle alarms to the imported topic and watches the imported instance and cluster', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties);
    expect(alarms.length).toBeGreaterThan(5);
    const actions = new Set(alarms.flatMap((a) => a.AlarmActions ?? []).map((a: unknown) => JSON.stringify(a)));
    expect(actions).toEqual(new Set([JSON.stringify(EXISTING.topicArn)]));
    const dims = alarms.flatMap((a) => a.Dimensions ?? []).map((d: any) => `${d.Name}=${JSON.stringify(d.Value)}`);
    expect(dims).toContain('DBInstanceIdentifier="apps"');
    expect(dims).toContain('DBClusterIdentifier="analytics"');
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [EXISTING.topicArn] });
  });

  test('cfn-lint reports no error, and only allowlisted warnings', () => {
    const matches = cfnLintStack(byo.stack);
    const text = (m: CfnLintMatch) => `${m.rule} ${m.resource}: ${m.message}`;
    expect(matches.filter((m) => m.level === 'Error').map(text)).toEqual([]);
    const warnings = matches.filter((m) => m.level !== 'Error');
    // Printed, so that a reader sees each warning's text.
    if (warnings.length > 0) console.log(`cfn-lint warnings of ${byo.stack.stackName}:\n${warnings.map(text).join('\n')}`);
    expect(warnings.filter((m) => !CFN_LINT_ALLOWED.some((a) => a.rule === m.rule && a.message.test(m.message))).map(text)).toEqual([]);
  });
});
