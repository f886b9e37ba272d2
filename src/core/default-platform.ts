import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from './nag';
import { PlatformProps } from './platform';
import { propError } from './validation';

/** Resolves `cluster` / `vpc` props into a cluster, creating a secure default VPC and cluster when absent. */
export function resolveCluster(scope: Construct, construct: string, props: PlatformProps): ecs.ICluster {
  if (props.cluster) {
    if (props.vpc && props.vpc !== props.cluster.vpc) {
      propError(construct, 'vpc', 'both vpc and cluster are set, and the cluster is in another VPC', 'Set only cluster (its VPC is used).');
    }
    return props.cluster;
  }
  const vpc = props.vpc ?? newVpc(scope);
  const execSessions = new logs.LogGroup(scope, 'ExecSessions', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  const cluster = new ecs.Cluster(scope, 'Cluster', {
    vpc,
    // Off: Container Insights bills its per-task and per-container metrics as custom metrics (about $46 a month for
    // the example's nine services at idle; https://aws.amazon.com/cloudwatch/pricing/). ObservabilityBundle's
    // running-task alarms read free metrics without it (target-group healthy hosts, AWS/ECS service metrics).
    containerInsightsV2: ecs.ContainerInsights.DISABLED,
    enableFargateCapacityProviders: true,
    // ECS Exec sessions are logged to a group of the cluster: with it, CDK scopes the tasks' session-log writes to this
    // group instead of "*".
    executeCommandConfiguration: {
      logging: ecs.ExecuteCommandLogging.OVERRIDE,
      logConfiguration: {
        cloudWatchLogGroup: execSessions,
      },
    },
  });
  acknowledgeCompliance(execSessions, ['CloudWatchLogGroupEncrypted'],
    'CloudWatch Logs encrypts the session log at rest with service keys; pass a cluster of your own for a customer-managed key.');
  acknowledgeAwsSolutions(cluster, ['ECS4'],
    'Container Insights is off by default for its cost; the running-task alarms read free metrics. Pass a cluster of '
    + 'your own with containerInsightsV2 ENABLED for per-task and per-container metrics.');
  return cluster;
}

function newVpc(scope: Construct): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
    // Rejected traffic only: what a security review needs, at a fraction of the cost of ALL.
    flowLogs: {
      rejected: {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(scope, 'FlowLogs', {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.RETAIN,
        })),
      },
    },
    restrictDefaultSecurityGroup: true,
  });
  acknowledgeCompliance(scope.node.findChild('FlowLogs'), ['CloudWatchLogGroupEncrypted'],
    'CloudWatch Logs encrypts flow logs at rest with service keys; bring your own VPC for a customer-managed key.');
  acknowledgeCompliance(vpc.node.findChild('rejected'), ['IAMNoInlinePolicy'],
    'The flow-log delivery role created by CDK has one inline policy scoped to the flow-log group.');
  for (const subnet of vpc.publicSubnets) {
    acknowledgeCompliance(subnet, ['VPCNoUnrestrictedRouteToIGW'],
      'Public subnets hold only the internet-facing load balancer and the NAT gateway; tasks run in private subnets.');
  }
  return vpc;
}
