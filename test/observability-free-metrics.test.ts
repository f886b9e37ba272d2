import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ObservabilityBundle } from '../src/observability';
import { testStack } from './helpers/stacks';

/** The properties of the only alarm whose logical id matches `pattern`. */
function alarm(t: Template, pattern: RegExp): any {
  const found = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => pattern.test(id));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return (found[0][1] as any).Properties;
}

function alarmIds(t: Template): string[] {
  return Object.keys(t.findResources('AWS::CloudWatch::Alarm'));
}

/** A Fargate service on a cluster with (or without) Container Insights, optionally behind an ALB target group. */
function service(stack: Stack, insights: ecs.ContainerInsights | undefined, behindAlb: boolean) {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: insights });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('nginx'), portMappings: [{ containerPort: 80 }] });
  const svc = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition });
  let targetGroup: elbv2.ApplicationTargetGroup | undefined;
  if (behindAlb) {
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    targetGroup = alb.addListener('Http', { port: 80 }).addTargets('Tg', { port: 80, targets: [svc] });
  }
  return { svc, targetGroup };
}

describe('running-task alarm without Container Insights: free metrics', () => {
  test('behind a load balancer: healthy hosts of the target group below the minimum, 1 minute, 5 periods, missing data breaching, critical', () => {
    const stack = testStack();
    const { svc, targetGroup } = service(stack, undefined, true);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorFargateService(svc, { targetGroup, minimumHealthyTasks: 2 });
    const t = Template.fromStack(stack);
    const p = alarm(t, /^ObservabilityServiceServiceHealthyTasksLow/);
    expect(p).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      Period: 60,
      Threshold: 2,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 5,
      TreatMissingData: 'breaching',
    });
    expect(p.Dimensions.map((d: any) => d.Name).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
    expect(p.AlarmDescription).toContain('fewer than 2 healthy task(s)');
    // No paid metric anywhere, and the alarm feeds the platform health alarm.
    expect(JSON.stringify(t.toJSON())).not.toContain('ECS/ContainerInsights');
    expect(alarmIds(t).some((id) => /TasksBelowDesired|NoRunningTasks/.test(id))).toBe(false);
    expect(bundle.criticalAlarms.map((a) => a.node.id)).toContain('HealthyTasksLow');
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('Container Insights'));
  });

  test('without a load balancer: no running task from AWS/ECS CPUUtilization SampleCount, missing data breaching, critical', () => {
    const stack = testStack();
    const { svc } = service(stack, ecs.ContainerInsights.DISABLED, false);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitor(svc);
    const t = Template.fromStack(stack);
    const p = alarm(t, /^ObservabilityServiceServiceNoRunningTasks/);
    expect(p).toMatchObject({
      Namespace: 'AWS/ECS',
      MetricName: 'CPUUtilization',
      Statistic: 'SampleCount',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 5,
      TreatMissingData: 'breaching',
    });
    expect(p.Dimensions.map((d: any) => d.Name).sort()).toEqual(['ClusterName', 'ServiceName']);
    expect(JSON.stringify(t.toJSON())).not.toContain('ECS/ContainerInsights');
    expect(bundle.criticalAlarms.map((a) => a.node.id)).toEqual(['NoRunningTasks']);
  });

  test('runningTasksAlarm: false draws the free metric and creates no running-task alarm', () => {
    const stack = testStack();
    const { svc, targetGroup } = service(stack, undefined, true);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorFargateService(svc, { targetGroup, runningTasksAlarm: false });
    const t = Template.fromStack(stack);
    expect(alarmIds(t).some((id) => /HealthyTasksLow|NoRunningTasks|TasksBelowDesired/.test(id))).toBe(false);
    expect(JSON.stringify(t.findResources('AWS::CloudWatch::Dashboard'))).toContain('Healthy tasks (target group)');
  });

  test('minimumHealthyTasks must be a whole number from 1', () => {
    const stack = testStack();
    const { svc, targetGroup } = service(stack, undefined, true);
    const bundle = new ObservabilityBundle(stack, 'Observability');
    expect(() => bundle.monitorFargateService(svc, { targetGroup, minimumHealthyTasks: 0 })).toThrow(/minimumHealthyTasks/);
  });
});

describe('running-task alarm with Container Insights on', () => {
  for (const insights of [ecs.ContainerInsights.ENABLED, ecs.ContainerInsights.ENHANCED]) {
    test(`${insights}: running below desired from ECS/ContainerInsights, also behind a load balancer`, () => {
      const stack = testStack();
      const { svc, targetGroup } = service(stack, insights, true);
      const bundle = new ObservabilityBundle(stack, 'Observability');
      bundle.monitorFargateService(svc, { targetGroup });
      const t = Template.fromStack(stack);
      const p = alarm(t, /^ObservabilityServiceServiceTasksBelowDesired/);
      expect(p).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 5, TreatMissingData: 'breaching' });
      expect(p.Metrics.map((m: any) => m.MetricStat?.Metric.MetricName).filter(Boolean).sort()).toEqual(['DesiredTaskCount', 'RunningTaskCount']);
      expect(alarmIds(t).some((id) => /HealthyTasksLow|NoRunningTasks/.test(id))).toBe(false);
    });
  }
});
