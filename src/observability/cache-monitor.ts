import { Annotations, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Check, FIVE_MINUTES, MonitorContext } from './check';
import { CacheMonitoringOptions } from './options';
import { checkInteger, checkRange } from '../core/validation';

/**
 * The checks of an ElastiCache resource's nodes (at most 10): memory used of maxmemory (not Memcached), evictions and
 * (engine) CPU of its busiest node.
 */
export function cacheChecks(ctx: MonitorContext, title: string, nodeIds: string[], memcached: boolean, options: CacheMonitoringOptions): Check[] {
  const where = ctx.where(title);
  const memoryHigh = options.memoryHighPercent ?? 80;
  const evictions = options.evictionsThreshold ?? 1;
  const cpuHigh = options.cpuHighPercent ?? 90;
  checkRange(where, 'memoryHighPercent', memoryHigh, 0, 100);
  checkRange(where, 'cpuHighPercent', cpuHigh, 0, 100);
  checkInteger(where, 'evictionsThreshold', evictions);
  checkRange(where, 'evictionsThreshold', evictions, 1, 1_000_000_000);
  if (nodeIds.length > 10) {
    Annotations.of(ctx.scope).addWarningV2('@org/analytics-constructs:cacheNodesCapped',
      `${title} has ${nodeIds.length} nodes; CloudWatch alarms read at most 10 metrics, so only the first 10 are watched.`);
  }
  const nodes = nodeIds.slice(0, 10);
  const perNode = (metricName: string, statistic: string, fn: string, label: string): cloudwatch.IMetric => {
    const metrics = nodes.map((nodeId) => new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: nodeId }, statistic, period: FIVE_MINUTES, label,
    }));
    if (metrics.length === 1) return metrics[0];
    const usingMetrics: { [id: string]: cloudwatch.IMetric } = {};
    metrics.forEach((m, i) => { usingMetrics[`n${i}`] = m; });
    return new cloudwatch.MathExpression({
      expression: `${fn}([${metrics.map((_, i) => `n${i}`).join(', ')}])`, usingMetrics, label, period: FIVE_MINUTES,
    });
  };
  const checks: Check[] = [];
  if (!memcached) {
    checks.push({
      id: 'MemoryHigh',
      label: 'Memory used of maxmemory (%)',
      metric: perNode('DatabaseMemoryUsagePercentage', cloudwatch.Stats.AVERAGE, 'MAX', 'Memory %'),
      threshold: memoryHigh,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // The nodes report every minute while they run; no data means nothing to measure, the availability alarms cover it.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description: `Cache ${title} has used more than ${memoryHigh}% of its memory for 15 minutes; it starts evicting keys soon. `
        + 'Use a larger node type, add shards, or set TTLs on keys that have none.',
    });
  }
  checks.push({
    id: 'Evictions',
    label: 'Evictions (count / 5 min)',
    metric: perNode('Evictions', cloudwatch.Stats.SUM, 'SUM', 'Evictions'),
    threshold: evictions,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `Cache ${title} has evicted ${evictions} or more keys per 5 minutes for 15 minutes: it is out of memory and `
      + 'drops data the applications expect. Use a larger node type or add shards.',
  }, {
    id: 'CpuHigh',
    label: memcached ? 'CPU utilization (%)' : 'Engine CPU utilization (%)',
    metric: perNode(memcached ? 'CPUUtilization' : 'EngineCPUUtilization', cloudwatch.Stats.AVERAGE, 'MAX', 'CPU %'),
    threshold: cpuHigh,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    description: `Cache ${title} has averaged more than ${cpuHigh}% ${memcached ? '' : 'engine '}CPU for 15 minutes; commands queue up. `
      + 'Look for slow commands (SLOWLOG, KEYS, large values), add read replicas or shards, or use a larger node type.',
  });
  return checks;
}

/** The CacheClusterId of a replication group's nodes (derived from its id and node counts). */
export function replicationGroupNodeIds(replicationGroup: elasticache.CfnReplicationGroup): string[] {
  const id = replicationGroup.replicationGroupId !== undefined && !Token.isUnresolved(replicationGroup.replicationGroupId)
    ? replicationGroup.replicationGroupId.toLowerCase()
    : replicationGroup.ref;
  return cacheNodeIds(id, replicationGroup);
}

/** The CacheClusterId of a cache cluster. */
export function cacheClusterId(cacheCluster: elasticache.CfnCacheCluster): string {
  return cacheCluster.clusterName !== undefined && !Token.isUnresolved(cacheCluster.clusterName)
    ? cacheCluster.clusterName.toLowerCase()
    : cacheCluster.ref;
}

function cacheNodeIds(id: string, rg: elasticache.CfnReplicationGroup): string[] {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const known = (n: unknown): n is number => typeof n === 'number' && !Token.isUnresolved(n);
  const groups = Array.isArray(rg.nodeGroupConfiguration) ? rg.nodeGroupConfiguration.length : rg.numNodeGroups;
  if (known(groups) && (rg.numNodeGroups !== undefined || rg.nodeGroupConfiguration !== undefined)) {
    const replicas = known(rg.replicasPerNodeGroup) ? rg.replicasPerNodeGroup : 0;
    const ids: string[] = [];
    for (let g = 1; g <= groups; g++) {
      for (let r = 1; r <= replicas + 1; r++) ids.push(`${id}-${pad(g, 4)}-${pad(r, 3)}`);
    }
    return ids;
  }
  const count = known(rg.numCacheClusters) ? rg.numCacheClusters : 1;
  return Array.from({ length: Math.max(1, count) }, (_, i) => `${id}-${pad(i + 1, 3)}`);
}
