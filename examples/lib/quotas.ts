import { App, Stack, Token } from 'aws-cdk-lib';
import * as applicationautoscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

/** AWS quotas the platform must stay within (default values; see the Service Quotas console). */
export const QUOTAS = {
  rulesPerListener: 100,
  securityGroupsPerInterface: 5,
  targetGroupsPerLoadBalancer: 100,
};

/**
 * Synth-time guard rails (limits and quotas): fails with one message per problem when
 * - the private subnets cannot give an IP address to every task at maximum capacity during a deployment (max tasks x
 *   maximumPercent), plus the Lambda network interfaces;
 * - a listener has more rules than the quota, a task more security groups than an interface accepts, or a load
 *   balancer more target groups than the quota.
 */
export function checkQuotas(app: App): void {
  const problems: string[] = [];
  const all = app.node.findAll();
  const of = <T extends IConstruct>(pred: (c: IConstruct) => c is T): T[] => all.filter(pred);

  // IP addresses in the private subnets of each VPC.
  for (const vpc of of((c): c is ec2.Vpc => c instanceof ec2.Vpc)) {
    const subnets = vpc.privateSubnets;
    const capacity = subnets.reduce((n, s) => n + usableAddresses(s.ipv4CidrBlock), 0);
    let demand = 0;
    const details: string[] = [];
    for (const service of of((c): c is ecs.FargateService => c instanceof ecs.FargateService)) {
      if (service.cluster.vpc !== vpc) continue;
      const cfn = service.node.defaultChild as ecs.CfnService;
      const target = service.node.tryFindChild('TaskCount')?.node.tryFindChild('Target')?.node.defaultChild as
        applicationautoscaling.CfnScalableTarget | undefined;
      const max = target && !Token.isUnresolved(target.maxCapacity) ? target.maxCapacity : 1;
      const dc = cfn.deploymentConfiguration as ecs.CfnService.DeploymentConfigurationProperty | undefined;
      const percent = dc && typeof dc.maximumPercent === 'number' ? dc.maximumPercent : 200;
      const tasks = Math.ceil((max * percent) / 100);
      demand += tasks;
      details.push(`${service.node.path}: ${tasks}`);
      const sgs = (cfn.networkConfiguration as any)?.awsvpcConfiguration?.securityGroups ?? [];
      if (Array.isArray(sgs) && sgs.length > QUOTAS.securityGroupsPerInterface) {
        problems.push(`${service.node.path}: ${sgs.length} security groups on the task's network interface; the quota is `
          + `${QUOTAS.securityGroupsPerInterface}. Merge them, or raise "Security groups per network interface".`);
      }
    }
    // Lambda functions in the VPC use one interface per subnet and security-group combination.
    const lambdaCombos = new Set<string>();
    for (const fn of of((c): c is lambda.Function => c instanceof lambda.Function)) {
      if (!fn.isBoundToVpc) continue;
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      lambdaCombos.add(JSON.stringify((cfn.vpcConfig as any)?.securityGroupIds ?? []));
    }
    demand += lambdaCombos.size * subnets.length;
    if (demand > capacity) {
      problems.push(`${vpc.node.path}: the private subnets have ${capacity} addresses, but the services at maximum capacity during a `
        + `deployment need ${demand} (${details.join(', ')}; Lambda interfaces ${lambdaCombos.size * subnets.length}). `
        + 'Use larger private subnets (cidrMask), or lower maxCapacity.');
    }
  }

  // Listener rules per listener and target groups per load balancer.
  const rulesByListener = new Map<string, number>();
  const targetGroupsByListener = new Map<string, Set<string>>();
  for (const rule of of((c): c is elbv2.ApplicationListenerRule => c instanceof elbv2.ApplicationListenerRule)) {
    const cfn = rule.node.defaultChild as elbv2.CfnListenerRule;
    const listener = String(cfn.listenerArn);
    rulesByListener.set(listener, (rulesByListener.get(listener) ?? 0) + 1);
    const groups = targetGroupsByListener.get(listener) ?? new Set<string>();
    const stack = Stack.of(rule);
    for (const action of (stack.resolve(cfn.actions) as any[]) ?? []) {
      const arns = [action.TargetGroupArn, ...(action.ForwardConfig?.TargetGroups ?? []).map((g: any) => g.TargetGroupArn)];
      for (const arn of arns.filter((a) => a !== undefined)) groups.add(`${stack.stackName}:${JSON.stringify(arn)}`);
    }
    targetGroupsByListener.set(listener, groups);
  }
  for (const [listener, count] of rulesByListener) {
    if (count > QUOTAS.rulesPerListener) {
      problems.push(`listener ${listener}: ${count} rules; the quota is ${QUOTAS.rulesPerListener} per listener. `
        + 'Split the services across listeners or load balancers.');
    }
  }
  for (const lb of of((c): c is elbv2.ApplicationLoadBalancer => c instanceof elbv2.ApplicationLoadBalancer)) {
    const groups = new Set<string>();
    for (const listener of lb.listeners) {
      for (const g of targetGroupsByListener.get(String(listener.listenerArn)) ?? []) groups.add(g);
    }
    if (groups.size > QUOTAS.targetGroupsPerLoadBalancer) {
      problems.push(`${lb.node.path}: ${groups.size} target groups behind its listeners; the quota is ${QUOTAS.targetGroupsPerLoadBalancer} `
        + 'per load balancer. Split the services across load balancers.');
    }
  }

  if (problems.length > 0) {
    throw new Error(`Quota check failed:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Addresses AWS lets tasks use in a subnet: all but the network, broadcast and three reserved ones. */
export function usableAddresses(cidr: string): number {
  if (Token.isUnresolved(cidr)) return 0;
  const mask = Number(cidr.split('/')[1]);
  return 2 ** (32 - mask) - 5;
}
