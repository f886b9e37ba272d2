import { CfnOutput, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { runTaskOnDeploy } from '../core/custom-resource-function';
import { connectToDatabase, peakConnections } from '../core/database-ca';
import { resolveCluster } from '../core/default-platform';
import { HardenedFargateService } from '../core/fargate-service';
import { FargateServiceOptions } from '../core/fargate-service-props';
import { Ingress } from '../core/ingress';
import { MonitoringTargets, IObservable } from '../core/observable';
import { serviceTargets } from '../core/observable-util';
import { PlatformProps } from '../core/platform';
import { DatabaseBinding, DatabaseSource } from '../core/postgres';
import { checkHttpPath, checkImageTag, checkInteger, checkPattern, checkRange, checkRule, propError } from '../core/validation';
import { commandProblem } from '../core/validation-rules';

/** Options for building the API image from a local directory with a Dockerfile. */
export interface ApiImageBuildOptions {
  /**
   * Dockerfile name, relative to the directory.
   *
   * @default 'Dockerfile'
   */
  readonly file?: string;

  /**
   * Build arguments.
   *
   * @default - none
   */
  readonly buildArgs?: { [key: string]: string };

  /**
   * Target stage of a multi-stage Dockerfile.
   *
   * @default - the last stage
   */
  readonly target?: string;
}

/** Where the API's container image comes from. */
export class ApiImage {
  /**
   * Builds the image from a local directory with a Dockerfile, as a CDK asset, for the service's CPU architecture.
   */
  public static fromDirectory(directory: string, options: ApiImageBuildOptions = {}): ApiImage {
    return new ApiImage((arch) => ecs.ContainerImage.fromAsset(directory, {
      file: options.file,
      buildArgs: options.buildArgs,
      target: options.target,
      platform: arch === ecs.CpuArchitecture.X86_64 ? Platform.LINUX_AMD64 : Platform.LINUX_ARM64,
    }));
  }

  /** An image in an ECR repository, by tag (the service's task execution role may pull from it). */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string): ApiImage {
    return new ApiImage(() => ecs.ContainerImage.fromEcrRepository(repository, tag));
  }

  /** Any ECS container image. */
  public static fromContainerImage(image: ecs.ContainerImage): ApiImage {
    return new ApiImage(() => image);
  }

  private constructor(private readonly factory: (arch: ecs.CpuArchitecture) => ecs.ContainerImage) {}

  /**
   * The container image for a task of the given CPU architecture.
   */
  public toContainerImage(cpuArchitecture: ecs.CpuArchitecture): ecs.ContainerImage {
    return this.factory(cpuArchitecture);
  }
}

/** Props of {@link FastifyFargateApi}. */
export interface FastifyFargateApiProps extends FargateServiceOptions, PlatformProps {
  /**
   * The API's container image. Required unless `createRepository` is set, in which case the image is
   * `imageTag` from the new repository.
   *
   * @default - `imageTag` from the repository this construct creates
   */
  readonly image?: ApiImage;

  /**
   * Whether to create a dedicated ECR repository for the API's images (scan on push, immutable tags, encrypted,
   * lifecycle policy), for a pipeline to push to. Its URI is a stack output.
   *
   * @default false
   */
  readonly createRepository?: boolean;

  /**
   * Image tag to run from the created repository (with `createRepository` and no `image`).
   *
   * @default - none; required when the image comes from the created repository
   */
  readonly imageTag?: string;

  /**
   * How many images the created repository keeps (older ones expire).
   *
   * @default 10
   */
  readonly repositoryMaxImages?: number;

  /**
   * Port Fastify listens on; passed to the container as `PORT`.
   *
   * @default 3000
   */
  readonly containerPort?: number;

  /**
   * `NODE_ENV` of the container.
   *
   * @default 'production'
   */
  readonly nodeEnv?: string;

  /**
   * `LOG_LEVEL` of the container (Fastify's pino levels).
   *
   * @default 'info'
   */
  readonly logLevel?: string;

  /**
   * Path of the health endpoint the load balancer checks.
   *
   * @default '/health'
   */
  readonly healthCheckPath?: string;

  /**
   * Command that migrates the database (e.g. `['node', 'dist/migrate.js']`). It runs as a one-off task of the new
   * task definition during every deployment that changes it, before the service is updated: a failing migration fails
   * the deployment and the running version keeps serving. With `database`, it runs once the database exists; a
   * database from elsewhere must exist first (e.g. `api.node.addDependency(...)`).
   *
   * @default - no migration task
   */
  readonly migrationCommand?: string[];

  /**
   * How the API is reached.
   *
   * @default Ingress.loadBalancer() - a new internet-facing load balancer (HTTP only until a certificate or domain is set)
   */
  readonly ingress?: Ingress;

  /**
   * The API's PostgreSQL database (e.g. `DatabaseSource.newCluster()` or `auroraCluster.database()`). The container
   * gets `DATABASE_URL` (`sslmode=verify-full`) from Secrets Manager and the database's CA as a file
   * (`NODE_EXTRA_CA_CERTS`, written by an init container that runs the API's own image, which therefore needs
   * `/bin/sh`); the tasks, and the migration task, start once the database and its role exist.
   *
   * @default - no database
   */
  readonly database?: DatabaseSource;

  /**
   * Name of the API's database and role, with `database`.
   *
   * @default 'api'
   */
  readonly databaseName?: string;

  /**
   * Connections one task opens at most (its pool size), with `database`: the role's connection limit covers the
   * tasks at `maxCapacity` during a rolling deployment, plus the migration task, times this.
   *
   * @default 10 - node-postgres' default pool size
   */
  readonly databasePoolSize?: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * A containerized Fastify (Node.js) API on ECS Fargate behind an Application Load Balancer: `/health` checks,
 * autoscaling on CPU (70%) and memory (80%) between 1 and 10 tasks, secrets from Secrets Manager or SSM, logs with
 * retention, zero-downtime rolling deployments rolled back automatically when they fail.
 *
 * @example
 * const api = new FastifyFargateApi(this, 'Api', {
 *   image: ApiImage.fromDirectory('./api'),
 *   database: DatabaseSource.newCluster(),
 *   migrationCommand: ['node', 'dist/migrate.js'],
 * });
 * new CfnOutput(this, 'ApiUrl', { value: api.url! });
 */
export class FastifyFargateApi extends Construct implements IObservable {
  /** The hardened Fargate service the API runs on. */
  public readonly fargate: HardenedFargateService;
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The ECS cluster the API runs in. */
  public readonly cluster: ecs.ICluster;
  /** The target group in front of the tasks. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The load balancer, when this construct created it. */
  public readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /** The listener that forwards to the API. */
  public readonly listener: elbv2.IApplicationListener;
  /** Base URL of the API, when known at synth time. */
  public readonly url?: string;
  /** Network connections of the tasks. */
  public readonly connections: ec2.Connections;
  /** The ECR repository, when `createRepository` is set. */
  public readonly repository?: ecr.Repository;
  /** The API's database (its secret with `DATABASE_URL`, endpoint and connections), when `database` is set. */
  public readonly database?: DatabaseBinding;

  constructor(scope: Construct, id: string, props: FastifyFargateApiProps = {}) {
    super(scope, id);
    const where = this.node.path;
    const port = props.containerPort ?? 3000;
    const logLevel = props.logLevel ?? 'info';
    if (props.migrationCommand !== undefined) {
      if (props.migrationCommand.length === 0) {
        propError(where, 'migrationCommand', 'the command is empty', 'Give the command and its arguments, e.g. [\'node\', \'dist/migrate.js\'].');
      }
      checkRule(where, 'migrationCommand', props.migrationCommand, commandProblem,
        'Give the command and its arguments as non-empty strings, e.g. [\'node\', \'dist/migrate.js\'].');
    }
    checkHttpPath(where, 'healthCheckPath', props.healthCheckPath);
    checkPattern(where, 'nodeEnv', props.nodeEnv, /^[A-Za-z0-9_.-]{1,64}$/, 'a NODE_ENV value such as production (letters, digits, _ . -)');
    if (props.imageTag === '') checkImageTag(where, 'imageTag', props.imageTag);
    if (!Token.isUnresolved(logLevel) && !LOG_LEVELS.includes(logLevel)) {
      propError(where, 'logLevel', `'${logLevel}' is not a pino level`, `Use one of ${LOG_LEVELS.join(', ')}.`);
    }
    checkInteger(where, 'repositoryMaxImages', props.repositoryMaxImages);
    checkRange(where, 'repositoryMaxImages', props.repositoryMaxImages, 1, 10000);
    if (!props.image && !props.createRepository) {
      propError(where, 'image', 'no image is set', 'Set image (e.g. ApiImage.fromDirectory(\'./api\')), or createRepository with imageTag.');
    }
    if (props.imageTag !== undefined && (props.image || !props.createRepository)) {
      propError(where, 'imageTag', 'imageTag applies only to the image from the created repository', 'Remove imageTag, or set createRepository and drop image.');
    }
    if (!props.image && props.imageTag === undefined) {
      propError(where, 'imageTag', 'the image comes from the created repository, but no tag is set', 'Set imageTag to the tag your pipeline pushes (the repository\'s tags are immutable).');
    }
    checkPattern(where, 'imageTag', props.imageTag, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker tag (letters, digits, _ . -, at most 128 characters)');
    checkInteger(where, 'databasePoolSize', props.databasePoolSize);
    checkRange(where, 'databasePoolSize', props.databasePoolSize, 1, 1000);
    if (!props.database && (props.databaseName !== undefined || props.databasePoolSize !== undefined)) {
      propError(where, props.databaseName !== undefined ? 'databaseName' : 'databasePoolSize', 'it applies only with database', 'Set database, or remove it.');
    }
    if (props.database && props.secrets?.DATABASE_URL) {
      propError(where, 'secrets', 'DATABASE_URL is set and database gives it too', 'Remove DATABASE_URL from secrets (database injects it), or remove database.');
    }

    if (props.createRepository) {
      this.repository = new ecr.Repository(this, 'Repository', {
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.AES_256,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [{ description: 'Keep only the newest images', maxImageCount: props.repositoryMaxImages ?? 10 }],
      });
      new CfnOutput(this, 'RepositoryUri', { value: this.repository.repositoryUri, description: 'ECR repository of the API images' });
    }

    this.cluster = resolveCluster(this, where, props);
    if (props.database) {
      const pool = props.databasePoolSize ?? 10;
      this.database = props.database.bind(this, {
        vpc: this.cluster.vpc,
        databaseName: props.databaseName ?? 'api',
        peakConnections: peakConnections(props.maxCapacity ?? 10, props.maxHealthyPercent ?? 200, pool, props.migrationCommand ? pool : 0),
      });
    }
    const arch = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64;
    const image = props.image
      ? props.image.toContainerImage(arch)
      : ecs.ContainerImage.fromEcrRepository(this.repository!, props.imageTag!);

    this.fargate = new HardenedFargateService(this, 'Fargate', {
      ...props,
      cluster: this.cluster,
      image,
      containerName: 'api',
      containerPort: port,
      environment: {
        NODE_ENV: props.nodeEnv ?? 'production',
        LOG_LEVEL: logLevel,
        PORT: String(port),
        ...props.environment,
      },
      secrets: {
        ...(this.database ? { DATABASE_URL: ecs.Secret.fromSecretsManager(this.database.secret, 'DATABASE_URL') } : {}),
        ...props.secrets,
      },
      targetHealthCheck: { path: props.healthCheckPath ?? '/health', ...props.targetHealthCheck },
      ingress: props.ingress ?? Ingress.loadBalancer(),
    });
    this.service = this.fargate.service;
    this.taskDefinition = this.fargate.taskDefinition;
    this.targetGroup = this.fargate.targetGroup!;
    this.loadBalancer = this.fargate.loadBalancer;
    this.listener = this.fargate.listener!;
    this.url = this.fargate.url;
    this.connections = this.fargate.connections;
    if (this.database) connectToDatabase(this.fargate, this.database, image);
    if (props.migrationCommand) {
      if (props.migrationCommand.length === 0) {
        propError(where, 'migrationCommand', 'the command is empty', 'Give the command and its arguments, e.g. [\'node\', \'dist/migrate.js\'].');
      }
      const migration = runTaskOnDeploy(this, 'Migration', {
        cluster: this.cluster,
        taskDefinition: this.taskDefinition,
        containerName: 'api',
        command: props.migrationCommand,
        securityGroup: this.connections.securityGroups[0],
      });
      // The service resource itself (its security group, which the migration task uses, is a child of the service).
      this.service.node.defaultChild!.node.addDependency(migration);
      if (this.database) migration.node.addDependency(this.database.setup);
    }
    if (this.url) {
      new CfnOutput(this, 'Url', { value: this.url, description: 'Base URL of the API' });
    }
  }

  /** Average CPU utilization of the API's tasks. */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization(props);
  }

  /** Average memory utilization of the API's tasks. */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricMemoryUtilization(props);
  }

  /** Requests the load balancer sent to the API. */
  public metricRequestCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.requestCount({ period: Duration.minutes(1), ...props });
  }

  /** 5xx responses returned by the API's tasks. */
  public metricHttp5xxCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), ...props });
  }

  /** Response time of the API's tasks (p99 by default). */
  public metricTargetResponseTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.targetResponseTime({ statistic: 'p99', period: Duration.minutes(1), ...props });
  }

  /** Number of healthy tasks behind the load balancer. */
  public metricHealthyHostCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), ...props });
  }

  /** What to watch: the service (with its target group and log group), and the load balancer it created. */
  public monitoringTargets(): MonitoringTargets {
    const f = this.fargate;
    return serviceTargets(this.node.path, f.service, f.targetGroup, f.logGroup, f.loadBalancer);
  }
}
