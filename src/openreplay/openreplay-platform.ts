import { CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { BootstrapFunction } from './bootstrap-function';
import { ackSecret, ClickHouseTier, RedisTier } from './data';
import { gatewayCommand, renderGatewayConfig, renderGatewayNginxConf, Upstreams } from './gateway-config';
import { clickhouseMigrationScript, postgresMigrationScript, schemaBaseUrl } from './migrations';
import { OpenReplayLayout, OpenReplayPlatformProps } from './props';
import { initLogging } from './scratch-volumes';
import { OPENREPLAY_REGISTRY, OPENREPLAY_RELEASE, OPENREPLAY_SCHEMA, SERVICES, ServiceSpec, SHARED_SECRETS, SharedSecretName } from './services';
import { OpenReplayStorage } from './storage';
import { customResourceHandler, runTaskOnDeploy } from '../core/custom-resource-function';
import { DATABASE_CA_CONTAINER, trustDatabaseCa } from '../core/database-ca';
import { resolveCluster } from '../core/default-platform';
import { HardenedFargateService } from '../core/fargate-service';
import { Ingress } from '../core/ingress';
import { acknowledgeAwsSolutions, acknowledgeCompliance, acknowledgeInlineGrants, acknowledgeUnscopableActions } from '../core/nag';
import { allowDefaultPortFrom } from '../core/network';
import { DatabaseBinding, DatabaseSource } from '../core/postgres';
import { addScratchVolumes } from '../core/scratch-volumes';
import {
  checkCacheNodeType, checkCertificateRegion, checkDomainName, checkImageTag, checkInZone, checkLogRetentionDays, checkPattern,
  checkRange, checkRequired, checkRule, checkWholeDuration, propError,
} from '../core/validation';
import { openReplayAccountNameProblem, openReplayProjectNameProblem } from '../core/validation-rules';

const VOLUME = 'session-files';
const FS_DIR = '/mnt/efs';
/** The user of the Go images (backend/Dockerfile: USER 1001). */
const FILES_UID = '1001';
const FILES_INIT = 'session-files-init';
const GATEWAY_PORT = 8090;
const GATEWAY_IMAGE = 'public.ecr.aws/nginx/nginx:1.27-alpine';
/** The image's nginx user (docker-nginx alpine-slim/Dockerfile: adduser -u 101, group 101). */
const GATEWAY_USER = '101:101';
/** The users the OpenReplay images run as (docs/containers.md): uid 1001 everywhere, 65532 in the Chainguard frontend. */
const SERVICE_USER = `${FILES_UID}:${FILES_UID}`;
const FRONTEND_USER = '65532:65532';
const GROUP_SIZES: { [group: string]: { cpu: number; memory: number } } = {
  web: { cpu: 512, memory: 2048 },
  workers: { cpu: 512, memory: 2048 },
  // assist and the alerts scheduler
  assist: { cpu: 256, memory: 1024 },
};
const CLICKHOUSE_SIZE = { cpu: 512, memory: 3072 };

/**
 * OpenReplay session replay, self-hosted: its services on Fargate behind an nginx gateway that implements the
 * upstream routing, PostgreSQL, ClickHouse on EFS, Valkey, private S3 buckets (recordings expire), schema migrations
 * as one-off tasks before the services start, and the first administrator and project as code.
 *
 * @example
 * const replay = new OpenReplayPlatform(this, 'Replay', { domainName: 'replay.example.com', hostedZone: zone });
 * // in the site: new Tracker({ projectKey: <replay.projectKey>, ingestPoint: replay.ingestPoint })
 */
export class OpenReplayPlatform extends Construct {
  /** The tested OpenReplay release. */
  public static readonly RELEASE = OPENREPLAY_RELEASE;

  /** Dashboard URL. */
  public readonly url: string;
  /** The tracker's `ingestPoint`. */
  public readonly ingestPoint: string;
  /** Key of the first project (from the bootstrap), for the tracker's `projectKey`. */
  public readonly projectKey?: string;
  /** Login of the first administrator (`email`, `password`), when `bootstrap` is on. */
  public readonly adminSecret?: secretsmanager.ISecret;
  /** The buckets, by OpenReplay name (`mobs`, `sessions-assets`, `sourcemaps`, `spots`, `uxtesting-records`). */
  public readonly buckets: { [name: string]: s3.IBucket };
  /** The Fargate services, by task name (grouped: web, workers, assist; else one per OpenReplay service), and clickhouse. */
  public readonly services: { [name: string]: HardenedFargateService } = {};
  /** The service behind the load balancer (the gateway's task). */
  public readonly gateway: HardenedFargateService;
  /** OpenReplay's database. */
  public readonly database: DatabaseBinding;
  /** Network connections of every OpenReplay task. */
  public readonly connections: ec2.Connections;
  /**
   * The Valkey replication group this construct runs (none with an existing Redis): `ObservabilityBundle.monitorScope`
   * finds it, or alarm on its memory with `monitorCache`.
   */
  public readonly cache?: elasticache.CfnReplicationGroup;

  constructor(scope: Construct, id: string, props: OpenReplayPlatformProps) {
    super(scope, id);
    const where = this.node.path;
    const stack = Stack.of(this);
    checkRequired(where, 'domainName', props.domainName, 'Set domainName to the name OpenReplay is served under, e.g. replay.example.com.');
    checkDomainName(where, 'domainName', props.domainName);
    checkInZone(where, 'domainName', props.domainName, props.hostedZone?.zoneName);
    checkCacheNodeType(where, 'redisNodeType', props.redisNodeType);
    if (props.logRetention !== logs.RetentionDays.INFINITE) checkLogRetentionDays(where, 'logRetention', props.logRetention);
    checkRule(where, 'organizationName', props.organizationName ?? 'OpenReplay', openReplayAccountNameProblem,
      'Use letters, digits, spaces, hyphens, apostrophes and periods, e.g. \'Acme Inc.\'.');
    checkRule(where, 'projectName', props.projectName ?? 'default', openReplayProjectNameProblem,
      'Use letters a-z, digits, spaces and , - | & / \\ _ . # \', e.g. \'my-project\'.');
    if (props.clickHouseImage !== undefined && !Token.isUnresolved(props.clickHouseImage)) {
      checkRequired(where, 'clickHouseImage', props.clickHouseImage, 'Give an image such as clickhouse/clickhouse-server:26.2, or leave it unset.');
      const tag = /:([^/:]*)$/.exec(props.clickHouseImage)?.[1];
      if (tag !== undefined) checkImageTag(where, 'clickHouseImage', tag);
    }
    if (props.assetsCertificate) {
      checkCertificateRegion(where, 'assetsCertificate', props.assetsCertificate.certificateArn, 'us-east-1', 'CloudFront');
    }
    if (props.cpuArchitecture && props.cpuArchitecture !== ecs.CpuArchitecture.X86_64) {
      propError(where, 'cpuArchitecture', 'OpenReplay publishes x86_64 images only', 'Remove cpuArchitecture (X86_64 is used).');
    }
    const retention = props.recordingRetention ?? Duration.days(30);
    checkWholeDuration(where, 'recordingRetention', retention, 'days', 1, 3650);
    if (props.externalClickHouse && !props.externalClickHouse.credentials) {
      propError(where, 'externalClickHouse.credentials', 'an external ClickHouse needs its credentials secret',
        'Pass a secret with username and password of a user that may create the OpenReplay databases.');
    }
    if (props.redisUrl !== undefined && !Token.isUnresolved(props.redisUrl) && !/^rediss?:\/\/[^/\s]+$/.test(props.redisUrl)) {
      propError(where, 'redisUrl', `'${props.redisUrl}' is not a redis:// or rediss:// URL`, 'Use rediss://host:6379 (TLS) or redis://host:6379.');
    }
    if (!props.ingress && !props.hostedZone && !props.certificate) {
      propError(where, 'hostedZone', 'the default load balancer needs a certificate for domainName (the tracker refuses plain HTTP)',
        'Set hostedZone (a DNS-validated certificate is created) or certificate, or pass ingress.');
    }
    const adminEmail = props.adminEmail ?? `admin@${props.domainName}`;
    checkPattern(where, 'adminEmail', adminEmail, /^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an email address');
    const layout = props.layout ?? OpenReplayLayout.GROUPED;
    const removal = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const version = props.version;
    if (version !== undefined) {
      checkPattern(where, 'version', version, /^v\d+\.\d+\.\d+$/, 'a release tag such as v1.27.0');
      const line = OPENREPLAY_RELEASE.replace(/\.\d+$/, '.');
      if (!Token.isUnresolved(version) && !version.startsWith(line)) {
        propError(where, 'version', `the schema scripts are pinned to ${OPENREPLAY_RELEASE} (commit ${OPENREPLAY_SCHEMA.commit.slice(0, 9)}); ${version} may need another schema`,
          `Use a ${line}x tag, or a release of this library that pins ${version}.`);
      }
    }
    const imageOf = (spec: ServiceSpec) => `${OPENREPLAY_REGISTRY}/${spec.name}:${version ?? spec.version}`;

    this.url = `https://${props.domainName}`;
    this.ingestPoint = `${this.url}/ingest`;
    const cluster = resolveCluster(this, where, props);
    const vpc = cluster.vpc;
    const namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
      name: `openreplay.${this.node.addr.slice(0, 8)}.internal`,
      vpc,
      description: `Service names of ${where}`,
    });

    // Data tier.
    this.database = (props.database ?? DatabaseSource.newCluster()).bind(this, { vpc, databaseName: props.databaseName ?? 'openreplay' });
    const assetsDomainName = props.assetsDomainName ?? `assets.${props.domainName}`;
    checkDomainName(where, 'assetsDomainName', assetsDomainName);
    if (props.assetsDomainName !== undefined) checkInZone(where, 'assetsDomainName', assetsDomainName, props.hostedZone?.zoneName);
    const inUsEast1 = !Token.isUnresolved(stack.region) && stack.region === 'us-east-1';
    const assetsCertificate = props.assetsCertificate ?? (props.hostedZone && inUsEast1
      ? new acm.Certificate(this, 'AssetsCertificate', { domainName: assetsDomainName, validation: acm.CertificateValidation.fromDns(props.hostedZone) })
      : undefined);
    const storage = new OpenReplayStorage(this, 'Storage', {
      recordingRetention: retention,
      removalPolicy: removal,
      dashboardOrigin: this.url,
      assetsDomain: assetsCertificate ? { domainName: assetsDomainName, certificate: assetsCertificate, hostedZone: props.hostedZone } : undefined,
    });
    this.buckets = storage.buckets;
    if (props.redisUrl !== undefined && props.redisUrlSecret) {
      propError(where, 'redisUrlSecret', 'redisUrl and redisUrlSecret are both set', 'Keep one: redisUrlSecret when the URL carries credentials.');
    }
    const external = props.redisUrl !== undefined || props.redisUrlSecret !== undefined;
    const redis = external ? undefined : new RedisTier(this, 'Redis', {
      vpc,
      nodeType: props.redisNodeType ?? 'cache.t4g.micro',
      multiAz: props.redisMultiAz,
      streamsMaxLen: props.redisStreamsMaxLen,
      removalPolicy: removal,
      where,
    });
    if (external && props.redisStreamsMaxLen !== undefined) checkRange(where, 'redisStreamsMaxLen', props.redisStreamsMaxLen, 100, 10_000_000);
    this.cache = redis?.replicationGroup;
    const redisSecret = redis ? ecs.Secret.fromSecretsManager(redis.urlSecret)
      : props.redisUrlSecret ? ecs.Secret.fromSecretsManager(props.redisUrlSecret) : undefined;
    const streamsMaxLen = redis?.streamsMaxLen ?? props.redisStreamsMaxLen;
    const clickhouse = props.externalClickHouse ? undefined : new ClickHouseTier(this, 'ClickHouse', {
      cluster,
      namespace,
      image: props.clickHouseImage ?? 'clickhouse/clickhouse-server:26.2',
      cpu: CLICKHOUSE_SIZE.cpu,
      memoryMiB: CLICKHOUSE_SIZE.memory,
      removalPolicy: removal,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      spot: props.useSpot,
    });
    if (clickhouse) this.services.clickhouse = clickhouse.service;
    const chHost = props.externalClickHouse?.host ?? clickhouse!.host;
    const chUser = props.externalClickHouse ? ecs.Secret.fromSecretsManager(props.externalClickHouse.credentials, 'username') : undefined;
    const chPassword = props.externalClickHouse
      ? ecs.Secret.fromSecretsManager(props.externalClickHouse.credentials, 'password')
      : ecs.Secret.fromSecretsManager(clickhouse!.password);

    // Secrets shared by exactly the services that need them.
    const shared: { [name: string]: secretsmanager.Secret } = {};
    for (const name of SHARED_SECRETS) {
      shared[name] = new secretsmanager.Secret(this, `Secret${name.replace(/_/g, '')}`, {
        description: `OpenReplay ${name} (${where})`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: removal,
      });
      ackSecret(shared[name], `${name} signs tokens shared by several OpenReplay services; rotating it means redeploying all of them together.`);
    }

    const grouped = layout === OpenReplayLayout.GROUPED;
    // Another task is reached by its Cloud Map name: the group's in GROUPED (web, workers, assist), the service's otherwise.
    const host = (spec: ServiceSpec, sameTask: boolean) => (sameTask ? '127.0.0.1' : `${grouped ? spec.group : spec.name}.${namespace.namespaceName}`);
    const dnsOf = (name: string, fromGroup?: string) => {
      const spec = SERVICES.find((s) => s.name === name)!;
      return host(spec, grouped && fromGroup === spec.group);
    };

    const containerOf = (spec: ServiceSpec): ecs.ContainerDefinitionOptions & { containerName: string } => {
      const env: { [k: string]: string } = { AWS_REGION: stack.region, AWS_DEFAULT_REGION: stack.region, LOG_LEVEL: 'info' };
      const secrets: { [k: string]: ecs.Secret } = {};
      for (const s of spec.secrets) secrets[s] = ecs.Secret.fromSecretsManager(shared[s as SharedSecretName]);
      if (spec.port && spec.name !== 'frontend' && spec.name !== 'chalice' && spec.name !== 'sourcemapreader' && spec.name !== 'assist') {
        env.HTTP_PORT = String(spec.port);
      }
      if (spec.sharedFiles) env.FS_DIR = FS_DIR;
      if (spec.redis) {
        if (redisSecret) secrets.REDIS_STRING = redisSecret;
        else env.REDIS_STRING = props.redisUrl!;
        if (streamsMaxLen !== undefined && !spec.python) env.REDIS_STREAMS_MAX_LEN = String(streamsMaxLen);
      }
      if (spec.postgres) {
        if (spec.python) {
          Object.assign(env, {
            pg_host: this.database.host, pg_port: this.database.port, pg_dbname: this.database.databaseName, pg_user: this.database.databaseName,
          });
          secrets.pg_password = ecs.Secret.fromSecretsManager(this.database.secret, 'password');
        } else {
          secrets.POSTGRES_STRING = ecs.Secret.fromSecretsManager(this.database.secret, 'DATABASE_URL');
        }
      }
      if (spec.clickhouse) {
        if (spec.python) {
          Object.assign(env, { ch_host: chHost, ch_port: '9000' });
          if (chUser) secrets.ch_user = chUser; else env.ch_user = 'default';
          secrets.ch_password = chPassword;
        } else {
          Object.assign(env, { CLICKHOUSE_STRING: `tcp://${chHost}:9000/default`, CLICKHOUSE_HTTP_STRING: `http://${chHost}:8123/default` });
          if (chUser) secrets.CH_USERNAME = chUser; else env.CH_USERNAME = 'default';
          secrets.CH_PASSWORD = chPassword;
        }
      }
      const bucketEnv = spec.buckets?.[0];
      if (bucketEnv && !spec.python) env.BUCKET_NAME = storage.buckets[bucketEnv].bucketName;
      if (spec.name === 'sink' || spec.name === 'assets') env.ASSETS_ORIGIN = storage.assetsOrigin;
      if (spec.name === 'chalice' || spec.name === 'alerts') {
        Object.assign(env, {
          SITE_URL: this.url,
          S3_HOST: '',
          sessions_region: stack.region,
          root_path: '/api',
          sessions_bucket: storage.buckets.mobs.bucketName,
          IOS_VIDEO_BUCKET: storage.buckets.mobs.bucketName,
          sourcemaps_bucket: storage.buckets.sourcemaps.bucketName,
          js_cache_bucket: storage.buckets['sessions-assets'].bucketName,
          ASSIST_URL: `http://${dnsOf('assist', spec.group)}:9001/assist/%s`,
          sourcemaps_reader: `http://${dnsOf('sourcemapreader', spec.group)}:9000/{}/sourcemaps`,
          EMAIL_HOST: '',
          EMAIL_FROM: `OpenReplay <no-reply@${props.domainName}>`,
        });
        if (spec.name === 'alerts') env.HTTP_PORT = '8888';
      }
      Object.assign(env, spec.env ?? {});
      // api proxies live sessions to assist (backend/internal/config/api/config.go: ASSIST_URL is required).
      if (spec.name === 'api') env.ASSIST_URL = `http://${dnsOf('assist', spec.group)}:9001/assist/%s`;
      if (spec.name === 'frontend') env.TRACKER_HOST = props.domainName;
      if (spec.name === 'http') env.USE_CORS = 'false';
      // Python would try to write __pycache__ next to the code on the read-only root file system.
      if (spec.python) env.PYTHONDONTWRITEBYTECODE = '1';
      if (spec.name === 'storage' || spec.name === 'canvases' || spec.name === 'images') env.FS_CLEAN_HRS = '24';
      const portMappings = spec.port ? [{ containerPort: spec.port, name: `${spec.name}-port` }] : [];
      const checkHealth = spec.health !== undefined && (spec.port !== undefined || !grouped || spec.health.port !== 8888);
      const frontend = spec.name === 'frontend';
      return {
        containerName: spec.name,
        image: ecs.ContainerImage.fromRegistry(imageOf(spec)),
        environment: env,
        secrets,
        portMappings,
        essential: true,
        // Every OpenReplay image runs as a non-root user with nothing to write outside FS_DIR (a volume), except the
        // frontend's nginx, which keeps a writable root: its image (cgr.dev/chainguard/nginx, unpinned upstream) has no
        // shell, and the paths its nginx writes (pid file in /run or /var/run, temp files under /var/lib/nginx/tmp, any
        // access log file of its nginx.conf) differ between revisions of the base image and are not verified for this
        // release; volumes at wrong paths would stop the dashboard (docs/containers.md). It runs as its own user.
        user: frontend ? FRONTEND_USER : SERVICE_USER,
        readonlyRootFilesystem: !frontend,
        // In a grouped task only one Go worker can bind the fixed :8888 health port, so workers there have no
        // container health check (the circuit breaker still catches tasks that exit).
        healthCheck: checkHealth ? {
          command: ['CMD-SHELL', `wget -qO- http://127.0.0.1:${spec.health!.port}${spec.health!.path} >/dev/null || exit 1`],
          interval: Duration.seconds(30),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(spec.name === 'chalice' ? 180 : 60),
        } : undefined,
      };
    };

    const common = {
      cluster,
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
    };
    const tasks: Array<{ name: string; specs: ServiceSpec[]; service: HardenedFargateService }> = [];
    const gatewayContainer = (upstreams: Upstreams): ecs.ContainerDefinitionOptions & { containerName: string } => ({
      containerName: 'gateway',
      image: ecs.ContainerImage.fromRegistry(GATEWAY_IMAGE),
      // The whole nginx.conf: the stock one writes under /etc/nginx, /var/run and /var/cache/nginx, and starts as root.
      environment: {
        NGINX_CONF: renderGatewayNginxConf(renderGatewayConfig(upstreams, { listenPort: GATEWAY_PORT, resolver: grouped ? undefined : '169.254.169.253' })),
      },
      command: ['sh', '-c', gatewayCommand()],
      portMappings: [{ containerPort: GATEWAY_PORT, name: 'gateway' }],
      essential: true,
      user: GATEWAY_USER,
      readonlyRootFilesystem: true,
    });
    // nginx as uid 101 writes its configuration, pid file and temp files under /tmp/nginx (GATEWAY_RUN_DIR), on a task
    // volume that a root init container of the same image hands to uid 101 first.
    const gatewayScratch = (service: HardenedFargateService) => {
      addScratchVolumes(service.taskDefinition, service.container, {
        initName: 'gateway-tmp-init',
        image: ecs.ContainerImage.fromRegistry(GATEWAY_IMAGE),
        owner: GATEWAY_USER,
        paths: [{ volume: 'gateway-tmp', path: '/tmp' }],
        logging: initLogging(service, 'gateway-tmp-init'),
      });
    };
    const routed = ['frontend', 'chalice', 'api', 'http', 'canvases', 'images', 'integrations', 'spot', 'assist'];
    const ingress = props.ingress
      ?? Ingress.loadBalancer({ domainName: props.domainName, hostedZone: props.hostedZone, certificate: props.certificate });

    if (grouped) {
      const upstreams: Upstreams = {};
      for (const name of routed) upstreams[name] = `${dnsOf(name, 'web')}:${SERVICES.find((s) => s.name === name)!.port}`;
      for (const group of ['web', 'workers', 'assist'] as const) {
        const specs = SERVICES.filter((s) => s.group === group);
        const containers = specs.map(containerOf);
        const main = group === 'web' ? gatewayContainer(upstreams) : containers.shift()!;
        // The task volume for the session files is root-owned (0755) and the Go images run as uid 1001 without
        // creating it (backend/Dockerfile): a root init container of the task hands it to 1001 first.
        const goFiles = specs.find((s) => s.sharedFiles && !s.python);
        if (goFiles) {
          containers.push({
            containerName: FILES_INIT,
            image: ecs.ContainerImage.fromRegistry(imageOf(goFiles)),
            user: '0',
            entryPoint: ['/bin/sh', '-c'],
            command: [`chown ${FILES_UID}:${FILES_UID} ${FS_DIR} && chmod 0770 ${FS_DIR}`],
            essential: false,
            // It writes only the volume.
            readonlyRootFilesystem: true,
          });
        }
        const size = GROUP_SIZES[group];
        const service = new HardenedFargateService(this, pascal(group), {
          ...common,
          image: main.image,
          containerName: main.containerName,
          containerPort: main.portMappings?.[0]?.containerPort ?? 8888,
          environment: main.environment,
          secrets: main.secrets,
          command: main.command,
          containerHealthCheck: main.healthCheck,
          readonlyRootFilesystem: main.readonlyRootFilesystem,
          user: main.user,
          sidecars: containers,
          cpu: size.cpu,
          memoryLimitMiB: size.memory,
          minCapacity: 1,
          maxCapacity: group === 'web' ? 4 : 1,
          ...(props.useSpot ? { fargateSpotWeight: 4, fargateBase: 0 } : {}),
          ingress: group === 'web' ? ingress : undefined,
          targetHealthCheck: group === 'web' ? { path: '/gateway-health' } : undefined,
          healthCheckGracePeriod: group === 'web' ? Duration.minutes(5) : undefined,
          cloudMapOptions: { name: group, cloudMapNamespace: namespace, dnsRecordType: servicediscovery.DnsRecordType.A },
        });
        if (group === 'web') gatewayScratch(service);
        tasks.push({ name: group, specs, service });
        this.services[group] = service;
      }
      // sink and storage share the session files through a task volume (lost if the task is replaced before
      // storage uploads them); the web services get their own scratch directory. Every user of the volume waits for
      // the init container that makes it writable by uid 1001.
      for (const t of tasks) {
        if (t.specs.some((s) => s.sharedFiles)) {
          const td = t.service.taskDefinition;
          td.addVolume({ name: VOLUME });
          const init = td.findContainer(FILES_INIT)!;
          init.addMountPoints({ containerPath: FS_DIR, sourceVolume: VOLUME, readOnly: false });
          for (const s of t.specs.filter((x) => x.sharedFiles)) {
            const c = td.findContainer(s.name)!;
            c.addMountPoints({ containerPath: FS_DIR, sourceVolume: VOLUME, readOnly: false });
            c.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.SUCCESS });
          }
        }
      }
    } else {
      const upstreams: Upstreams = {};
      for (const name of routed) upstreams[name] = `${dnsOf(name)}:${SERVICES.find((s) => s.name === name)!.port}`;
      for (const spec of SERVICES) {
        const c = containerOf(spec);
        const stateless = ['ender', 'heuristics', 'db', 'assets'].includes(spec.name);
        const service = new HardenedFargateService(this, `${pascal(spec.name)}Service`, {
          ...common,
          image: c.image,
          containerName: spec.name,
          containerPort: spec.port ?? 8888,
          environment: c.environment,
          secrets: c.secrets,
          containerHealthCheck: c.healthCheck,
          readonlyRootFilesystem: c.readonlyRootFilesystem,
          user: c.user,
          cpu: spec.cpu,
          memoryLimitMiB: spec.memoryMiB,
          minCapacity: 1,
          maxCapacity: spec.singleton ? 1 : 4,
          fargateSpotWeight: props.useSpot && stateless ? 3 : undefined,
          fargateBase: props.useSpot && stateless ? 0 : undefined,
          cloudMapOptions: { name: spec.name, cloudMapNamespace: namespace, dnsRecordType: servicediscovery.DnsRecordType.A },
        });
        tasks.push({ name: spec.name, specs: [spec], service });
        this.services[spec.name] = service;
      }
      const gateway = gatewayContainer(upstreams);
      const gw = new HardenedFargateService(this, 'Gateway', {
        ...common,
        image: gateway.image,
        containerName: 'gateway',
        containerPort: GATEWAY_PORT,
        environment: gateway.environment,
        command: gateway.command,
        readonlyRootFilesystem: gateway.readonlyRootFilesystem,
        user: gateway.user,
        cpu: 256,
        memoryLimitMiB: 512,
        minCapacity: 1,
        maxCapacity: 4,
        ingress,
        targetHealthCheck: { path: '/gateway-health' },
      });
      gatewayScratch(gw);
      this.services.gateway = gw;
      tasks.push({ name: 'gateway', specs: [], service: gw });
    }
    this.gateway = this.services.web ?? this.services.gateway;

    // Shared files between tasks (one service per task): sink, storage and the web services on EFS.
    if (!grouped) {
      const efsTier = new SessionFiles(this, 'SessionFiles', { vpc, removalPolicy: removal });
      for (const t of tasks.filter((x) => x.specs.some((s) => s.sharedFiles))) efsTier.mount(t.service);
    }

    // Network: gateway -> services, services -> data stores.
    const all = tasks.map((t) => t.service);
    this.connections = new ec2.Connections({ securityGroups: all.flatMap((s) => s.connections.securityGroups) });
    for (const t of tasks) {
      const routedPorts = t.specs.filter((s) => routed.includes(s.name) && s.port).map((s) => s.port!);
      const needsPeers = grouped ? t.name === 'assist' : routedPorts.length > 0 || t.specs.some((s) => s.name === 'sourcemapreader');
      if (needsPeers) {
        for (const port of new Set([...routedPorts, ...t.specs.filter((s) => s.port).map((s) => s.port!)])) {
          t.service.connections.allowFrom(this.gateway, ec2.Port.tcp(port), 'OpenReplay gateway');
          if (!grouped || t.name === 'assist') {
            // chalice calls assist and sourcemapreader; api proxies live sessions to assist; alerts (chalice's code,
            // with its ASSIST_URL) calls assist too.
            const assist = t.specs.some((s) => s.name === 'assist');
            for (const caller of tasks.filter((x) => x !== t && x.specs.some((s) => s.name === 'chalice' || (assist && (s.name === 'api' || s.name === 'alerts'))))) {
              t.service.connections.allowFrom(caller.service, ec2.Port.tcp(port), `OpenReplay ${caller.name}`);
            }
          }
        }
      }
      // alerts reads source maps through sourcemapreader (sourcemaps_reader), which runs in another task.
      const reader = SERVICES.find((x) => x.name === 'sourcemapreader')!;
      if (t.specs.includes(reader)) {
        for (const caller of tasks.filter((x) => x !== t && x.specs.some((s) => s.name === 'alerts'))) {
          t.service.connections.allowFrom(caller.service, ec2.Port.tcp(reader.port!), `OpenReplay ${caller.name} to sourcemapreader`);
        }
      }
      const specs = t.specs;
      if (specs.some((s) => s.postgres)) allowDefaultPortFrom(this.database.connections, t.service, `OpenReplay ${t.name}`);
      if (specs.some((s) => s.redis)) {
        if (redis) redis.allowFrom(t.service);
        else if (props.redisSecurityGroup) props.redisSecurityGroup.connections.allowFrom(t.service, ec2.Port.tcp(6379), 'OpenReplay');
      }
      if (specs.some((s) => s.clickhouse)) {
        if (clickhouse) {clickhouse.allowFrom(t.service);} else if (props.externalClickHouse?.securityGroup) {
          props.externalClickHouse.securityGroup.connections.allowFrom(t.service, ec2.Port.tcp(9000), 'OpenReplay');
          props.externalClickHouse.securityGroup.connections.allowFrom(t.service, ec2.Port.tcp(8123), 'OpenReplay');
        }
      }
      // S3: exactly the buckets each task's services use.
      const names = [...new Set(specs.flatMap((s) => s.buckets ?? []))];
      if (names.length > 0) storage.grant(t.service.taskDefinition.taskRole, names);
    }

    // Database TLS: every container that reads POSTGRES_STRING (pgx) or pg_* (psycopg) verifies the server against the
    // CA file written by the task's init container (run with a consumer's own image: alpine, with sh and printf).
    for (const t of tasks) {
      const consumers = t.specs.filter((s) => s.postgres);
      if (consumers.length === 0) continue;
      trustDatabaseCa(t.service.taskDefinition, this.database, consumers.map((s) => t.service.taskDefinition.findContainer(s.name)!),
        ecs.ContainerImage.fromRegistry(imageOf(consumers.find((s) => !s.python) ?? consumers[0])),
        ecs.LogDrivers.awsLogs({ logGroup: t.service.logGroup, streamPrefix: DATABASE_CA_CONTAINER, mode: ecs.AwsLogDriverMode.NON_BLOCKING }));
    }

    // Migrations: the schemas of the release, pinned by commit, fetched at deploy time and applied before the services start.
    const migrations = this.migrations(cluster, version ?? OPENREPLAY_RELEASE, chHost, chPassword, chUser, clickhouse, props);
    for (const t of tasks.filter((x) => x.name !== 'clickhouse' && x.specs.length > 0)) {
      (t.service.service.node.defaultChild as CfnResource).node.addDependency(migrations.node.defaultChild as CfnResource);
    }

    if (props.bootstrap ?? true) {
      const admin = new secretsmanager.Secret(this, 'AdminSecret', {
        description: `OpenReplay first administrator of ${where}`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ email: adminEmail }),
          generateStringKey: 'password',
          passwordLength: 32,
          excludeCharacters: '"\\\'`',
        },
      });
      ackSecret(admin, 'An application login: OpenReplay keeps its own password hash, which a rotation function cannot update.');
      this.adminSecret = admin;
      const { fn } = customResourceHandler(this, 'Bootstrap', (sc, i, p) => new BootstrapFunction(sc, i, p), {
        vpc, timeout: Duration.minutes(15), description: `OpenReplay bootstrap of ${where}`,
      });
      admin.grantRead(fn);
      const chalice = tasks.find((t) => t.specs.some((s) => s.name === 'chalice'))!.service;
      fn.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ecs:UpdateService', 'ecs:DescribeServices'],
        resources: [chalice.service.serviceArn],
      }));
      const bootstrap = new CustomResource(this, 'Bootstrap', {
        serviceToken: fn.functionArn,
        resourceType: 'Custom::OpenReplayBootstrap',
        properties: {
          BaseUrl: this.url,
          AdminSecretArn: admin.secretArn,
          OrganizationName: props.organizationName ?? 'OpenReplay',
          AdminName: 'Administrator',
          ProjectName: props.projectName ?? 'default',
          ReadyTimeoutSeconds: '600',
          RequestTimeoutSeconds: '15',
          ChaliceService: chalice.service.serviceArn,
          Cluster: cluster.clusterArn,
        },
      });
      for (const t of tasks) bootstrap.node.addDependency(t.service.service);
      this.projectKey = bootstrap.getAttString('ProjectKey');
    }
  }

  private migrations(cluster: ecs.ICluster, release: string, chHost: string, chPassword: ecs.Secret, chUser: ecs.Secret | undefined,
    clickhouse: ClickHouseTier | undefined, props: OpenReplayPlatformProps): CustomResource {
    const vpc = cluster.vpc;
    const schemaBase = schemaBaseUrl(OPENREPLAY_SCHEMA.commit);
    const sg = new ec2.SecurityGroup(this, 'MigrationSecurityGroup', { vpc, description: `Schema migrations of ${this.node.path}`, allowAllOutbound: true });
    allowDefaultPortFrom(this.database.connections, sg, 'OpenReplay migrations');
    if (clickhouse) clickhouse.allowFrom(sg);
    else if (props.externalClickHouse?.securityGroup) props.externalClickHouse.securityGroup.connections.allowFrom(sg, ec2.Port.tcp(9000), 'OpenReplay migrations');
    const logGroup = new logs.LogGroup(this, 'MigrationLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, encryptionKey: props.logEncryptionKey, removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!props.logEncryptionKey) {
      acknowledgeCompliance(logGroup, ['CloudWatchLogGroupEncrypted'], 'CloudWatch Logs encrypts log data at rest; a customer-managed key is opt-in (logEncryptionKey).');
    }
    const task = new ecs.FargateTaskDefinition(this, 'MigrationTask', {
      cpu: 256,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // PostgreSQL first, then ClickHouse: each creates its schema on a new database, or applies the release's upgrade
    // scripts after the version the database reports.
    const postgresImage = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/postgres:17-alpine');
    // Both run as their image's unprivileged user on a read-only root: the scripts pipe each step, writing no file.
    const pg = task.addContainer('postgres', {
      image: postgresImage,
      essential: false,
      // postgres:17-alpine's postgres user (adduser -u 70, group 70); docker-entrypoint.sh execs `sh` directly.
      user: '70:70',
      readonlyRootFilesystem: true,
      command: ['sh', '-c', postgresMigrationScript(schemaBase, OPENREPLAY_SCHEMA.postgresql)],
      secrets: { POSTGRES_STRING: ecs.Secret.fromSecretsManager(this.database.secret, 'DATABASE_URL') },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'postgres' }),
    });
    trustDatabaseCa(task, this.database, [pg], postgresImage, ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: DATABASE_CA_CONTAINER }));
    const ch = task.addContainer('clickhouse', {
      image: ecs.ContainerImage.fromRegistry(props.clickHouseImage ?? 'clickhouse/clickhouse-server:26.2'),
      essential: true,
      // Not through /entrypoint.sh, which prepares a server (mkdir, chown, users.d) before running a command.
      entryPoint: ['sh', '-c'],
      command: [clickhouseMigrationScript(schemaBase, OPENREPLAY_SCHEMA.clickhouse)],
      // The image's clickhouse user (Dockerfile.ubuntu: useradd --uid=101, groupadd --gid=101).
      user: '101:101',
      readonlyRootFilesystem: true,
      environment: { CH_HOST: chHost },
      secrets: { CH_PASSWORD: chPassword, ...(chUser ? { CH_USER: chUser } : {}) },
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'clickhouse' }),
    });
    ch.addContainerDependencies({ container: pg, condition: ecs.ContainerDependencyCondition.SUCCESS });
    acknowledgeAwsSolutions(task, ['ECS2'], 'The environment holds the ClickHouse host and the database CA file settings; credentials are ECS secrets.');
    acknowledgeInlineGrants(task.executionRole!, 'CDK grants land in the role\'s inline default policy, scoped to the log group and secrets.');
    acknowledgeUnscopableActions(task.executionRole!);

    const resource = runTaskOnDeploy(this, 'Migrations', {
      // A new release or schema commit runs the task again (the scripts decide what is left to do).
      cluster, taskDefinition: task, containerName: 'clickhouse', securityGroup: sg, fingerprint: `${release}@${OPENREPLAY_SCHEMA.commit}`,
    });
    resource.node.addDependency(this.database.setup);
    if (clickhouse) resource.node.addDependency(clickhouse.service.service);
    return resource;
  }
}

/** Session files on EFS, shared by sink, storage and the web services (one service per task). */
class SessionFiles extends Construct {
  private readonly fs: efs.FileSystem;
  private readonly accessPoint: efs.AccessPoint;

  constructor(scope: Construct, id: string, props: { vpc: ec2.IVpc; removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.fs = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      encrypted: true,
      enableAutomaticBackups: true,
      throughputMode: efs.ThroughputMode.ELASTIC,
      removalPolicy: props.removalPolicy,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_7_DAYS,
    });
    acknowledgeCompliance(this.fs, ['EFSInBackupPlan'],
      'Automatic backups are on (AWS Backup\'s default plan, outside this template); the files are transient until storage uploads them.');
    this.accessPoint = this.fs.addAccessPoint('OpenReplay', {
      path: '/openreplay', createAcl: { ownerUid: FILES_UID, ownerGid: FILES_UID, permissions: '750' }, posixUser: { uid: FILES_UID, gid: FILES_UID },
    });
  }

  public mount(service: HardenedFargateService): void {
    service.taskDefinition.addVolume({
      name: VOLUME,
      efsVolumeConfiguration: {
        fileSystemId: this.fs.fileSystemId,
        transitEncryption: 'ENABLED',
        authorizationConfig: { accessPointId: this.accessPoint.accessPointId, iam: 'ENABLED' },
      },
    });
    service.container.addMountPoints({ containerPath: FS_DIR, sourceVolume: VOLUME, readOnly: false });
    this.fs.grant(service.taskDefinition.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite');
    this.fs.connections.allowDefaultPortFrom(service, 'OpenReplay session files');
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
