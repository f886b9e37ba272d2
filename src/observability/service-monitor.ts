import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Check, FIVE_MINUTES, MonitorContext, ONE_MINUTE } from './check';
import { FargateServiceMonitoringOptions } from './options';
import { checkInteger, checkRange } from '../core/validation';

/** Whether Container Insights is on: 'on', 'off', or 'unknown' for an imported cluster. */
export function containerInsights(service: ecs.FargateService): 'on' | 'off' | 'unknown' {
  const cluster = service.cluster;
  if (!(cluster instanceof ecs.Cluster)) return 'unknown';
  const settings = Stack.of(cluster).resolve((cluster.node.defaultChild as ecs.CfnCluster).clusterSettings) as
    Array<{ name?: string; value?: string }> | undefined;
  return (settings ?? []).some((s) => s.name === 'containerInsights' && (s.value === 'enabled' || s.value === 'enhanced')) ? 'on' : 'off';
}

/**
 * The checks of an ECS Fargate service: its running tasks (critical), CPU and memory high.
 *
 * The running-task check reads Container Insights (running below desired) when the cluster is known to have it on.
 * Otherwise it reads free metrics: behind a load balancer, the target group's healthy hosts (AWS/ApplicationELB
 * HealthyHostCount below `minimumHealthyTasks`); without one, AWS/ECS CPUUtilization, which ECS publishes only while
 * the service has tasks in the RUNNING state ("If a cluster, service, or other resource has no running tasks, no
 * metrics will be reported for that resource during that period",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html): no data for 5 minutes means
 * no running task.
 */
export function serviceChecks(ctx: MonitorContext, service: ecs.FargateService, title: string, options: FargateServiceMonitoringOptions): Check[] {
  const where = ctx.where(title);
  const cpuHigh = options.cpuHighPercent ?? 85;
  const memoryHigh = options.memoryHighPercent ?? 90;
  const minimumHealthy = options.minimumHealthyTasks ?? 1;
  checkRange(where, 'cpuHighPercent', cpuHigh, 0, 100);
  checkRange(where, 'memoryHighPercent', memoryHigh, 0, 100);
  checkInteger(where, 'minimumHealthyTasks', minimumHealthy);
  checkRange(where, 'minimumHealthyTasks', minimumHealthy, 1, 1000);
  const alarm = options.runningTasksAlarm ?? true;
  const checks: Check[] = [];
  if (containerInsights(service) === 'on') {
    checks.push(insightsCheck(service, title, alarm));
  } else {
    const healthy = options.targetGroup ? healthyHosts(options.targetGroup) : undefined;
    checks.push(healthy ? healthyTasksCheck(healthy, title, minimumHealthy, alarm) : runningTasksCheck(service, title, alarm));
  }
  checks.push({
    id: 'CpuHigh',
    label: 'CPU utilization (%)',
    metric: service.metricCpuUtilization({ period: FIVE_MINUTES, label: 'CPU %' }),
    threshold: cpuHigh,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    // No tasks, no CPU data: the running-task alarm covers that case.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `ECS service ${title} has averaged more than ${cpuHigh}% CPU for 15 minutes although it autoscales. `
      + 'It is at its maximum task count or scaling cannot keep up: raise maxCapacity or the task cpu, and check the log group for hot paths.',
  }, {
    id: 'MemoryHigh',
    label: 'Memory utilization (%)',
    metric: service.metricMemoryUtilization({ period: FIVE_MINUTES, label: 'Memory %' }),
    threshold: memoryHigh,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `ECS service ${title} has averaged more than ${memoryHigh}% memory for 15 minutes; tasks are close to being `
      + 'killed for running out of memory. Raise memoryLimitMiB or maxCapacity, and check the log group for a leak.',
  });
  return checks;
}

/** Running below desired, from Container Insights (a paid feature: only when the cluster has it on). */
function insightsCheck(service: ecs.FargateService, title: string, alarm: boolean): Check {
  const dimensionsMap = { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName };
  const insights = (metricName: string, label: string) => new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights', metricName, dimensionsMap, statistic: cloudwatch.Stats.AVERAGE, period: ONE_MINUTE, label,
  });
  const running = insights('RunningTaskCount', 'Running tasks');
  const desired = insights('DesiredTaskCount', 'Desired tasks');
  if (!alarm) return { id: 'Tasks', label: 'Running / desired tasks', metric: running, extra: [desired] };
  return {
    id: 'TasksBelowDesired',
    label: 'Tasks missing (desired - running)',
    metric: new cloudwatch.MathExpression({
      expression: 'desired - running',
      usingMetrics: { desired, running },
      label: 'Tasks missing (desired - running)',
      period: ONE_MINUTE,
    }),
    extra: [running, desired],
    threshold: 1,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
    // Container Insights reports the counts every minute, 0 included: no data means the service or its metrics are gone.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    critical: true,
    description: `ECS service ${title} has run fewer tasks than desired for 5 minutes. Tasks are failing to start or `
      + 'crashing: check the service\'s events (ECS console, Deployments and events) and its log group for the stopped tasks\' '
      + 'errors, and the Fargate capacity and image availability. Needs Container Insights on the cluster.',
  };
}

/** The target group's healthy host count (free), or undefined when its metrics cannot be named (imported listener). */
function healthyHosts(targetGroup: elbv2.IApplicationTargetGroup): cloudwatch.Metric | undefined {
  try {
    return targetGroup.metrics.healthyHostCount({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MINIMUM, label: 'Healthy tasks' });
  } catch {
    return undefined;
  }
}

/** Fewer healthy tasks in the target group than `minimum`, from AWS/ApplicationELB HealthyHostCount (free). */
function healthyTasksCheck(healthy: cloudwatch.Metric, title: string, minimum: number, alarm: boolean): Check {
  if (!alarm) return { id: 'Tasks', label: 'Healthy tasks (target group)', metric: healthy };
  return {
    id: 'HealthyTasksLow',
    label: 'Healthy tasks (target group)',
    metric: healthy,
    threshold: minimum,
    comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 5,
    // The load balancer reports the count every minute for a target group it routes to, 0 included: silence means it is gone.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    critical: true,
    description: `ECS service ${title} has had fewer than ${minimum} healthy task(s) behind its load balancer for 5 minutes. `
      + 'Tasks are failing to start, crashing or failing the health check: check the service\'s events (ECS console, Deployments '
      + 'and events), its log group for the stopped tasks\' errors, the health check path, and the Fargate capacity and image availability.',
  };
}

/** No running task, from AWS/ECS CPUUtilization (free), which has data only while tasks run. */
function runningTasksCheck(service: ecs.FargateService, title: string, alarm: boolean): Check {
  const samples = service.metricCpuUtilization({ period: ONE_MINUTE, statistic: cloudwatch.Stats.SAMPLE_COUNT, label: 'CPU samples (tasks running)' });
  if (!alarm) return { id: 'Tasks', label: 'Running tasks (CPU samples)', metric: samples };
  return {
    id: 'NoRunningTasks',
    label: 'Running tasks (CPU samples)',
    metric: samples,
    threshold: 1,
    comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 5,
    // ECS publishes service metrics only while tasks run: no data is the signal.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    critical: true,
    description: `ECS service ${title} has had no running task for 5 minutes (its CPU metrics stopped). Tasks are failing to start `
      + 'or crashing: check the service\'s events (ECS console, Deployments and events) and its log group for the stopped tasks\' '
      + 'errors, and the Fargate capacity and image availability.',
  };
}
