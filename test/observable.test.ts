import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { IObservable, MonitoringTargets } from '../src';
import { ObservabilityBundle } from '../src/observability';
import { testCluster, testStack } from './helpers/stacks';

/** A user's own construct that is none of the library's: a worker service and its log group. */
class Worker extends Construct implements IObservable {
  public readonly service: ecs.FargateService;
  public readonly logGroup: logs.LogGroup;
  constructor(scope: Construct, id: string, cluster: ecs.ICluster) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs');
    const task = new ecs.FargateTaskDefinition(this, 'Task');
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1.36'), logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'w', logGroup: this.logGroup }) });
    this.service = new ecs.FargateService(this, 'Service', { cluster, taskDefinition: task, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
  }
  public monitoringTargets(): MonitoringTargets {
    return { services: [{ service: this.service, title: 'Nightly worker', logGroup: this.logGroup }] };
  }
}

describe('a construct of the user implementing IObservable', () => {
  test('monitor() watches what it lists, with its titles: the service row and its log group', () => {
    const stack = testStack();
    const worker = new Worker(stack, 'Worker', testCluster(stack));
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitor(worker);
    const t = Template.fromStack(stack);
    const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map(([id]) => id).filter((id) => id.startsWith('ObservabilityServiceWorkerService')).length).toBeGreaterThanOrEqual(3);
    t.resourceCountIs('AWS::Logs::MetricFilter', 1);
    for (const [, a] of alarms as any[]) expect(a.Properties.AlarmDescription).toContain('Nightly worker');
  });

  test('monitorScope() finds it, and watches its service once', () => {
    const stack = testStack();
    new Worker(stack, 'Worker', testCluster(stack));
    const bundle = new ObservabilityBundle(stack, 'Observability');
    bundle.monitorScope(stack);
    const t = Template.fromStack(stack);
    const ids = Object.keys(t.findResources('AWS::CloudWatch::Alarm'));
    const cpu = ids.filter((id) => id.includes('CpuHigh'));
    expect(cpu).toHaveLength(1);
    expect(cpu[0]).toMatch(/^ObservabilityServiceWorkerServiceCpuHigh/);
    // The row carries the construct's title, not the service's path.
    expect(JSON.stringify(t.findResources('AWS::CloudWatch::Dashboard'))).toContain('## Nightly worker');
  });
});
