import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Check, errorRate, FIVE_MINUTES, MonitorContext, ONE_MINUTE } from './check';
import { TargetGroupMonitoringOptions } from './options';
import { checkInteger, checkRange, propError } from '../core/validation';

/**
 * The checks of a service's target group: 5xx rate of the targets (critical), p99 response time, unhealthy targets
 * (critical); undefined (with a warning) when its metrics cannot be named.
 */
export function targetGroupChecks(
  ctx: MonitorContext, targetGroup: elbv2.IApplicationTargetGroup, title: string, options: TargetGroupMonitoringOptions,
): Check[] | undefined {
  const where = ctx.where(title);
  const ratePercent = options.target5xxRatePercent ?? 5;
  const p99 = options.p99ResponseTime ?? Duration.seconds(2);
  const unhealthy = options.unhealthyHosts ?? 1;
  const minimum = options.minimumRequests ?? 10;
  checkRange(where, 'target5xxRatePercent', ratePercent, 0, 100);
  if (!p99.isUnresolved() && (p99.toMilliseconds() < 1 || p99.toMilliseconds() > 3_600_000)) {
    propError(where, 'p99ResponseTime', `${p99.toHumanString()} is outside 1 millisecond..1 hour`, 'Use a response time from 1 ms to 1 hour.');
  }
  checkInteger(where, 'unhealthyHosts', unhealthy);
  checkRange(where, 'unhealthyHosts', unhealthy, 1, 1000);
  checkInteger(where, 'minimumRequests', minimum);
  checkRange(where, 'minimumRequests', minimum, 0, 1_000_000_000);
  let metrics: elbv2.IApplicationTargetGroupMetrics;
  try {
    metrics = targetGroup.metrics;
  } catch {
    // Its metrics need the load balancer's name, unknown for a target group attached only to an imported listener.
    Annotations.of(ctx.scope).addWarningV2('@org/analytics-constructs:targetGroupNotMonitored',
      `Target group ${title} is not attached to a load balancer known to this app, so its metrics cannot be named and it is not monitored. `
      + 'Import the listener with its load balancer (fromLookup, or attributes with the load balancer), or monitor the load balancer.');
    return undefined;
  }
  const requests = metrics.requestCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: 'Requests' });
  const errors = metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
    { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: 'Target 5xx' });
  const p99Seconds = p99.isUnresolved() ? p99.toSeconds() : p99.toMilliseconds() / 1000;
  return [{
    id: 'Target5xxRate',
    label: 'Target 5xx rate (%)',
    metric: errorRate(requests, errors, minimum, 'Target 5xx %'),
    extra: [],
    threshold: ratePercent,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    critical: true,
    description: `The targets of ${title} answered more than ${ratePercent}% of requests with 5xx in 2 of 3 5-minute periods. `
      + 'The application is failing: check its log group (saved query "Recent errors") and the last deployment; roll back if it caused this.',
  }, {
    id: 'P99ResponseTime',
    label: 'Target response time p99 (s)',
    metric: metrics.targetResponseTime({ period: FIVE_MINUTES, statistic: 'p99', label: 'p99 (s)' }),
    threshold: p99Seconds,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    // No requests, no latency: nothing is slow.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `The 99th percentile response time of ${title} has been above ${p99.toHumanString()} for 15 minutes. Check the `
      + 'slowest requests (saved query "Slowest requests"), the database and the CPU of the tasks; scale out if they are saturated.',
  }, {
    id: 'UnhealthyHosts',
    label: 'Healthy / unhealthy targets',
    metric: metrics.unhealthyHostCount({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM, label: 'Unhealthy' }),
    extra: [metrics.healthyHostCount({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MINIMUM, label: 'Healthy' })],
    threshold: unhealthy,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
    // The load balancer reports host counts every minute while it has targets; none means no targets to be unhealthy.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    critical: true,
    description: `${title} has had ${unhealthy} or more unhealthy targets for 5 minutes: tasks fail the load balancer's health check. `
      + 'Check the health check path and the tasks\' logs, and that the tasks can reach their database.',
  }, {
    id: 'TargetRequests',
    label: 'Requests and target 5xx (count / 5 min)',
    metric: requests,
    extra: [errors],
  }];
}
