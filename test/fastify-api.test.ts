import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ApiImage, AuroraPostgresCluster, FastifyFargateApi, FastifyFargateApiProps, Ingress } from '../src';
import { cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { sharedListener, testCertificate, testCluster, testStack } from './helpers/stacks';

const fixture = path.join(__dirname, 'fixtures', 'api');

function build(props: FastifyFargateApiProps = { image: ApiImage.fromDirectory(fixture) }) {
  const app = testApp();
  const stack = testStack(app);
  const api = new FastifyFargateApi(stack, 'Api', props);
  return { app, stack, api, t: Template.fromStack(stack) };
}

describe('FastifyFargateApi defaults', () => {
  const { t, api } = build();

  test('creates its own VPC, cluster (Container Insights off: its metrics are billed), and load balancer', () => {
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.resourceCountIs('AWS::EC2::NatGateway', 1);
    t.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }] });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    t.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test('image built from the Dockerfile directory as an ARM64 asset', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: Match.objectLike({ CpuArchitecture: 'ARM64' }),
      ContainerDefinitions: [Match.objectLike({
        Name: 'api',
        Image: { 'Fn::Sub': Match.stringLikeRegexp('cdk-hnb659fds-container-assets') },
        // Read-only root by default; the image's own USER (the examples' Dockerfiles: node).
        ReadonlyRootFilesystem: true,
        User: Match.absent(),
        PortMappings: [Match.objectLike({ ContainerPort: 3000 })],
        Environment: Match.arrayWith([
          { Name: 'NODE_ENV', Value: 'production' },
          { Name: 'LOG_LEVEL', Value: 'info' },
          { Name: 'PORT', Value: '3000' },
        ]),
      })],
    });
  });

  test('/health target health check, autoscaling 1-10 on CPU 70 / memory 80, rollback on failure', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/health', Port: 3000 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 10 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 70 }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 80 }),
    });
    t.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100, MaximumPercent: 200,
      }),
    });
  });

  test('exposes its parts and a URL output', () => {
    expect(api.service).toBeDefined();
    expect(api.taskDefinition).toBeDefined();
    expect(api.targetGroup).toBeDefined();
    expect(api.loadBalancer).toBeDefined();
    expect(api.listener).toBeDefined();
    expect(api.connections).toBeDefined();
    expect(api.repository).toBeUndefined();
    expect(api.url).toMatch(/^http:\/\//);
    expect(Object.keys(t.findOutputs('*')).filter((k) => /^ApiUrl/.test(k))).toHaveLength(1);
    expect(api.metricHttp5xxCount().metricName).toBe('HTTPCode_Target_5XX_Count');
    expect(api.metricTargetResponseTime().statistic).toBe('p99');
  });
});

describe('FastifyFargateApi options', () => {
  test('dedicated ECR repository: scan on push, immutable, keeps the newest 10, URI output', () => {
    const { t, api } = build({ createRepository: true, imageTag: 'v1.2.3' });
    t.hasResource('AWS::ECR::Repository', {
      Properties: {
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        LifecyclePolicy: {
          LifecyclePolicyText: Match.serializedJson(Match.objectLike({
            rules: [Match.objectLike({ selection: Match.objectLike({ countType: 'imageCountMoreThan', countNumber: 10 }) })],
          })),
        },
      },
      DeletionPolicy: 'Retain',
    });
    expect(Object.keys(t.findOutputs('*')).filter((k) => /^ApiRepositoryUri/.test(k))).toHaveLength(1);
    expect(api.repository).toBeDefined();
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: { 'Fn::Join': ['', Match.arrayWith([':v1.2.3'])] } })],
    });
  });

  test('existing cluster, ECR image, secrets from Secrets Manager and SSM, shared listener', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team/api');
    const secret = new secretsmanager.Secret(stack, 'DatabaseUrl');
    const param = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'ApiKey', { parameterName: '/api/key' });
    const api = new FastifyFargateApi(stack, 'Api', {
      cluster,
      image: ApiImage.fromEcrRepository(repo, 'sha-abc123'),
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(secret), API_KEY: ecs.Secret.fromSsmParameter(param) },
      environment: { FEATURE_X: 'on' },
      logLevel: 'warn',
      ingress: Ingress.listenerRule(sharedListener(stack, cluster.vpc), { priority: 20, hostHeaders: ['api.example.com'] }),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECS::Cluster', 1);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Environment: Match.arrayWith([{ Name: 'LOG_LEVEL', Value: 'warn' }, { Name: 'FEATURE_X', Value: 'on' }]),
        Secrets: [
          { Name: 'DATABASE_URL', ValueFrom: { Ref: Match.stringLikeRegexp('DatabaseUrl') } },
          { Name: 'API_KEY', ValueFrom: Match.anyValue() },
        ],
      })],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: { Ref: Match.stringLikeRegexp('DatabaseUrl') },
        })]),
      },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Priority: 20 });
    expect(api.url).toBe('https://api.example.com');
  });

  test('an existing VPC is used for the new cluster', () => {
    const app = testApp();
    const stack = testStack(app);
    const vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
    new FastifyFargateApi(stack, 'Api', { vpc, image: ApiImage.fromDirectory(fixture) });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.hasResourceProperties('AWS::ECS::Cluster', {});
  });
});

describe('FastifyFargateApi migrations', () => {
  test('the migration runs as a one-off task of the new task definition before the service is updated', () => {
    const { t } = build({ image: ApiImage.fromDirectory(fixture), migrationCommand: ['node', 'dist/migrate.js'] });
    const res = t.toJSON().Resources;
    const migration = Object.keys(res).find((k) => res[k].Type === 'Custom::RunTaskOnDeploy')!;
    const service = Object.keys(res).find((k) => res[k].Type === 'AWS::ECS::Service')!;
    const taskDef = Object.keys(res).find((k) => res[k].Type === 'AWS::ECS::TaskDefinition')!;
    expect(res[service].DependsOn).toContain(migration);
    expect(res[migration].Properties).toMatchObject({
      TaskDefinition: { Ref: taskDef }, ContainerName: 'api', Command: '["node","dist/migrate.js"]', Fingerprint: { Ref: taskDef },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ecs:RunTask', Resource: { Ref: taskDef } })]) },
    });
  });
});

describe('FastifyFargateApi validation', () => {
  const cases: Array<[string, FastifyFargateApiProps, string]> = [
    ['no image', {}, "Test/Api: invalid 'image': no image is set. Set image (e.g. ApiImage.fromDirectory('./api')), or createRepository with imageTag."],
    ['repository without tag', { createRepository: true },
      "Test/Api: invalid 'imageTag': the image comes from the created repository, but no tag is set. Set imageTag to the tag your pipeline pushes (the repository's tags are immutable)."],
    ['tag with an explicit image', { image: ApiImage.fromDirectory(fixture), imageTag: 'v1' },
      "Test/Api: invalid 'imageTag': imageTag applies only to the image from the created repository. Remove imageTag, or set createRepository and drop image."],
    ['empty migration command', { image: ApiImage.fromDirectory(fixture), migrationCommand: [] },
      "Test/Api: invalid 'migrationCommand': the command is empty. Give the command and its arguments, e.g. ['node', 'dist/migrate.js']."],
    ['bad log level', { image: ApiImage.fromDirectory(fixture), logLevel: 'verbose' },
      "Test/Api: invalid 'logLevel': 'verbose' is not a pino level. Use one of fatal, error, warn, info, debug, trace, silent."],
    ['health check path without slash', { image: ApiImage.fromDirectory(fixture), healthCheckPath: 'health' },
      "Test/Api: invalid 'healthCheckPath': 'health' is not an absolute HTTP path."],
    ['cpu 256 with 4096 MiB', { image: ApiImage.fromDirectory(fixture), cpu: 256, memoryLimitMiB: 4096 },
      "Test/Api/Fargate: invalid 'memoryLimitMiB': Fargate does not run 256 CPU units with 4096 MiB."],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('FastifyFargateApi compliance', () => {
  test('zero unacknowledged cdk-nag findings with HTTPS', () => {
    const app = testApp();
    const stack = testStack(app);
    new FastifyFargateApi(stack, 'Api', {
      image: ApiImage.fromDirectory(fixture),
      ingress: Ingress.loadBalancer({ certificate: testCertificate(stack) }),
      createRepository: false,
      migrationCommand: ['node', 'dist/migrate.js'],
    });
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('cfn-lint clean', () => {
    const { stack } = build({ createRepository: true, imageTag: 'v1' });
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('FastifyFargateApi with its database', () => {
  const app = testApp();
  const stack = testStack(app);
  const cluster = testCluster(stack);
  const shared = new AuroraPostgresCluster(stack, 'Shared', { vpc: cluster.vpc });
  const api = new FastifyFargateApi(stack, 'Api', {
    cluster, image: ApiImage.fromDirectory(fixture), database: shared.database(), maxCapacity: 4, migrationCommand: ['node', 'dist/migrate.js'],
  });
  const t = Template.fromStack(stack);
  const resources = t.toJSON().Resources;
  const idOf = (type: string, pattern: RegExp) => Object.keys(t.findResources(type)).filter((k) => pattern.test(k));

  test('DATABASE_URL from the database secret; the CA file from the init container; the port open to the tasks', () => {
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as any[];
    const containers = task.Properties.ContainerDefinitions;
    const main = containers.find((c: any) => c.Name === 'api');
    expect(main.Secrets).toContainEqual({ Name: 'DATABASE_URL', ValueFrom: { 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^ApiAppDatabaseapiSecret/) }, ':DATABASE_URL::']] } });
    expect(main.Environment).toContainEqual({ Name: 'NODE_EXTRA_CA_CERTS', Value: '/etc/ssl/database/ca.pem' });
    expect(main.DependsOn).toContainEqual({ ContainerName: 'database-ca', Condition: 'SUCCESS' });
    expect(containers.find((c: any) => c.Name === 'database-ca').Image).toEqual(main.Image);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiFargateServiceSecurityGroup'), 'GroupId'] },
    });
    expect(api.database?.databaseName).toBe('api');
  });

  test('the role\'s limit covers 4 tasks x 200 % x 10 connections plus the migration task', () => {
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'api', ConnectionLimit: '90', SslMode: 'verify-full' });
  });

  test('the migration task and the service start after the database setup', () => {
    const [setup] = idOf('Custom::PostgresDatabase', /^ApiAppDatabaseapiSetup/);
    const [migration] = idOf('Custom::RunTaskOnDeploy', /^ApiMigration/);
    const [service] = idOf('AWS::ECS::Service', /^ApiFargateService/);
    expect(resources[migration].DependsOn).toContain(setup);
    expect(resources[service].DependsOn).toEqual(expect.arrayContaining([setup, migration]));
  });

  test('database props are checked', () => {
    const s = testStack();
    const c = testCluster(s);
    const db = new AuroraPostgresCluster(s, 'Db', { vpc: c.vpc });
    expect(() => new FastifyFargateApi(s, 'A', { cluster: c, image: ApiImage.fromDirectory(fixture), databaseName: 'x' }))
      .toThrow("Test/A: invalid 'databaseName': it applies only with database. Set database, or remove it.");
    expect(() => new FastifyFargateApi(s, 'B', {
      cluster: c,
      image: ApiImage.fromDirectory(fixture),
      database: db.database(),
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(db.adminSecret) },
    })).toThrow("Test/B: invalid 'secrets': DATABASE_URL is set and database gives it too.");
    expect(() => new FastifyFargateApi(s, 'C', {
      cluster: c, image: ApiImage.fromDirectory(fixture), database: db.database({ connectionLimit: 30 }), databaseName: 'c',
    }))
      .toThrow("Test/C: invalid 'database.connectionLimit': 30 is below the 200 connections the application may hold at its peak");
  });
});
