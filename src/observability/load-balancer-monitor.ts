import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Check, errorRate, FIVE_MINUTES, MonitorContext } from './check';
import { LoadBalancerMonitoringOptions } from './options';
import { checkInteger, checkRange } from '../core/validation';

/** The checks of an Application Load Balancer: the rate of 5xx responses it generates itself (critical), and its traffic. */
export function loadBalancerChecks(
  ctx: MonitorContext, loadBalancer: elbv2.IApplicationLoadBalancer, title: string, options: LoadBalancerMonitoringOptions,
): Check[] {
  const where = ctx.where(title);
  const ratePercent = options.elb5xxRatePercent ?? 5;
  const minimum = options.minimumRequests ?? 10;
  checkRange(where, 'elb5xxRatePercent', ratePercent, 0, 100);
  checkInteger(where, 'minimumRequests', minimum);
  checkRange(where, 'minimumRequests', minimum, 0, 1_000_000_000);
  const requests = loadBalancer.metrics.requestCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: 'Requests' });
  const errors = loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT,
    { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: 'ELB 5xx' });
  return [{
    id: 'Elb5xxRate',
    label: 'Load balancer 5xx rate (%)',
    metric: errorRate(requests, errors, minimum, 'ELB 5xx %'),
    threshold: ratePercent,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    // No requests, no data: nothing failed.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    critical: true,
    description: `Load balancer ${title} answered more than ${ratePercent}% of requests with its own 5xx (502/503/504) in 2 of 3 `
      + '5-minute periods: no healthy target, targets closing connections, or timeouts. Check the target groups\' health and the '
      + 'services\' running tasks and logs.',
  }, {
    id: 'Requests',
    label: 'Requests and ELB 5xx (count / 5 min)',
    metric: requests,
    extra: [errors],
  }];
}
