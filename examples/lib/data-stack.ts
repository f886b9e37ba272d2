import { RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Profile } from './config';
import { AuroraPostgresCluster } from '@org/analytics-constructs';

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
      // dev pauses when idle (the first connection after a pause waits for the resume); prod keeps half an ACU warm.
      minCapacity: prod ? 0.5 : 0,
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
