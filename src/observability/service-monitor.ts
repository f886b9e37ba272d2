import { Annotations, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Check, FIVE_MINUTES, MonitorContext, ONE_MINUTE } from './check';
import { FargateServiceMonitoringOptions } from './options';
import { checkRange } from '../core/validation';

/**
 * The checks of an ECS Fargate service: running tasks below desired (critical; Container Insights), CPU and memory high.
 */
export function serviceChecks(ctx: MonitorContext, service: ecs.FargateService, title: string, options: FargateServiceMonitoringOptions): Check[] {
  const where = ctx.where(title);
  const cpuHigh = options.cpuHighPercent ?? 85;
  const memoryHigh = options.memoryHighPercent ?? 90;
  checkRange(where, 'cpuHighPercent', cpuHigh, 0, 100);
  checkRange(where, 'memoryHighPercent', memoryHigh, 0, 100);
  warnWithoutContainerInsights(ctx, service, title);

  const dimensionsMap = { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName };
  const insights = (metricName: string, label: string) => new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights', metricName, dimensionsMap, statistic: cloudwatch.Stats.AVERAGE, period: ONE_MINUTE, label,
  });
  const running = insights('RunningTaskCount', 'Running tasks');
  const desired = insights('DesiredTaskCount', 'Desired tasks');
  const missing = new cloudwatch.MathExpression({
    expression: 'desired - running',
    usingMetrics: { desired, running },
    label: 'Tasks missing (desired - running)',
    period: ONE_MINUTE,
  });
  const checks: Check[] = [];
  if (options.runningTasksAlarm ?? true) {
    checks.push({
      id: 'TasksBelowDesired',
      label: 'Tasks missing (desired - running)',
      metric: missing,
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
    });
  } else {
    checks.push({ id: 'Tasks', label: 'Running / desired tasks', metric: running, extra: [desired] });
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

function warnWithoutContainerInsights(ctx: MonitorContext, service: ecs.FargateService, title: string): void {
  const cluster = service.cluster;
  if (!(cluster instanceof ecs.Cluster)) return;
  const settings = Stack.of(cluster).resolve((cluster.node.defaultChild as ecs.CfnCluster).clusterSettings) as
    Array<{ name?: string; value?: string }> | undefined;
  const on = (settings ?? []).some((s) => s.name === 'containerInsights' && (s.value === 'enabled' || s.value === 'enhanced'));
  if (!on) {
    Annotations.of(ctx.scope).addWarningV2('@org/analytics-constructs:containerInsightsOff',
      `The cluster of ${title} has Container Insights off, so the running-task alarm gets no data and stays in ALARM. `
      + 'Create the cluster with containerInsightsV2: ecs.ContainerInsights.ENABLED (or ENHANCED), or set runningTasksAlarm: false.');
  }
}
