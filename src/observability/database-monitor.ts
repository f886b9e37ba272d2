import { Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Check, FIVE_MINUTES, MonitorContext } from './check';
import { DatabaseMonitoringOptions } from './options';
import { checkInteger, checkRange, propError } from '../core/validation';

/**
 * The checks of an RDS or Aurora cluster: CPU, connections, freeable memory and, for Aurora Serverless v2, capacity
 * used at its maximum (ACUUtilization).
 */
export function databaseClusterChecks(
  ctx: MonitorContext, cluster: rds.IDatabaseCluster, title: string, options: DatabaseMonitoringOptions,
): Check[] {
  const serverless = options.serverlessV2 ?? (cluster instanceof rds.DatabaseCluster && isServerlessV2(cluster));
  const checks = databaseChecks(ctx, title, options, 'cluster', (name, o) => cluster.metric(name, o),
    cluster.metricCPUUtilization({ period: FIVE_MINUTES, label: 'CPU %' }));
  if (serverless) {
    const acuHigh = options.acuUtilizationHighPercent ?? 90;
    checkRange(ctx.where(title), 'acuUtilizationHighPercent', acuHigh, 0, 100);
    checks.push({
      id: 'AcuUtilizationHigh',
      label: 'Capacity used of maximum ACU (%)',
      metric: cluster.metric('ACUUtilization', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.AVERAGE, label: 'ACU %' }),
      threshold: acuHigh,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      // A paused cluster (min capacity 0) reports no capacity: it is certainly not at its maximum.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: `Aurora Serverless v2 cluster ${title} has used ${acuHigh}% or more of its maximum capacity for 15 minutes and `
        + 'cannot scale further. Raise maxCapacity, or find the expensive queries (Performance Insights).',
    }, {
      id: 'Capacity',
      label: 'Serverless capacity (ACU)',
      metric: cluster.metric('ServerlessDatabaseCapacity', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.AVERAGE, label: 'ACU' }),
    });
  }
  return checks;
}

/** The checks of an RDS instance: CPU, connections, freeable memory and free storage. */
export function databaseInstanceChecks(
  ctx: MonitorContext, instance: rds.IDatabaseInstance, title: string, options: DatabaseMonitoringOptions,
): Check[] {
  const checks = databaseChecks(ctx, title, options, 'instance', (name, o) => instance.metric(name, o),
    instance.metricCPUUtilization({ period: FIVE_MINUTES, label: 'CPU %' }));
  const freeStorage = sizeThreshold(ctx.where(title), 'freeStorageLow', options.freeStorageLow ?? Size.gibibytes(2));
  checks.push({
    id: 'FreeStorageLow',
    label: 'Free storage (bytes)',
    metric: instance.metric('FreeStorageSpace', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.MINIMUM, label: 'Free storage' }),
    threshold: freeStorage.bytes,
    comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `RDS instance ${title} has less than ${freeStorage.text} of free storage; it stops accepting writes `
      + 'when full. Enable storage autoscaling or raise allocatedStorage, and look for bloat (VACUUM, old WAL).',
  });
  return checks;
}

function databaseChecks(
  ctx: MonitorContext,
  title: string,
  options: DatabaseMonitoringOptions,
  kind: string,
  metric: (name: string, o: cloudwatch.MetricOptions) => cloudwatch.Metric,
  cpu: cloudwatch.Metric,
): Check[] {
  const where = ctx.where(title);
  const cpuHigh = options.cpuHighPercent ?? 80;
  const connectionsHigh = options.connectionsHigh ?? 100;
  const freeMemory = sizeThreshold(where, 'freeableMemoryLow', options.freeableMemoryLow ?? Size.mebibytes(256));
  checkRange(where, 'cpuHighPercent', cpuHigh, 0, 100);
  checkInteger(where, 'connectionsHigh', connectionsHigh);
  checkRange(where, 'connectionsHigh', connectionsHigh, 1, 1_000_000);
  return [{
    id: 'CpuHigh',
    label: 'Database CPU utilization (%)',
    metric: cpu,
    threshold: cpuHigh,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    // A stopped or paused database has no load.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `Database ${kind} ${title} has averaged more than ${cpuHigh}% CPU for 15 minutes. Find the expensive queries `
      + '(Performance Insights, pg_stat_statements) and add indexes, or raise its capacity.',
  }, {
    id: 'ConnectionsHigh',
    label: 'Database connections',
    metric: metric('DatabaseConnections', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM, label: 'Connections' }),
    threshold: connectionsHigh,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `Database ${kind} ${title} has held more than ${connectionsHigh} connections for 15 minutes, close to max_connections. `
      + 'Check the applications\' pool sizes and task counts (each task opens its own pool), or use RDS Proxy.',
  }, {
    id: 'FreeableMemoryLow',
    label: 'Freeable memory (bytes)',
    metric: metric('FreeableMemory', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.MINIMUM, label: 'Freeable memory' }),
    threshold: freeMemory.bytes,
    comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `Database ${kind} ${title} has had less than ${freeMemory.text} of freeable memory for 15 minutes: `
      + 'it swaps or restarts soon. Raise its capacity (maxCapacity / instance class) or lower work_mem and connection counts.',
  }];
}

function isServerlessV2(cluster: rds.DatabaseCluster): boolean {
  return cluster.node.findAll().some((c) => c instanceof rds.CfnDBInstance && c.dbInstanceClass === 'db.serverless');
}

/** A size threshold in bytes (what CloudWatch compares) and as text; above zero, and a token only in bytes. */
function sizeThreshold(where: string, prop: string, size: Size): { bytes: number; text: string } {
  if (size.isUnresolved()) {
    let bytes: number;
    try {
      bytes = size.toBytes();
    } catch {
      propError(where, prop, 'a deploy-time size cannot be converted to bytes at synth',
        'Give the token in bytes: Size.bytes(value) (CloudWatch compares the metric in bytes).');
    }
    return { bytes, text: `${bytes} bytes` };
  }
  const bytes = size.toBytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(bytes > 0)) {
    propError(where, prop, `${bytes} bytes is not above zero (the alarm could never fire)`, 'Use a size above zero, e.g. Size.mebibytes(256).');
  }
  return { bytes, text: `${size.toMebibytes({ rounding: SizeRoundingBehavior.NONE })} MiB` };
}
