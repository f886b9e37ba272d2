import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** One graph of a dashboard row, and the alarm on its first metric when it has a threshold. */
export interface Check {
  /** Construct id of the alarm. */
  readonly id: string;
  /** Title of the graph. */
  readonly label: string;
  readonly metric: cloudwatch.IMetric;
  /** Further metrics drawn on the graph. */
  readonly extra?: cloudwatch.IMetric[];
  /** No threshold: a graph only. */
  readonly threshold?: number;
  readonly comparison?: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData?: cloudwatch.TreatMissingData;
  readonly description?: string;
  /** Whether the alarm feeds the platform health alarm. */
  readonly critical?: boolean;
}


export const FIVE_MINUTES = Duration.minutes(5);
export const ONE_MINUTE = Duration.minutes(1);

/** What a monitor needs of the bundle: where to put warnings, and how to name a resource in error messages. */
export interface MonitorContext {
  /** The construct that carries warnings (the bundle). */
  readonly scope: Construct;
  /** The construct path used in error messages for the resource titled `title`. */
  where(title: string): string;
}

/** `100 * errors / requests`, or 0 while there are fewer than `minimum` requests in the period. */
export function errorRate(requests: cloudwatch.IMetric, errors: cloudwatch.IMetric, minimum: number, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    // The error count has no data points while nothing fails: FILL makes them 0 so that the rate exists.
    expression: `IF(requests >= ${minimum}, 100 * FILL(errors, 0) / requests, 0)`,
    usingMetrics: { requests, errors },
    label,
    period: FIVE_MINUTES,
  });
}

/**
 * The metric without its dashboard label, so that an alarm on a single metric renders as a plain metric alarm
 * (`MetricName`, `Statistic`, `Period`) rather than a one-entry `Metrics` list.
 */
export function withoutLabel(metric: cloudwatch.IMetric): cloudwatch.IMetric {
  if (!(metric instanceof cloudwatch.Metric) || metric.label === undefined) return metric;
  return new cloudwatch.Metric({
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensionsMap: metric.dimensions as cloudwatch.DimensionsMap | undefined,
    statistic: metric.statistic,
    period: metric.period,
    unit: metric.unit,
    region: metric.region,
    account: metric.account,
  });
}
