import { Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { numberToken, propTable, stringToken } from './table';
import { HardenedFargateService, HardenedFargateServiceProps, Ingress } from '../../src';
import { testApp } from '../helpers/nag';
import { testCluster, testStack } from '../helpers/stacks';

type P = Omit<HardenedFargateServiceProps, 'cluster' | 'image'>;
const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');

function build(stack: Stack, p: Partial<P>): void {
  new HardenedFargateService(stack, 'Svc', { cluster: testCluster(stack), image, ingress: Ingress.loadBalancer(), ...p });
}

const E = "Test/Svc: invalid '";

propTable<P>('HardenedFargateService props', build, [
  {
    prop: 'minHealthyPercent/maxHealthyPercent',
    valid: () => ({ minHealthyPercent: 100, maxHealthyPercent: 150 }),
    invalid: () => ({ minHealthyPercent: 100, maxHealthyPercent: 100 }),
    message: `${E}maxHealthyPercent': minHealthyPercent 100 with maxHealthyPercent 100 leaves no room to start or stop a task, so a deployment never progresses. Raise maxHealthyPercent above 100 (e.g. 200), or lower minHealthyPercent below 100 (e.g. 50).`,
    token: (s) => ({ minHealthyPercent: numberToken(s, 'Min'), maxHealthyPercent: numberToken(s, 'Max') }),
  },
  {
    prop: 'maxHealthyPercent',
    valid: () => ({ maxHealthyPercent: 200 }),
    invalid: () => ({ maxHealthyPercent: 250 }),
    message: `${E}maxHealthyPercent': 250 is outside 100..200. Use a value from 100 to 200.`,
    token: (s) => ({ maxHealthyPercent: numberToken(s, 'Max') }),
  },
  {
    prop: 'minHealthyPercent',
    valid: () => ({ minHealthyPercent: 50 }),
    invalid: () => ({ minHealthyPercent: 50.5 }),
    message: `${E}minHealthyPercent': 50.5 is not a whole number. Use a whole number.`,
    token: (s) => ({ minHealthyPercent: numberToken(s, 'Min') }),
  },
  {
    prop: 'stopTimeout',
    valid: () => ({ stopTimeout: Duration.seconds(60) }),
    invalid: () => ({ stopTimeout: Duration.millis(30500) }),
    message: `${E}stopTimeout': 30 seconds 500 millis (30.5 seconds) is not a whole number of seconds. Use whole seconds, e.g. Duration.seconds(30).`,
    token: (s) => ({ stopTimeout: Duration.seconds(numberToken(s, 'Stop')) }),
  },
  {
    prop: 'scaleInCooldown',
    valid: () => ({ scaleInCooldown: Duration.minutes(10) }),
    invalid: () => ({ scaleInCooldown: Duration.hours(2) }),
    message: `${E}scaleInCooldown': 7200 seconds is outside 0..3600 seconds. Use 0 to 3600 seconds.`,
    token: (s) => ({ scaleInCooldown: Duration.seconds(numberToken(s, 'Cool')) }),
  },
  {
    prop: 'logRetention',
    valid: () => ({ logRetention: logs.RetentionDays.ONE_WEEK }),
    invalid: () => ({ logRetention: 17 as logs.RetentionDays }),
    message: `${E}logRetention': 17 days is not a retention CloudWatch Logs offers. Use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days (RetentionDays), e.g. 30.`,
    token: (s) => ({ logRetention: numberToken(s, 'Days') as logs.RetentionDays }),
  },
  {
    prop: 'serviceName',
    valid: () => ({ serviceName: 'api-v2' }),
    invalid: () => ({ serviceName: 'api v2' }),
    message: `${E}serviceName': 'api v2' is not an ECS service name (1-255 letters, digits, hyphens and underscores, starting with a letter). Use an ECS service name (1-255 letters, digits, hyphens and underscores, starting with a letter).`,
    token: (s) => ({ serviceName: stringToken(s, 'Name') }),
  },
  {
    prop: 'containerName',
    valid: () => ({ containerName: 'web' }),
    invalid: () => ({ containerName: 'web/app' }),
    message: `${E}containerName': 'web/app' is not a container name (1-255 letters, digits, hyphens and underscores). Use a container name (1-255 letters, digits, hyphens and underscores).`,
  },
  {
    prop: 'targetHealthCheck.interval',
    valid: () => ({ targetHealthCheck: { interval: Duration.seconds(10) } }),
    invalid: () => ({ targetHealthCheck: { interval: Duration.seconds(400) } }),
    message: `${E}targetHealthCheck.interval': 400 seconds is outside 5..300 seconds. Use 5 to 300 seconds.`,
    token: (s) => ({ targetHealthCheck: { interval: Duration.seconds(numberToken(s, 'Interval')) } }),
  },
  {
    prop: 'targetHealthCheck.timeout',
    valid: () => ({ targetHealthCheck: { interval: Duration.seconds(10), timeout: Duration.seconds(9) } }),
    invalid: () => ({ targetHealthCheck: { interval: Duration.seconds(10), timeout: Duration.seconds(10) } }),
    message: `${E}targetHealthCheck.timeout': the timeout (10 seconds) is not shorter than the interval (10 seconds). Use a timeout below 10 seconds, or a longer interval.`,
    token: (s) => ({ targetHealthCheck: { timeout: Duration.seconds(numberToken(s, 'Timeout')) } }),
  },
  {
    prop: 'targetHealthCheck.healthyThresholdCount',
    valid: () => ({ targetHealthCheck: { healthyThresholdCount: 3 } }),
    invalid: () => ({ targetHealthCheck: { healthyThresholdCount: 11 } }),
    message: `${E}targetHealthCheck.healthyThresholdCount': 11 is outside 2..10. Use a value from 2 to 10.`,
    token: (s) => ({ targetHealthCheck: { healthyThresholdCount: numberToken(s, 'Healthy') } }),
  },
  {
    prop: 'targetHealthCheck.path',
    valid: () => ({ targetHealthCheck: { path: '/health' } }),
    invalid: () => ({ targetHealthCheck: { path: 'health' } }),
    message: `${E}targetHealthCheck.path': 'health' is not an absolute HTTP path. Use a path that starts with '/' and has no spaces, query or fragment, e.g. '/health'.`,
    token: (s) => ({ targetHealthCheck: { path: stringToken(s, 'Path') } }),
  },
]);

test('a service name used twice in one cluster fails at synth naming both services', () => {
  const stack = testStack(testApp());
  const cluster = testCluster(stack);
  new HardenedFargateService(stack, 'A', { cluster, image, serviceName: 'api' });
  expect(() => new HardenedFargateService(stack, 'B', { cluster, image, serviceName: 'api' })).toThrow(
    "Test/B: invalid 'serviceName': 'api' is already the name of Test/A in the same cluster. Give each service in a cluster its own serviceName, or leave it unset for a generated one.");
});
