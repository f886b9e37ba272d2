import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Ingress } from '../core/ingress';
import { PlatformProps } from '../core/platform';
import { DatabaseSource } from '../core/postgres';

/** How the OpenReplay services are packed into Fargate tasks. */
export enum OpenReplayLayout {
  /**
   * A few tasks (web + gateway, workers, assist + alerts, ClickHouse) whose containers share localhost: 1.75 vCPU and
   * 8 GiB in all, within the upstream single-machine minimum (2 vCPU, 8 GiB).
   */
  GROUPED = 'GROUPED',
  /** One task per service with per-service autoscaling, for high load. */
  SERVICE_PER_TASK = 'SERVICE_PER_TASK',
}

/** ClickHouse outside this construct. */
export interface ExternalClickHouseOptions {
  /** Host name of the ClickHouse server (native protocol on 9000, HTTP on 8123). */
  readonly host: string;
  /** Secret with `username` and `password` of a ClickHouse user that may create the OpenReplay databases. */
  readonly credentials: secretsmanager.ISecret;
  /** Security group of the server, to admit the OpenReplay tasks; omit when access is managed elsewhere. */
  readonly securityGroup?: ec2.ISecurityGroup;
}

/** Props of {@link OpenReplayPlatform}. */
export interface OpenReplayPlatformProps extends PlatformProps {
  /** Domain the dashboard and the ingest endpoint are served at (HTTPS: the tracker refuses plain HTTP). */
  readonly domainName: string;

  /** Hosted zone of `domainName`, for the certificate and the alias record of the default load balancer. */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Certificate for `domainName` on the default load balancer.
   *
   * @default - DNS-validated in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Certificate (in us-east-1, as CloudFront requires) for `assetsDomainName`: the sessions assets (CSS and fonts of
   * recorded pages, loaded by the player) are then served under it with TLS 1.2 at least.
   *
   * @default - with `hostedZone` in a us-east-1 stack, a DNS-validated certificate for `assetsDomainName`; else the
   * distribution's default `*.cloudfront.net` name and certificate (TLS policy fixed by CloudFront)
   */
  readonly assetsCertificate?: acm.ICertificate;

  /**
   * Domain of the sessions assets when they have a certificate (`assetsCertificate`, or the automatic one); an alias
   * record is created in `hostedZone` when given.
   *
   * @default - `assets.<domainName>`
   */
  readonly assetsDomainName?: string;

  /**
   * How the gateway is reached.
   *
   * @default - a new HTTPS load balancer for `domainName` (needs `hostedZone` or `certificate`)
   */
  readonly ingress?: Ingress;

  /**
   * Where the PostgreSQL database lives (pg_trgm and pgcrypto are created by the schema).
   *
   * @default DatabaseSource.newCluster()
   */
  readonly database?: DatabaseSource;

  /**
   * Name of OpenReplay's database and role.
   *
   * @default 'openreplay'
   */
  readonly databaseName?: string;

  /**
   * ClickHouse outside this construct.
   *
   * @default - one ClickHouse task on EFS
   */
  readonly externalClickHouse?: ExternalClickHouseOptions;

  /**
   * ClickHouse image when this construct runs it.
   *
   * @default 'clickhouse/clickhouse-server:26.2'
   */
  readonly clickHouseImage?: string;

  /**
   * Redis URL (`redis://` or `rediss://host:port`) of an existing Redis or Valkey.
   *
   * @default - a new ElastiCache Valkey node (AUTH, TLS, encrypted, noeviction)
   */
  readonly redisUrl?: string;

  /**
   * Secret whose whole value is the Redis URL of an existing Redis or Valkey, credentials included
   * (`rediss://user:password@host:6379`), injected into the services as an ECS secret. Instead of `redisUrl`.
   *
   * @default - `redisUrl`, or a new ElastiCache Valkey node
   */
  readonly redisUrlSecret?: secretsmanager.ISecret;

  /**
   * Security group of the existing Redis, to admit the OpenReplay tasks.
   *
   * @default - none (with `redisUrl`, access is managed elsewhere)
   */
  readonly redisSecurityGroup?: ec2.ISecurityGroup;

  /**
   * Node type of the new Valkey node.
   *
   * @default 'cache.t4g.micro'
   */
  readonly redisNodeType?: string;

  /**
   * Whether the new Valkey has a replica in a second availability zone with automatic failover (production).
   *
   * @default false
   */
  readonly redisMultiAz?: boolean;

  /**
   * How many entries each Redis stream keeps (REDIS_STREAMS_MAX_LEN, 100 to 10,000,000): older entries are trimmed,
   * so that the streams never fill the node (with `noeviction`, a full node stops ingest).
   *
   * @default - derived from the memory of `redisNodeType` (446 on cache.t4g.micro: 11 streams of 64 KiB entries in
   * 80% of the data memory); upstream's 10000 with an existing Redis
   */
  readonly redisStreamsMaxLen?: number;

  /**
   * One image tag for every OpenReplay service (e.g. `v1.27.0`) instead of the per-service tags of the tested release.
   *
   * @default - the tags of the tested release (OpenReplayPlatform.RELEASE)
   */
  readonly version?: string;

  /**
   * How services are packed into tasks.
   *
   * @default OpenReplayLayout.GROUPED
   */
  readonly layout?: OpenReplayLayout;

  /**
   * CPU architecture of the tasks. OpenReplay publishes x86_64 images only.
   *
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * Whether tasks run on Fargate Spot (about 70% cheaper, interrupted at two minutes' notice; x86_64 only, which
   * OpenReplay's images are). For development: with `GROUPED`, every task (web, workers, assist) and ClickHouse run on
   * Spot: an interruption restarts ClickHouse (its data stays on EFS), drops live Assist sessions, and can lose the
   * session files the workers task has not uploaded yet. With `SERVICE_PER_TASK`, the stateless workers (ender,
   * heuristics, db, assets) and ClickHouse. Keep it off in production.
   * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
   *
   * @default false
   */
  readonly useSpot?: boolean;

  /**
   * How long session recordings are kept in S3 (1 to 3650 days).
   *
   * @default Duration.days(30)
   */
  readonly recordingRetention?: Duration;

  /**
   * What happens to buckets, ClickHouse data and secrets when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Email of the first administrator, whose generated password is in `adminSecret`.
   *
   * @default - `admin@<domainName>`
   */
  readonly adminEmail?: string;

  /**
   * Organization name of the first tenant.
   *
   * @default 'OpenReplay'
   */
  readonly organizationName?: string;

  /**
   * Name of the first project; its key is `projectKey`.
   *
   * @default 'default'
   */
  readonly projectName?: string;

  /**
   * Whether a custom resource signs up the first administrator and creates the first project once the platform is
   * up (so signup is never left open to strangers).
   *
   * @default true
   */
  readonly bootstrap?: boolean;

  /**
   * How long the services' logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * KMS key for the services' log groups.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}
