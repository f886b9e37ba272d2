import { CustomResource, Duration, RemovalPolicy, SecretValue, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { customResourceHandler } from './custom-resource-function';
import { DatabaseSetupFunction } from './database-setup-function';
import { acknowledgeAwsSolutions, acknowledgeCompliance, LAMBDA_BASIC_EXECUTION_FINDING } from './nag';
import { allowDefaultPortFrom } from './network';
import { MonitoringTargets, IObservable } from './observable';
import { checkInteger, checkOrdered, checkPattern, checkRange, checkWholeDuration, fitTagValue, propError } from './validation';

/** Options for a new Aurora PostgreSQL Serverless v2 cluster. */
export interface NewDatabaseClusterOptions {
  /**
   * Minimum capacity in Aurora capacity units (0.5 steps).
   *
   * @default 0.5
   */
  readonly minCapacity?: number;

  /**
   * Maximum capacity in Aurora capacity units (0.5 steps).
   *
   * @default 2
   */
  readonly maxCapacity?: number;

  /**
   * Aurora PostgreSQL engine version. Take one that AWS still offers for new clusters (deprecated minor versions are
   * refused at deploy time); the cluster's instances get later minor versions automatically.
   *
   * @default rds.AuroraPostgresEngineVersion.VER_17_7
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;

  /**
   * How long automated backups are kept (1 to 35 days).
   *
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;

  /**
   * Whether the cluster has deletion protection.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * What happens to the cluster when it leaves the stack.
   *
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether Performance Insights is on.
   *
   * @default false
   */
  readonly performanceInsights?: boolean;

  /**
   * Whether a reader instance in another AZ is added (fail-over in about 30 s instead of minutes).
   *
   * @default false
   */
  readonly multiAz?: boolean;

  /**
   * User name of the cluster's admin (master) login, whose password RDS manages in Secrets Manager and rotates every
   * 7 days (`adminSecret`). Not the engine's default `postgres`, a name every scan tries first.
   *
   * Changing it replaces the cluster (a new, empty one): a cluster created by an earlier release of this library with
   * the admin `postgres` keeps its data only with `adminUsername: 'postgres'` (docs/upgrades.md).
   *
   * @default 'cluster_admin'
   */
  readonly adminUsername?: string;
}

/** Options for a database inside an existing cluster or instance. */
export interface ExistingDatabaseOptions {
  /**
   * Most connections the application role may hold, so that it cannot starve the shared cluster. It must cover what
   * the application opens at its peak (its tasks at maximum capacity during a rolling deployment, times its pool).
   *
   * @default - what the application says it needs at its peak (`DatabaseBindOptions.peakConnections`), and at least 20
   */
  readonly connectionLimit?: number;
}

/** What a database source gives the application. */
export interface DatabaseBinding {
  /**
   * Secret of the application's own role: `username`, `password`, `host`, `port`, `dbname` and a complete,
   * URL-encoded `DATABASE_URL` (written once the database exists).
   */
  readonly secret: secretsmanager.ISecret;
  /** Network connections of the database (allow the application's tasks with `connections.allowDefaultPortFrom`). */
  readonly connections: ec2.Connections;
  /** Host name of the database endpoint. */
  readonly host: string;
  /** Port of the database endpoint, as a string (what container environments need). */
  readonly port: string;
  /** Name of the application's database. */
  readonly databaseName: string;
  /** The cluster, when it was created for this application. */
  readonly cluster?: rds.DatabaseCluster;
  /** The custom resource that creates the database and role; the application must start after it. */
  readonly setup: CustomResource;
}

/** Options for binding a database source to an application. */
export interface DatabaseBindOptions {
  /** The VPC the application runs in. */
  readonly vpc: ec2.IVpc;
  /** Name of the application's database, and of its role. Lower-case letters, digits and underscores. */
  readonly databaseName: string;

  /**
   * Connections the application may hold at its peak (for example its tasks at maximum capacity during a rolling
   * deployment, times its connection pool). The role's connection limit is at least this; an explicit, lower
   * `connectionLimit` fails at synth.
   *
   * @default - not known: the role's limit is `connectionLimit`, or 20
   */
  readonly peakConnections?: number;
}

/**
 * Where an application's PostgreSQL database lives: in a new encrypted Aurora PostgreSQL Serverless v2 cluster, or as
 * a dedicated database with a least-privilege role inside an existing cluster or instance. Either way the
 * application gets a secret with a complete `DATABASE_URL`, and no password appears in a template or task definition.
 */
export abstract class DatabaseSource {
  /** A new Aurora PostgreSQL Serverless v2 cluster for this application. */
  public static newCluster(options: NewDatabaseClusterOptions = {}): DatabaseSource {
    return new NewClusterSource(options);
  }

  /**
   * A dedicated database and role inside an existing Aurora cluster, created with the cluster's admin secret
   * (`username` and `password` keys, as RDS generates them).
   */
  public static fromCluster(
    cluster: rds.IDatabaseCluster, adminSecret: secretsmanager.ISecret, options: ExistingDatabaseOptions = {},
  ): DatabaseSource {
    requireAdminSecret('fromCluster', adminSecret);
    return new ExistingSource(cluster.clusterEndpoint.hostname, portString(cluster.clusterEndpoint.port),
      withLiteralPort(cluster.connections, cluster.clusterEndpoint.port), adminSecret, options);
  }

  /** A dedicated database and role inside an existing RDS PostgreSQL instance, created with its admin secret. */
  public static fromInstance(
    instance: rds.IDatabaseInstance, adminSecret: secretsmanager.ISecret, options: ExistingDatabaseOptions = {},
  ): DatabaseSource {
    requireAdminSecret('fromInstance', adminSecret);
    return new ExistingSource(instance.instanceEndpoint.hostname, portString(instance.instanceEndpoint.port),
      withLiteralPort(instance.connections, instance.instanceEndpoint.port), adminSecret, options);
  }

  /** Creates what the application needs in `scope`. */
  public abstract bind(scope: Construct, options: DatabaseBindOptions): DatabaseBinding;
}

/**
 * The endpoint's port as a string. A port token (from a cluster in the template) resolves to CloudFormation's string
 * attribute; a literal number (from `fromDatabaseInstanceAttributes` and the like) is written as a string, because a
 * container environment takes strings only.
 */
function portString(port: number): string {
  return Token.isUnresolved(port) ? Token.asString(port) : String(port);
}

/** The same security groups with the port as a number when it is known (so rules and checks name it). */
function withLiteralPort(connections: ec2.Connections, port: number): ec2.Connections {
  return Token.isUnresolved(port)
    ? connections
    : new ec2.Connections({ securityGroups: connections.securityGroups, defaultPort: ec2.Port.tcp(port) });
}

function requireAdminSecret(method: string, adminSecret: secretsmanager.ISecret | undefined): void {
  if (!adminSecret) {
    propError(`DatabaseSource.${method}`, 'adminSecret', 'no admin secret was given',
      'Pass the secret with the cluster\'s admin username and password (e.g. cluster.secret, or Secret.fromSecretCompleteArn(...)).');
  }
}

class NewClusterSource extends DatabaseSource {
  constructor(private readonly o: NewDatabaseClusterOptions) {
    super();
  }

  public bind(scope: Construct, options: DatabaseBindOptions): DatabaseBinding {
    const db = new AuroraPostgresCluster(scope, 'Database', { ...this.o, vpc: options.vpc });
    const binding = db.database({ connectionLimit: Math.max(100, options.peakConnections ?? 0) }).bind(scope, options);
    // The writer must be up before the handler connects (the endpoint reference only orders it after the cluster).
    binding.setup.node.addDependency(db.cluster.node.findChild('writer'));
    return { ...binding, cluster: db.cluster };
  }
}

/** Props of {@link AuroraPostgresCluster}. */
export interface AuroraPostgresClusterProps extends NewDatabaseClusterOptions {
  /** The VPC. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets of the cluster.
   *
   * @default - the VPC's isolated subnets, or its private subnets when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * An encrypted Aurora PostgreSQL Serverless v2 cluster with production defaults (7-day backups, deletion protection,
 * snapshot on delete, logs exported with retention, IAM authentication, isolated subnets), to share between
 * applications: each gets its own database and least-privilege role through `cluster.database()`.
 */
export class AuroraPostgresCluster extends Construct implements IObservable {
  /** The cluster. */
  public readonly cluster: rds.DatabaseCluster;
  /**
   * The admin login (`username`, `password`): a secret RDS creates and rotates every 7 days, and deletes with the
   * cluster (a snapshot is restored with a new admin password).
   */
  public readonly adminSecret: secretsmanager.ISecret;
  /** Network connections of the cluster, with the PostgreSQL port. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: AuroraPostgresClusterProps) {
    super(scope, id);
    const where = this.node.path;
    const min = props.minCapacity ?? 0.5;
    const max = props.maxCapacity ?? 2;
    for (const [prop, value] of [['minCapacity', min], ['maxCapacity', max]] as const) {
      checkRange(where, prop, value, prop === 'minCapacity' ? 0 : 1, 256);
      if (!Token.isUnresolved(value) && (value * 2) % 1 !== 0) {
        propError(where, prop, `${value} is not a multiple of 0.5`, 'Aurora capacity comes in 0.5 ACU steps: use e.g. 0.5, 1, 1.5.');
      }
    }
    checkOrdered(where, 'minCapacity', min, 'maxCapacity', max);
    const adminUsername = props.adminUsername ?? 'cluster_admin';
    checkPattern(where, 'adminUsername', adminUsername, /^[A-Za-z][A-Za-z0-9_]{0,62}$/,
      'a letter followed by up to 62 letters, digits or underscores');
    if (!Token.isUnresolved(adminUsername) && /^(rds|pg_)/i.test(adminUsername)) {
      propError(where, 'adminUsername', `'${adminUsername}' starts with a prefix Aurora PostgreSQL reserves (rds, pg_)`, 'Use another name, e.g. cluster_admin.');
    }
    const retention = props.backupRetention ?? Duration.days(7);
    checkWholeDuration(where, 'backupRetention', retention, 'days', 1, 35);
    // aws-cdk-lib rejects token capacities (it range-checks them); give it placeholders and set the real values on the
    // CloudFormation resource below, so capacities from parameters synthesize.
    const tokenCapacity = Token.isUnresolved(min) || Token.isUnresolved(max);

    const vpc = props.vpc;
    const subnetType = vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS;
    const pi = props.performanceInsights ?? false;
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: props.engineVersion ?? rds.AuroraPostgresEngineVersion.VER_17_7 });
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      // TLS only: the server refuses unencrypted connections; the applications verify its certificate.
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        description: fitTagValue(`TLS-only parameters of ${where}`, 255),
        parameters: { 'rds.force_ssl': '1' },
      }),
      writer: rds.ClusterInstance.serverlessV2('writer', { enablePerformanceInsights: pi }),
      readers: props.multiAz ? [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true, enablePerformanceInsights: pi })] : [],
      serverlessV2MinCapacity: tokenCapacity ? 0.5 : min,
      serverlessV2MaxCapacity: tokenCapacity ? 1 : max,
      vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType },
      // A placeholder: the password is RDS-managed (ManageMasterUserPassword below), so the template holds none.
      credentials: rds.Credentials.fromPassword(adminUsername, SecretValue.unsafePlainText('managed-by-rds')),
      storageEncrypted: true,
      iamAuthentication: true,
      backup: { retention },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: logs.RetentionDays.ONE_MONTH,
      copyTagsToSnapshot: true,
      port: 5432,
    });
    this.cluster = cluster;
    if (tokenCapacity) {
      (cluster.node.defaultChild as rds.CfnDBCluster).serverlessV2ScalingConfiguration = { minCapacity: min, maxCapacity: max };
    }
    // RDS creates the admin secret, rotates it (every 7 days) and deletes it with the cluster: no rotation function,
    // no secret that outlives or predeceases the data it opens.
    const cfnCluster = cluster.node.defaultChild as rds.CfnDBCluster;
    cfnCluster.addPropertyDeletionOverride('MasterUserPassword');
    cfnCluster.manageMasterUserPassword = true;
    this.adminSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'AdminSecret', cfnCluster.attrMasterUserSecretSecretArn);
    // Connections with the literal port (the cluster's own carry the endpoint's token), so that security group rules
    // (and the compliance checks) name it.
    this.connections = new ec2.Connections({ securityGroups: cluster.connections.securityGroups, defaultPort: ec2.Port.tcp(5432) });

    acknowledgeCompliance(cluster, ['RDSInBackupPlan'], 'Aurora automated backups (backupRetention) protect the data; an AWS Backup plan is the account\'s choice.');
    acknowledgeCompliance(cluster, ['RDSEnhancedMonitoringEnabled'],
      'Enhanced monitoring costs per instance; CloudWatch metrics and Performance Insights (opt-in) cover the service.');

    // cloudwatchLogsRetention works through CDK's stack-wide log-retention function (one per stack).
    const logRetention = Stack.of(this).node.tryFindChild('LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a');
    if (logRetention) {
      // Not an explicit log group instead: its name holds the cluster identifier, which CloudFormation generates, and RDS
      // creates the group at the first export, before a group declared after the cluster could be (a create conflict).
      const reason = 'CDK\'s log-retention function sets retention on log groups that services create (here Aurora\'s log '
        + 'exports, named after the generated cluster identifier); it needs logs:PutRetentionPolicy/DeleteRetentionPolicy on log '
        + 'groups whose names are known only at deploy time, and the AWS managed basic execution role for its own logs.';
      acknowledgeAwsSolutions(logRetention, [LAMBDA_BASIC_EXECUTION_FINDING, 'IAM5[Resource::*]'], reason);
      acknowledgeCompliance(logRetention, ['IAMNoInlinePolicy'], reason);
    }
  }

  /**
   * Lets `peer` (e.g. an application's service) connect to the cluster. The rule lives with the peer's security
   * group, so the peer may be in another stack.
   */
  public allowConnectionsFrom(peer: ec2.IConnectable): void {
    allowDefaultPortFrom(this.connections, peer, `to ${this.node.path}`);
  }

  /** A dedicated database and least-privilege role in this cluster, for one application. */
  public database(options: ExistingDatabaseOptions = {}): DatabaseSource {
    return new ExistingSource(this.cluster.clusterEndpoint.hostname, '5432', this.connections, this.adminSecret, options);
  }

  /** What to watch: the cluster. */
  public monitoringTargets(): MonitoringTargets {
    return { databases: [{ cluster: this.cluster, title: this.node.path }] };
  }
}

class ExistingSource extends DatabaseSource {
  constructor(
    private readonly host: string,
    private readonly port: string,
    private readonly dbConnections: ec2.Connections,
    private readonly adminSecret: secretsmanager.ISecret,
    private readonly o: ExistingDatabaseOptions,
  ) {
    super();
  }

  public bind(scope: Construct, options: DatabaseBindOptions): DatabaseBinding {
    const where = scope.node.path;
    const peak = options.peakConnections;
    const limit = this.o.connectionLimit ?? Math.max(20, peak !== undefined && !Token.isUnresolved(peak) ? peak : 0);
    checkInteger(where, 'database.connectionLimit', limit);
    checkRange(where, 'database.connectionLimit', limit, 1, 5000);
    if (peak !== undefined && !Token.isUnresolved(peak) && !Token.isUnresolved(limit) && limit < peak) {
      propError(where, 'database.connectionLimit', `${limit} is below the ${peak} connections the application may hold at its peak `
        + '(its tasks at maximum capacity during a rolling deployment, times its connection pool)',
      `Raise connectionLimit to at least ${peak}, or leave it out (it then follows the application), or lower the application's maxCapacity.`);
    }
    claimDatabaseName(scope, where, this.host, this.adminSecret, options.databaseName);
    const setup = createSetup(scope, where, {
      vpc: options.vpc,
      databaseName: options.databaseName,
      host: this.host,
      port: this.port,
      dbConnections: this.dbConnections,
      adminSecret: this.adminSecret,
      connectionLimit: limit,
    });
    return {
      secret: setup.secret,
      connections: this.dbConnections,
      host: this.host,
      port: this.port,
      databaseName: options.databaseName,
      setup: setup.resource,
    };
  }
}

/** Which construct claimed a database on a server, per app: two applications must not share one database and role. */
const claims = new WeakMap<object, Map<string, string>>();

function claimDatabaseName(scope: Construct, where: string, host: string, adminSecret: secretsmanager.ISecret, databaseName: string): void {
  const root = scope.node.root;
  const byKey = claims.get(root) ?? new Map<string, string>();
  claims.set(root, byKey);
  const server = Token.isUnresolved(adminSecret.secretArn) ? host : `${host}|${adminSecret.secretArn}`;
  const key = `${server}|${databaseName}`;
  const first = byKey.get(key);
  if (first !== undefined && first !== where) {
    propError(where, 'databaseName', `'${databaseName}' is already the database of ${first} on the same server, so the two `
      + 'would share one database and role, and each deployment would reset the other\'s password',
    'Give each application its own databaseName (for example databaseName: \'umami_marketing\').');
  }
  byKey.set(key, where);
}

interface SetupOptions {
  readonly vpc: ec2.IVpc;
  readonly databaseName: string;
  readonly host: string;
  readonly port: string;
  readonly dbConnections: ec2.Connections;
  readonly adminSecret: secretsmanager.ISecret;
  readonly connectionLimit: number;
}

/** The application secret and the custom resource that creates the database and role and fills the secret. */
function createSetup(parent: Construct, where: string, o: SetupOptions): { secret: secretsmanager.Secret; resource: CustomResource } {
  checkPattern(where, 'databaseName', o.databaseName, /^[a-z][a-z0-9_]{0,62}$/, 'a lower-case PostgreSQL name (letters, digits, underscores; starting with a letter)');
  // One group per application database, so that one scope can hold several.
  const scope = new Construct(parent, `AppDatabase-${o.databaseName}`);
  const secret = new secretsmanager.Secret(scope, 'Secret', {
    description: `PostgreSQL login and DATABASE_URL of ${where}`,
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ username: o.databaseName }),
      generateStringKey: 'password',
      passwordLength: 32,
      // Characters that are awkward in shells and URLs are left out; the handler URL-encodes the rest anyway.
      excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
    },
  });
  acknowledgeAwsSolutions(secret, ['SMG4'], 'DATABASE_URL embeds the password, which the standard rotation functions would not update; rotate by redeploying with a new secret.');
  acknowledgeCompliance(secret, ['SecretsManagerRotationEnabled'], 'DATABASE_URL embeds the password, which the standard rotation functions would not update.');
  acknowledgeCompliance(secret, ['SecretsManagerUsingKMSKey'], 'Encrypted with the Secrets Manager AWS managed key; a customer-managed key adds cost for no extra isolation here.');

  const { fn, securityGroup } = customResourceHandler(scope, 'Setup', (sc, i, p) => new DatabaseSetupFunction(sc, i, p), {
    vpc: o.vpc, timeout: Duration.minutes(2), description: `Database setup function of ${where}`,
  });
  // The rule lives with the setup function's security group (remote rule), so the custom resource can depend on it
  // without depending on the database's other rules (which would form a cycle with the application's service).
  allowDefaultPortFrom(o.dbConnections, securityGroup, `database setup of ${where}`);
  // Lambda's Node.js 20+ runtimes load Amazon's CA certificates (the RDS CAs among them) only when told to.
  fn.addEnvironment('NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem');
  o.adminSecret.grantRead(fn);
  secret.grantRead(fn);
  secret.grantWrite(fn);

  const resource = new CustomResource(scope, 'Setup', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::PostgresDatabase',
    properties: {
      AdminSecretArn: o.adminSecret.secretArn,
      AppSecretArn: secret.secretArn,
      Host: o.host,
      Port: o.port,
      DatabaseName: o.databaseName,
      ConnectionLimit: String(o.connectionLimit),
      SslMode: 'verify-full',
    },
  });
  // (The function already waits for its role and policy; the rule admitting it must exist too.)
  resource.node.addDependency(securityGroup);
  return { secret, resource };
}
