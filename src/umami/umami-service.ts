import { createHash } from 'crypto';
import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AdminBootstrapFunction } from './admin-bootstrap-function';
import { customResourceHandler } from '../core/custom-resource-function';
import { connectToDatabase, peakConnections } from '../core/database-ca';
import { resolveCluster } from '../core/default-platform';
import { HardenedFargateService } from '../core/fargate-service';
import { FargateServiceOptions } from '../core/fargate-service-props';
import { Ingress } from '../core/ingress';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';
import { MonitoringTargets, IObservable } from '../core/observable';
import { serviceTargets } from '../core/observable-util';
import { PlatformProps } from '../core/platform';
import { DatabaseBinding, DatabaseSource } from '../core/postgres';
import { checkDomainName, checkDuration, checkHeaderValue, checkPattern, checkRequired, checkRule, checkWholeDuration, propError } from '../core/validation';
import { UMAMI_ROLES, umamiUsernameProblem, umamiWebsiteNameProblem } from '../core/validation-rules';

/** The Umami release the library is tested against; images are pinned to it unless `imageTag` says otherwise. */
const UMAMI_DEFAULT_VERSION = '3.1.0';

/** A website to create in Umami at deployment. */
export interface UmamiWebsite {
  /** Display name. */
  readonly name: string;
  /** Domain of the site (e.g. `www.example.com`); websites are matched by domain, so a second deployment creates no duplicate. */
  readonly domain: string;
}

/** A user account to create in Umami at deployment, with a generated password in Secrets Manager. */
export interface UmamiUser {
  /** Login name. */
  readonly username: string;
  /**
   * Role: `admin`, `user` or `view-only`.
   *
   * @default 'view-only'
   */
  readonly role?: string;
}

/** Props of {@link UmamiService}. */
export interface UmamiServiceProps extends FargateServiceOptions, PlatformProps {
  /**
   * Where the PostgreSQL database lives.
   *
   * @default DatabaseSource.newCluster() - a new Aurora PostgreSQL Serverless v2 cluster (0.5-2 ACU)
   */
  readonly database?: DatabaseSource;

  /**
   * Name of Umami's database and of its role.
   *
   * @default 'umami'
   */
  readonly databaseName?: string;

  /**
   * Umami image tag: an explicit version such as `3.1.0`.
   *
   * @default UmamiService.DEFAULT_VERSION
   */
  readonly imageTag?: string;

  /**
   * Image repository in a public registry, without a tag (the tag is `imageTag`).
   *
   * @default 'ghcr.io/umami-software/umami'
   */
  readonly imageRepository?: string;

  /**
   * A private ECR repository that holds a mirror of Umami's image (tagged `imageTag`); the tasks are granted pull
   * access. Instead of `imageRepository`.
   *
   * @default - the public `imageRepository`
   */
  readonly ecrRepository?: ecr.IRepository;

  /**
   * Allows a moving tag (`latest`, `postgresql-latest`, a major-only `3`) whose content changes without a deployment.
   *
   * @default false
   */
  readonly allowFloatingImageTag?: boolean;

  /**
   * How Umami is reached.
   *
   * @default Ingress.loadBalancer() - a new internet-facing load balancer
   */
  readonly ingress?: Ingress;

  /**
   * Header Umami reads the visitor's IP address from (`CLIENT_IP_HEADER`). Umami takes this header's whole value as
   * one address, so never name `x-forwarded-for` here: behind an ALB it holds a list whenever the request already
   * carried one (from CloudFront or a proxy), and `IGNORE_IP` then fails. Without it, Umami takes the first entry of
   * `x-forwarded-for`, which is the visitor's address behind an ALB, with or without CloudFront in front.
   *
   * @default - not set: the first address of `x-forwarded-for`
   */
  readonly clientIpHeader?: string;

  /**
   * Names the tracker script is served under besides `script.js` (`TRACKER_SCRIPT_NAME`), e.g. `stats.js`, so
   * ad-blockers that match `script.js` on analytics hosts do not drop it.
   *
   * @default - `script.js` only
   */
  readonly trackerScriptName?: string;

  /**
   * Path the tracker posts events to instead of `/api/send` (`COLLECT_API_ENDPOINT`).
   *
   * @default - `/api/send`
   */
  readonly collectApiEndpoint?: string;

  /**
   * Whether Umami's anonymous telemetry is off (`DISABLE_TELEMETRY`).
   *
   * @default true
   */
  readonly disableTelemetry?: boolean;

  /**
   * Time a new task may take to become healthy: the first start and upgrades run database migrations, which can
   * take minutes on a large database. Used as the service's health-check grace period.
   *
   * @default Duration.minutes(10)
   */
  readonly startupGracePeriod?: Duration;

  /**
   * Whether a custom resource replaces the default `admin` / `umami` login with a generated password (in
   * `adminSecret`) once the service is up, and fails the deployment if it cannot. It calls Umami at `url`, so the
   * ingress must give one.
   *
   * @default true
   */
  readonly bootstrapAdmin?: boolean;

  /**
   * Websites to create at deployment (needs `bootstrapAdmin`). Their ids are `websiteId(domain)`.
   *
   * @default - none
   */
  readonly websites?: UmamiWebsite[];

  /**
   * User accounts to create at deployment (needs `bootstrapAdmin`), each with a generated password in
   * `userSecret(username)`.
   *
   * @default - none
   */
  readonly users?: UmamiUser[];
}

/** Connections one Umami task opens at most: node-postgres' default pool (Umami 3.1 sets no size). */
const UMAMI_POOL_SIZE = 10;

const FLOATING_TAGS = /^(latest|postgresql-latest|mysql-latest|\d+|\d+\.\d+)$/;
const ROLES = UMAMI_ROLES;

/**
 * Umami, privacy-focused web analytics, on ECS Fargate and PostgreSQL, ready for production: image pinned to a
 * tested version, `DATABASE_URL` and `APP_SECRET` injected from Secrets Manager, migrations given time to run,
 * health checks on `/api/heartbeat`, and no default `admin` / `umami` login left behind.
 *
 * @example
 * const umami = new UmamiService(this, 'Umami', {
 *   ingress: Ingress.loadBalancer({ domainName: 'analytics.example.com', hostedZone: zone }),
 *   websites: [{ name: 'Marketing', domain: 'www.example.com' }],
 * });
 * new CfnOutput(this, 'WebsiteId', { value: umami.websiteId('www.example.com') });
 */
export class UmamiService extends Construct implements IObservable {
  /** The Umami version the library is tested against and pins by default. */
  public static readonly DEFAULT_VERSION = UMAMI_DEFAULT_VERSION;

  /** The hardened Fargate service Umami runs on. */
  public readonly fargate: HardenedFargateService;
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** Base URL of Umami, when known at synth time. */
  public readonly url?: string;
  /** URL of the tracker script to embed in sites, when `url` is known. */
  public readonly trackerScriptUrl?: string;
  /** Login of the `admin` account (`username`, `password`), when `bootstrapAdmin` is on. */
  public readonly adminSecret?: secretsmanager.ISecret;
  /** Umami's `APP_SECRET`. */
  public readonly appSecret: secretsmanager.ISecret;
  /** Umami's database: its secret (with `DATABASE_URL`), endpoint and connections. */
  public readonly database: DatabaseBinding;
  /** Network connections of the Umami tasks. */
  public readonly connections: ec2.Connections;
  /** The Umami version (image tag) that runs. */
  public readonly version: string;

  private readonly bootstrap?: CustomResource;
  private readonly userSecrets: { [username: string]: secretsmanager.ISecret } = {};
  private readonly websiteDomains: string[];

  constructor(scope: Construct, id: string, props: UmamiServiceProps = {}) {
    super(scope, id);
    const where = this.node.path;
    const tag = props.imageTag ?? UMAMI_DEFAULT_VERSION;
    this.version = tag;
    checkPattern(where, 'imageTag', tag, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker tag such as 3.1.0');
    if (FLOATING_TAGS.test(tag) && !props.allowFloatingImageTag) {
      propError(where, 'imageTag', `'${tag}' is a moving tag that can change Umami's version (and run its migrations) without a deployment`,
        `Pin a version such as '${UMAMI_DEFAULT_VERSION}', or set allowFloatingImageTag: true to accept this.`);
    }
    const cpu = props.cpu ?? 256;
    const memory = props.memoryLimitMiB ?? 512;
    if (!Token.isUnresolved(cpu) && cpu !== 256 && cpu !== 512) {
      propError(where, 'cpu', `${cpu} is not a size Umami is tested with`, 'Use 256 (0.25 vCPU) or 512 (0.5 vCPU); Umami needs about 270 MiB and little CPU.');
    }
    if (!Token.isUnresolved(memory) && memory !== 512 && memory !== 1024) {
      propError(where, 'memoryLimitMiB', `${memory} is not a size Umami is tested with`, 'Use 512 or 1024.');
    }
    const grace = props.startupGracePeriod ?? Duration.minutes(10);
    checkDuration(where, 'startupGracePeriod', grace, Duration.minutes(1), Duration.hours(2));
    if (props.collectApiEndpoint !== undefined && !Token.isUnresolved(props.collectApiEndpoint) && !props.collectApiEndpoint.startsWith('/')) {
      propError(where, 'collectApiEndpoint', `'${props.collectApiEndpoint}' does not start with '/'`, `Use '/${props.collectApiEndpoint}'.`);
    }
    const bootstrapAdmin = props.bootstrapAdmin ?? true;
    if (!bootstrapAdmin && ((props.websites?.length ?? 0) > 0 || (props.users?.length ?? 0) > 0)) {
      propError(where, 'bootstrapAdmin', 'websites and users are created by the admin bootstrap, which is off',
        'Set bootstrapAdmin: true, or remove websites and users.');
    }
    checkWholeDuration(where, 'startupGracePeriod', grace, 'seconds');
    checkPattern(where, 'clientIpHeader', props.clientIpHeader, /^[A-Za-z0-9-]{1,128}$/, 'an HTTP header name such as CloudFront-Viewer-Address');
    checkHeaderValue(where, 'trackerScriptName', props.trackerScriptName);
    const domains = new Set<string>();
    (props.websites ?? []).forEach((w, i) => {
      checkRequired(where, `websites[${i}]`, w, 'Give each website a name and a domain, e.g. { name: \'Marketing\', domain: \'www.example.com\' }.');
      checkRule(where, `websites[${i}].name`, w.name, umamiWebsiteNameProblem, 'Give the website a name of 1 to 100 characters, e.g. \'Marketing\'.');
      checkRequired(where, `websites[${i}].domain`, w.domain, 'Give the domain of the site, e.g. \'www.example.com\'.');
      // Umami matches websites by domain without regard to case, so the name is checked in lower case.
      const key = Token.isUnresolved(w.domain) ? w.domain : w.domain.toLowerCase();
      checkDomainName(where, `websites[${i}].domain`, key);
      if (domains.has(key)) propError(where, 'websites', `domain '${w.domain}' is listed twice`, 'List each domain once.');
      domains.add(key);
    });
    this.websiteDomains = [...domains];
    const usernames = new Set<string>(['admin']);
    (props.users ?? []).forEach((u, i) => {
      checkRequired(where, `users[${i}]`, u, 'Give each user a username, e.g. { username: \'analyst\' }.');
      checkRule(where, `users[${i}].username`, u.username, umamiUsernameProblem, 'Give a username of letters, digits and _ . @ -, e.g. \'analyst\'.');
      checkPattern(where, 'users', u.username, /^[A-Za-z0-9_.@-]{1,255}$/, 'a user name of letters, digits and _ . @ -');
      if (usernames.has(u.username)) propError(where, 'users', `user '${u.username}' is listed twice or is the admin`, 'List each user once; the admin account is managed already.');
      usernames.add(u.username);
      if (u.role !== undefined && !ROLES.includes(u.role)) {
        propError(where, 'users', `role '${u.role}' of '${u.username}' is not an Umami role`, `Use one of ${ROLES.join(', ')}.`);
      }
    });

    if (props.imageRepository !== undefined && !Token.isUnresolved(props.imageRepository)) {
      if (props.ecrRepository) {
        propError(where, 'imageRepository', 'both imageRepository and ecrRepository are set', 'Set one of them: ecrRepository for a private mirror, imageRepository for a public registry.');
      }
      const last = props.imageRepository.slice(props.imageRepository.lastIndexOf('/') + 1);
      if (/[:@]/.test(last)) {
        const repo = props.imageRepository.slice(0, props.imageRepository.length - last.length) + last.split(/[:@]/)[0];
        propError(where, 'imageRepository', `'${props.imageRepository}' has a ${last.includes('@') ? 'digest' : 'tag'} in it`,
          `Give the repository only ('${repo}') and the version in imageTag.`);
      }
      checkPattern(where, 'imageRepository', props.imageRepository, /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/,
        'a repository name without tag or digest, such as ghcr.io/umami-software/umami (the tag goes in imageTag)');
    }
    const image = props.ecrRepository
      ? ecs.ContainerImage.fromEcrRepository(props.ecrRepository, tag)
      : ecs.ContainerImage.fromRegistry(`${props.imageRepository ?? 'ghcr.io/umami-software/umami'}:${tag}`);
    const maxCapacity = props.maxCapacity ?? 2;

    const cluster = resolveCluster(this, where, props);
    this.database = (props.database ?? DatabaseSource.newCluster()).bind(this, {
      vpc: cluster.vpc,
      databaseName: props.databaseName ?? 'umami',
      // node-postgres pools up to 10 connections per task (Umami 3 sets no other size).
      peakConnections: peakConnections(maxCapacity, props.maxHealthyPercent ?? 200, UMAMI_POOL_SIZE),
    });

    const appSecret = new secretsmanager.Secret(this, 'AppSecret', {
      description: `APP_SECRET of ${where} (signs login tokens)`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeAwsSolutions(appSecret, ['SMG4'], 'APP_SECRET signs session tokens; rotating it logs every user out, so it is rotated by replacing the secret.');
    acknowledgeCompliance(appSecret, ['SecretsManagerRotationEnabled'], 'APP_SECRET signs session tokens; rotating it logs every user out.');
    acknowledgeCompliance(appSecret, ['SecretsManagerUsingKMSKey'], 'Encrypted with the Secrets Manager AWS managed key.');
    this.appSecret = appSecret;

    const environment: { [key: string]: string } = {
      HOSTNAME: '0.0.0.0',
      PORT: '3000',
      ...(props.clientIpHeader ? { CLIENT_IP_HEADER: props.clientIpHeader } : {}),
      ...((props.disableTelemetry ?? true) ? { DISABLE_TELEMETRY: '1' } : {}),
      ...(props.trackerScriptName ? { TRACKER_SCRIPT_NAME: props.trackerScriptName } : {}),
      ...(props.collectApiEndpoint ? { COLLECT_API_ENDPOINT: props.collectApiEndpoint } : {}),
      ...props.environment,
    };

    this.fargate = new HardenedFargateService(this, 'Fargate', {
      minCapacity: 1,
      ...props,
      maxCapacity,
      cpu,
      memoryLimitMiB: memory,
      cluster,
      image,
      containerName: 'umami',
      containerPort: 3000,
      environment,
      secrets: {
        DATABASE_URL: ecs.Secret.fromSecretsManager(this.database.secret, 'DATABASE_URL'),
        APP_SECRET: ecs.Secret.fromSecretsManager(appSecret),
        ...props.secrets,
      },
      // The image's user nextjs (uid 1001; umami Dockerfile `adduser --system --uid 1001 nextjs`, `USER nextjs`), made
      // explicit. Read-only root, with /tmp writable (Prisma's migrate deploy at start may write there), except when
      // COLLECT_API_ENDPOINT is set: then update-tracker rewrites /app/public/script.js at start
      // (scripts/update-tracker.js), and the image declares no VOLUME there, so a volume would hide public/.
      user: props.user ?? '1001',
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? (props.collectApiEndpoint === undefined ? undefined : false),
      writablePaths: props.writablePaths ?? ['/tmp'],
      containerHealthCheck: {
        command: ['CMD-SHELL', 'curl -fsS http://127.0.0.1:3000/api/heartbeat || exit 1'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        // ECS allows at most 300 s; the service's grace period below covers longer migrations.
        startPeriod: Duration.seconds(Math.min(300, grace.isUnresolved() ? 300 : grace.toSeconds())),
      },
      healthCheckGracePeriod: grace,
      targetHealthCheck: { path: '/api/heartbeat', healthyHttpCodes: '200', ...props.targetHealthCheck },
      ingress: props.ingress ?? Ingress.loadBalancer(),
    });
    this.service = this.fargate.service;
    this.connections = this.fargate.connections;
    this.url = this.fargate.url;
    const scriptName = props.trackerScriptName?.split(',')[0]?.trim() || 'script.js';
    this.trackerScriptUrl = this.url ? `${this.url}/${scriptName}` : undefined;

    // Umami starts only once its database and role exist, verifies the server against the database's CA (the image
    // has a shell for the init container that writes it), and only its tasks (and the setup function) reach the database.
    connectToDatabase(this.fargate, this.database, image);

    if (bootstrapAdmin) {
      if (!this.url) {
        propError(where, 'ingress', 'the admin bootstrap calls Umami at its URL, and this ingress gives none',
          'Give the listener rule hostHeaders (or use Ingress.loadBalancer()), or set bootstrapAdmin: false and change the admin password by hand at once.');
      }
      const adminSecret = new secretsmanager.Secret(this, 'AdminSecret', {
        description: `Umami admin login of ${where}`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'admin' }),
          generateStringKey: 'password',
          passwordLength: 32,
          excludeCharacters: '"\\\'`',
        },
      });
      this.adminSecret = adminSecret;
      const userSpecs: Array<{ username: string; role: string; secretArn: string }> = [];
      for (const u of props.users ?? []) {
        // The id derives from the user name, so reordering the list never replaces a secret (and a password).
        const idSuffix = createHash('sha256').update(u.username).digest('hex').slice(0, 8);
        const s = new secretsmanager.Secret(this, `UserSecret${u.username.replace(/[^A-Za-z0-9]/g, '')}${idSuffix}`, {
          description: `Umami login of ${u.username} (${where})`,
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ username: u.username }),
            generateStringKey: 'password',
            passwordLength: 24,
            excludeCharacters: '"\\\'`',
          },
        });
        this.userSecrets[u.username] = s;
        userSpecs.push({ username: u.username, role: u.role ?? 'view-only', secretArn: s.secretArn });
      }
      const secrets: secretsmanager.Secret[] = [adminSecret, ...Object.values(this.userSecrets) as secretsmanager.Secret[]];
      for (const s of secrets) {
        acknowledgeAwsSolutions(s, ['SMG4'], 'An application login: Umami keeps its own password hash, which a rotation function cannot update.');
        acknowledgeCompliance(s, ['SecretsManagerRotationEnabled'], 'An application login: Umami keeps its own password hash, which a rotation function cannot update.');
        acknowledgeCompliance(s, ['SecretsManagerUsingKMSKey'], 'Encrypted with the Secrets Manager AWS managed key.');
      }

      const { fn } = customResourceHandler(this, 'AdminBootstrap', (sc, i, p) => new AdminBootstrapFunction(sc, i, p), {
        vpc: cluster.vpc, timeout: Duration.minutes(15), description: `Umami admin bootstrap of ${where}`,
      });
      for (const s of secrets) s.grantRead(fn);

      this.bootstrap = new CustomResource(this, 'AdminBootstrap', {
        serviceToken: fn.functionArn,
        resourceType: 'Custom::UmamiAdminBootstrap',
        properties: {
          BaseUrl: this.url,
          AdminSecretArn: adminSecret.secretArn,
          Websites: JSON.stringify((props.websites ?? []).map((w) => ({ name: w.name, domain: w.domain }))),
          Users: JSON.stringify(userSpecs),
          ReadyTimeoutSeconds: '600',
          RequestTimeoutSeconds: '10',
        },
      });
      // After the service is stable (CloudFormation waits for it) and the function can read its secrets.
      this.bootstrap.node.addDependency(this.service);
      if (this.fargate.loadBalancer) this.bootstrap.node.addDependency(this.fargate.node.findChild('Ingress'));
    }
  }

  /** The id of a website listed in `websites`, for the tracker's `data-website-id`. */
  public websiteId(domain: string): string {
    if (!this.bootstrap || !this.websiteDomains.includes(domain.toLowerCase())) {
      propError(this.node.path, 'websites', `'${domain}' is not one of the websites this construct creates`,
        `Add { name, domain: '${domain}' } to websites.`);
    }
    return this.bootstrap.getAttString(`WebsiteId.${domain.toLowerCase()}`);
  }

  /** The login secret (`username`, `password`) of a user listed in `users`. */
  public userSecret(username: string): secretsmanager.ISecret {
    const s = this.userSecrets[username];
    if (!s) {
      propError(this.node.path, 'users', `'${username}' is not one of the users this construct creates`, `Add { username: '${username}' } to users.`);
    }
    return s;
  }

  /** Average CPU utilization of the Umami tasks. */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization(props);
  }

  /** Average memory utilization of the Umami tasks. */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricMemoryUtilization(props);
  }

  /** What to watch: the service (with its target group and log group), the load balancer and the database it created. */
  public monitoringTargets(): MonitoringTargets {
    const f = this.fargate;
    return {
      ...serviceTargets(this.node.path, f.service, f.targetGroup, f.logGroup, f.loadBalancer),
      databases: this.database.cluster ? [{ cluster: this.database.cluster, title: `${this.node.path} database` }] : [],
    };
  }
}
