import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MonitoringTargets } from './observable';

/** The monitoring targets of a load-balanced service: the service (with its target group and logs), then its own load balancer. */
export function serviceTargets(
  title: string, service: ecs.FargateService, targetGroup?: elbv2.IApplicationTargetGroup, logGroup?: logs.ILogGroup,
  loadBalancer?: elbv2.IApplicationLoadBalancer,
): MonitoringTargets {
  return {
    services: [{ service, title, targetGroup, logGroup }],
    loadBalancers: loadBalancer ? [{ loadBalancer, title: `${title} load balancer` }] : [],
  };
}

/** Whether `c` implements `IObservable` (jsii interfaces have no runtime type: duck typing). */
export function isObservable(c: unknown): c is import('./observable').IObservable {
  return typeof c === 'object' && c !== null && typeof (c as { monitoringTargets?: unknown }).monitoringTargets === 'function';
}
