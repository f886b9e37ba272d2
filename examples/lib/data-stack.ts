import { AuroraPostgresCluster } from '@org/analytics-constructs';
import { RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Profile } from './config';

export interface DataStackProps extends StackProps {
  readonly profile: Profile;
  readonly vpc: ec2.IVpc;
}

/** One PostgreSQL cluster for the platform; each application gets its own database and role in it. */
export class DataStack extends Stack {
  public readonly postgres: AuroraPostgresCluster;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const prod = props.profile === 'prod';
    this.postgres = new AuroraPostgresCluster(this, 'Postgres', {
      vpc: props.vpc,
      minCapacity: prod ? 1 : 0.5,
      maxCapacity: prod ? 8 : 2,
      multiAz: prod,
      performanceInsights: prod,
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    if (!prod) {
      for (const rule of ['AwsSolutions-RDS10', 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled', 'HIPAA.Security-RDSInstanceDeletionProtectionEnabled']) {
        Validations.of(this.postgres.cluster).acknowledge({ id: rule, reason: 'dev profile: a throw-away database that must be deletable with the stack.' });
      }
    }
  }
}
