import { Duration, RemovalPolicy, SecretValue, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { initLogging } from './scratch-volumes';
import { HardenedFargateService } from '../core/fargate-service';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';
import { addScratchVolumes } from '../core/scratch-volumes';
import { checkInteger, checkRange, propError } from '../core/validation';

/** Props of the ClickHouse tier. */
export interface ClickHouseTierProps {
  readonly cluster: ecs.ICluster;
  readonly namespace: servicediscovery.IPrivateDnsNamespace;
  readonly image: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention?: logs.RetentionDays;
  readonly logEncryptionKey?: kms.IKey;
  /** Run the task on Fargate Spot (an interruption restarts ClickHouse; the data stays on EFS). */
  readonly spot?: boolean;
}

/** The clickhouse image's user (docker/server/Dockerfile.ubuntu: groupadd --gid=101, useradd --uid=101). */
const CLICKHOUSE_USER = '101:101';
/** What the server's /entrypoint.sh and the server write outside the data path (docker/server/entrypoint.sh). */
const CLICKHOUSE_SCRATCH = [
  { volume: 'clickhouse-tmp', path: '/tmp' },
  { volume: 'clickhouse-users-d', path: '/etc/clickhouse-server/users.d' },
  { volume: 'clickhouse-logs', path: '/var/log/clickhouse-server' },
];

/**
 * ClickHouse as one durable Fargate task: data on an encrypted EFS file system (automatic backups), reachable as
 * `clickhouse.<namespace>` on 9000 (native) and 8123 (HTTP), with a generated password for the `default` user.
 */
export class ClickHouseTier extends Construct {
  public readonly service: HardenedFargateService;
  public readonly fileSystem: efs.FileSystem;
  public readonly password: secretsmanager.Secret;
  public readonly host: string;

  constructor(scope: Construct, id: string, props: ClickHouseTierProps) {
    super(scope, id);
    const vpc = props.cluster.vpc;
    this.password = new secretsmanager.Secret(this, 'Password', {
      description: 'Password of the ClickHouse default user (OpenReplay)',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      // Kept as long as the data it opens (the file system below has the same policy).
      removalPolicy: props.removalPolicy,
    });
    ackSecret(this.password, 'The ClickHouse password is set at first start from this secret; rotation would need a ClickHouse restart and every client.');

    this.fileSystem = new efs.FileSystem(this, 'Data', {
      vpc,
      vpcSubnets: { subnetType: vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      encrypted: true,
      enableAutomaticBackups: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      removalPolicy: props.removalPolicy,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
    });
    acknowledgeCompliance(this.fileSystem, ['EFSInBackupPlan'],
      'Automatic backups are on (enableAutomaticBackups puts the file system in AWS Backup\'s default plan, outside this template).');
    // The clickhouse image runs as uid/gid 101.
    const accessPoint = this.fileSystem.addAccessPoint('ClickHouse', {
      path: '/clickhouse',
      createAcl: { ownerUid: '101', ownerGid: '101', permissions: '750' },
      posixUser: { uid: '101', gid: '101' },
    });

    this.service = new HardenedFargateService(this, 'Service', {
      cluster: props.cluster,
      image: ecs.ContainerImage.fromRegistry(props.image),
      containerName: 'clickhouse',
      containerPort: 8123,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      minCapacity: 1,
      maxCapacity: 1,
      ...(props.spot ? { fargateSpotWeight: 4, fargateBase: 0 } : {}),
      // One task owns the data directory: stop the old task before the new one starts.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      environment: { CLICKHOUSE_USER: 'default', CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1' },
      secrets: { CLICKHOUSE_PASSWORD: ecs.Secret.fromSecretsManager(this.password) },
      containerHealthCheck: {
        command: ['CMD-SHELL', 'wget -qO- http://127.0.0.1:8123/ping || exit 1'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 5,
        startPeriod: Duration.seconds(60),
      },
      cloudMapOptions: { name: 'clickhouse', cloudMapNamespace: props.namespace, dnsRecordType: servicediscovery.DnsRecordType.A },
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      readonlyRootFilesystem: true,
      user: CLICKHOUSE_USER,
    });
    // As the image's clickhouse user (uid/gid 101, Dockerfile.ubuntu) from the start: /entrypoint.sh then skips its
    // chown ("support --user") and runs the server through `clickhouse su 101:101`, which needs no privilege for the
    // user it already is. On the read-only root it writes, besides the data path (EFS): users.d/default-user.xml (the
    // password), a copy of users.xml in /tmp (to see whether a mounted file changed `default`), and log files when the
    // configuration keeps file logs. Those three get task volumes, handed to 101 by a root init of the same image.
    addScratchVolumes(this.service.taskDefinition, this.service.container, {
      initName: 'clickhouse-dirs-init',
      image: ecs.ContainerImage.fromRegistry(props.image),
      owner: CLICKHOUSE_USER,
      paths: CLICKHOUSE_SCRATCH,
      logging: initLogging(this.service, 'clickhouse-dirs-init'),
    });
    this.service.container.addPortMappings({ containerPort: 9000, name: 'native' });
    this.service.container.addUlimits({ name: ecs.UlimitName.NOFILE, softLimit: 262144, hardLimit: 262144 });
    this.service.taskDefinition.addVolume({
      name: 'data',
      efsVolumeConfiguration: {
        fileSystemId: this.fileSystem.fileSystemId,
        transitEncryption: 'ENABLED',
        authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
      },
    });
    this.service.container.addMountPoints({ containerPath: '/var/lib/clickhouse', sourceVolume: 'data', readOnly: false });
    this.fileSystem.grant(this.service.taskDefinition.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite');
    this.fileSystem.connections.allowDefaultPortFrom(this.service, 'ClickHouse data');
    this.host = `clickhouse.${props.namespace.namespaceName}`;
  }

  /** Lets `peer` reach ClickHouse on its native and HTTP ports. */
  public allowFrom(peer: ec2.IConnectable): void {
    this.service.connections.allowFrom(peer, ec2.Port.tcp(9000), 'ClickHouse native');
    this.service.connections.allowFrom(peer, ec2.Port.tcp(8123), 'ClickHouse HTTP');
  }
}

/**
 * Memory of ElastiCache node types (GiB, AWS's published figures), for sizing the streams; other types need
 * `redisStreamsMaxLen`.
 */
export const CACHE_NODE_MEMORY_GIB: { readonly [nodeType: string]: number } = {
  'cache.t4g.micro': 0.5,
  'cache.t4g.small': 1.37,
  'cache.t4g.medium': 3.09,
  'cache.t3.micro': 0.5,
  'cache.t3.small': 1.37,
  'cache.t3.medium': 3.09,
  'cache.m7g.large': 6.38,
  'cache.m6g.large': 6.38,
  'cache.m7g.xlarge': 12.93,
  'cache.m6g.xlarge': 12.93,
  'cache.r7g.large': 13.07,
  'cache.r6g.large': 13.07,
  'cache.r7g.xlarge': 26.32,
  'cache.r6g.xlarge': 26.32,
};

/**
 * How the streams are sized: the Go services write 11 Redis streams (backend/Dockerfile TOPIC_*), each trimmed at
 * REDIS_STREAMS_MAX_LEN entries (approximately) after every write; an entry is a message of up to 1 MiB
 * (QUEUE_MESSAGE_SIZE_LIMIT), most are tracker batches of a few KiB to tens of KiB. The limit is chosen so that
 * full streams of entries of ASSUMED_ENTRY_BYTES fill STREAMS_SHARE of the memory ElastiCache leaves to data
 * (reserved-memory-percent 25 by default). With `noeviction`, a full node refuses writes and ingest stops; trimming
 * first drops the oldest entries instead, which only matters when consumers lag that far behind.
 */
export const STREAM_SIZING = { streams: 11, assumedEntryBytes: 64 * 1024, reservedShare: 0.25, streamsShare: 0.8 };

/** The REDIS_STREAMS_MAX_LEN that fits a node of `memoryGiB`. */
export function streamsMaxLenFor(memoryGiB: number): number {
  const usable = memoryGiB * 1024 ** 3 * (1 - STREAM_SIZING.reservedShare) * STREAM_SIZING.streamsShare;
  return Math.floor(usable / (STREAM_SIZING.streams * STREAM_SIZING.assumedEntryBytes));
}

/** Props of the Redis tier. */
export interface RedisTierProps {
  readonly vpc: ec2.IVpc;
  readonly nodeType: string;
  /** A replica in another availability zone with automatic failover. */
  readonly multiAz?: boolean;
  /** REDIS_STREAMS_MAX_LEN; derived from the node's memory when omitted. */
  readonly streamsMaxLen?: number;
  readonly removalPolicy: RemovalPolicy;
  /** Construct path and prop names for error messages. */
  readonly where: string;
}

/**
 * Valkey on ElastiCache for OpenReplay's Redis streams: AUTH token, encryption in transit and at rest, `noeviction`
 * (streams must never be evicted), daily snapshots, in private subnets; optionally a Multi-AZ replica. The clients
 * get the whole URL (`rediss://:<token>@host:6379`) from a secret, injected as an ECS secret.
 */
export class RedisTier extends Construct {
  public readonly securityGroup: ec2.SecurityGroup;
  /** The replication group (for alarms: ObservabilityBundle.monitorCache). */
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The AUTH token. */
  public readonly authToken: secretsmanager.Secret;
  /** The complete Redis URL with the AUTH token (`rediss://:<token>@host:6379`), as the whole secret value. */
  public readonly urlSecret: secretsmanager.Secret;
  /** REDIS_STREAMS_MAX_LEN for the producers. */
  public readonly streamsMaxLen: number;

  constructor(scope: Construct, id: string, props: RedisTierProps) {
    super(scope, id);
    const vpc = props.vpc;
    if (props.streamsMaxLen !== undefined) {
      checkInteger(props.where, 'redisStreamsMaxLen', props.streamsMaxLen);
      checkRange(props.where, 'redisStreamsMaxLen', props.streamsMaxLen, 100, 10_000_000);
      this.streamsMaxLen = props.streamsMaxLen;
    } else {
      const memory = CACHE_NODE_MEMORY_GIB[props.nodeType];
      if (Token.isUnresolved(props.nodeType) || memory === undefined) {
        propError(props.where, 'redisStreamsMaxLen', `the memory of node type '${props.nodeType}' is not known, so the streams cannot be sized`,
          `Set redisStreamsMaxLen (about ${STREAM_SIZING.streams} streams x entries of ${STREAM_SIZING.assumedEntryBytes / 1024} KiB must fit the node), `
          + `or use one of ${Object.keys(CACHE_NODE_MEMORY_GIB).join(', ')}.`);
      }
      this.streamsMaxLen = streamsMaxLenFor(memory);
    }
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, description: 'OpenReplay Valkey', allowAllOutbound: false });
    const subnets = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'OpenReplay Valkey',
      subnetIds: vpc.selectSubnets({
        subnetType: vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS,
      }).subnetIds,
    });
    const parameters = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: 'valkey8',
      description: 'OpenReplay: streams must never be evicted',
      properties: { 'maxmemory-policy': 'noeviction' },
    });
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: `AUTH token of the OpenReplay Valkey (${this.node.path})`,
      // 16 to 128 printable characters; letters and digits keep the URL valid without escaping.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    ackSecret(this.authToken, 'The AUTH token is set on the replication group and copied into the URL secret; rotating it means updating both and restarting the services.');
    const multiAz = props.multiAz ?? false;
    const group = new elasticache.CfnReplicationGroup(this, 'Valkey', {
      replicationGroupDescription: 'OpenReplay Redis streams',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.nodeType,
      numCacheClusters: multiAz ? 2 : 1,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnets.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: 1,
      autoMinorVersionUpgrade: true,
      port: 6379,
    });
    this.replicationGroup = group;
    // A dynamic reference inside the URL: the token never appears in the template.
    this.urlSecret = new secretsmanager.Secret(this, 'Url', {
      description: `Redis URL with the AUTH token of the OpenReplay Valkey (${this.node.path})`,
      secretStringValue: SecretValue.unsafePlainText(`rediss://:${this.authToken.secretValue.unsafeUnwrap()}@${group.attrPrimaryEndPointAddress}:6379`),
      removalPolicy: props.removalPolicy,
    });
    ackSecret(this.urlSecret, 'Derived from the AUTH token secret and the endpoint; it changes with them.');
    if (!multiAz) {
      acknowledgeAwsSolutions(group, ['AEC4'], 'A single node is the cost-aware default for the session pipeline (streams are transient); redisMultiAz adds a replica with failover.');
    }
    acknowledgeCompliance(group, ['ElastiCacheRedisClusterAutomaticBackup'], 'Daily snapshots are kept one day; the streams are transient.');
  }

  /** Lets `peer` reach Valkey. */
  public allowFrom(peer: ec2.IConnectable): void {
    for (const sg of peer.connections.securityGroups) {
      this.securityGroup.addIngressRule(sg, ec2.Port.tcp(6379), 'OpenReplay services', true);
    }
  }
}

function ackSecret(secret: secretsmanager.Secret, reason: string): void {
  acknowledgeAwsSolutions(secret, ['SMG4'], reason);
  acknowledgeCompliance(secret, ['SecretsManagerRotationEnabled'], reason);
  acknowledgeCompliance(secret, ['SecretsManagerUsingKMSKey'], 'Encrypted with the Secrets Manager AWS managed key.');
}

export { ackSecret };
