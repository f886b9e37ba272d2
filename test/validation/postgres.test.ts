import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { numberToken, propTable, stringToken } from './table';
import { AuroraPostgresCluster, AuroraPostgresClusterProps } from '../../src';
import { testApp } from '../helpers/nag';
import { testStack } from '../helpers/stacks';

type P = Omit<AuroraPostgresClusterProps, 'vpc'> & { databaseName: string; connectionLimit: number };

function build(stack: Stack, p: Partial<P>): void {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const { databaseName, connectionLimit, ...props } = p;
  const db = new AuroraPostgresCluster(stack, 'Db', { vpc, ...props });
  db.database({ connectionLimit }).bind(stack, { vpc, databaseName: databaseName ?? 'app' });
}

const P = "Test/Db: invalid '";

propTable<P>('AuroraPostgresCluster props', build, [
  {
    prop: 'minCapacity',
    valid: () => ({ minCapacity: 1 }),
    invalid: () => ({ minCapacity: 0.3 }),
    message: `${P}minCapacity': 0.3 is not a multiple of 0.5. Aurora capacity comes in 0.5 ACU steps: use e.g. 0.5, 1, 1.5.`,
    token: (s) => ({ minCapacity: numberToken(s, 'Min') }),
  },
  {
    prop: 'maxCapacity',
    valid: () => ({ maxCapacity: 8 }),
    invalid: () => ({ maxCapacity: 300 }),
    message: `${P}maxCapacity': 300 is outside 1..256. Use a value from 1 to 256.`,
    token: (s) => ({ maxCapacity: numberToken(s, 'Max') }),
  },
  {
    prop: 'maxCapacity (order)',
    valid: () => ({ minCapacity: 2, maxCapacity: 2 }),
    invalid: () => ({ minCapacity: 4, maxCapacity: 2 }),
    message: `${P}maxCapacity': maxCapacity (2) is lower than minCapacity (4). Set maxCapacity to at least 4, or lower minCapacity.`,
    token: (s) => ({ minCapacity: numberToken(s, 'Min'), maxCapacity: numberToken(s, 'Max') }),
  },
  {
    prop: 'backupRetention',
    valid: () => ({ backupRetention: Duration.days(14) }),
    invalid: () => ({ backupRetention: Duration.hours(36) }),
    message: `${P}backupRetention': 1 day 12 hours (1.5 days) is not a whole number of days. Use whole days, e.g. Duration.days(1).`,
    token: (s) => ({ backupRetention: Duration.days(numberToken(s, 'Days')) }),
  },
  {
    prop: 'adminUsername',
    valid: () => ({ adminUsername: 'postgres' }),
    invalid: () => ({ adminUsername: '9admin' }),
    message: `${P}adminUsername': '9admin' is not a letter followed by up to 62 letters, digits or underscores. Use a letter followed by up to 62 letters, digits or underscores.`,
    token: (s) => ({ adminUsername: stringToken(s, 'Admin') }),
  },
  {
    prop: 'adminUsername (reserved)',
    valid: () => ({ adminUsername: 'analytics_admin' }),
    invalid: () => ({ adminUsername: 'rdsadmin' }),
    message: `${P}adminUsername': 'rdsadmin' starts with a prefix Aurora PostgreSQL reserves (rds, pg_). Use another name, e.g. cluster_admin.`,
  },
  {
    prop: 'backupRetention (range)',
    valid: () => ({ backupRetention: Duration.days(35) }),
    invalid: () => ({ backupRetention: Duration.days(36) }),
    message: `${P}backupRetention': 36 days is outside 1..35 days. Use 1 to 35 days.`,
  },
  {
    prop: 'database.connectionLimit',
    valid: () => ({ connectionLimit: 100 }),
    invalid: () => ({ connectionLimit: 0 }),
    message: "Test: invalid 'database.connectionLimit': 0 is outside 1..5000. Use a value from 1 to 5000.",
    token: (s) => ({ connectionLimit: numberToken(s, 'Limit') }),
  },
  {
    prop: 'databaseName',
    valid: () => ({ databaseName: 'shop_2' }),
    invalid: () => ({ databaseName: 'Shop' }),
    message: "Test: invalid 'databaseName': 'Shop' is not a lower-case PostgreSQL name (letters, digits, underscores; starting with a letter). Use a lower-case PostgreSQL name (letters, digits, underscores; starting with a letter).",
  },
]);

test('token capacities reach the cluster through the CloudFormation property', () => {
  const stack = testStack(testApp());
  build(stack, { minCapacity: numberToken(stack, 'Min'), maxCapacity: numberToken(stack, 'Max') });
  Template.fromStack(stack).hasResourceProperties('AWS::RDS::DBCluster', {
    ServerlessV2ScalingConfiguration: { MinCapacity: { Ref: 'Min' }, MaxCapacity: { Ref: 'Max' } },
  });
});
