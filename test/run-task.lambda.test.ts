// Unit tests of the run-task custom-resource handler with a fake ECS client (a plain object) and a local HTTP server
// that captures the CloudFormation response.
import { randomUUID } from 'crypto';
import {
  Container,
  DescribeTasksCommandInput,
  ECSClient,
  RunTaskCommandInput,
  StopTaskCommandInput,
  Task,
} from '@aws-sdk/client-ecs';
import { CfnReceiver } from './helpers/local-http';
import { CustomResourceEvent } from '../src/core/custom-resource-response';
import { EcsApi, familyOf, handler, physicalIdOf, respond, run, RunTaskDeps, RunTaskProperties } from '../src/core/run-task.lambda';

const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/platform';
const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/openreplay-migrate:7';
const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/platform/0123456789abcdef';

/** One DescribeTasks answer of the scripted task lifecycle. */
type Step = Partial<Task>;

/** Fake ECS: RunTask starts a task whose DescribeTasks answers follow `steps` (the last one repeats). */
class FakeEcs implements EcsApi {
  readonly runInputs: RunTaskCommandInput[] = [];
  readonly describeInputs: DescribeTasksCommandInput[] = [];
  readonly stopInputs: StopTaskCommandInput[] = [];
  runFailures?: Array<{ arn?: string; reason?: string; detail?: string }>;
  describeErrors = 0;
  private index = 0;

  constructor(private readonly steps: Step[]) {}

  async runTask(input: RunTaskCommandInput) {
    this.runInputs.push(input);
    this.index = 0;
    if (this.runFailures) {
      return { tasks: [], failures: this.runFailures };
    }
    return { tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }], failures: [] };
  }

  async describeTasks(input: DescribeTasksCommandInput) {
    this.describeInputs.push(input);
    if (this.describeErrors > 0) {
      this.describeErrors--;
      throw new Error('Rate exceeded');
    }
    if (this.stopInputs.length > 0) {
      return { tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED', stoppedReason: 'Task stopped by user' }], failures: [] };
    }
    const step = this.steps[Math.min(this.index++, this.steps.length - 1)];
    return { tasks: [{ taskArn: TASK_ARN, ...step }], failures: [] };
  }

  async stopTask(input: StopTaskCommandInput) {
    this.stopInputs.push(input);
    return {};
  }
}

function stopped(container: Partial<Container>, extra: Partial<Task> = {}): Step {
  return { lastStatus: 'STOPPED', containers: [{ name: 'migrate', ...container }], ...extra };
}

const SUCCESS_STEPS: Step[] = [{ lastStatus: 'PENDING' }, { lastStatus: 'RUNNING' }, stopped({ exitCode: 0 }, { stoppedReason: 'Essential container in task exited' })];


let cfn: CfnReceiver;
const logs: Array<{ [key: string]: unknown }> = [];
const log = (entry: { [key: string]: unknown }) => { logs.push(entry); };

beforeEach(async () => {
  logs.length = 0;
  cfn = await new CfnReceiver('/cfn-response?sig=abc').start();
});

afterEach(async () => {
  await cfn.stop();
});

function event(props: Partial<RunTaskProperties> = {}, requestType: 'Create' | 'Update' | 'Delete' = 'Create',
  physicalId?: string): CustomResourceEvent<RunTaskProperties> {
  return {
    RequestType: requestType,
    ResponseURL: cfn.url,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/test/1',
    RequestId: randomUUID(),
    LogicalResourceId: 'Migrations',
    PhysicalResourceId: physicalId,
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
      Cluster: CLUSTER,
      TaskDefinition: TASK_DEF,
      Subnets: JSON.stringify(['subnet-a', 'subnet-b']),
      SecurityGroups: JSON.stringify(['sg-1']),
      ContainerName: 'migrate',
      Fingerprint: 'v1.27.14',
      ...props,
    },
  };
}

function deps(ecs: EcsApi, extra: Partial<RunTaskDeps> = {}): RunTaskDeps {
  return { ecs, pollIntervalMs: 5, log, ...extra };
}

const PHYSICAL_ID = 'run-task:platform/openreplay-migrate';

describe('helpers', () => {
  test('physical id is stable across task definition revisions', () => {
    expect(familyOf(TASK_DEF)).toBe('openreplay-migrate');
    expect(familyOf('migrate')).toBe('migrate');
    expect(physicalIdOf(CLUSTER, TASK_DEF)).toBe(PHYSICAL_ID);
    expect(physicalIdOf(CLUSTER, TASK_DEF.replace(':7', ':8'))).toBe(PHYSICAL_ID);
  });
});

describe('Create', () => {
  test('PENDING -> RUNNING -> STOPPED with exit code 0: SUCCESS with TaskArn and ExitCode', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    const e = event();
    await respond(e, deps(ecs));
    const response = cfn.only();
    expect(response).toMatchObject({
      method: 'PUT',
      path: '/cfn-response?sig=abc',
      Status: 'SUCCESS',
      PhysicalResourceId: PHYSICAL_ID,
      Data: { TaskArn: TASK_ARN, ExitCode: '0' },
      LogicalResourceId: 'Migrations',
      RequestId: e.RequestId,
    });
    expect(ecs.runInputs).toEqual([{
      cluster: CLUSTER,
      taskDefinition: TASK_DEF,
      count: 1,
      startedBy: 'cfn-run-task',
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
      clientToken: e.RequestId,
    }]);
    expect(ecs.describeInputs).toHaveLength(3);
    expect(ecs.describeInputs[0]).toEqual({ cluster: CLUSTER, tasks: [TASK_ARN] });
    expect(ecs.stopInputs).toHaveLength(0);
    expect(logs.filter((l) => l.msg === 'task status').map((l) => l.lastStatus)).toEqual(['PENDING', 'RUNNING', 'STOPPED']);
  });

  test('the command override and a capacity provider are passed to RunTask', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    await respond(event({ Command: JSON.stringify(['sh', '-c', 'psql -f /init.sql']), CapacityProvider: 'FARGATE_SPOT', SecurityGroups: '[]' }), deps(ecs));
    expect(cfn.only().Status).toBe('SUCCESS');
    const input = ecs.runInputs[0];
    expect(input.overrides).toEqual({ containerOverrides: [{ name: 'migrate', command: ['sh', '-c', 'psql -f /init.sql'] }] });
    expect(input.launchType).toBeUndefined();
    expect(input.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(input.networkConfiguration?.awsvpcConfiguration?.securityGroups).toBeUndefined();
  });

  test('CapacityProvider FARGATE means launch type FARGATE; no Command means no overrides', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    await run(event({ CapacityProvider: 'FARGATE', Command: '' }), deps(ecs));
    expect(ecs.runInputs[0].launchType).toBe('FARGATE');
    expect(ecs.runInputs[0].capacityProviderStrategy).toBeUndefined();
    expect(ecs.runInputs[0].overrides).toBeUndefined();
  });

  test('a non-zero exit code: FAILED with the exit code and the task ARN', async () => {
    const ecs = new FakeEcs([{ lastStatus: 'RUNNING' }, stopped({ exitCode: 3 }, { stoppedReason: 'Essential container in task exited', stopCode: 'EssentialContainerExited' })]);
    await respond(event(), deps(ecs));
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.PhysicalResourceId).toBe('Migrations-failed');
    expect(response.Reason).toContain("container 'migrate' exited with code 3");
    expect(response.Reason).toContain(TASK_ARN);
    expect(response.Reason).toContain('stopped reason: Essential container in task exited');
    expect(response.Data).toEqual({});
  });

  test('RunTask failures: FAILED at once with the reason, no polling', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    ecs.runFailures = [{ arn: CLUSTER, reason: 'RESOURCE:ENI', detail: 'no free IP addresses in subnet-a' }];
    await respond(event(), deps(ecs));
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('RESOURCE:ENI');
    expect(response.Reason).toContain('no free IP addresses in subnet-a');
    expect(ecs.describeInputs).toHaveLength(0);
  });

  test('a task stopped without an exit code (image pull failed): FAILED with the stop reason', async () => {
    const pull = 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found';
    const ecs = new FakeEcs([{ lastStatus: 'PENDING' }, stopped({ reason: pull }, { stoppedReason: pull, stopCode: 'TaskFailedToStart' })]);
    await respond(event(), deps(ecs));
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain("container 'migrate' has no exit code");
    expect(response.Reason).toContain('CannotPullContainerError');
    expect(response.Reason.split('CannotPullContainerError')).toHaveLength(2); // said once, not twice
    expect(response.Reason).toContain('stop code: TaskFailedToStart');
    expect(response.Reason).toContain(TASK_ARN);
  });

  test('the named container missing from the stopped task: FAILED naming the containers', async () => {
    const ecs = new FakeEcs([{ lastStatus: 'STOPPED', containers: [{ name: 'app', exitCode: 0 }] }]);
    await expect(run(event(), deps(ecs))).rejects.toThrow("the task has no container 'migrate' (containers: app)");
  });

  test('timeout: the task is stopped and the resource FAILED', async () => {
    const ecs = new FakeEcs([{ lastStatus: 'PENDING' }, { lastStatus: 'RUNNING' }]);
    const started = Date.now();
    await respond(event({ TimeoutSeconds: '0.3' }), deps(ecs, { pollIntervalMs: 20 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`task ${TASK_ARN} did not finish within 0.3 s`);
    expect(response.Reason).toContain('last status RUNNING');
    expect(ecs.stopInputs).toEqual([{ cluster: CLUSTER, task: TASK_ARN, reason: 'cfn-run-task: did not finish within 0.3 s' }]);
  });

  test('the Lambda time budget shortens the timeout and still stops the task before answering', async () => {
    const ecs = new FakeEcs([{ lastStatus: 'RUNNING' }]);
    const started = Date.now();
    await respond(event(), deps(ecs, { pollIntervalMs: 20 }), { getRemainingTimeInMillis: () => Math.max(0, 10_400 - (Date.now() - started)) });
    expect(Date.now() - started).toBeLessThan(3_000);
    const response = cfn.only();
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('limited by the remaining time of the Lambda function');
    expect(ecs.stopInputs).toHaveLength(1);
  });

  test('transient DescribeTasks errors are retried', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    ecs.describeErrors = 2;
    await respond(event(), deps(ecs));
    expect(cfn.only().Status).toBe('SUCCESS');
    expect(logs.filter((l) => l.msg === 'DescribeTasks failed; retrying')).toHaveLength(2);
  });

  test('persistent DescribeTasks errors: FAILED', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    ecs.describeErrors = 100;
    await respond(event(), deps(ecs));
    expect(cfn.only().Reason).toContain('DescribeTasks: Rate exceeded');
  });

  test.each([
    [{ Subnets: '[]' }, 'Subnets must name at least one subnet'],
    [{ Subnets: 'subnet-a' }, 'Subnets is not valid JSON'],
    [{ SecurityGroups: '["sg-1", 2]' }, 'SecurityGroups must be a JSON array of non-empty strings'],
    [{ ContainerName: '' }, 'ContainerName is required'],
    [{ TimeoutSeconds: '-1' }, 'TimeoutSeconds must be a positive number of seconds'],
    [{ Command: '{"a":1}' }, 'Command must be a JSON array'],
  ])('invalid properties %j: FAILED before RunTask', async (props, message) => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    await respond(event(props as Partial<RunTaskProperties>), deps(ecs));
    expect(cfn.only().Reason).toContain(message);
    expect(ecs.runInputs).toHaveLength(0);
  });
});

describe('Update', () => {
  test('runs the task again and keeps the physical id', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    await respond(event({ Fingerprint: 'v1.27.14' }), deps(ecs));
    await respond(event({ Fingerprint: 'v1.27.15', TaskDefinition: TASK_DEF.replace(':7', ':8') }, 'Update', PHYSICAL_ID), deps(ecs));
    expect(cfn.bodies.map((b) => [b.Status, b.PhysicalResourceId])).toEqual([['SUCCESS', PHYSICAL_ID], ['SUCCESS', PHYSICAL_ID]]);
    expect(ecs.runInputs.map((i) => i.taskDefinition)).toEqual([TASK_DEF, TASK_DEF.replace(':7', ':8')]);
  });
});

describe('Delete', () => {
  test('does nothing and answers SUCCESS with the same physical id', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    await respond(event({}, 'Delete', PHYSICAL_ID), deps(ecs));
    expect(cfn.only()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: PHYSICAL_ID, Data: {} });
    expect(ecs.runInputs).toHaveLength(0);
    expect(ecs.describeInputs).toHaveLength(0);
  });

  test('succeeds even with invalid properties (a failed Create is being rolled back)', async () => {
    const ecs = new FakeEcs(SUCCESS_STEPS);
    await respond(event({ Subnets: 'garbage' }, 'Delete', 'Migrations-failed'), deps(ecs));
    expect(cfn.only()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'Migrations-failed' });
  });
});

describe('handler', () => {
  test('uses the SDK client and PUTs the response to the pre-signed URL', async () => {
    // Stopped at the first look: the default 10 s poll interval never runs.
    const fake = new FakeEcs([stopped({ exitCode: 0 })]);
    const names: string[] = [];
    const send = jest.spyOn(ECSClient.prototype, 'send').mockImplementation(async (command: any) => {
      const name = command.constructor.name as string;
      names.push(name);
      if (name === 'RunTaskCommand') {
        return fake.runTask(command.input);
      }
      if (name === 'DescribeTasksCommand') {
        return fake.describeTasks(command.input);
      }
      return fake.stopTask(command.input);
    });
    const consoleLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await handler(event(), { getRemainingTimeInMillis: () => 900_000 });
    } finally {
      send.mockRestore();
      consoleLog.mockRestore();
    }
    expect(names).toEqual(['RunTaskCommand', 'DescribeTasksCommand']);
    expect(cfn.only()).toMatchObject({ method: 'PUT', Status: 'SUCCESS', PhysicalResourceId: PHYSICAL_ID, Data: { TaskArn: TASK_ARN, ExitCode: '0' } });
  });
});
