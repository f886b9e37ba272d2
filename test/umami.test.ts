import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { AuroraPostgresCluster, DatabaseSource, Ingress, UmamiService, UmamiServiceProps } from '../src';
import { cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { sharedListener, testCertificate, testCluster, testStack } from './helpers/stacks';

function build(props: UmamiServiceProps = {}) {
  const app = testApp();
  const stack = testStack(app);
  const umami = new UmamiService(stack, 'Umami', props);
  return { app, stack, umami, t: Template.fromStack(stack) };
}

function logicalId(t: Template, type: string, pattern: RegExp): string {
  const ids = Object.keys(t.findResources(type)).filter((k) => pattern.test(k));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('UmamiService defaults (new Aurora cluster)', () => {
  const { t, umami } = build({ websites: [{ name: 'Marketing', domain: 'www.example.com' }], users: [{ username: 'alice' }] });

  test('Umami runs as its image\'s user nextjs (1001) on a read-only root, /tmp handed to it by a root init', () => {
    const defs = (Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as any).Properties.ContainerDefinitions as any[];
    const main = defs.find((c) => c.Name === 'umami');
    const init = defs.find((c) => c.Name === 'writable-paths-init');
    expect(main).toMatchObject({ User: '1001', ReadonlyRootFilesystem: true, MountPoints: expect.arrayContaining([{ ContainerPath: '/tmp', SourceVolume: 'writable-0', ReadOnly: false }]) });
    expect(main.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'writable-paths-init', Condition: 'SUCCESS' }]));
    expect(init).toMatchObject({ Image: main.Image, User: '0', Essential: false, ReadonlyRootFilesystem: true, Command: ['chown 1001 /tmp && chmod 0700 /tmp'] });
    // Every container of the task: a read-only root; root only for the non-essential init containers.
    for (const c of defs) {
      expect({ name: c.Name, ro: c.ReadonlyRootFilesystem }).toEqual({ name: c.Name, ro: true });
      if (c.User === '0') expect({ name: c.Name, essential: c.Essential }).toEqual({ name: c.Name, essential: false });
    }
  });

  test('encrypted Aurora PostgreSQL Serverless v2, 7-day backups, deletion protection, snapshot on delete', () => {
    t.hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        StorageEncrypted: true,
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 },
        EnableCloudwatchLogsExports: ['postgresql'],
      }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless' });
  });

  test('image pinned to the tested Umami version, ARM64, 0.25 vCPU / 512 MiB, telemetry off, client IP from the ALB', () => {
    // No CLIENT_IP_HEADER: Umami 3.1 would take a header's whole value (a list behind CloudFront + ALB) as the address;
    // unset, it takes the first address of X-Forwarded-For.
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as any[];
    const umamiEnv = task.Properties.ContainerDefinitions.find((c: any) => c.Name === 'umami').Environment.map((e: any) => e.Name);
    expect(umamiEnv).not.toContain('CLIENT_IP_HEADER');
    expect(UmamiService.DEFAULT_VERSION).toBe('3.1.0');
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: Match.objectLike({ CpuArchitecture: 'ARM64' }),
      ContainerDefinitions: Match.arrayWith([Match.objectLike({
        Name: 'umami',
        Image: 'ghcr.io/umami-software/umami:3.1.0',
        Environment: Match.arrayWith([
          { Name: 'PORT', Value: '3000' },
          { Name: 'DISABLE_TELEMETRY', Value: '1' },
        ]),
        HealthCheck: {
          Command: ['CMD-SHELL', 'curl -fsS http://127.0.0.1:3000/api/heartbeat || exit 1'],
          Interval: 30,
          Timeout: 5,
          Retries: 3,
          StartPeriod: 300,
        },
      })]),
    });
  });

  test('DATABASE_URL and APP_SECRET are ECS secrets, never plain environment', () => {
    const dbSecret = logicalId(t, 'AWS::SecretsManager::Secret', /^UmamiAppDatabaseumamiSecret/);
    const appSecret = logicalId(t, 'AWS::SecretsManager::Secret', /^UmamiAppSecret/);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({
        Secrets: [
          { Name: 'DATABASE_URL', ValueFrom: { 'Fn::Join': ['', [{ Ref: dbSecret }, ':DATABASE_URL::']] } },
          { Name: 'APP_SECRET', ValueFrom: { Ref: appSecret } },
        ],
      })]),
    });
    const json = JSON.stringify(t.toJSON());
    expect(json).not.toMatch(/"Name":"(DATABASE_URL|APP_SECRET)","Value"/);
    expect(json).not.toMatch(/postgres(ql)?:\/\/[^"]*:[^"]*@/);
  });

  test('health checks on /api/heartbeat with a grace period for migrations; autoscaling 1-2', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/api/heartbeat', Port: 3000 });
    t.hasResourceProperties('AWS::ECS::Service', {
      HealthCheckGracePeriodSeconds: 600,
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 2 });
  });

  test('the database setup runs before the service; the admin bootstrap after it', () => {
    const setup = logicalId(t, 'Custom::PostgresDatabase', /^UmamiAppDatabaseumamiSetup[0-9A-F]/);
    const service = logicalId(t, 'AWS::ECS::Service', /^UmamiFargateService/);
    const bootstrap = logicalId(t, 'Custom::UmamiAdminBootstrap', /^UmamiAdminBootstrap/);
    expect(t.toJSON().Resources[service].DependsOn).toContain(setup);
    expect(t.toJSON().Resources[bootstrap].DependsOn).toContain(service);
    t.hasResourceProperties('Custom::PostgresDatabase', {
      DatabaseName: 'umami',
      ConnectionLimit: '100',
      SslMode: 'verify-full',
      AdminSecretArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UmamiDatabaseCluster'), 'MasterUserSecret.SecretArn'] },
    });
    t.hasResourceProperties('Custom::UmamiAdminBootstrap', {
      BaseUrl: Match.anyValue(),
      Websites: '[{"name":"Marketing","domain":"www.example.com"}]',
      Users: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"username":"alice","role":"view-only"')])] },
    });
    expect(umami.websiteId('www.example.com')).toMatch(/TOKEN/);
    expect(umami.userSecret('alice')).toBeDefined();
    expect(umami.adminSecret).toBeDefined();
  });

  test('the database admits only the Umami tasks and the setup function', () => {
    const cluster = logicalId(t, 'AWS::RDS::DBCluster', /^UmamiDatabase/);
    const dbSg = t.toJSON().Resources[cluster].Properties.VpcSecurityGroupIds[0]['Fn::GetAtt'][0];
    const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
      .filter((r: any) => r.Properties.GroupId?.['Fn::GetAtt']?.[0] === dbSg) as any[];
    const sources = rules.map((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort();
    expect(sources).toEqual([expect.stringMatching(/^UmamiAppDatabaseumamiSetupSecurityGroup/), expect.stringMatching(/^UmamiFargateServiceSecurityGroup/)].sort());
    for (const r of rules) expect([r.Properties.FromPort, r.Properties.ToPort]).toEqual([5432, 5432]);
  });
});

describe('UmamiService on an existing cluster and shared listener', () => {
  test('a database and role inside the existing cluster, with a connection limit; no new cluster', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    const aurora = new rds.DatabaseCluster(stack, 'Shared', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 }),
      writer: rds.ClusterInstance.serverlessV2('writer'),
      vpc: cluster.vpc,
    });
    const umami = new UmamiService(stack, 'Umami', {
      cluster,
      database: DatabaseSource.fromCluster(aurora, aurora.secret!, { connectionLimit: 45 }),
      databaseName: 'analytics',
      imageTag: '3.0.3',
      ingress: Ingress.listenerRule(sharedListener(stack, cluster.vpc), { priority: 30, hostHeaders: ['analytics.example.com'] }),
      trackerScriptName: 'stats.js',
      collectApiEndpoint: '/api/collect',
      startupGracePeriod: Duration.minutes(20),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::RDS::DBCluster', 1);
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'analytics', ConnectionLimit: '45' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({
        Image: 'ghcr.io/umami-software/umami:3.0.3',
        Environment: Match.arrayWith([{ Name: 'TRACKER_SCRIPT_NAME', Value: 'stats.js' }, { Name: 'COLLECT_API_ENDPOINT', Value: '/api/collect' }]),
      })]),
    });
    // COLLECT_API_ENDPOINT: update-tracker rewrites /app/public/script.js at start, so the root stays writable.
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'umami', User: '1001', ReadonlyRootFilesystem: false })]),
    });
    t.hasResourceProperties('AWS::ECS::Service', { HealthCheckGracePeriodSeconds: 1200 });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Priority: 30 });
    expect(umami.url).toBe('https://analytics.example.com');
    expect(umami.trackerScriptUrl).toBe('https://analytics.example.com/stats.js');
  });
});

describe('UmamiService validation', () => {
  const cases: Array<[string, UmamiServiceProps, string]> = [
    ['4 vCPU', { cpu: 4096, memoryLimitMiB: 8192 }, "Test/Umami: invalid 'cpu': 4096 is not a size Umami is tested with. Use 256 (0.25 vCPU) or 512 (0.5 vCPU); Umami needs about 270 MiB and little CPU."],
    ['8 GiB', { memoryLimitMiB: 8192 }, "Test/Umami: invalid 'memoryLimitMiB': 8192 is not a size Umami is tested with. Use 512 or 1024."],
    ['latest tag', { imageTag: 'latest' },
      "Test/Umami: invalid 'imageTag': 'latest' is a moving tag that can change Umami's version (and run its migrations) without a deployment. Pin a version such as '3.1.0', or set allowFloatingImageTag: true to accept this."],
    ['postgresql-latest tag', { imageTag: 'postgresql-latest' }, "Test/Umami: invalid 'imageTag': 'postgresql-latest' is a moving tag"],
    ['websites without bootstrap', { bootstrapAdmin: false, websites: [{ name: 'x', domain: 'x.example.com' }] },
      "Test/Umami: invalid 'bootstrapAdmin': websites and users are created by the admin bootstrap, which is off. Set bootstrapAdmin: true, or remove websites and users."],
    ['bad role', { users: [{ username: 'bob', role: 'owner' }] }, "Test/Umami: invalid 'users': role 'owner' of 'bob' is not an Umami role. Use one of admin, user, view-only."],
    ['duplicate website', { websites: [{ name: 'a', domain: 'a.example.com' }, { name: 'b', domain: 'A.example.com' }] },
      "Test/Umami: invalid 'websites': domain 'A.example.com' is listed twice. List each domain once."],
    ['collect endpoint without slash', { collectApiEndpoint: 'api/collect' }, "Test/Umami: invalid 'collectApiEndpoint': 'api/collect' does not start with '/'. Use '/api/collect'."],
    ['database name', { databaseName: 'Umami-DB' }, "Test/Umami: invalid 'databaseName': 'Umami-DB' is not a lower-case PostgreSQL name"],
    ['capacity steps', { database: DatabaseSource.newCluster({ minCapacity: 0.7 }) }, "Test/Umami/Database: invalid 'minCapacity': 0.7 is not a multiple of 0.5."],
    ['image repository with a tag', { imageRepository: 'ghcr.io/umami-software/umami:3.1.0' },
      "Test/Umami: invalid 'imageRepository': 'ghcr.io/umami-software/umami:3.1.0' has a tag in it. Give the repository only ('ghcr.io/umami-software/umami') and the version in imageTag."],
  ];
  test.each(cases)('%s', (_n, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('floating tag accepted with the opt-in', () => {
    const { t } = build({ imageTag: 'latest', allowFloatingImageTag: true });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Image: 'ghcr.io/umami-software/umami:latest' })]) });
  });

  test('an existing cluster without its admin secret', () => {
    const stack = testStack();
    const aurora = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Imported', { clusterIdentifier: 'shared', clusterEndpointAddress: 'shared.example', port: 5432 });
    expect(() => DatabaseSource.fromCluster(aurora, undefined as any))
      .toThrow("DatabaseSource.fromCluster: invalid 'adminSecret': no admin secret was given. Pass the secret with the cluster's admin username and password");
  });

  test('a website id that is not configured', () => {
    const { umami } = build();
    expect(() => umami.websiteId('nope.example.com')).toThrow("Test/Umami: invalid 'websites': 'nope.example.com' is not one of the websites this construct creates.");
  });
});

describe('UmamiService compliance', () => {
  test('zero unacknowledged cdk-nag findings (HTTPS, new cluster, bootstrap with websites and users)', () => {
    const app = testApp();
    const stack = testStack(app);
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    new UmamiService(stack, 'Umami', {
      vpc,
      ingress: Ingress.loadBalancer({ domainName: 'analytics.example.com', hostedZone: zone, certificate: testCertificate(stack) }),
      websites: [{ name: 'Marketing', domain: 'www.example.com' }],
      users: [{ username: 'product', role: 'view-only' }],
    });
    expect(formatFindings(nagFindings(stack).filter((f) => !f.path.startsWith('Test/Vpc/')))).toEqual([]);
  });

  test('cfn-lint clean', () => {
    const { stack } = build({ users: [{ username: 'alice', role: 'user' }] });
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('UmamiService on its database: verified TLS, its own database, enough connections', () => {
  test('the Umami container trusts the database CA from the init container (Umami\'s image runs it: it has a shell)', () => {
    const { t } = build();
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as any[];
    const containers = task.Properties.ContainerDefinitions;
    const init = containers.find((c: any) => c.Name === 'database-ca');
    const umami = containers.find((c: any) => c.Name === 'umami');
    expect(init).toMatchObject({ Image: 'ghcr.io/umami-software/umami:3.1.0', Essential: false, EntryPoint: ['sh', '-c'] });
    expect(umami.DependsOn).toContainEqual({ ContainerName: 'database-ca', Condition: 'SUCCESS' });
    expect(umami.Environment).toEqual(expect.arrayContaining([
      { Name: 'NODE_EXTRA_CA_CERTS', Value: '/etc/ssl/database/ca.pem' },
      { Name: 'PGSSLMODE', Value: 'verify-full' },
    ]));
    expect(umami.MountPoints).toEqual([
      { ContainerPath: '/tmp', SourceVolume: 'writable-0', ReadOnly: false },
      { ContainerPath: '/etc/ssl/database', SourceVolume: 'database-ca', ReadOnly: true },
    ]);
  });

  test('the role\'s limit covers the peak: max tasks x 200 % during a deployment x 10 pooled connections', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const shared = new AuroraPostgresCluster(stack, 'Shared', { vpc: cluster.vpc });
    new UmamiService(stack, 'Umami', { cluster, database: shared.database(), maxCapacity: 3, bootstrapAdmin: false });
    Template.fromStack(stack).hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'umami', ConnectionLimit: '60' });
    expect(() => new UmamiService(stack, 'Small', {
      cluster, database: shared.database({ connectionLimit: 15 }), databaseName: 'small', bootstrapAdmin: false,
    })).toThrow("Test/Small: invalid 'database.connectionLimit': 15 is below the 40 connections the application may hold at its peak");
  });

  test('two Umami on one cluster with the same database name fail at synth', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const shared = new AuroraPostgresCluster(stack, 'Shared', { vpc: cluster.vpc });
    new UmamiService(stack, 'Marketing', { cluster, database: shared.database(), bootstrapAdmin: false });
    expect(() => new UmamiService(stack, 'Shop', { cluster, database: shared.database(), bootstrapAdmin: false }))
      .toThrow("Test/Shop: invalid 'databaseName': 'umami' is already the database of Test/Marketing on the same server");
  });

  test('an image mirrored into a private ECR repository is pulled with a grant', () => {
    const stack = testStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Mirror', 'mirror/umami');
    new UmamiService(stack, 'Umami', { ecrRepository: repo, bootstrapAdmin: false });
    const t = Template.fromStack(stack);
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition')) as any[];
    expect(JSON.stringify(task.Properties.ContainerDefinitions[0].Image)).toContain('mirror/umami:3.1.0');
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage']) })]) },
    });
    expect(() => new UmamiService(testStack(), 'Both', { ecrRepository: repo, imageRepository: 'ghcr.io/x/y' }))
      .toThrow(/Test\/Both: invalid 'imageRepository': both imageRepository and ecrRepository are set/);
  });
});
