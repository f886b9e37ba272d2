import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeAwsSolutions, acknowledgeCompliance, acknowledgeInlineGrants, acknowledgeWildcardResources, LAMBDA_VPC_ACCESS_FINDING } from './nag';
import { RunTaskFunction } from './run-task-function';

/** A custom-resource handler function in the VPC, with its security group and log group. */
export interface HandlerFunction<F extends lambda.Function> {
  readonly fn: F;
  readonly securityGroup: ec2.SecurityGroup;
}

/**
 * Creates the Lambda function behind one of the library's custom resources: in the VPC's private subnets (it talks to
 * databases and services there), with its own security group (`<id>SecurityGroup`), a log group with retention
 * (`<id>Logs`), and the acknowledgements every such function needs (each with its reason).
 *
 * No reserved concurrency: Lambda rejects a reservation that would leave fewer than 10 unreserved executions in the
 * account, and new accounts have a concurrency quota of 10, so even a reservation of 1 fails the deployment there.
 */
export function customResourceHandler<F extends lambda.Function>(
  scope: Construct,
  id: string,
  factory: (scope: Construct, id: string, props: lambda.FunctionOptions) => F,
  options: { vpc: ec2.IVpc; timeout: Duration; description: string },
): HandlerFunction<F> {
  const securityGroup = new ec2.SecurityGroup(scope, `${id}SecurityGroup`, {
    vpc: options.vpc,
    description: options.description,
    allowAllOutbound: true,
  });
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  // An own role instead of the one lambda.Function makes: that one carries AWSLambdaBasicExecutionRole, which lets the
  // function create log groups and write to any of them. This one writes to its own log group only.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${scope.node.path}/${id}Function: its own log group, VPC network interfaces`,
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
  });
  logGroup.grantWrite(role);
  const fn = factory(scope, `${id}Function`, {
    vpc: options.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroups: [securityGroup],
    timeout: options.timeout,
    memorySize: 256,
    logGroup,
    role,
  });
  acknowledgeAwsSolutions(fn, ['L1'], 'Pinned to Node.js 22, the runtime the handler is bundled and tested for.');
  acknowledgeAwsSolutions(role, [LAMBDA_VPC_ACCESS_FINDING],
    'AWSLambdaVPCAccessExecutionRole grants only the network-interface actions Lambda needs to attach the function to the VPC; '
    + 'Lambda checks them on "*" when the function is created.');
  acknowledgeInlineGrants(role, 'CDK grants land in the role\'s inline default policy, scoped to the exact resources.');
  acknowledgeCompliance(fn, ['LambdaConcurrency'], 'Invoked by CloudFormation once per deployment; a reservation would fail in '
    + 'accounts with the new-account concurrency quota of 10, as Lambda keeps at least 10 executions unreserved.');
  acknowledgeCompliance(fn, ['LambdaDLQ'], 'Invoked synchronously by CloudFormation, which receives every failure; there is nothing to redeliver.');
  acknowledgeCompliance(logGroup, ['CloudWatchLogGroupEncrypted'],
    'The handler logs outcomes and error messages only, never credentials; CloudWatch Logs encrypts at rest.');
  return { fn, securityGroup };
}

/** Options of {@link runTaskOnDeploy}. */
export interface RunTaskOnDeployOptions {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The container whose exit code decides success. */
  readonly containerName: string;
  /** Command override for that container. */
  readonly command?: string[];
  /** Security group of the task. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Changes re-run the task on update (e.g. a release); the task definition ARN is always part of it. */
  readonly fingerprint?: string;
}

/**
 * A custom resource that runs a one-off Fargate task to completion during the deployment (e.g. database migrations)
 * and fails the deployment when the task's container exits non-zero. Services that must start after it depend on
 * the returned resource.
 */
export function runTaskOnDeploy(scope: Construct, id: string, o: RunTaskOnDeployOptions): CustomResource {
  const vpc = o.cluster.vpc;
  const { fn } = customResourceHandler(scope, id, (s, i, p) => new RunTaskFunction(s, i, p), {
    vpc, timeout: Duration.minutes(15), description: `Runs the one-off task ${id} of ${scope.node.path}`,
  });
  // Task ARNs are known only after RunTask: the tasks of this cluster (arn:...:task/<cluster name>/<task id>).
  const tasksOfCluster = Stack.of(scope).formatArn({ service: 'ecs', resource: 'task', resourceName: `${o.cluster.clusterName}/*` });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasksOfCluster] }));
  o.taskDefinition.grantRun(fn);
  acknowledgeWildcardResources(fn.role!, (resource, actions) => (/:task\/.+\/\*$/.test(resource) && actions.every((a) => a.startsWith('ecs:'))
    ? 'The task this function starts: its id is known only after RunTask, so DescribeTasks and StopTask name the tasks of this cluster.'
    : undefined));
  return new CustomResource(scope, id, {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::RunTaskOnDeploy',
    properties: {
      Cluster: o.cluster.clusterArn,
      TaskDefinition: o.taskDefinition.taskDefinitionArn,
      Subnets: JSON.stringify(vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds),
      SecurityGroups: JSON.stringify([o.securityGroup.securityGroupId]),
      ContainerName: o.containerName,
      ...(o.command ? { Command: JSON.stringify(o.command) } : {}),
      TimeoutSeconds: '840',
      Fingerprint: o.fingerprint ?? o.taskDefinition.taskDefinitionArn,
    },
  });
}
