/* eslint-disable import/no-extraneous-dependencies */
// Custom-resource handler: runs a one-off ECS Fargate task (typically database migrations before the services start)
// and waits for it to stop. The resource succeeds only if the named container exits with code 0; otherwise the
// failure reason names the exit code, the stop reasons and the task ARN, so that an operator finds the task's logs.
// Create and Update run the task (a changed `Fingerprint` makes CloudFormation send an Update on version upgrades);
// Delete does nothing (migrations are not undone). Bundled by projen (esbuild) for the Node 22 Lambda runtime; the
// AWS SDK comes from the runtime.
import {
  DescribeTasksCommand,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ECSClient,
  RunTaskCommand,
  RunTaskCommandInput,
  RunTaskCommandOutput,
  StopTaskCommand,
  StopTaskCommandInput,
  Task,
} from '@aws-sdk/client-ecs';
import { CustomResourceEvent, defaultLog, LambdaContextLike, Log, respondWithin } from './custom-resource-response';
import { errorMessage, formatSeconds, nonEmptyString, seconds, sleep, throwIfAborted } from './handler-kit';
import { commandProblem } from './validation-rules';

/** What the custom resource passes in ResourceProperties (CloudFormation passes every value as a string). */
export interface RunTaskProperties {
  /** ARN (or name) of the ECS cluster. */
  readonly Cluster: string;
  /** ARN of the task definition (`family:revision` or a family name work too). */
  readonly TaskDefinition: string;
  /** JSON array of subnet ids (private subnets: the task gets no public IP). */
  readonly Subnets: string;
  /** JSON array of security group ids; may be `[]`. */
  readonly SecurityGroups: string;
  /** The container whose exit code decides success. */
  readonly ContainerName: string;
  /** JSON array overriding the container's command; absent or empty string: the image's command. */
  readonly Command?: string;
  /** How long the task may run, in seconds (default 840). */
  readonly TimeoutSeconds?: string;
  /** Any string; a new value makes CloudFormation send an Update, which runs the task again. */
  readonly Fingerprint?: string;
  /** `FARGATE` (default: launch type FARGATE) or another capacity provider such as `FARGATE_SPOT`. */
  readonly CapacityProvider?: string;
}

/** The ECS calls the handler makes (the SDK client in Lambda, a plain object in tests). */
export interface EcsApi {
  runTask(input: RunTaskCommandInput): Promise<Pick<RunTaskCommandOutput, 'tasks' | 'failures'>>;
  describeTasks(input: DescribeTasksCommandInput): Promise<Pick<DescribeTasksCommandOutput, 'tasks' | 'failures'>>;
  stopTask(input: StopTaskCommandInput): Promise<unknown>;
}

/** Injected dependencies of {@link run}. */
export interface RunTaskDeps {
  readonly ecs: EcsApi;
  /** Pause between two DescribeTasks calls (default 10000 ms). */
  readonly pollIntervalMs?: number;
  /** Remaining time of the Lambda invocation; the task is stopped early enough to still answer CloudFormation. */
  readonly remainingTimeMs?: () => number;
  /** Defaults to one JSON line on stdout. */
  readonly log?: Log;
  /** Stops the run (its reason becomes the error). */
  readonly signal?: AbortSignal;
}

/** Outcome of one run. */
export interface RunTaskResult {
  readonly physicalId: string;
  readonly data: { [key: string]: string };
}

/** Parsed and checked properties. */
interface TaskSpec {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  readonly containerName: string;
  readonly command?: string[];
  readonly timeoutMs: number;
  readonly capacityProvider?: string;
}

/** Time kept back from the Lambda budget for StopTask and the response upload. */
const STOP_MARGIN_MS = 10_000;
/** DescribeTasks errors in a row that are tolerated (throttling, eventual consistency right after RunTask). */
const MAX_DESCRIBE_ERRORS = 5;

function stringArray(name: string, value: string | undefined, required: boolean): string[] | undefined {
  if (value === undefined || value.trim() === '') {
    if (required) {
      throw new Error(`${name} is required (a JSON array of strings)`);
    }
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${name} is not valid JSON`);
  }
  if (!Array.isArray(parsed) || (parsed.length > 0 && commandProblem(parsed) !== undefined)) {
    throw new Error(`${name} must be a JSON array of non-empty strings`);
  }
  return parsed as string[];
}

/** Checks the properties. */
export function parseProperties(props: RunTaskProperties): TaskSpec {
  for (const name of ['Cluster', 'TaskDefinition', 'ContainerName'] as const) {
    if (!nonEmptyString(props[name])) {
      throw new Error(`${name} is required`);
    }
  }
  const subnets = stringArray('Subnets', props.Subnets, true)!;
  if (subnets.length === 0) {
    throw new Error('Subnets must name at least one subnet');
  }
  const capacityProvider = nonEmptyString(props.CapacityProvider) ? props.CapacityProvider.trim() : undefined;
  return {
    cluster: props.Cluster.trim(),
    taskDefinition: props.TaskDefinition.trim(),
    subnets,
    securityGroups: stringArray('SecurityGroups', props.SecurityGroups, false) ?? [],
    containerName: props.ContainerName.trim(),
    command: stringArray('Command', props.Command, false),
    timeoutMs: seconds('TimeoutSeconds', props.TimeoutSeconds, 840) * 1000,
    capacityProvider: capacityProvider === 'FARGATE' ? undefined : capacityProvider,
  };
}

/** The last path segment of an ARN or name (`arn:...:cluster/name` → `name`). */
function lastSegment(value: string): string {
  const parts = value.split('/');
  return parts[parts.length - 1];
}

/** The task definition family (`arn:...:task-definition/migrate:7` → `migrate`). */
export function familyOf(taskDefinition: string): string {
  return lastSegment(taskDefinition).replace(/:\d+$/, '');
}

/** The stable physical id: one per cluster and task definition family, so revisions do not replace the resource. */
export function physicalIdOf(cluster: string, taskDefinition: string): string {
  return `run-task:${lastSegment(cluster)}/${familyOf(taskDefinition)}`;
}

/** The RunTask request. */
export function runTaskInput(spec: TaskSpec, clientToken?: string): RunTaskCommandInput {
  return {
    cluster: spec.cluster,
    taskDefinition: spec.taskDefinition,
    count: 1,
    startedBy: 'cfn-run-task',
    ...(spec.capacityProvider
      ? { capacityProviderStrategy: [{ capacityProvider: spec.capacityProvider, weight: 1 }] }
      : { launchType: 'FARGATE' }),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: spec.subnets,
        securityGroups: spec.securityGroups.length > 0 ? spec.securityGroups : undefined,
        assignPublicIp: 'DISABLED',
      },
    },
    ...(spec.command ? { overrides: { containerOverrides: [{ name: spec.containerName, command: spec.command }] } } : {}),
    // The same CloudFormation request (a retried invocation) never starts a second task.
    ...(clientToken ? { clientToken: clientToken.slice(0, 64) } : {}),
  };
}

/** Why a stopped task failed: exit code, stop code and reasons, without repeating the same text twice. */
export function failureReason(task: Task, containerName: string): string {
  const container = task.containers?.find((c) => c.name === containerName);
  const parts: string[] = [];
  if (!container) {
    const names = (task.containers ?? []).map((c) => c.name).filter(nonEmptyString);
    parts.push(`the task has no container '${containerName}' (containers: ${names.length > 0 ? names.join(', ') : 'none'})`);
  } else if (typeof container.exitCode === 'number') {
    parts.push(`container '${containerName}' exited with code ${container.exitCode}`);
  } else {
    parts.push(`container '${containerName}' has no exit code (it did not run to completion)`);
  }
  const seen = new Set<string>();
  const add = (label: string, text: string | undefined) => {
    if (nonEmptyString(text) && !seen.has(text.trim())) {
      seen.add(text.trim());
      parts.push(`${label}: ${text.trim()}`);
    }
  };
  add('container reason', container?.reason);
  add('stopped reason', task.stoppedReason);
  add('stop code', task.stopCode);
  return parts.join('; ');
}

/** Starts the task; throws at once on RunTask failures. */
async function startTask(ecs: EcsApi, spec: TaskSpec, clientToken: string | undefined): Promise<string> {
  const out = await ecs.runTask(runTaskInput(spec, clientToken));
  const failures = out.failures ?? [];
  if (failures.length > 0) {
    const text = failures.map((f) => [f.reason, f.detail, f.arn].filter(nonEmptyString).join(' - ')).join('; ');
    throw new Error(`RunTask of ${spec.taskDefinition} failed: ${text || 'unknown reason'}`);
  }
  const arn = out.tasks?.[0]?.taskArn;
  if (!nonEmptyString(arn)) {
    throw new Error(`RunTask of ${spec.taskDefinition} returned no task`);
  }
  return arn;
}

/** Stops the task (best effort: a failure is logged, the original error stays the reason). */
async function stopTask(ecs: EcsApi, cluster: string, taskArn: string, reason: string, log: Log): Promise<void> {
  try {
    await ecs.stopTask({ cluster, task: taskArn, reason: reason.slice(0, 255) });
    log({ level: 'warn', msg: 'task stopped', taskArn, reason });
  } catch (e) {
    log({ level: 'error', msg: 'StopTask failed', taskArn, error: errorMessage(e) });
  }
}

/** Polls DescribeTasks until the task is STOPPED or the deadline passes (then stops it and throws). */
async function waitForStop(deps: RunTaskDeps, spec: TaskSpec, taskArn: string, deadline: number, limitedByLambda: boolean,
  log: Log): Promise<Task> {
  const interval = deps.pollIntervalMs ?? 10_000;
  const started = Date.now();
  let lastStatus: string | undefined;
  let errors = 0;
  for (;;) {
    throwIfAborted(deps.signal);
    let out: Pick<DescribeTasksCommandOutput, 'tasks' | 'failures'> | undefined;
    try {
      out = await deps.ecs.describeTasks({ cluster: spec.cluster, tasks: [taskArn] });
    } catch (e) {
      throwIfAborted(deps.signal);
      if (++errors >= MAX_DESCRIBE_ERRORS) {
        throw new Error(`watching task ${taskArn} failed: DescribeTasks: ${errorMessage(e)}`);
      }
      log({ level: 'warn', msg: 'DescribeTasks failed; retrying', taskArn, error: errorMessage(e) });
    }
    if (out) {
      const task = out.tasks?.find((t) => t.taskArn === taskArn) ?? out.tasks?.[0];
      if (task) {
        errors = 0;
        if (task.lastStatus !== lastStatus) {
          lastStatus = task.lastStatus;
          log({ level: 'info', msg: 'task status', taskArn, lastStatus, elapsedMs: Date.now() - started });
        }
        if (task.lastStatus === 'STOPPED') {
          return task;
        }
      } else if (++errors >= MAX_DESCRIBE_ERRORS) {
        // Right after RunTask, DescribeTasks may not know the task yet (MISSING): tolerated a few times.
        const failure = out.failures?.map((f) => f.reason).filter(nonEmptyString).join(', ') || 'task not found';
        throw new Error(`watching task ${taskArn} failed: DescribeTasks did not find it (${failure})`);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const limit = formatSeconds(deadline - started);
      const why = limitedByLambda ? ' (limited by the remaining time of the Lambda function)' : '';
      const message = `task ${taskArn} did not finish within ${limit}${why}; last status ${lastStatus ?? 'unknown'}`;
      await stopTask(deps.ecs, spec.cluster, taskArn, `cfn-run-task: did not finish within ${limit}`, log);
      throw new Error(`${message}; it was stopped`);
    }
    await sleep(Math.min(interval, left), deps.signal);
  }
}

/** The handler's work, with the ECS client injected (tests pass a fake). */
export async function run(event: CustomResourceEvent<RunTaskProperties>, deps: RunTaskDeps): Promise<RunTaskResult> {
  const props = event.ResourceProperties;
  const log = deps.log ?? defaultLog;
  if (event.RequestType === 'Delete') {
    // Migrations are not undone.
    return { physicalId: event.PhysicalResourceId ?? physicalIdOf(String(props.Cluster ?? ''), String(props.TaskDefinition ?? '')), data: {} };
  }
  const spec = parseProperties(props);
  const physicalId = physicalIdOf(spec.cluster, spec.taskDefinition);
  const started = Date.now();
  let deadline = started + spec.timeoutMs;
  let limitedByLambda = false;
  if (deps.remainingTimeMs) {
    const lambdaDeadline = started + deps.remainingTimeMs() - STOP_MARGIN_MS;
    if (lambdaDeadline < deadline) {
      deadline = lambdaDeadline;
      limitedByLambda = true;
    }
  }
  const taskArn = await startTask(deps.ecs, spec, event.RequestId);
  log({
    level: 'info',
    msg: 'task started',
    requestType: event.RequestType,
    taskArn,
    taskDefinition: spec.taskDefinition,
    container: spec.containerName,
    fingerprint: props.Fingerprint,
  });
  const task = await waitForStop(deps, spec, taskArn, deadline, limitedByLambda, log);
  const container = task.containers?.find((c) => c.name === spec.containerName);
  if (container?.exitCode !== 0) {
    throw new Error(`task ${taskArn} failed: ${failureReason(task, spec.containerName)} `
      + `(see the logs of task ${lastSegment(taskArn)} of ${spec.taskDefinition})`);
  }
  log({ level: 'info', msg: 'task succeeded', taskArn, exitCode: 0, elapsedMs: Date.now() - started });
  return { physicalId, data: { TaskArn: taskArn, ExitCode: '0' } };
}

/** Runs {@link run} and reports the outcome to CloudFormation (FAILED before the function times out). */
export async function respond(
  event: CustomResourceEvent<RunTaskProperties>, deps: RunTaskDeps, context?: LambdaContextLike,
): Promise<void> {
  await respondWithin(event, 'run task', 'the function ran out of time while the task was running: '
    + 'give the Lambda function a longer timeout than TimeoutSeconds', deps, context,
  (signal, remainingTimeMs) => run(event, { ...deps, remainingTimeMs, signal }));
}

/** Wraps the SDK client into {@link EcsApi}. */
export function sdkEcsApi(client: ECSClient): EcsApi {
  return {
    runTask: (input) => client.send(new RunTaskCommand(input)),
    describeTasks: (input) => client.send(new DescribeTasksCommand(input)),
    stopTask: (input) => client.send(new StopTaskCommand(input)),
  };
}

/** Lambda entry point. */
export async function handler(event: CustomResourceEvent<RunTaskProperties>, context?: LambdaContextLike): Promise<void> {
  await respond(event, { ecs: sdkEcsApi(new ECSClient({})) }, context);
}
