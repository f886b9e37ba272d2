import * as path from 'path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ApiImage, AuroraPostgresCluster, FastifyFargateApi, StaticCdnSite, UmamiService } from '../src';
import { ObservabilityBundle, ObservabilityBundleProps } from '../src/observability';
import { cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { testCluster, testStack } from './helpers/stacks';

const API_FIXTURE = path.join(__dirname, 'fixtures', 'api');
const SITE_FIXTURE = path.join(__dirname, 'fixtures', 'site');

function edgeStack(app: App = testApp(), id = 'Edge'): Stack {
  return new Stack(app, id, { env: { account: '111111111111', region: 'us-east-1' } });
}

/** The properties of the only alarm whose logical id matches `pattern`. */
function alarm(t: Template, pattern: RegExp): any {
  const found = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => pattern.test(id));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return (found[0][1] as any).Properties;
}

/** The dashboard body with every token rendered as `<ref>`. */
function dashboardBody(t: Template): string {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard')) as any[];
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : '<ref>')).join('');
  JSON.parse(text); // well-formed
  return text;
}

/** The text of a Fn::Join (tokens as `<ref>`). */
function joined(value: any): string {
  return typeof value === 'string' ? value : value['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : '<ref>')).join('');
}

/** The synth-time error message of `fn`. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

/** Unacknowledged findings on the bundle and on the log groups it gives functions. */
function bundleFindings(stack: Stack, bundlePath: string): string[] {
  return formatFindings(nagFindings(stack).filter((f) => f.path.startsWith(`${bundlePath}/`) || f.path.includes('/ObservabilityLogGroup')));
}

/** The alarm topic, for Template assertions (`topicRef`) and for jest's own matchers (`anyTopic`). */
const topicRef = { Ref: Match.stringLikeRegexp('^ObservabilityTopic') };
const anyTopic = { Ref: expect.stringMatching(/^ObservabilityTopic/) };

describe('ObservabilityBundle: topic, subscriptions, dashboard, health alarm, outputs, budget', () => {
  const app = testApp();
  const stack = testStack(app);
  const bundle = new ObservabilityBundle(stack, 'Observability', {
    alarmEmails: ['ops@example.com', 'oncall@example.org'],
    alarmWebhookUrls: ['https://hooks.example.com/alarms'],
    dashboardName: 'analytics-platform',
    monthlyBudgetUsd: 250,
    costAllocationTagValue: 'analytics',
  });
  const t = Template.fromStack(stack);

  test('topic encrypted with a rotating KMS key that CloudWatch and Budgets may use', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowAlarmPublishersToUseTheKey',
          Effect: 'Allow',
          Principal: { Service: ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        })]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityTopicKey'), 'Arn'] } });
    expect(bundle.topicKey).toBeDefined();
  });

  test('topic policy: TLS only, CloudWatch alarms and Budgets of this account may publish', () => {
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarms',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:111111111111:alarm:*']] } },
            },
          }),
          Match.objectLike({
            Sid: 'AllowBudgets',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': '111111111111' } }),
          }),
        ]),
      },
    });
  });

  test('email and HTTPS subscriptions', () => {
    t.resourceCountIs('AWS::SNS::Subscription', 3);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topicRef });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/alarms' });
  });

  test('named dashboard with the platform health header; outputs for its URL and the topic ARN', () => {
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'analytics-platform' });
    expect(dashboardBody(t)).toContain('# Platform health');
    const outputs = t.findOutputs('*');
    const url = Object.entries(outputs).find(([k]) => k.startsWith('ObservabilityDashboardUrl'))![1] as any;
    expect(joined(url.Value)).toBe('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/<ref>');
    const arn = Object.entries(outputs).find(([k]) => k.startsWith('ObservabilityAlarmTopicArn'))![1] as any;
    expect(arn.Value).toEqual(anyTopic);
  });

  test('platform health alarm: FALSE while nothing is monitored, notifies the topic on ALARM and OK', () => {
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmRule: 'FALSE', AlarmActions: [topicRef], OKActions: [topicRef] });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(bundle.alarms).toEqual([]);
  });

  test('monthly budget on the cost allocation tag: forecast > 100% and actual > 80% notify the topic', () => {
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 250, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:Project$analytics'] },
      },
      NotificationsWithSubscribers: [
        {
          Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
          Subscribers: [{ SubscriptionType: 'SNS', Address: topicRef }],
        },
        {
          Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' },
          Subscribers: [{ SubscriptionType: 'SNS', Address: topicRef }],
        },
      ],
    });
    const budget = Object.values(t.findResources('AWS::Budgets::Budget'))[0] as any;
    expect(budget.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ObservabilityTopicPolicy/)]));
  });

  test('zero unacknowledged nag findings; cfn-lint clean', () => {
    expect(bundleFindings(stack, 'Test/Observability')).toEqual([]);
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('ObservabilityBundle with an existing topic', () => {
  test('subscribes to it and creates no topic or key', () => {
    const stack = testStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Existing', 'arn:aws:sns:eu-west-1:111111111111:alerts');
    const bundle = new ObservabilityBundle(stack, 'Observability', { existingTopic: topic, alarmEmails: ['ops@example.com'] });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: 'arn:aws:sns:eu-west-1:111111111111:alerts', Protocol: 'email' });
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: ['arn:aws:sns:eu-west-1:111111111111:alerts'] });
    expect(bundle.topic).toBe(topic);
    expect(bundle.topicKey).toBeUndefined();
  });
});

describe('monitor(FastifyFargateApi): service, target group, load balancer and logs', () => {
  const app = testApp();
  const stack = testStack(app);
  // A cluster with Container Insights (the default cluster has none): the running-task alarm compares running and
  // desired tasks. Without it, test/observability-free-metrics.test.ts.
  const insightsVpc = new ec2.Vpc(stack, 'ApiVpc', { maxAzs: 2, natGateways: 1 });
  const insightsCluster = new ecs.Cluster(stack, 'ApiCluster', { vpc: insightsVpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
  const api = new FastifyFargateApi(stack, 'Api', { cluster: insightsCluster, image: ApiImage.fromDirectory(API_FIXTURE) });
  const bundle = new ObservabilityBundle(stack, 'Observability');
  bundle.monitor(api);
  bundle.monitor(api); // a second time: nothing new
  bundle.monitor(api.fargate); // its service: already monitored
  const t = Template.fromStack(stack);
  const dims = { ClusterName: { Ref: Match.stringLikeRegexp('^ApiCluster') }, ServiceName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiFargateService'), 'Name'] } };

  test('8 alarms, each notifying the topic on ALARM and OK, each naming its resource and what to do', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    expect(bundle.alarms).toHaveLength(8);
    expect(bundle.criticalAlarms).toHaveLength(4);
    for (const a of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as any[]) {
      expect(a.Properties.AlarmActions).toEqual([anyTopic]);
      expect(a.Properties.OKActions).toEqual([anyTopic]);
      expect(a.Properties.AlarmDescription).toContain('Test/Api');
      expect(a.Properties.AlarmDescription).toMatch(/[Cc]heck|[Rr]aise|[Ff]ind|[Oo]pen/);
    }
  });

  test('running tasks below desired: Container Insights math, 1 minute, 5 periods, missing data breaching', () => {
    const p = alarm(t, /TasksBelowDesired/);
    expect(p).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 5,
      TreatMissingData: 'breaching',
    });
    expect(p.Metrics).toEqual([
      { Expression: 'desired - running', Id: 'expr_1', Label: 'Tasks missing (desired - running)', ReturnData: true },
      expect.objectContaining({ Id: 'desired', ReturnData: false, MetricStat: expect.objectContaining({ Period: 60, Stat: 'Average' }) }),
      expect.objectContaining({ Id: 'running', ReturnData: false }),
    ]);
    expect(p.Metrics[1].MetricStat.Metric).toMatchObject({ Namespace: 'ECS/ContainerInsights', MetricName: 'DesiredTaskCount' });
    expect(p.Metrics[2].MetricStat.Metric).toMatchObject({ Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount' });
    expect(p.AlarmDescription).toContain('fewer tasks than desired');
  });

  test('CPU > 85% and memory > 90%: AWS/ECS averages over 5 minutes, 3 periods, missing data not breaching', () => {
    for (const [pattern, metricName, threshold] of [[/CpuHigh/, 'CPUUtilization', 85], [/MemoryHigh/, 'MemoryUtilization', 90]] as const) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ECS',
        MetricName: metricName,
        Dimensions: Match.arrayWith([{ Name: 'ClusterName', Value: dims.ClusterName }]),
        Statistic: 'Average',
        Period: 300,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
      });
      expect(alarm(t, pattern).MetricName).toBe(metricName);
    }
  });

  test('target 5xx rate > 5%: HTTPCode_Target_5XX_Count / RequestCount, 0 under 10 requests, 2 of 3 five-minute periods', () => {
    const p = alarm(t, /Target5xxRate/);
    expect(p).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    expect(p.Metrics[0]).toEqual({ Expression: 'IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)', Id: 'expr_1', Label: 'Target 5xx %', ReturnData: true });
    const names = p.Metrics.slice(1)
      .map((m: any) => [m.Id, m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Period]);
    expect(names).toEqual([
      ['requests', 'AWS/ApplicationELB', 'RequestCount', 'Sum', 300],
      ['errors', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', 300],
    ]);
    expect(p.Metrics[1].MetricStat.Metric.Dimensions.map((d: any) => d.Name).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
  });

  test('p99 target response time > 2 s over 5 minutes, 3 periods', () => {
    expect(alarm(t, /P99ResponseTime/)).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  test('unhealthy targets >= 1 for 5 minutes (maximum per minute)', () => {
    expect(alarm(t, /UnhealthyHosts/)).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      TreatMissingData: 'notBreaching',
    });
  });

  test('load balancer 5xx rate > 5%: HTTPCode_ELB_5XX_Count / RequestCount of the load balancer', () => {
    const p = alarm(t, /Elb5xxRate/);
    expect(p).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(p.Metrics[2].MetricStat.Metric).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_ELB_5XX_Count' });
    expect(p.Metrics[2].MetricStat.Metric.Dimensions.map((d: any) => d.Name)).toEqual(['LoadBalancer']);
  });

  test('ERROR count: a metric filter on JSON levels and an alarm on >= 5 errors in 5 minutes', () => {
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('^ApiFargateLogs') },
      FilterPattern: '{ ($.level = "error") || ($.level = "fatal") || ($.level >= 50) }',
      MetricTransformations: [{ MetricNamespace: 'Observability/Logs', MetricName: 'Test-Api-Errors', MetricValue: '1', DefaultValue: 0 }],
    });
    expect(alarm(t, /ErrorsHigh/)).toMatchObject({
      Namespace: 'Observability/Logs',
      MetricName: 'Test-Api-Errors',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('saved Logs Insights queries: recent errors and slowest requests of the service log group', () => {
    t.resourceCountIs('AWS::Logs::QueryDefinition', 2);
    t.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'Test/Api/Recent errors',
      LogGroupNames: [{ Ref: Match.stringLikeRegexp('^ApiFargateLogs') }],
      QueryString: Match.stringLikeRegexp('filter level = "error" or level = "fatal" or level >= 50[\\s\\S]*sort @timestamp desc'),
    });
    t.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'Test/Api/Slowest requests',
      QueryString: Match.stringLikeRegexp('filter ispresent\\(responseTime\\)[\\s\\S]*sort responseTime desc[\\s\\S]*limit 50'),
    });
  });

  test('platform health alarm: ANY of the 4 critical alarms', () => {
    const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0] as any;
    const parts = composite.Properties.AlarmRule['Fn::Join'][1];
    const refs = parts.filter((p: unknown) => typeof p !== 'string').map((p: any) => p['Fn::GetAtt'][0]);
    expect(refs).toHaveLength(4);
    expect(refs.map((r: string) => r.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'ObservabilityServiceApiFargateServiceTasksBelowDesired',
      'ObservabilityTargetGroupApiFargateTargetGroupTarget5xxRate',
      'ObservabilityTargetGroupApiFargateTargetGroupUnhealthyHosts',
      'ObservabilityLoadBalancerApiFargateIngressLoadBalancerElb5xxRate',
    ]);
    expect(parts.filter((p: unknown) => typeof p === 'string').join('')).toBe('(ALARM("") OR ALARM("") OR ALARM("") OR ALARM(""))');
  });

  test('dashboard: a row per resource with graphs of its metrics and thresholds', () => {
    const body = dashboardBody(t);
    for (const title of ['## Test/Api', '## Test/Api target group', '## Test/Api load balancer', '## Test/Api logs']) {
      expect(body).toContain(`"markdown":"${title}"`);
    }
    for (const metric of ['RunningTaskCount', 'DesiredTaskCount', 'CPUUtilization', 'MemoryUtilization', 'HTTPCode_Target_5XX_Count',
      'TargetResponseTime', 'UnHealthyHostCount', 'HealthyHostCount', 'HTTPCode_ELB_5XX_Count', 'Test-Api-Errors']) {
      expect(body).toContain(`"${metric}"`);
    }
    expect(body).toContain('{"value":85,"label":"Alarm threshold"');
    expect(body).toContain('"type":"alarm"');
  });

  test('zero unacknowledged nag findings on the bundle; cfn-lint clean', () => {
    expect(bundleFindings(stack, 'Test/Observability')).toEqual([]);
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('monitorDatabase, monitorDatabaseInstance, monitorCache, monitorCacheCluster', () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const aurora = new AuroraPostgresCluster(stack, 'Db', { vpc, maxCapacity: 4 });
  const instance = new rds.DatabaseInstance(stack, 'Instance', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    vpc,
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
  });
  const redis = new elasticache.CfnReplicationGroup(stack, 'Redis', {
    replicationGroupId: 'Sessions',
    replicationGroupDescription: 'sessions',
    engine: 'valkey',
    cacheNodeType: 'cache.t4g.micro',
    numCacheClusters: 2,
  });
  const sharded = new elasticache.CfnReplicationGroup(stack, 'Sharded', {
    replicationGroupDescription: 'sharded',
    engine: 'redis',
    cacheNodeType: 'cache.t4g.micro',
    numNodeGroups: 2,
    replicasPerNodeGroup: 1,
  });
  const memcached = new elasticache.CfnCacheCluster(stack, 'Memcached', { engine: 'memcached', cacheNodeType: 'cache.t4g.micro', numCacheNodes: 1 });
  const bundle = new ObservabilityBundle(stack, 'Observability', { defaults: { database: { connectionsHigh: 300 } } });
  bundle.monitor(aurora);
  bundle.monitorDatabaseInstance(instance, { cpuHighPercent: 70, freeStorageLow: Size.gibibytes(5) });
  bundle.monitorCache(redis);
  bundle.monitor(sharded);
  bundle.monitor(memcached);
  const t = Template.fromStack(stack);
  const clusterDim = [{ Name: 'DBClusterIdentifier', Value: { Ref: Match.stringLikeRegexp('^DbCluster') } }];

  test('Aurora Serverless v2: CPU > 80, connections > 300 (defaults), freeable memory < 256 MiB, ACU utilization >= 90', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Dimensions: clusterDim,
      Statistic: 'Average',
      Period: 300,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'DatabaseConnections',
      Dimensions: clusterDim,
      Statistic: 'Maximum',
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'FreeableMemory',
      Dimensions: clusterDim,
      Statistic: 'Minimum',
      Threshold: 256 * 1024 * 1024,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'ACUUtilization',
      Dimensions: clusterDim,
      Statistic: 'Average',
      Period: 300,
      Threshold: 90,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm(t, /DatabaseDbCluster.*AcuUtilizationHigh/).AlarmDescription).toContain('raise maxCapacity'.replace('r', 'R'));
    expect(dashboardBody(t)).toContain('"ServerlessDatabaseCapacity"');
  });

  test('RDS instance: thresholds overridden; free storage < 5 GiB; no ACU alarm', () => {
    const instanceDim = [{ Name: 'DBInstanceIdentifier', Value: { Ref: Match.stringLikeRegexp('^Instance') } }];
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CPUUtilization', Dimensions: instanceDim, Threshold: 70 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FreeStorageSpace', Dimensions: instanceDim, Statistic: 'Minimum', Threshold: 5 * 1024 ** 3, ComparisonOperator: 'LessThanThreshold',
    });
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((k) => /DatabaseInstance.*Acu/.test(k))).toEqual([]);
    // Explicit thresholds replace the defaults entirely: connections falls back to the documented 100.
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DatabaseConnections', Dimensions: instanceDim, Threshold: 100 });
  });

  test('replication group: the busiest of its nodes (MAX / SUM over sessions-001, sessions-002)', () => {
    const memory = alarm(t, /CacheRedisMemoryHigh/);
    expect(memory).toMatchObject({ Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, TreatMissingData: 'notBreaching' });
    expect(memory.Metrics[0].Expression).toBe('MAX([n0, n1])');
    expect(memory.Metrics.slice(1).map((m: any) => [m.MetricStat.Metric.MetricName, m.MetricStat.Metric.Dimensions[0].Value])).toEqual([
      ['DatabaseMemoryUsagePercentage', 'sessions-001'],
      ['DatabaseMemoryUsagePercentage', 'sessions-002'],
    ]);
    const evictions = alarm(t, /CacheRedisEvictions/);
    expect(evictions).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 3 });
    expect(evictions.Metrics[0].Expression).toBe('SUM([n0, n1])');
    expect(evictions.Metrics[1].MetricStat).toMatchObject({ Stat: 'Sum', Period: 300 });
    const cpu = alarm(t, /CacheRedisCpuHigh/);
    expect(cpu.Threshold).toBe(90);
    expect(cpu.Metrics[1].MetricStat.Metric).toMatchObject({ Namespace: 'AWS/ElastiCache', MetricName: 'EngineCPUUtilization' });
  });

  test('cluster-mode replication group: node ids per shard and replica, from its generated id', () => {
    const memory = alarm(t, /CacheShardedMemoryHigh/);
    expect(memory.Metrics[0].Expression).toBe('MAX([n0, n1, n2, n3])');
    const ids = memory.Metrics.slice(1).map((m: any) => joined({ 'Fn::Join': ['', m.MetricStat.Metric.Dimensions[0].Value['Fn::Join'][1]] }));
    expect(ids).toEqual(['<ref>-0001-001', '<ref>-0001-002', '<ref>-0002-001', '<ref>-0002-002']);
  });

  test('Memcached: CPUUtilization and evictions, no memory percentage', () => {
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).filter((k) => /CacheMemcached/.test(k)).map((k) => k.replace(/[0-9A-F]{8}$/, '')))
      .toEqual(['ObservabilityCacheMemcachedEvictions', 'ObservabilityCacheMemcachedCpuHigh']);
    expect(alarm(t, /CacheMemcachedCpuHigh/)).toMatchObject({
      Namespace: 'AWS/ElastiCache', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'CacheClusterId', Value: { Ref: 'Memcached' } }],
    });
  });

  test('none of these alarms is critical', () => {
    t.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmRule: 'FALSE' });
    expect(bundle.alarms).toHaveLength(4 + 4 + 3 + 3 + 2);
  });
});

describe('monitorDistribution: CloudFront metrics live in us-east-1', () => {
  const distributionIn = (stack: Stack) => new cloudfront.Distribution(stack, 'Cdn', {
    defaultBehavior: { origin: new origins.HttpOrigin('origin.example.com') },
  });

  test('from a us-east-1 stack: a 5xx error rate alarm (Region=Global), critical', () => {
    const stack = edgeStack();
    const distribution = distributionIn(stack);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorDistribution(distribution, { error5xxRatePercent: 2 });
    const t = Template.fromStack(stack);
    expect(alarm(t, /Error5xxRate/)).toMatchObject({
      Namespace: 'AWS/CloudFront',
      MetricName: '5xxErrorRate',
      Dimensions: [{ Name: 'DistributionId', Value: { Ref: expect.stringMatching(/^Cdn/) } }, { Name: 'Region', Value: 'Global' }],
      Statistic: 'Average',
      Period: 300,
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      AlarmActions: [anyTopic],
    });
    expect(bundle.criticalAlarms).toHaveLength(1);
  });

  test('from eu-west-1 without crossRegionMetrics: a clear error', () => {
    const stack = testStack();
    const distribution = distributionIn(stack);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    expect(errorOf(() => bundle.monitorDistribution(distribution))).toBe(
      'Test/Observability monitoring Test/Cdn: invalid \'crossRegionMetrics\': CloudFront publishes the metrics of Test/Cdn in us-east-1, '
      + 'and this bundle\'s stack is in eu-west-1, where alarms cannot read them. Put the bundle in a stack with env region us-east-1 to get '
      + 'alarms, or set crossRegionMetrics: true (in the options, or defaults.distribution for monitor()/monitorScope()) to get dashboard graphs only.');
  });

  test('from an environment-agnostic stack without crossRegionMetrics: an error too', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    const distribution = distributionIn(stack);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    expect(errorOf(() => bundle.monitor(distribution))).toMatch(/environment-agnostic .*crossRegionMetrics: true/);
  });

  test('from eu-west-1 with crossRegionMetrics: dashboard graphs read from us-east-1, no alarm', () => {
    const stack = testStack();
    const distribution = distributionIn(stack);
    const bundle = new ObservabilityBundle(stack, 'Observability', { defaults: { distribution: { crossRegionMetrics: true } } });
    bundle.monitor(distribution);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const body = dashboardBody(t);
    expect(body).toMatch(/\["AWS\/CloudFront","5xxErrorRate","DistributionId","<ref>","Region","Global",\{[^}]*"region":"us-east-1"/);
    Annotations.fromStack(stack).hasInfo('/Test/Observability', Match.stringLikeRegexp('dashboard graphs and no alarm'));
  });
});

describe('monitorScope over an app with a Fastify API, Umami (new cluster) and a static site, in us-east-1', () => {
  const app = testApp();
  const stack = edgeStack(app, 'Platform');
  new FastifyFargateApi(stack, 'Api', { image: ApiImage.fromDirectory(API_FIXTURE) });
  new UmamiService(stack, 'Umami');
  new StaticCdnSite(stack, 'Site', { sourceDirectory: SITE_FIXTURE });
  const bundle = new ObservabilityBundle(stack, 'Observability', { logRetention: logs.RetentionDays.TWO_WEEKS });
  bundle.monitorScope(stack);
  bundle.monitorScope(stack); // idempotent
  const t = Template.fromStack(stack);
  const ids = Object.keys(t.findResources('AWS::CloudWatch::Alarm')).map((k) => k.replace(/[0-9A-F]{8}$/, ''));

  test('finds each resource once: 2 services (8 alarms each), the Umami database (4), the distribution (1)', () => {
    expect(ids).toHaveLength(21);
    // New clusters have no Container Insights: the running-task alarms read the target groups' healthy hosts.
    expect(ids.filter((i) => i.endsWith('HealthyTasksLow')).sort()).toEqual([
      'ObservabilityServiceApiFargateServiceHealthyTasksLow', 'ObservabilityServiceUmamiFargateServiceHealthyTasksLow',
    ]);
    expect(ids.filter((i) => i.endsWith('TasksBelowDesired'))).toEqual([]);
    expect(ids.filter((i) => i.endsWith('Elb5xxRate'))).toHaveLength(2);
    expect(ids.filter((i) => i.endsWith('ErrorsHigh'))).toHaveLength(2);
    expect(ids.filter((i) => i.startsWith('ObservabilityDatabase'))).toEqual([
      'ObservabilityDatabaseUmamiDatabaseClusterCpuHigh', 'ObservabilityDatabaseUmamiDatabaseClusterConnectionsHigh',
      'ObservabilityDatabaseUmamiDatabaseClusterFreeableMemoryLow', 'ObservabilityDatabaseUmamiDatabaseClusterAcuUtilizationHigh',
    ]);
    expect(ids.filter((i) => i.startsWith('ObservabilityDistribution'))).toEqual(['ObservabilityDistributionSiteDistributionError5xxRate']);
    expect(bundle.criticalAlarms).toHaveLength(9);
    const composite = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'))[0] as any;
    expect(composite.Properties.AlarmRule['Fn::Join'][1].filter((p: unknown) => typeof p !== 'string')).toHaveLength(9);
  });

  test('dashboard rows titled after the library constructs', () => {
    const body = dashboardBody(t);
    for (const title of ['Platform/Api', 'Platform/Umami', 'Platform/Umami database', 'Platform/Site', 'Platform/Umami load balancer']) {
      expect(body).toContain(`"markdown":"## ${title}"`);
    }
    expect(body).not.toContain('FlowLogs');
  });

  test('every log group has the retention; every Lambda function logs to a group with one', () => {
    const groups = Object.entries(t.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(8);
    for (const [id, g] of groups as Array<[string, any]>) {
      expect([id, g.Properties.RetentionInDays ?? 'none']).toEqual([id, expect.any(Number)]);
    }
    // The constructs' own groups keep their explicit retention; the ones the bundle adds get its own.
    const added = groups.filter(([id]) => id.includes('ObservabilityLogGroup')) as Array<[string, any]>;
    expect(added.length).toBeGreaterThanOrEqual(2);
    for (const [, g] of added) expect(g.Properties.RetentionInDays).toBe(14);
    const logGroupIds = new Set(groups.map(([id]) => id));
    for (const [id, fn] of Object.entries(t.findResources('AWS::Lambda::Function')) as Array<[string, any]>) {
      expect([id, logGroupIds.has(fn.Properties.LoggingConfig?.LogGroup?.Ref)]).toEqual([id, true]);
    }
  });

  test('zero unacknowledged nag findings on the bundle and the log groups it adds; cfn-lint clean', () => {
    expect(bundleFindings(stack, 'Platform/Observability')).toEqual([]);
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('raw AWS resources, overrides and log retention', () => {
  test('a raw Fargate service on a cluster without Container Insights: alarms with overridden thresholds, and no warning (free metrics cover it)', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx') });
    const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition });
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorFargateService(service, { cpuHighPercent: 70, memoryHighPercent: 75, runningTasksAlarm: false, title: 'Worker' });
    bundle.monitorScope(stack); // the service is found again: nothing new
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(alarm(t, /CpuHigh/)).toMatchObject({ Threshold: 70, MetricName: 'CPUUtilization' });
    expect(alarm(t, /CpuHigh/).AlarmDescription).toMatch(/^ECS service Worker /);
    expect(alarm(t, /MemoryHigh/).Threshold).toBe(75);
    expect(dashboardBody(t)).toContain('"markdown":"## Worker"');
    Annotations.fromStack(stack).hasNoWarning('/Test/Observability', Match.stringLikeRegexp('Container Insights'));
  });

  test('a raw Application Load Balancer and an explicit log group with its own pattern', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    const logGroup = new logs.LogGroup(stack, 'AppLogs');
    const bundle = new ObservabilityBundle(stack, 'Observability', { logMetricsNamespace: 'Platform/Logs' });
    bundle.monitor(alb);
    bundle.monitorLogGroup(logGroup, {
      errorFilterPattern: logs.FilterPattern.stringValue('$.severity', '=', 'ERROR'),
      errorsThreshold: 1,
      errorMetricName: 'WorkerErrors',
      savedQueries: false,
    });
    const t = Template.fromStack(stack);
    expect(alarm(t, /Elb5xxRate/).Metrics[1].MetricStat.Metric.MetricName).toBe('RequestCount');
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.severity = "ERROR" }',
      MetricTransformations: [Match.objectLike({ MetricNamespace: 'Platform/Logs', MetricName: 'WorkerErrors' })],
    });
    expect(alarm(t, /ErrorsHigh/)).toMatchObject({ Namespace: 'Platform/Logs', MetricName: 'WorkerErrors', Threshold: 1 });
    t.resourceCountIs('AWS::Logs::QueryDefinition', 0);
  });

  test('a target group attached to no load balancer: a warning, no alarms', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc, port: 80, targetType: elbv2.TargetType.IP });
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorTargetGroup(tg);
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
    Annotations.fromStack(stack).hasWarning('/Test/Observability', Match.stringLikeRegexp('is not attached to a load balancer'));
  });

  test('alarms: false gives dashboard rows only', () => {
    const stack = testStack();
    const logGroup = new logs.LogGroup(stack, 'AppLogs');
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorLogGroup(logGroup, { alarms: false, title: 'Batch' });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    t.resourceCountIs('AWS::Logs::MetricFilter', 1);
    expect(dashboardBody(t)).toContain('"markdown":"## Batch logs"');
  });

  test('applyLogRetention: sets retention where none is set, keeps explicit ones and functions\' own log groups', () => {
    const stack = testStack();
    new logs.LogGroup(stack, 'Forever', { retention: logs.RetentionDays.INFINITE });
    new logs.LogGroup(stack, 'Year', { retention: logs.RetentionDays.ONE_YEAR });
    new logs.CfnLogGroup(stack, 'Raw', {});
    const bundle = new ObservabilityBundle(stack, 'Observability', { logRetention: logs.RetentionDays.THREE_MONTHS, functionLogGroups: false });
    bundle.applyLogRetention(stack);
    const t = Template.fromStack(stack);
    const retention = Object.fromEntries(Object.entries(t.findResources('AWS::Logs::LogGroup')).map(([k, v]: [string, any]) => [k.replace(/[0-9A-F]{8}$/, ''), v.Properties?.RetentionInDays]));
    expect(retention).toEqual({ Forever: 90, Year: 365, Raw: 90 });
  });

  test('monitor() of something it does not know: a clear error', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    const bundle = new ObservabilityBundle(stack, 'Observability');
    expect(errorOf(() => bundle.monitor(bucket))).toMatch(/^Test\/Observability: invalid 'monitor': Test\/Bucket is not something the bundle knows how to monitor\. Pass one of/);
  });
});

describe('ObservabilityBundle validation', () => {
  const bundleWith = (props: ObservabilityBundleProps) => () => new ObservabilityBundle(testStack(), 'Observability', props);

  test.each([
    [{ alarmEmails: ['ops@example.com', 'not-an-address'] }, 'Test/Observability: invalid \'alarmEmails\': \'not-an-address\' is not an email address. Use addresses such as ops@example.com.'],
    [{ alarmWebhookUrls: ['http://hooks.example.com/x'] }, /^Test\/Observability: invalid 'alarmWebhookUrls': 'http:\/\/hooks.example.com\/x' is not an https:\/\/ URL\. Use an https:\/\/ endpoint/],
    [{ alarmWebhookUrls: ['hooks.example.com'] }, /invalid 'alarmWebhookUrls': 'hooks.example.com' is not an https:\/\/ URL/],
    [{ dashboardName: 'my dashboard' }, /invalid 'dashboardName': 'my dashboard' is not a dashboard name/],
    [{ monthlyBudgetUsd: 100 }, /invalid 'costAllocationTagValue': a budget is set and no value of the cost allocation tag 'Project' selects the platform's costs\. Set costAllocationTagValue/],
    [{ monthlyBudgetUsd: 0, costAllocationTagValue: 'x' }, 'Test/Observability: invalid \'monthlyBudgetUsd\': 0 is outside 1..1000000000. Use a value from 1 to 1000000000.'],
    [{ costAllocationTagValue: 'x' }, /invalid 'costAllocationTagValue': the cost allocation tag only filters the budget, and no budget is set/],
  ] as Array<[ObservabilityBundleProps, string | RegExp]>)('bad props %#', (props, message) => {
    if (typeof message === 'string') {
      expect(errorOf(bundleWith(props))).toBe(message);
    } else {
      expect(errorOf(bundleWith(props))).toMatch(message);
    }
  });

  describe('thresholds', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
    taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx') });
    const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition });
    const logGroup = new logs.LogGroup(stack, 'Logs');
    const bundle = new ObservabilityBundle(stack, 'Observability');

    test('a percentage outside 0-100', () => {
      expect(errorOf(() => bundle.monitorFargateService(service, { cpuHighPercent: 150 }))).toBe(
        'Test/Observability monitoring Test/Service: invalid \'cpuHighPercent\': 150 is outside 0..100. Use a value from 0 to 100.');
      expect(errorOf(() => new ObservabilityBundle(stack, 'Other', { defaults: { cache: { memoryHighPercent: -1 } } })
        .monitorCacheCluster(new elasticache.CfnCacheCluster(stack, 'C', { engine: 'redis', cacheNodeType: 'cache.t4g.micro', numCacheNodes: 1 }), { memoryHighPercent: -1 })))
        .toMatch(/invalid 'memoryHighPercent': -1 is outside 0\.\.100/);
    });

    test('an error threshold that is not a positive whole number', () => {
      expect(errorOf(() => bundle.monitorLogGroup(logGroup, { errorsThreshold: 0.5 }))).toMatch(/invalid 'errorsThreshold': 0.5 is not a whole number/);
    });

    test('a p99 response time of zero', () => {
      const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc: cluster.vpc });
      const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc: cluster.vpc, port: 80, targetType: elbv2.TargetType.IP });
      alb.addListener('L', { port: 80, defaultTargetGroups: [tg] });
      expect(errorOf(() => bundle.monitorTargetGroup(tg, { p99ResponseTime: Duration.millis(0) })))
        .toMatch(/invalid 'p99ResponseTime': 0 millis is outside 1 millisecond\.\.1 hour/);
    });
  });
});
