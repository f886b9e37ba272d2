import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AuroraPostgresCluster, DatabaseSource } from '../src';
import { cfnLintErrors } from './helpers/cfn-lint';
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
