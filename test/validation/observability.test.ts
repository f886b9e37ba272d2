import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { numberToken, propTable, stringToken } from './table';
import {
  CacheMonitoringOptions, DatabaseMonitoringOptions, DistributionMonitoringOptions, FargateServiceMonitoringOptions,
  LoadBalancerMonitoringOptions, LogGroupMonitoringOptions, ObservabilityBundle, ObservabilityBundleProps,
  TargetGroupMonitoringOptions,
} from '../../src/observability';
import { testCluster } from '../helpers/stacks';

/** The bundle's props and the options of the monitors it is given (each monitor only when its options are set). */
interface Case {
  readonly bundle: ObservabilityBundleProps;
  readonly logGroup: LogGroupMonitoringOptions;
  readonly targetGroup: TargetGroupMonitoringOptions;
  readonly cache: CacheMonitoringOptions;
  readonly database: DatabaseMonitoringOptions;
  readonly service: FargateServiceMonitoringOptions;
  readonly loadBalancer: LoadBalancerMonitoringOptions;
  readonly distribution: DistributionMonitoringOptions;
}

function build(stack: Stack, p: Partial<Case>): void {
  const bundle = new ObservabilityBundle(stack, 'Observability', p.bundle);
  if (p.logGroup) bundle.monitorLogGroup(new logs.LogGroup(stack, 'Logs'), { title: 'App', ...p.logGroup });
  if (p.cache) {
    const cache = new elasticache.CfnCacheCluster(stack, 'Cache', { engine: 'redis', cacheNodeType: 'cache.t4g.micro', numCacheNodes: 1 });
    bundle.monitorCacheCluster(cache, { title: 'Cache', ...p.cache });
  }
  if (p.service) {
    const cluster = testCluster(stack);
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/nginx:1.27') });
    bundle.monitorFargateService(new ecs.FargateService(stack, 'Service', { cluster, taskDefinition: task }), { title: 'Service', ...p.service });
  }
  if (p.distribution) {
    const bucket = new s3.Bucket(stack, 'Bucket');
    const distribution = new cloudfront.Distribution(stack, 'Cdn', { defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(bucket) } });
    bundle.monitorDistribution(distribution, { title: 'Cdn', crossRegionMetrics: true, ...p.distribution });
  }
  if (p.targetGroup || p.database || p.loadBalancer) {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    if (p.targetGroup) {
      const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
      const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc, port: 80, targetType: elbv2.TargetType.IP });
      alb.addListener('L', { port: 80, defaultTargetGroups: [tg] });
      bundle.monitorTargetGroup(tg, { title: 'Tg', ...p.targetGroup });
    }
    if (p.loadBalancer) {
      bundle.monitorLoadBalancer(new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc }), { title: 'Lb', ...p.loadBalancer });
    }
    if (p.database) {
      const instance = new rds.DatabaseInstance(stack, 'Db', {
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      });
      bundle.monitorDatabaseInstance(instance, { title: 'Db', ...p.database });
    }
  }
}

const B = "Test/Observability: invalid '";
const M = (title: string) => `Test/Observability monitoring ${title}: invalid '`;

export const OBSERVABILITY_CASES = propTable<Case>('ObservabilityBundle props and monitor options', build, [
  {
    prop: 'logRetention',
    valid: () => ({ bundle: { logRetention: logs.RetentionDays.TWO_WEEKS } }),
    invalid: () => ({ bundle: { logRetention: 17 as logs.RetentionDays } }),
    message: `${B}logRetention': 17 days is not a retention CloudWatch Logs offers. Use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days (RetentionDays), e.g. 30.`,
    token: (s) => ({ bundle: { logRetention: numberToken(s, 'Retention') as logs.RetentionDays } }),
  },
  {
    prop: 'alarmEmails',
    valid: () => ({ bundle: { alarmEmails: ['ops@example.com'] } }),
    invalid: () => ({ bundle: { alarmEmails: ['ops at example.com'] } }),
    message: `${B}alarmEmails': 'ops at example.com' is not an email address. Use addresses such as ops@example.com.`,
    token: (s) => ({ bundle: { alarmEmails: [stringToken(s, 'Email')] } }),
  },
  {
    prop: 'alarmWebhookUrls',
    valid: () => ({ bundle: { alarmWebhookUrls: ['https://hooks.example.com/alarm'] } }),
    invalid: () => ({ bundle: { alarmWebhookUrls: ['http://hooks.example.com/alarm'] } }),
    message: `${B}alarmWebhookUrls': 'http://hooks.example.com/alarm' is not an https:// URL. Use an https:// endpoint (SNS sends alarm payloads in clear text to http:// ones, so they are not accepted).`,
    token: (s) => ({ bundle: { alarmWebhookUrls: [stringToken(s, 'Hook')] } }),
  },
  {
    prop: 'monthlyBudgetUsd',
    valid: () => ({ bundle: { monthlyBudgetUsd: 150, costAllocationTagValue: 'analytics' } }),
    invalid: () => ({ bundle: { monthlyBudgetUsd: 0, costAllocationTagValue: 'analytics' } }),
    message: `${B}monthlyBudgetUsd': 0 is outside 1..1000000000. Use a value from 1 to 1000000000.`,
    token: (s) => ({ bundle: { monthlyBudgetUsd: numberToken(s, 'Budget'), costAllocationTagValue: 'analytics' } }),
  },
  {
    prop: 'dashboardName',
    valid: () => ({ bundle: { dashboardName: 'Platform-Health' } }),
    invalid: () => ({ bundle: { dashboardName: 'Platform Health' } }),
    message: `${B}dashboardName': 'Platform Health' is not a dashboard name of letters, digits, - and _ (1-255). Use a dashboard name of letters, digits, - and _ (1-255).`,
    token: (s) => ({ bundle: { dashboardName: stringToken(s, 'Dashboard') } }),
  },
  {
    prop: 'logGroup errorsThreshold',
    valid: () => ({ logGroup: { errorsThreshold: 3 } }),
    invalid: () => ({ logGroup: { errorsThreshold: 2.5 } }),
    message: `${M('App')}errorsThreshold': 2.5 is not a whole number. Use a whole number.`,
    token: (s) => ({ logGroup: { errorsThreshold: numberToken(s, 'Errors') } }),
  },
  {
    prop: 'logGroup errorMetricName',
    valid: () => ({ logGroup: { errorMetricName: 'AppErrors' } }),
    invalid: () => ({ logGroup: { errorMetricName: 'App:Errors' } }),
    message: `${M('App')}errorMetricName': 'App:Errors' is not a metric name (1-255 characters, no : * $). Use a metric name (1-255 characters, no : * $).`,
    token: (s) => ({ logGroup: { errorMetricName: stringToken(s, 'Metric') } }),
  },
  {
    prop: 'cache memoryHighPercent',
    valid: () => ({ cache: { memoryHighPercent: 75.5 } }),
    invalid: () => ({ cache: { memoryHighPercent: 101 } }),
    message: `${M('Cache')}memoryHighPercent': 101 is outside 0..100. Use a value from 0 to 100.`,
    token: (s) => ({ cache: { memoryHighPercent: numberToken(s, 'Memory') } }),
  },
  {
    prop: 'cache evictionsThreshold',
    valid: () => ({ cache: { evictionsThreshold: 10 } }),
    invalid: () => ({ cache: { evictionsThreshold: 0 } }),
    message: `${M('Cache')}evictionsThreshold': 0 is outside 1..1000000000. Use a value from 1 to 1000000000.`,
    token: (s) => ({ cache: { evictionsThreshold: numberToken(s, 'Evictions') } }),
  },
  {
    prop: 'targetGroup p99ResponseTime',
    valid: () => ({ targetGroup: { p99ResponseTime: Duration.millis(1500) } }),
    invalid: () => ({ targetGroup: { p99ResponseTime: Duration.hours(2) } }),
    message: `${M('Tg')}p99ResponseTime': 2 hours is outside 1 millisecond..1 hour. Use a response time from 1 ms to 1 hour.`,
    token: (s) => ({ targetGroup: { p99ResponseTime: Duration.seconds(numberToken(s, 'P99')) } }),
  },
  {
    prop: 'targetGroup unhealthyHosts',
    valid: () => ({ targetGroup: { unhealthyHosts: 2 } }),
    invalid: () => ({ targetGroup: { unhealthyHosts: 1.5 } }),
    message: `${M('Tg')}unhealthyHosts': 1.5 is not a whole number. Use a whole number.`,
    token: (s) => ({ targetGroup: { unhealthyHosts: numberToken(s, 'Unhealthy') } }),
  },
  {
    prop: 'database connectionsHigh',
    valid: () => ({ database: { connectionsHigh: 150 } }),
    invalid: () => ({ database: { connectionsHigh: 0 } }),
    message: `${M('Db')}connectionsHigh': 0 is outside 1..1000000. Use a value from 1 to 1000000.`,
    token: (s) => ({ database: { connectionsHigh: numberToken(s, 'Connections') } }),
  },
  {
    prop: 'database freeStorageLow',
    valid: () => ({ database: { freeStorageLow: Size.gibibytes(5) } }),
    invalid: () => ({ database: { freeStorageLow: Size.bytes(0) } }),
    message: `${M('Db')}freeStorageLow': 0 bytes is not above zero (the alarm could never fire). Use a size above zero, e.g. Size.mebibytes(256).`,
    token: (s) => ({ database: { freeStorageLow: Size.bytes(numberToken(s, 'Storage')) } }),
  },
  {
    prop: 'service cpuHighPercent',
    valid: () => ({ service: { cpuHighPercent: 70 } }),
    invalid: () => ({ service: { cpuHighPercent: 150 } }),
    message: `${M('Service')}cpuHighPercent': 150 is outside 0..100. Use a value from 0 to 100.`,
    token: (s) => ({ service: { cpuHighPercent: numberToken(s, 'Cpu') } }),
  },
  {
    prop: 'service memoryHighPercent',
    valid: () => ({ service: { memoryHighPercent: 80 } }),
    invalid: () => ({ service: { memoryHighPercent: -5 } }),
    message: `${M('Service')}memoryHighPercent': -5 is outside 0..100. Use a value from 0 to 100.`,
    token: (s) => ({ service: { memoryHighPercent: numberToken(s, 'Mem') } }),
  },
  {
    prop: 'loadBalancer elb5xxRatePercent',
    valid: () => ({ loadBalancer: { elb5xxRatePercent: 2 } }),
    invalid: () => ({ loadBalancer: { elb5xxRatePercent: 200 } }),
    message: `${M('Lb')}elb5xxRatePercent': 200 is outside 0..100. Use a value from 0 to 100.`,
    token: (s) => ({ loadBalancer: { elb5xxRatePercent: numberToken(s, 'Rate') } }),
  },
  {
    prop: 'loadBalancer minimumRequests',
    valid: () => ({ loadBalancer: { minimumRequests: 20 } }),
    invalid: () => ({ loadBalancer: { minimumRequests: 2.5 } }),
    message: `${M('Lb')}minimumRequests': 2.5 is not a whole number. Use a whole number.`,
    token: (s) => ({ loadBalancer: { minimumRequests: numberToken(s, 'Minimum') } }),
  },
  {
    prop: 'distribution error5xxRatePercent',
    valid: () => ({ distribution: { error5xxRatePercent: 1 } }),
    invalid: () => ({ distribution: { error5xxRatePercent: 101 } }),
    message: `${M('Cdn')}error5xxRatePercent': 101 is outside 0..100. Use a value from 0 to 100.`,
    token: (s) => ({ distribution: { error5xxRatePercent: numberToken(s, 'Rate') } }),
  },
  {
    prop: 'database freeableMemoryLow',
    valid: () => ({ database: { freeableMemoryLow: Size.mebibytes(512) } }),
    invalid: (s) => ({ database: { freeableMemoryLow: Size.mebibytes(numberToken(s, 'Memory')) } }),
    message: `${M('Db')}freeableMemoryLow': a deploy-time size cannot be converted to bytes at synth. Give the token in bytes: Size.bytes(value) (CloudWatch compares the metric in bytes).`,
    token: (s) => ({ database: { freeableMemoryLow: Size.bytes(numberToken(s, 'Memory')) } }),
  },
]);
