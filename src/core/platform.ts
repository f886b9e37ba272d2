import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** Where a construct runs: an existing cluster, an existing VPC, or neither (both are created). */
export interface PlatformProps {
  /**
   * The VPC. Ignored when `cluster` is set (the cluster's VPC is used).
   *
   * @default - a new VPC: 2 AZs, public, private and isolated subnets, one NAT gateway, flow logs of rejected traffic
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The ECS cluster.
   *
   * @default - a new cluster in `vpc` with the Fargate capacity providers, without Container Insights (its metrics
   * are billed; the bundle's running-task alarms read free metrics): pass a cluster of your own to have them
   */
  readonly cluster?: ecs.ICluster;
}
