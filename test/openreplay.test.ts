import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseSource, ObservabilityBundle, OpenReplayLayout, OpenReplayPlatform, OpenReplayPlatformProps } from '../src';
import { cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { testStack } from './helpers/stacks';

function build(props: Partial<OpenReplayPlatformProps> = {}) {
  const app = testApp();
  const stack = testStack(app);
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
  const replay = new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, ...props });
  return { app, stack, replay, t: Template.fromStack(stack) };
}

type Container = {
  Name: string;
  Image: string;
  Environment?: Array<{ Name: string; Value: any }>;
  Secrets?: Array<{ Name: string; ValueFrom: any }>;
  PortMappings?: Array<{ ContainerPort: number }>;
  HealthCheck?: { Command: string[] };
};

function containers(t: Template): Container[] {
  return Object.values(t.findResources('AWS::ECS::TaskDefinition')).flatMap((r: any) => r.Properties.ContainerDefinitions);
}

describe('OpenReplayPlatform, grouped layout (default)', () => {
  const { t, replay } = build();
  const all = containers(t);
  const named = (n: string) => all.find((c) => c.Name === n)!;

  test('every FOSS service runs, pinned to the tested release', () => {
    const expected: { [name: string]: string } = {
      frontend: 'v1.27.17',
      chalice: 'v1.27.14',
      api: 'v1.27.6',
      http: 'v1.27.1',
      canvases: 'v1.27.0',
      images: 'v1.27.0',
      integrations: 'v1.27.0',
      spot: 'v1.27.0',
      sourcemapreader: 'v1.27.0',
      sink: 'v1.27.2',
      storage: 'v1.27.0',
      ender: 'v1.27.4',
      heuristics: 'v1.27.1',
      db: 'v1.27.3',
      assets: 'v1.27.2',
      alerts: 'v1.27.2',
      assist: 'v1.27.4',
    };
    for (const [name, tag] of Object.entries(expected)) {
      expect(named(name)?.Image).toBe(`public.ecr.aws/p1t3u8a3/${name}:${tag}`);
    }
    expect(named('gateway').Image).toBe('public.ecr.aws/nginx/nginx:1.27-alpine');
    expect(OpenReplayPlatform.RELEASE).toBe('v1.27.0');
  });

  test('x86_64 tasks; default footprint within 2 vCPU and 8 GiB', () => {
    const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r: any) => r.Properties)
      .filter((p: any) => !p.ContainerDefinitions.some((c: any) => c.Name === 'postgres')); // the one-off migration task
    let cpu = 0; let mem = 0;
    for (const d of defs) {
      expect(d.RuntimePlatform.CpuArchitecture).toBe('X86_64');
      cpu += Number(d.Cpu); mem += Number(d.Memory);
    }
    expect(defs).toHaveLength(4); // web (+gateway), workers, assist (+alerts), clickhouse
    expect(cpu).toBeLessThanOrEqual(2048);
    expect(mem).toBeLessThanOrEqual(8192);
    expect({ cpu, mem }).toEqual({ cpu: 1792, mem: 8192 });
  });

  test('ports and health checks on the real endpoints', () => {
    expect(named('chalice').PortMappings![0].ContainerPort).toBe(8000);
    expect(named('chalice').HealthCheck!.Command[1]).toContain('http://127.0.0.1:8000/signup');
    expect(named('api').Environment).toContainEqual({ Name: 'HTTP_PORT', Value: '8081' });
    // The Go HTTP services answer / on HTTP_PORT (/health there is a 404 with the v1.27.0 binaries).
    expect(named('api').HealthCheck!.Command[1]).toContain('http://127.0.0.1:8081/ ');
    expect(named('sourcemapreader').Environment).toContainEqual({ Name: 'SMR_HOST', Value: '0.0.0.0' });
    expect(named('assist').PortMappings![0].ContainerPort).toBe(9001);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/gateway-health', Port: 8090 });
  });

  test('the services that exit without it get their required configuration', () => {
    // api: ASSIST_URL is required (backend/internal/config/api/config.go).
    expect(named('api').Environment).toContainEqual({ Name: 'ASSIST_URL', Value: expect.stringMatching(/^http:\/\/assist\..*:9001\/assist\/%s$/) });
    // canvases and images: POSTGRES_STRING (common.Postgres) and REDIS_STRING (the Redis stream producer).
    for (const name of ['canvases', 'images']) {
      expect(named(name).Secrets!.map((s) => s.Name)).toContain('POSTGRES_STRING');
      expect(named(name).Secrets!.map((s) => s.Name)).toContain('REDIS_STRING');
    }
  });

  test('no health check the image cannot run; no two listeners on one port of a task', () => {
    // frontend is distroless nginx (no shell, no wget).
    expect(named('frontend').HealthCheck).toBeUndefined();
    // sourcemapreader's and assist's health apps default to :8888, where the Go services serve metrics and alerts'
    // uvicorn listens; alerts runs with assist, away from every Go service.
    expect(named('sourcemapreader').Environment).toContainEqual({ Name: 'HEALTH_PORT', Value: '9002' });
    expect(named('assist').Environment).toContainEqual({ Name: 'HEALTH_PORT', Value: '8889' });
    expect(named('assist').HealthCheck!.Command[1]).toContain('http://127.0.0.1:8889/health');
    const taskOf = (n: string) => Object.entries(t.findResources('AWS::ECS::TaskDefinition'))
      .find(([, r]: [string, any]) => r.Properties.ContainerDefinitions.some((c: any) => c.Name === n))![0];
    expect(taskOf('alerts')).toBe(taskOf('assist'));
    expect(taskOf('alerts')).not.toBe(taskOf('sink'));
  });

  test('shared secrets go to exactly the services that need them, as ECS secrets', () => {
    const holders = (secret: string) => all.filter((c) => (c.Secrets ?? []).some((s) => s.Name === secret)).map((c) => c.Name).sort();
    expect(holders('JWT_SECRET')).toEqual(['api', 'chalice', 'http', 'integrations', 'spot']);
    expect(holders('ASSIST_KEY')).toEqual(['api', 'assist', 'chalice']);
    expect(holders('TOKEN_SECRET')).toEqual(['canvases', 'http', 'images', 'spot']);
    const secretRef = (c: Container, name: string) => c.Secrets!.find((s) => s.Name === name)!.ValueFrom;
    expect(secretRef(named('api'), 'JWT_SECRET')).toEqual(secretRef(named('http'), 'JWT_SECRET'));
    for (const c of all) {
      for (const e of c.Environment ?? []) {
        expect(e.Name).not.toMatch(/SECRET|PASSWORD|^POSTGRES_STRING$|ASSIST_KEY/i);
      }
    }
    expect(secretRef(named('db'), 'POSTGRES_STRING')).toEqual({ 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^ReplayAppDatabaseopenreplaySecret/) }, ':DATABASE_URL::']] });
  });

  test('buckets private, encrypted, SSL-only; recordings expire after 30 days; assets through CloudFront with OAC', () => {
    const buckets = Object.values(t.findResources('AWS::S3::Bucket')).map((b: any) => b.Properties);
    expect(buckets.length).toBe(7); // five OpenReplay buckets, their access logs, the load balancer's access logs
    for (const b of buckets) {
      expect(b.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
    }
    // Recordings, spots, usability-test records and source maps: SSE-KMS with the recordings key; the CDN's assets
    // and the log buckets: SSE-S3.
    const sse = Object.entries(t.findResources('AWS::S3::Bucket'))
      .map(([id, b]: [string, any]) => [id.replace(/[0-9A-F]{8}$/, ''), b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]]);
    const kmsBuckets = sse.filter(([, c]: any) => c.ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms').map(([id]) => id).sort();
    expect(kmsBuckets).toEqual(['ReplayStorageMobs', 'ReplayStorageSourcemaps', 'ReplayStorageSpots', 'ReplayStorageUxtestingRecords']);
    for (const [, c] of sse.filter(([id]) => kmsBuckets.includes(id as string)) as any[]) {
      expect(c.ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ReplayStorageRecordingsKey/), 'Arn'] });
      expect(c.BucketKeyEnabled).toBe(true);
    }
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('OpenReplay recordings') });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://replay.example.com'] })] },
    });
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    expect(named('sink').Environment).toContainEqual({ Name: 'ASSETS_ORIGIN', Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/AssetsDistribution/), 'DomainName'] }]] } });
  });

  test('task roles reach only their own buckets (no S3 access on "*")', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).map((p: any) => p.Properties.PolicyDocument.Statement).flat();
    for (const st of policies) {
      const actions = [].concat(st.Action);
      if (actions.some((a: string) => a.startsWith('s3:'))) {
        for (const r of [].concat(st.Resource)) expect(r).not.toBe('*');
      }
    }
    const storagePolicy = Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => /^ReplayWorkersTaskDefinitionTaskRole/.test(id));
    expect(storagePolicy).toHaveLength(1);
    const resources = JSON.stringify(storagePolicy[0][1]);
    expect(resources).toMatch(/StorageMobs/);
    expect(resources).toMatch(/StorageSessionsAssets/);
    expect(resources).not.toMatch(/StorageSourcemaps|StorageSpots/);
  });

  test('object tagging for uploads and chalice\'s deletion jobs; the recordings key for the roles of recording buckets', () => {
    const statements = (task: string) => Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([id]) => new RegExp(`^Replay${task}TaskDefinitionTaskRole`).test(id))
      .flatMap(([, p]: [string, any]) => p.Properties.PolicyDocument.Statement);
    for (const task of ['Web', 'Workers']) {
      const s3Objects = statements(task).find((st: any) => ([] as string[]).concat(st.Action).includes('s3:PutObject'));
      expect(s3Objects.Action).toEqual(expect.arrayContaining(['s3:GetObjectTagging', 's3:PutObjectTagging']));
      expect(statements(task)).toContainEqual(expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ReplayStorageRecordingsKey/), 'Arn'] },
      }));
    }
    // integrations: BUCKET_NAME is the mobs bucket (its image default is "spots").
    expect(named('integrations').Environment).toContainEqual({ Name: 'BUCKET_NAME', Value: { Ref: expect.stringMatching(/^ReplayStorageMobs/) } });
    expect(named('chalice').Environment).toContainEqual({ Name: 'IOS_VIDEO_BUCKET', Value: { Ref: expect.stringMatching(/^ReplayStorageMobs/) } });
  });

  test('session files: the task volume is handed to uid 1001 by a root init container before the Go services start', () => {
    for (const task of Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r: any) => r.Properties)) {
      const users = task.ContainerDefinitions.filter((c: any) => (c.MountPoints ?? []).some((m: any) => m.ContainerPath === '/mnt/efs'));
      if (users.length === 0) continue;
      const init = task.ContainerDefinitions.find((c: any) => c.Name === 'session-files-init');
      expect(init).toMatchObject({
        Essential: false, User: '0', ReadonlyRootFilesystem: true, EntryPoint: ['/bin/sh', '-c'], Command: ['chown 1001:1001 /mnt/efs && chmod 0770 /mnt/efs'],
      });
      expect(init.MountPoints).toEqual([{ ContainerPath: '/mnt/efs', SourceVolume: 'session-files', ReadOnly: false }]);
      for (const c of users.filter((x: any) => x !== init)) {
        expect([c.Name, c.DependsOn]).toEqual([c.Name, expect.arrayContaining([{ ContainerName: 'session-files-init', Condition: 'SUCCESS' }])]);
      }
    }
  });

  test('ClickHouse on encrypted EFS, one task; Valkey with TLS, at-rest encryption and noeviction', () => {
    t.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true, BackupPolicy: { Status: 'ENABLED' } });
    t.hasResourceProperties('AWS::EFS::AccessPoint', { PosixUser: { Uid: '101', Gid: '101' } });
    t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Engine: 'valkey', TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true });
    t.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { Properties: { 'maxmemory-policy': 'noeviction' } });
    expect(replay.services.clickhouse).toBeDefined();
  });

  test('Valkey: AUTH token by dynamic reference, the URL with the token as an ECS secret, one cheap node by default', () => {
    const group = Object.values(t.findResources('AWS::ElastiCache::ReplicationGroup'))[0].Properties;
    expect(group).toMatchObject({ CacheNodeType: 'cache.t4g.micro', NumCacheClusters: 1, AutomaticFailoverEnabled: false, TransitEncryptionEnabled: true });
    expect(JSON.stringify(group.AuthToken)).toMatch(/^\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:",\{"Ref":"ReplayRedisAuthToken[0-9A-F]{8}"\},":SecretString:::\}\}"\]\]\}$/);
    const url = Object.entries(t.findResources('AWS::SecretsManager::Secret')).find(([id]) => /^ReplayRedisUrl/.test(id))![1] as any;
    const parts = JSON.stringify(url.Properties.SecretString);
    expect(parts).toContain('rediss://:{{resolve:secretsmanager:');
    expect(parts).toMatch(/PrimaryEndPoint\.Address.*:6379/);
    for (const n of ['http', 'sink', 'storage', 'ender', 'heuristics', 'db', 'assets', 'canvases', 'images', 'chalice']) {
      expect([n, named(n).Secrets]).toEqual([n, expect.arrayContaining([{ Name: 'REDIS_STRING', ValueFrom: { Ref: expect.stringMatching(/^ReplayRedisUrl/) } }])]);
      expect(named(n).Environment!.map((e) => e.Name)).not.toContain('REDIS_STRING');
    }
    // The streams are sized to the node: 11 streams of 64 KiB entries fill 80% of the 0.375 GiB of data memory.
    for (const n of ['http', 'sink', 'db', 'canvases']) expect(named(n).Environment).toContainEqual({ Name: 'REDIS_STREAMS_MAX_LEN', Value: '446' });
    // assist (FOSS) uses no Redis.
    expect([...(named('assist').Environment ?? []), ...(named('assist').Secrets ?? [])].map((e) => e.Name)).not.toContain('REDIS_URL');
    expect(replay.cache).toBeDefined();
  });

  test('migrations run before the services, after the database and ClickHouse', () => {
    const res = t.toJSON().Resources;
    const migration = Object.keys(res).find((k) => res[k].Type === 'Custom::RunTaskOnDeploy')!;
    const services = Object.keys(res).filter((k) => res[k].Type === 'AWS::ECS::Service' && !/ClickHouse/.test(k));
    expect(services).toHaveLength(3);
    for (const s of services) expect(res[s].DependsOn).toContain(migration);
    expect(JSON.stringify(res[migration].DependsOn)).toMatch(/ClickHouseService/);
    expect(res[migration].Properties.Fingerprint).toBe('v1.27.0@dbb68105e865052d6ec0d49c9d2d13cf5d5f4aef');
  });

  test('migrations fetch the schema at the pinned commit and apply the upgrade scripts of an existing database', () => {
    const task = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r: any) => r.Properties)
      .find((p: any) => p.ContainerDefinitions.some((c: any) => c.Name === 'postgres'));
    // postgres: the image's entrypoint execs `sh -c <script>`; clickhouse: `sh -c` is the entry point (not /entrypoint.sh).
    const script = (n: string) => {
      const c = task.ContainerDefinitions.find((x: any) => x.Name === n);
      return [...(c.EntryPoint ?? []), ...c.Command].slice(2).join(' ') as string;
    };
    expect(task.ContainerDefinitions.find((x: any) => x.Name === 'postgres').Command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(task.ContainerDefinitions.find((x: any) => x.Name === 'clickhouse').EntryPoint).toEqual(['sh', '-c']);
    for (const n of ['postgres', 'clickhouse']) {
      const urls = script(n).match(/https:\/\/[^'"\s]+/g)!;
      expect(urls).toEqual(['https://raw.githubusercontent.com/openreplay/openreplay/dbb68105e865052d6ec0d49c9d2d13cf5d5f4aef/scripts/schema/db/init_dbs/' + n.replace('postgres', 'postgresql')]);
    }
    expect(script('postgres')).toContain('run 1.27.0/1.27.0.sql');
    expect(script('clickhouse')).toContain('run 1.27.0/$n.sql');
  });

  test('database TLS: every container reading POSTGRES_STRING or pg_* trusts the database CA file, the migrations too', () => {
    const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition')).map((r: any) => r.Properties);
    let consumers = 0;
    for (const d of defs) {
      for (const c of d.ContainerDefinitions) {
        const reads = [...(c.Secrets ?? []), ...(c.Environment ?? [])].some((e: any) => e.Name === 'POSTGRES_STRING' || e.Name === 'pg_password');
        if (!reads) continue;
        consumers++;
        expect([c.Name, c.Environment]).toEqual([c.Name, expect.arrayContaining([
          { Name: 'PGSSLROOTCERT', Value: '/etc/ssl/database/ca.pem' }, { Name: 'PGSSLMODE', Value: 'verify-full' },
        ])]);
        expect(c.DependsOn).toContainEqual({ ContainerName: 'database-ca', Condition: 'SUCCESS' });
        expect(d.ContainerDefinitions.find((x: any) => x.Name === 'database-ca')).toBeDefined();
      }
    }
    expect(consumers).toBe(12); // chalice, api, http, canvases, images, integrations, spot, sink, ender, db, alerts, migrations
    // pg_port is a string in the environment (an imported database gives a number token).
    expect(typeof named('chalice').Environment!.find((e) => e.Name === 'pg_port')!.Value).not.toBe('number');
  });

  test('the first admin and project are bootstrapped after the services', () => {
    t.hasResourceProperties('Custom::OpenReplayBootstrap', { BaseUrl: 'https://replay.example.com', ProjectName: 'default', OrganizationName: 'OpenReplay' });
    expect(replay.ingestPoint).toBe('https://replay.example.com/ingest');
    expect(replay.projectKey).toMatch(/TOKEN/);
    expect(replay.adminSecret).toBeDefined();
  });
});

describe('OpenReplayPlatform options', () => {
  test('Spot in the grouped layout (a development lever): every task and ClickHouse on FARGATE_SPOT', () => {
    const { t } = build({ useSpot: true });
    const services = Object.entries(t.findResources('AWS::ECS::Service'));
    const spot = services.filter(([, r]: [string, any]) => JSON.stringify(r.Properties.CapacityProviderStrategy ?? []).includes('FARGATE_SPOT'))
      .map(([id]) => id.replace(/Service[0-9A-F]{8}$/, ''));
    expect(spot.sort()).toEqual(['ReplayAssist', 'ReplayClickHouse', 'ReplayWeb', 'ReplayWorkers']);
  });

  test('one service per task: per-service tasks, EFS session files for sink/storage, Spot for stateless workers', () => {
    const { t, replay } = build({ layout: OpenReplayLayout.SERVICE_PER_TASK, useSpot: true, version: 'v1.27.0' });
    expect(Object.keys(replay.services).sort()).toEqual([
      'alerts', 'api', 'assets', 'assist', 'canvases', 'chalice', 'clickhouse', 'db', 'ender', 'frontend', 'gateway', 'heuristics',
      'http', 'images', 'integrations', 'sink', 'sourcemapreader', 'spot', 'storage',
    ]);
    const all = containers(t);
    expect(all.find((c) => c.Name === 'frontend')!.Image).toBe('public.ecr.aws/p1t3u8a3/frontend:v1.27.0');
    t.hasResourceProperties('AWS::EFS::AccessPoint', { PosixUser: { Uid: '1001', Gid: '1001' } });
    t.hasResourceProperties('AWS::ECS::Service', { CapacityProviderStrategy: Match.arrayWith([{ CapacityProvider: 'FARGATE_SPOT', Weight: 3 }]) });
  });

  test('Valkey for production: a Multi-AZ replica with failover; the streams sized from a bigger node; memory alarms through the bundle', () => {
    const stack = testStack(testApp());
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const replay = new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, redisMultiAz: true, redisNodeType: 'cache.m7g.large' });
    new ObservabilityBundle(stack, 'Observability').monitor(replay.cache!);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheNodeType: 'cache.m7g.large', NumCacheClusters: 2, AutomaticFailoverEnabled: true, MultiAZEnabled: true,
    });
    const http = containers(t).find((c) => c.Name === 'http')!;
    expect(http.Environment).toContainEqual({ Name: 'REDIS_STREAMS_MAX_LEN', Value: '5701' });
    expect(JSON.stringify(t.findResources('AWS::CloudWatch::Alarm'))).toContain('DatabaseMemoryUsagePercentage');
  });

  test('Valkey: an explicit stream limit; an existing Redis whose URL carries credentials, from a secret', () => {
    expect(containers(build({ redisStreamsMaxLen: 2000 }).t).find((c) => c.Name === 'sink')!.Environment)
      .toContainEqual({ Name: 'REDIS_STREAMS_MAX_LEN', Value: '2000' });
    const app = testApp();
    const stack = testStack(app);
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const secret = new secretsmanager.Secret(stack, 'RedisUrl');
    new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, redisUrlSecret: secret });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    const sink = containers(t).find((c) => c.Name === 'sink')!;
    expect(sink.Secrets).toContainEqual({ Name: 'REDIS_STRING', ValueFrom: { Ref: expect.stringMatching(/^RedisUrl/) } });
    expect(sink.Environment!.map((e) => e.Name)).not.toContain('REDIS_STREAMS_MAX_LEN'); // upstream's default
  });

  test('sessions assets: nothing ignored on the default certificate; a custom domain with TLS 1.2 when a certificate is given', () => {
    const plain = build();
    expect(Annotations.fromStack(plain.stack).findWarning('*', Match.stringLikeRegexp('minimumProtocolVersion'))).toEqual([]);
    const dist = Object.values(plain.t.findResources('AWS::CloudFront::Distribution'))[0].Properties.DistributionConfig;
    expect(dist.ViewerCertificate).toBeUndefined();
    expect(dist.Aliases).toBeUndefined();

    const cert = acm.Certificate.fromCertificateArn(testStack(testApp(), 'Certs'), 'AssetsCert',
      'arn:aws:acm:us-east-1:111111111111:certificate/11111111-1111-1111-1111-111111111111');
    const custom = build({ assetsCertificate: cert });
    expect(Annotations.fromStack(custom.stack).findWarning('*', Match.stringLikeRegexp('minimumProtocolVersion'))).toEqual([]);
    custom.t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['assets.replay.example.com'],
        ViewerCertificate: { AcmCertificateArn: cert.certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      }),
    });
    custom.t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'assets.replay.example.com.', Type: 'A' });
    expect(containers(custom.t).find((c) => c.Name === 'sink')!.Environment).toContainEqual({ Name: 'ASSETS_ORIGIN', Value: 'https://assets.replay.example.com' });
    expect(formatFindings(nagFindings(custom.stack)).filter((f) => /CFR4|Distribution/.test(f))).toEqual([]);
  });

  test('sessions assets in a us-east-1 stack with a hosted zone: the certificate is created', () => {
    const app = testApp();
    const stack = new Stack(app, 'East', { env: { account: '111111111111', region: 'us-east-1' } });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, assetsDomainName: 'cdn.replay.example.com' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'cdn.replay.example.com', ValidationMethod: 'DNS' });
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Aliases: ['cdn.replay.example.com'], ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }) }),
    });
  });

  test('an imported database: pg_port is a string in the environment', () => {
    const app = testApp();
    const stack = testStack(app);
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'db', instanceEndpointAddress: 'db.example.internal', port: 5432, securityGroups: [],
    });
    new OpenReplayPlatform(stack, 'Replay', {
      vpc,
      domainName: 'replay.example.com',
      hostedZone: zone,
      database: DatabaseSource.fromInstance(instance, new secretsmanager.Secret(stack, 'Admin')),
    });
    const all = containers(Template.fromStack(stack));
    for (const n of ['chalice', 'alerts']) {
      expect(all.find((c) => c.Name === n)!.Environment).toContainEqual({ Name: 'pg_port', Value: '5432' });
    }
  });

  test('external ClickHouse and Redis', () => {
    const app = testApp();
    const stack = testStack(app);
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
    const creds = new secretsmanager.Secret(stack, 'ChCreds');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    new OpenReplayPlatform(stack, 'Replay', {
      vpc,
      domainName: 'replay.example.com',
      hostedZone: zone,
      externalClickHouse: { host: 'ch.internal.example.com', credentials: creds },
      redisUrl: 'rediss://redis.internal.example.com:6379',
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    t.resourceCountIs('AWS::EFS::FileSystem', 0);
    const db = containers(t).find((c) => c.Name === 'db')!;
    expect(db.Environment).toContainEqual({ Name: 'CLICKHOUSE_STRING', Value: 'tcp://ch.internal.example.com:9000/default' });
    expect(db.Environment).toContainEqual({ Name: 'REDIS_STRING', Value: 'rediss://redis.internal.example.com:6379' });
    expect(db.Secrets!.map((s) => s.Name)).toEqual(expect.arrayContaining(['CH_USERNAME', 'CH_PASSWORD']));
  });
});

describe('OpenReplayPlatform validation', () => {
  const cases: Array<[string, Partial<OpenReplayPlatformProps>, string]> = [
    ['ARM runtime', { cpuArchitecture: ecs.CpuArchitecture.ARM64 }, "Test/Replay: invalid 'cpuArchitecture': OpenReplay publishes x86_64 images only. Remove cpuArchitecture (X86_64 is used)."],
    ['retention of 0 days', { recordingRetention: Duration.days(0) }, "Test/Replay: invalid 'recordingRetention': 0 days is outside 1..3650 days. Use 1 to 3650 days."],
    ['external ClickHouse without credentials', { externalClickHouse: { host: 'ch.example.com' } as any },
      "Test/Replay: invalid 'externalClickHouse.credentials': an external ClickHouse needs its credentials secret."],
    ['bad redis URL', { redisUrl: 'redis.example.com:6379' }, "Test/Replay: invalid 'redisUrl': 'redis.example.com:6379' is not a redis:// or rediss:// URL."],
    ['bad version', { version: 'latest' }, "Test/Replay: invalid 'version': 'latest' is not a release tag such as v1.27.0."],
    ['version of another release line', { version: 'v1.28.0' },
      "Test/Replay: invalid 'version': the schema scripts are pinned to v1.27.0 (commit dbb68105e); v1.28.0 may need another schema. Use a v1.27.x tag"],
    ['no certificate source', { hostedZone: undefined }, "Test/Replay: invalid 'hostedZone': the default load balancer needs a certificate for domainName (the tracker refuses plain HTTP)."],
    ['bad admin email', { adminEmail: 'admin' }, "Test/Replay: invalid 'adminEmail': 'admin' is not an email address."],
    ['Valkey node of unknown memory', { redisNodeType: 'cache.x9.huge' },
      "Test/Replay: invalid 'redisStreamsMaxLen': the memory of node type 'cache.x9.huge' is not known, so the streams cannot be sized. Set redisStreamsMaxLen"],
    ['stream limit out of range', { redisStreamsMaxLen: 10 }, "Test/Replay: invalid 'redisStreamsMaxLen'"],
    ['two Redis URLs', { redisUrl: 'rediss://r.example.com:6379', redisUrlSecret: {} as any }, "Test/Replay: invalid 'redisUrlSecret': redisUrl and redisUrlSecret are both set."],
  ];
  test.each(cases)('%s', (_n, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('OpenReplayPlatform compliance', () => {
  test('zero unacknowledged cdk-nag findings; cfn-lint clean (grouped)', () => {
    const { stack } = build();
    expect(cfnLintErrors(stack)).toEqual([]);
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('zero unacknowledged cdk-nag findings; cfn-lint clean (one service per task, Spot)', () => {
    const { stack } = build({ layout: OpenReplayLayout.SERVICE_PER_TASK, useSpot: true });
    expect(cfnLintErrors(stack)).toEqual([]);
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });
});
