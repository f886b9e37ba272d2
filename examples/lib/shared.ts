import { StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Profile } from './config';
import { AuroraPostgresCluster, HardenedLoadBalancer } from '@org/analytics-constructs';

/** What every application stack receives from the shared platform (network, data and platform stacks). */
export interface SharedPlatformProps extends StackProps {
  readonly profile: Profile;
  readonly cluster: ecs.ICluster;
  readonly loadBalancer: HardenedLoadBalancer;
  readonly zone: route53.IHostedZone;
  readonly postgres: AuroraPostgresCluster;
  readonly logKey: kms.IKey;
}
