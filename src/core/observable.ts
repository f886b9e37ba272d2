import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { IConstruct } from 'constructs';

/** An ECS service to watch, with the target group it serves and the log group it writes. */
export interface WatchedService {
  /** The service. */
  readonly service: ecs.FargateService;
  /**
   * Title of its dashboard row and alarms.
   *
   * @default - the service's construct path
   */
  readonly title?: string;
  /**
   * The target group the service registers in (5xx rate, p99 response time, unhealthy targets).
   *
   * @default - none
   */
  readonly targetGroup?: elbv2.IApplicationTargetGroup;
  /**
   * The log group the service writes to (an ERROR count and saved queries).
   *
   * @default - none
   */
  readonly logGroup?: logs.ILogGroup;
}

/** An Application Load Balancer to watch. */
export interface WatchedLoadBalancer {
  /** The load balancer. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /**
   * Title of its dashboard row and alarms.
   *
   * @default - the load balancer's construct path
   */
  readonly title?: string;
}

/** A database cluster to watch. */
export interface WatchedDatabase {
  /** The cluster. */
  readonly cluster: rds.IDatabaseCluster;
  /**
   * Title of its dashboard row and alarms.
   *
   * @default - the cluster's construct path
   */
  readonly title?: string;
}

/** A CloudFront distribution to watch. */
export interface WatchedDistribution {
  /** The distribution. */
  readonly distribution: cloudfront.IDistribution;
  /**
   * Title of its dashboard row and alarms.
   *
   * @default - the distribution's construct path
   */
  readonly title?: string;
}

/** A log group to watch on its own. */
export interface WatchedLogGroup {
  /** The log group. */
  readonly logGroup: logs.ILogGroup;
  /**
   * Title of its dashboard row and alarms.
   *
   * @default - the log group's construct path
   */
  readonly title?: string;
}

/** What an observer (e.g. `ObservabilityBundle`) should watch of a construct, in dashboard order. */
export interface MonitoringTargets {
  /** @default - none */
  readonly services?: WatchedService[];
  /** @default - none */
  readonly loadBalancers?: WatchedLoadBalancer[];
  /** @default - none */
  readonly databases?: WatchedDatabase[];
  /** @default - none */
  readonly distributions?: WatchedDistribution[];
  /** @default - none */
  readonly logGroups?: WatchedLogGroup[];
}

/**
 * A construct that says what should be watched of it. The library's constructs implement it, and so can a user's own
 * construct: `ObservabilityBundle.monitor()` and `monitorScope()` watch whatever `monitoringTargets()` returns.
 */
export interface IObservable extends IConstruct {
  /** The resources to watch, with their titles. */
  monitoringTargets(): MonitoringTargets;
}
