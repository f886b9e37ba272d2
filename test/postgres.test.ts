import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AuroraPostgresCluster, DatabaseSource } from '../src';
import { cfnLintCommand, cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { testStack } from './helpers/stacks';

function vpcOf(stack: any): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}

describe('AuroraPostgresCluster shared by two applications', () => {
  const app = testApp();
  const stack = testStack(app);
  const vpc = vpcOf(stack);
  const shared = new AuroraPostgresCluster(stack, 'Shared', { vpc, multiAz: true, performanceInsights: true, maxCapacity: 4 });
  const api = shared.database({ connectionLimit: 30 }).bind(stack, { vpc, databaseName: 'api' });
  const umami = shared.database().bind(stack, { vpc, databaseName: 'umami' });
  const tasks = new ec2.SecurityGroup(stack, 'Tasks', { vpc });
  api.connections.allowDefaultPortFrom(tasks);
  const t = Template.fromStack(stack);

  test('one cluster in isolated subnets, a writer and a reader with Performance Insights', () => {
    t.resourceCountIs('AWS::RDS::DBCluster', 1);
    t.resourceCountIs('AWS::RDS::DBInstance', 2);
    t.hasResourceProperties('AWS::RDS::DBInstance', { EnablePerformanceInsights: true });
    t.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 }, Port: 5432 });
    t.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('VpcisolatedSubnet1') }]) });
  });

  test('the admin is not the engine default, and RDS manages (and rotates) its password: none in the template', () => {
    const cluster = Object.values(t.findResources('AWS::RDS::DBCluster'))[0] as any;
    expect(cluster.Properties.MasterUsername).toBe('cluster_admin');
    expect(cluster.Properties.ManageMasterUserPassword).toBe(true);
    expect(cluster.Properties.MasterUserPassword).toBeUndefined();
    // No admin secret of our own: only the two application secrets.
    t.resourceCountIs('AWS::SecretsManager::Secret', 2);
    t.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 0);
    for (const db of Object.values(t.findResources('Custom::PostgresDatabase')) as any[]) {
      expect(db.Properties.AdminSecretArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SharedCluster/), 'MasterUserSecret.SecretArn'] });
    }
    expect(JSON.stringify(t.toJSON())).not.toContain('managed-by-rds');
  });

  test('a database, role and secret per application, with its own connection limit', () => {
    t.resourceCountIs('Custom::PostgresDatabase', 2);
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'api', ConnectionLimit: '30', Port: '5432' });
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'umami', ConnectionLimit: '20' });
    expect(api.secret).not.toBe(umami.secret);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"api"}', GenerateStringKey: 'password', PasswordLength: 32 }),
    });
  });

  test('the database port is open to exactly the granted peers, by number', () => {
    const rules = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => r.Properties.FromPort === 5432) as any[];
    const sources = rules.map((r) => r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]).sort();
    expect(sources).toEqual([
      expect.stringMatching(/^AppDatabase(api|umami)SetupSecurityGroup/), expect.stringMatching(/^AppDatabase(api|umami)SetupSecurityGroup/), expect.stringMatching(/^Tasks/),
    ].sort());
  });

  test('zero unacknowledged cdk-nag findings; cfn-lint clean', () => {
    expect(cfnLintErrors(stack)).toEqual([]);
    expect(formatFindings(nagFindings(stack).filter((f) => !f.path.startsWith('Test/Vpc/')))).toEqual([]);
  });
});

describe('database validation', () => {
  test('capacity and backup retention', () => {
    const stack = testStack();
    const vpc = vpcOf(stack);
    expect(() => new AuroraPostgresCluster(stack, 'A', { vpc, minCapacity: 4, maxCapacity: 2 }))
      .toThrow("Test/A: invalid 'maxCapacity': maxCapacity (2) is lower than minCapacity (4). Set maxCapacity to at least 4, or lower minCapacity.");
    expect(() => new AuroraPostgresCluster(stack, 'B', { vpc, backupRetention: Duration.days(40) }))
      .toThrow("Test/B: invalid 'backupRetention': 40 days is outside 1..35 days. Use 1 to 35 days.");
    const c = new AuroraPostgresCluster(stack, 'C', { vpc });
    expect(() => c.database({ connectionLimit: 0 }).bind(stack, { vpc, databaseName: 'x' }))
      .toThrow("Test: invalid 'database.connectionLimit': 0 is outside 1..5000. Use a value from 1 to 5000.");
    expect(() => DatabaseSource.fromCluster(c.cluster, c.adminSecret).bind(stack, { vpc, databaseName: 'Bad-Name' }))
      .toThrow("Test: invalid 'databaseName': 'Bad-Name' is not a lower-case PostgreSQL name");
  });
});

describe('what AWS requires of a new cluster and its setup function', () => {
  const stack = testStack();
  const vpc = vpcOf(stack);
  new AuroraPostgresCluster(stack, 'Db', { vpc }).database().bind(stack, { vpc, databaseName: 'app' });
  const t = Template.fromStack(stack);

  test('the default engine version is one AWS still creates clusters with (not in cfn-lint\'s deprecated list, W3690)', () => {
    const [cluster] = Object.values(t.findResources('AWS::RDS::DBCluster')) as any[];
    expect(cluster.Properties.Engine).toBe('aurora-postgresql');
    const deprecated = deprecatedAuroraPostgresVersions();
    expect(deprecated.length).toBeGreaterThan(10); // the data was found and read
    expect(deprecated).toContain('16.6'); // the default until this test existed
    expect(deprecated).not.toContain(cluster.Properties.EngineVersion);
  });

  test('the server enforces TLS (rds.force_ssl = 1 in the cluster parameter group)', () => {
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Family: 'aurora-postgresql17', Parameters: { 'rds.force_ssl': '1' } });
    const [cluster] = Object.values(t.findResources('AWS::RDS::DBCluster')) as any[];
    expect(cluster.Properties.DBClusterParameterGroupName).toEqual({ Ref: expect.stringMatching(/^DbParameters/) });
  });

  test('the setup function loads the Lambda runtime\'s CA file (RDS CAs) and asks for a verified connection', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'src/core/database-setup.lambda.ts',
      Environment: { Variables: Match.objectLike({ NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }) },
    });
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'app', SslMode: 'verify-full' });
  });
});

/**
 * The Python that runs the `cfn-lint` the project uses (scripts/toolchain.sh may link a pinned one from a virtual
 * environment ahead of the machine's): the interpreter of its script, or `python3` when it is a wrapper.
 */
function cfnLintPython(): string {
  const bin = execFileSync('sh', ['-c', `command -v ${cfnLintCommand()}`], { encoding: 'utf8' }).trim();
  const firstLine = fs.readFileSync(fs.realpathSync(bin), 'utf8').split('\n')[0];
  return firstLine.match(/^#!\s*(\S*python[\d.]*)\s*$/)?.[1] ?? 'python3';
}

/** Aurora PostgreSQL versions that cfn-lint (rule W3690, from AWS's own data) says new clusters cannot use. */
function deprecatedAuroraPostgresVersions(): string[] {
  const dir = execFileSync(cfnLintPython(), ['-c', 'import cfnlint, os; print(os.path.dirname(cfnlint.__file__))'], { encoding: 'utf8' }).trim();
  const schema = JSON.parse(fs.readFileSync(path.join(dir, 'data/schemas/extensions/aws_rds_dbcluster/engine_version_deprecated.json'), 'utf8'));
  const found: string[] = [];
  const walk = (node: any, engine?: string): void => {
    if (!node || typeof node !== 'object') return;
    const e = node.properties?.Engine?.const ?? engine;
    const versions = node.properties?.EngineVersion?.enum;
    if (e === 'aurora-postgresql' && Array.isArray(versions)) found.push(...versions);
    for (const v of Object.values(node)) walk(v, e);
  };
  walk(schema);
  return found;
}

describe('databases on one server belong to one application each, with enough connections', () => {
  test('two applications naming the same database on one server fail at synth', () => {
    const app = new App();
    const data = testStack(app, 'Data');
    const vpc = vpcOf(data);
    const shared = new AuroraPostgresCluster(data, 'Shared', { vpc });
    shared.database().bind(testStack(app, 'Marketing'), { vpc, databaseName: 'umami' });
    expect(() => shared.database().bind(testStack(app, 'Shop'), { vpc, databaseName: 'umami' }))
      .toThrow("Shop: invalid 'databaseName': 'umami' is already the database of Marketing on the same server, so the two would share "
        + "one database and role, and each deployment would reset the other's password. Give each application its own databaseName");
    // Another name on the same server, and the same name on another server, are fine.
    shared.database().bind(testStack(app, 'Shop2'), { vpc, databaseName: 'umami_shop' });
    new AuroraPostgresCluster(data, 'Other', { vpc }).database().bind(testStack(app, 'Shop3'), { vpc, databaseName: 'umami' });
  });

  test('the role\'s limit follows the application\'s peak; an explicit lower limit fails', () => {
    const stack = testStack();
    const vpc = vpcOf(stack);
    const c = new AuroraPostgresCluster(stack, 'C', { vpc });
    c.database().bind(stack, { vpc, databaseName: 'big', peakConnections: 85 });
    c.database().bind(stack, { vpc, databaseName: 'small', peakConnections: 5 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'big', ConnectionLimit: '85' });
    t.hasResourceProperties('Custom::PostgresDatabase', { DatabaseName: 'small', ConnectionLimit: '20' });
    expect(() => c.database({ connectionLimit: 30 }).bind(stack, { vpc, databaseName: 'tight', peakConnections: 85 }))
      .toThrow("Test: invalid 'database.connectionLimit': 30 is below the 85 connections the application may hold at its peak");
  });

  test('an imported instance or cluster gives a string port (container environments take strings only)', () => {
    const stack = testStack();
    const vpc = vpcOf(stack);
    const sg = new ec2.SecurityGroup(stack, 'DbSg', { vpc });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Admin', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-AbCdEf');
    const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'I', {
      instanceIdentifier: 'db', instanceEndpointAddress: 'db.example.internal', port: 5432, securityGroups: [sg],
    });
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'K', {
      clusterIdentifier: 'k', clusterEndpointAddress: 'k.example.internal', port: 6432, securityGroups: [sg],
    });
    expect(DatabaseSource.fromInstance(instance, secret).bind(stack, { vpc, databaseName: 'a' }).port).toBe('5432');
    expect(DatabaseSource.fromCluster(cluster, secret).bind(stack, { vpc, databaseName: 'b' }).port).toBe('6432');
  });
});
