import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Check, FIVE_MINUTES, MonitorContext } from './check';
import { LogGroupMonitoringOptions } from './options';
import { checkInteger, checkPattern, checkRange } from '../core/validation';

const DEFAULT_ERROR_PATTERN = '{ ($.level = "error") || ($.level = "fatal") || ($.level >= 50) }';

/**
 * For a log group of JSON logs: a metric filter counting error events (pino `level` "error"/"fatal" or >= 50 by
 * default) and saved Logs Insights queries (recent errors, slowest requests), in `scope`; returns the check on that count.
 */
export function logGroupChecks(
  ctx: MonitorContext, scope: Construct, logGroup: logs.ILogGroup, title: string, options: LogGroupMonitoringOptions, namespace: string,
): Check[] {
  const where = ctx.where(title);
  const threshold = options.errorsThreshold ?? 5;
  checkInteger(where, 'errorsThreshold', threshold);
  checkRange(where, 'errorsThreshold', threshold, 1, 1_000_000_000);
  const metricName = options.errorMetricName ?? `${title.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 240)}-Errors`;
  checkPattern(where, 'errorMetricName', metricName, /^[^:*$]{1,255}$/, 'a metric name (1-255 characters, no : * $)');
  const filter = new logs.MetricFilter(scope, 'ErrorFilter', {
    logGroup,
    filterPattern: options.errorFilterPattern ?? logs.FilterPattern.literal(DEFAULT_ERROR_PATTERN),
    metricNamespace: namespace,
    metricName,
    metricValue: '1',
    defaultValue: 0,
  });
  if (options.savedQueries ?? true) {
    new logs.QueryDefinition(scope, 'RecentErrors', {
      queryDefinitionName: `${folder(title)}/Recent errors`,
      logGroups: [logGroup],
      queryString: new logs.QueryString({
        fields: ['@timestamp', 'level', 'msg', 'reqId', 'err.type', 'err.message', 'err.stack'],
        filterStatements: ['level = "error" or level = "fatal" or level >= 50'],
        sort: '@timestamp desc',
        limit: 100,
      }),
    });
    new logs.QueryDefinition(scope, 'SlowestRequests', {
      queryDefinitionName: `${folder(title)}/Slowest requests`,
      logGroups: [logGroup],
      queryString: new logs.QueryString({
        fields: ['@timestamp', 'reqId', 'req.method', 'req.url', 'res.statusCode', 'responseTime'],
        filterStatements: ['ispresent(responseTime)'],
        sort: 'responseTime desc',
        limit: 50,
      }),
    });
  }
  return [{
    id: 'ErrorsHigh',
    label: 'Error log events (count / 5 min)',
    metric: filter.metric({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: 'Errors' }),
    threshold,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    // No log events, no errors.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `${title} logged ${threshold} or more errors in 5 minutes. Open its log group in Logs Insights (saved query `
      + `"${folder(title)}/Recent errors") and fix or roll back the failing code path.`,
  }];
}

function folder(title: string): string {
  return title.replace(/[:*]/g, '-');
}
