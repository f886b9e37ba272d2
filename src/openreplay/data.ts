import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { HardenedFargateService } from '../core/fargate-service';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';

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
}

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

/** Props of the Redis tier. */
export interface RedisTierProps {
  readonly vpc: ec2.IVpc;
  readonly nodeType: string;
}

/**
 * Valkey on ElastiCache for OpenReplay's Redis streams: encryption in transit and at rest, `noeviction` (streams must
 * never be evicted), daily snapshots, in private subnets.
 */
export class RedisTier extends Construct {
  public readonly securityGroup: ec2.SecurityGroup;
  /** `rediss://host:port` */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: RedisTierProps) {
    super(scope, id);
    const vpc = props.vpc;
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
    const group = new elasticache.CfnReplicationGroup(this, 'Valkey', {
      replicationGroupDescription: 'OpenReplay Redis streams',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.nodeType,
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      cacheSubnetGroupName: subnets.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      snapshotRetentionLimit: 1,
      autoMinorVersionUpgrade: true,
      port: 6379,
    });
    this.url = `rediss://${group.attrPrimaryEndPointAddress}:6379`;
    acknowledgeAwsSolutions(group, ['AEC4'], 'A single node is the cost-aware default for the session pipeline; streams are transient.');
    acknowledgeAwsSolutions(group, ['AEC5'], 'The default port; reachable only from the OpenReplay tasks\' security groups.');
    acknowledgeAwsSolutions(group, ['AEC6'],
      'OpenReplay\'s services take a plain REDIS_STRING; access is limited by security groups and traffic is TLS-encrypted.');
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
