import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Check, FIVE_MINUTES, MonitorContext } from './check';
import { DistributionMonitoringOptions } from './options';
import { checkRange, propError } from '../core/validation';

/**
 * The checks of a CloudFront distribution (its 5xx error rate, critical, and requests) and whether they may alarm:
 * CloudFront publishes its metrics in us-east-1 only, and alarms cannot read another region's metrics.
 */
export function distributionChecks(
  ctx: MonitorContext, distribution: cloudfront.IDistribution, title: string, options: DistributionMonitoringOptions,
): { checks: Check[]; alarms: boolean } {
  const where = ctx.where(title);
  const ratePercent = options.error5xxRatePercent ?? 5;
  checkRange(where, 'error5xxRatePercent', ratePercent, 0, 100);
  const region = Stack.of(ctx.scope).region;
  const inUsEast1 = !Token.isUnresolved(region) && region === 'us-east-1';
  if (!inUsEast1 && !options.crossRegionMetrics) {
    propError(where, 'crossRegionMetrics', `CloudFront publishes the metrics of ${title} in us-east-1, and this bundle's stack is ${
      Token.isUnresolved(region) ? 'environment-agnostic (its region is not known at synth time)' : `in ${region}`}, where alarms cannot read them`,
    'Put the bundle in a stack with env region us-east-1 to get alarms, or set crossRegionMetrics: true (in the options, or '
      + 'defaults.distribution for monitor()/monitorScope()) to get dashboard graphs only.');
  }
  const metric = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
    namespace: 'AWS/CloudFront',
    metricName,
    dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
    statistic,
    period: FIVE_MINUTES,
    label,
    region: inUsEast1 ? undefined : 'us-east-1',
  });
  if (!inUsEast1 && (options.alarms ?? true)) {
    Annotations.of(ctx.scope).addInfo(`${title}: CloudFront metrics are in us-east-1, so the distribution gets dashboard graphs and no alarm.`);
  }
  const checks: Check[] = [{
    id: 'Error5xxRate',
    label: 'CloudFront 5xx error rate (%)',
    metric: metric('5xxErrorRate', cloudwatch.Stats.AVERAGE, '5xx %'),
    extra: [metric('4xxErrorRate', cloudwatch.Stats.AVERAGE, '4xx %')],
    threshold: ratePercent,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    // No viewer requests, no error rate: nothing failed.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    critical: true,
    description: `CloudFront distribution ${title} answered more than ${ratePercent}% of viewer requests with 5xx in 2 of 3 5-minute `
      + 'periods. Its origins fail: check the S3 origin (bucket policy, missing objects) and the API / analytics origins\' services.',
  }, {
    id: 'Requests',
    label: 'Viewer requests (count / 5 min)',
    metric: metric('Requests', cloudwatch.Stats.SUM, 'Requests'),
  }];
  return { checks, alarms: (options.alarms ?? true) && inUsEast1 };
}
