import { Annotations, ArnFormat, Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HardenedFargateServiceProps } from './fargate-service-props';
import { IngressBinding } from './ingress';
import { acknowledgeAwsSolutions, acknowledgeCompliance, acknowledgeInlineGrants, acknowledgeUnscopableActions, acknowledgeWildcardResources } from './nag';
import { MonitoringTargets, IObservable } from './observable';
import { serviceTargets } from './observable-util';
import { addScratchVolumes } from './scratch-volumes';
import {
  checkDuration, checkEcsServiceName, checkHealthCheckTiming, checkHealthyPercents, checkHttpPath, checkInteger, checkLogRetentionDays,
  checkOrdered, checkPattern, checkRange, checkWholeDuration, propError,
} from './validation';

/** Task CPU units and the memory (MiB) Fargate accepts with them: from `min` to `max` in steps of `step`. */
const FARGATE_SIZES: { [cpu: number]: { min: number; max: number; step: number } } = {
  256: { min: 512, max: 2048, step: 512 }, // 1536 excepted, see below
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** The memory sizes Fargate accepts with `cpu` units, or undefined for an unknown CPU size. */
function fargateMemoryOptions(cpu: number): number[] | undefined {
  const size = FARGATE_SIZES[cpu];
  if (!size) return undefined;
  const out: number[] = [];
  for (let m = size.min; m <= size.max; m += size.step) {
    if (!(cpu === 256 && m === 1536)) out.push(m);
  }
  return out;
}

/** Throws a clear error unless `cpu`/`memory` is a combination Fargate accepts. */
/** Service names used per app and cluster ARN, to catch a duplicate at synth time. */
const serviceNames = new WeakMap<object, Map<string, string>>();

function checkFargateSize(construct: string, cpu: number, memory: number): void {
  if (Token.isUnresolved(cpu) || Token.isUnresolved(memory)) return;
  const options = fargateMemoryOptions(cpu);
  if (!options) {
    propError(construct, 'cpu', `${cpu} is not a Fargate CPU size`,
      `Use one of ${Object.keys(FARGATE_SIZES).join(', ')}.`);
  }
  if (!options.includes(memory)) {
    const size = FARGATE_SIZES[cpu];
    const suggestion = Object.keys(FARGATE_SIZES).find((c) => fargateMemoryOptions(Number(c))!.includes(memory));
    propError(construct, 'memoryLimitMiB', `Fargate does not run ${cpu} CPU units with ${memory} MiB`,
      `With cpu ${cpu}, use memoryLimitMiB ${cpu === 256 ? '512, 1024 or 2048' : `from ${size.min} to ${size.max} in steps of ${size.step}`}`
      + (suggestion ? `; for ${memory} MiB, use cpu ${suggestion}.` : '.'));
  }
}

/**
 * The Fargate service every construct of this library runs on, hardened by default: ARM64 tasks in private subnets,
 * reachable only from their load balancer; logs with a retention period; secrets only through ECS secrets; a
 * deployment circuit breaker with rollback; zero-downtime rolling deployments (100% / 200%); autoscaling on CPU and
 * memory that keeps its task count across deployments; an init process and a graceful stop timeout.
 */
export class HardenedFargateService extends Construct implements IObservable {
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The main container. */
  public readonly container: ecs.ContainerDefinition;
  /** The log group of every container of the task. */
  public readonly logGroup: logs.LogGroup;
  /** Autoscaling of the task count. */
  public readonly scaling: ecs.ScalableTaskCount;
  /** Network connections of the tasks (allow more peers with `connections.allowFrom`). */
  public readonly connections: ec2.Connections;
  /** The port the main container listens on. */
  public readonly containerPort: number;
  /** The target group in front of the tasks, when the service has an ingress. */
  public readonly targetGroup?: elbv2.ApplicationTargetGroup;
  /** The load balancer created for this service, when its ingress created one. */
  public readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  /** The listener that forwards to the service, when it has an ingress. */
  public readonly listener?: elbv2.IApplicationListener;
  /** Base URL of the service, when it is known at synth time (e.g. `https://api.example.com`). */
  public readonly url?: string;

  constructor(scope: Construct, id: string, props: HardenedFargateServiceProps) {
    super(scope, id);
    const where = this.node.path;
    const cpu = props.cpu ?? 256;
    const memory = props.memoryLimitMiB ?? 512;
    const port = props.containerPort ?? 8080;
    const stopTimeout = props.stopTimeout ?? Duration.seconds(30);
    const deregistrationDelay = props.deregistrationDelay ?? Duration.seconds(20);
    const minCapacity = props.minCapacity ?? 1;
    const maxCapacity = props.maxCapacity ?? 10;
    const containerName = props.containerName ?? 'app';

    // Synth-time checks: each names the prop and the fix.
    checkFargateSize(where, cpu, memory);
    checkInteger(where, 'containerPort', port);
    checkRange(where, 'containerPort', port, 1, 65535);
    checkDuration(where, 'stopTimeout', stopTimeout, Duration.seconds(2), Duration.seconds(120));
    checkDuration(where, 'deregistrationDelay', deregistrationDelay, Duration.seconds(0), Duration.seconds(3600));
    checkDuration(where, 'healthCheckGracePeriod', props.healthCheckGracePeriod, Duration.seconds(0), Duration.seconds(2147483647));
    if (!stopTimeout.isUnresolved() && !deregistrationDelay.isUnresolved()
      && deregistrationDelay.toSeconds({ integral: false }) >= stopTimeout.toSeconds({ integral: false })) {
      propError(where, 'deregistrationDelay', `${deregistrationDelay.toHumanString()} is not shorter than stopTimeout (${stopTimeout.toHumanString()})`,
        'Make deregistrationDelay shorter than stopTimeout, so that in-flight requests drain before the container is killed.');
    }
    for (const [prop, value] of [['minCapacity', minCapacity], ['maxCapacity', maxCapacity]] as const) {
      checkInteger(where, prop, value);
      checkRange(where, prop, value, prop === 'minCapacity' ? 0 : 1, 1000);
    }
    checkOrdered(where, 'minCapacity', minCapacity, 'maxCapacity', maxCapacity);
    checkRange(where, 'cpuTargetUtilizationPercent', props.cpuTargetUtilizationPercent, 10, 95);
    checkRange(where, 'memoryTargetUtilizationPercent', props.memoryTargetUtilizationPercent, 10, 95);
    checkHealthyPercents(where, 'minHealthyPercent', props.minHealthyPercent ?? 100, 'maxHealthyPercent', props.maxHealthyPercent ?? 200);
    for (const [prop, value] of [['stopTimeout', stopTimeout], ['deregistrationDelay', deregistrationDelay],
      ['healthCheckGracePeriod', props.healthCheckGracePeriod], ['scaleInCooldown', props.scaleInCooldown],
      ['scaleOutCooldown', props.scaleOutCooldown]] as const) {
      checkWholeDuration(where, prop, value, 'seconds');
    }
    checkWholeDuration(where, 'scaleInCooldown', props.scaleInCooldown, 'seconds', 0, 3600);
    checkWholeDuration(where, 'scaleOutCooldown', props.scaleOutCooldown, 'seconds', 0, 3600);
    if (props.logRetention !== logs.RetentionDays.INFINITE) {
      checkLogRetentionDays(where, 'logRetention', props.logRetention);
    }
    checkEcsServiceName(where, 'serviceName', props.serviceName);
    checkPattern(where, 'containerName', props.containerName, /^[A-Za-z0-9_-]{1,255}$/, 'a container name (1-255 letters, digits, hyphens and underscores)');
    checkInteger(where, 'fargateSpotWeight', props.fargateSpotWeight);
    checkInteger(where, 'fargateBase', props.fargateBase);
    checkInteger(where, 'requestsPerTarget', props.requestsPerTarget);
    const check = props.targetHealthCheck;
    if (check) {
      const hc = check;
      // This construct's defaults (15 s, 5 s) stand in for the one not given: the timeout must stay below the interval.
      checkHealthCheckTiming(where, 'targetHealthCheck.', hc.interval ?? Duration.seconds(15), hc.timeout ?? Duration.seconds(5));
      for (const [prop, value] of [['targetHealthCheck.healthyThresholdCount', hc.healthyThresholdCount],
        ['targetHealthCheck.unhealthyThresholdCount', hc.unhealthyThresholdCount]] as const) {
        checkInteger(where, prop, value);
        checkRange(where, prop, value, 2, 10);
      }
      if (hc.healthyHttpCodes !== undefined && !Token.isUnresolved(hc.healthyHttpCodes) && !/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(hc.healthyHttpCodes)) {
        propError(where, 'targetHealthCheck.healthyHttpCodes', `'${hc.healthyHttpCodes}' is not a list of HTTP codes`, 'Use codes and ranges such as \'200\' or \'200-299,302\'.');
      }
    }
    if (props.serviceName !== undefined && !Token.isUnresolved(props.serviceName)) {
      const clusterKey = props.cluster.clusterArn;
      const names = serviceNames.get(this.node.root) ?? new Map<string, string>();
      serviceNames.set(this.node.root, names);
      const other = names.get(`${clusterKey}/${props.serviceName}`);
      if (other !== undefined) {
        propError(where, 'serviceName', `'${props.serviceName}' is already the name of ${other} in the same cluster`,
          'Give each service in a cluster its own serviceName, or leave it unset for a generated one.');
      }
      names.set(`${clusterKey}/${props.serviceName}`, where);
    }
    checkRange(where, 'fargateSpotWeight', props.fargateSpotWeight, 0, 1000);
    checkRange(where, 'fargateBase', props.fargateBase, 0, 100000);
    if (props.requestsPerTarget !== undefined) {
      checkRange(where, 'requestsPerTarget', props.requestsPerTarget, 1, 1_000_000);
      if (!props.ingress) {
        propError(where, 'requestsPerTarget', 'request-count scaling needs a load balancer', 'Set ingress, or remove requestsPerTarget.');
      }
    }
    checkHttpPath(where, 'targetHealthCheck.path', props.targetHealthCheck?.path);
    if (props.environment) {
      for (const key of Object.keys(props.environment)) {
        if (props.secrets && key in props.secrets) {
          propError(where, 'environment', `'${key}' is set both as a plain variable and as a secret`, `Remove '${key}' from environment.`);
        }
      }
    }
    const sidecarNames = new Set<string>([containerName]);
    for (const sidecar of props.sidecars ?? []) {
      if (!sidecar.containerName) {
        propError(where, 'sidecars', 'a sidecar has no containerName', 'Give every sidecar a unique containerName.');
      }
      if (sidecarNames.has(sidecar.containerName)) {
        propError(where, 'sidecars', `container name '${sidecar.containerName}' is used twice`, 'Give every container a unique containerName.');
      }
      sidecarNames.add(sidecar.containerName);
    }

    this.containerPort = port;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.logEncryptionKey) {
      props.logEncryptionKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Stack.of(this).region}.amazonaws.com`));
    } else {
      acknowledgeCompliance(this.logGroup, ['CloudWatchLogGroupEncrypted'],
        'CloudWatch Logs encrypts log data at rest with service keys; a customer-managed key is opt-in (logEncryptionKey).');
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu,
      memoryLimitMiB: memory,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: props.taskRole,
    });

    const logDriver = (prefix: string) => ecs.LogDrivers.awsLogs({
      logGroup: this.logGroup,
      streamPrefix: prefix,
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    });

    this.container = this.taskDefinition.addContainer(containerName, {
      containerName,
      image: props.image,
      command: props.command,
      environment: props.environment,
      secrets: props.secrets,
      healthCheck: props.containerHealthCheck,
      stopTimeout,
      readonlyRootFilesystem: props.readonlyRootFilesystem ?? !(props.enableExecuteCommand ?? false),
      user: props.user,
      essential: true,
      logging: logDriver(containerName),
      linuxParameters: new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true }),
      portMappings: [{ containerPort: port, protocol: ecs.Protocol.TCP, name: 'http', appProtocol: ecs.AppProtocol.http }],
    });
    this.addWritablePaths(props.writablePaths ?? [], props.image, props.user, logDriver('writable-paths-init'));
    for (const sidecar of props.sidecars ?? []) {
      this.taskDefinition.addContainer(sidecar.containerName!, {
        logging: logDriver(sidecar.containerName!),
        readonlyRootFilesystem: true,
        ...sidecar,
      });
    }
    if (props.openTelemetry) {
      this.addOpenTelemetryCollector(containerName, props.openTelemetryCollectorImage, logDriver('otel-collector'));
    }
    if ((props.environment && Object.keys(props.environment).length > 0) || props.openTelemetry) {
      acknowledgeAwsSolutions(this.taskDefinition, ['ECS2'],
        'Plain environment variables hold only non-secret configuration; secrets are injected as ECS secrets from Secrets Manager or SSM.');
    }

    const spotWeight = props.fargateSpotWeight ?? 0;
    if (spotWeight > 0 && props.cluster instanceof ecs.Cluster) {
      props.cluster.enableFargateCapacityProviders();
    }
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      serviceName: props.serviceName,
      // No desiredCount: CloudFormation starts a new service with 1 task and afterwards leaves the count to autoscaling,
      // so a deployment never resets a scaled-out service.
      minHealthyPercent: props.minHealthyPercent ?? 100,
      maxHealthyPercent: props.maxHealthyPercent ?? 200,
      circuitBreaker: { enable: true, rollback: props.rollbackOnFailure ?? true },
      deploymentAlarms: props.deploymentAlarms && props.deploymentAlarms.length > 0
        ? { alarmNames: props.deploymentAlarms.map((a) => a.alarmName), behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM }
        : undefined,
      capacityProviderStrategies: spotWeight > 0
        ? [
          { capacityProvider: 'FARGATE', weight: 1, base: props.fargateBase ?? 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: spotWeight },
        ]
        : undefined,
      enableExecuteCommand: props.enableExecuteCommand ?? false,
      cloudMapOptions: props.cloudMapOptions,
      serviceConnectConfiguration: props.serviceConnect,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: props.securityGroups,
      assignPublicIp: false,
      healthCheckGracePeriod: props.ingress ? props.healthCheckGracePeriod ?? Duration.seconds(60) : undefined,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
    });
    this.connections = this.service.connections;
    for (const peer of props.allowIngressFrom ?? []) {
      this.connections.allowFrom(peer, ec2.Port.tcp(port), `to ${containerName}`);
    }

    if (props.ingress) {
      const given = props.targetHealthCheck ?? {};
      // aws-cdk-lib compares interval and timeout in milliseconds, which fails for tokens: give it the defaults and set
      // the token values on the CloudFormation resource below.
      const tokenTiming = given.interval?.isUnresolved() === true || given.timeout?.isUnresolved() === true;
      const hc = tokenTiming ? { ...given, interval: undefined, timeout: undefined } : given;
      this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
        vpc: props.cluster.vpc,
        port,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        deregistrationDelay,
        healthCheck: {
          path: '/health',
          healthyHttpCodes: '200',
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 3,
          ...Object.fromEntries(Object.entries(hc).filter(([, v]) => v !== undefined)),
        },
      });
      if (tokenTiming) {
        const cfn = this.targetGroup.node.defaultChild as elbv2.CfnTargetGroup;
        if (given.interval) cfn.healthCheckIntervalSeconds = given.interval.toSeconds();
        if (given.timeout) cfn.healthCheckTimeoutSeconds = given.timeout.toSeconds();
      }
      this.targetGroup.addTarget(this.service.loadBalancerTarget({ containerName, containerPort: port }));
      const binding: IngressBinding = props.ingress.bind(this, { vpc: props.cluster.vpc, targetGroup: this.targetGroup });
      this.loadBalancer = binding.loadBalancer;
      this.listener = binding.listener;
      this.url = binding.url;
    }

    this.scaling = this.service.autoScaleTaskCount({ minCapacity, maxCapacity });
    const cooldowns = {
      scaleInCooldown: props.scaleInCooldown ?? Duration.minutes(5),
      scaleOutCooldown: props.scaleOutCooldown ?? Duration.minutes(1),
    };
    this.scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.cpuTargetUtilizationPercent ?? 70, ...cooldowns });
    this.scaling.scaleOnMemoryUtilization('Memory', { targetUtilizationPercent: props.memoryTargetUtilizationPercent ?? 80, ...cooldowns });
    if (props.requestsPerTarget !== undefined && this.targetGroup) {
      this.scaling.scaleOnRequestCount('Requests', { requestsPerTarget: props.requestsPerTarget, targetGroup: this.targetGroup, ...cooldowns });
    }

    // CDK writes grants as inline policies on the roles it creates; each statement is scoped to the exact resources. Both
    // acknowledgements are decided at synthesis from the policies as written, so a wildcard IAM can scope stays a finding.
    for (const role of [this.taskDefinition.executionRole, this.taskDefinition.taskRole]) {
      if (!role) continue;
      acknowledgeInlineGrants(role, 'CDK grants land in the role\'s inline default policy, scoped to the exact log group, secrets and image repository.');
      acknowledgeUnscopableActions(role);
    }
    if (props.enableExecuteCommand && this.taskDefinition.taskRole) {
      const sessionLog = ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'];
      acknowledgeWildcardResources(this.taskDefinition.taskRole, (resource, actions) =>
        (/:log-group:[^*]+:\*$/.test(resource) && actions.every((a) => sessionLog.includes(a))
          ? 'ECS Exec writes each session to a stream of the cluster\'s session log group, with stream names it chooses.' : undefined));
    }
  }

  /**
   * One empty task volume per path, mounted read-write into the main container. Fargate creates each owned by root with
   * mode 0755; for a `user`, a root init container of the same image gives them to that user first (addScratchVolumes).
   */
  private addWritablePaths(paths: string[], image: ecs.ContainerImage, user: string | undefined, logging: ecs.LogDriver): void {
    if (paths.length === 0) return;
    const where = this.node.path;
    const seen = new Set<string>();
    const volumes = paths.map((path, i) => {
      if (!Token.isUnresolved(path) && !/^\/[A-Za-z0-9._\-/]*$/.test(path)) {
        propError(where, 'writablePaths', `'${path}' is not an absolute path of letters, digits, '.', '_', '-' and '/'`, 'Give absolute paths, e.g. /tmp.');
      }
      if (seen.has(path)) propError(where, 'writablePaths', `'${path}' is listed twice`, 'List each path once.');
      seen.add(path);
      return { volume: `writable-${i}`, path };
    });
    if (user === undefined) {
      // Root-owned volumes, writable by an image that runs as root: nothing to hand over.
      for (const v of volumes) {
        this.taskDefinition.addVolume({ name: v.volume });
        this.container.addMountPoints({ containerPath: v.path, sourceVolume: v.volume, readOnly: false });
      }
      return;
    }
    if (!Token.isUnresolved(user) && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(user)) {
      propError(where, 'user', `'${user}' is not a user, uid, or user:group`, 'Use e.g. 1000, 1000:1000 or node.');
    }
    addScratchVolumes(this.taskDefinition, this.container, {
      initName: 'writable-paths-init', image, owner: user, paths: volumes, logging, memoryReservationMiB: 32,
    });
  }

  /** The ADOT collector sidecar: OTLP in on localhost, X-Ray traces and EMF metrics out. */
  private addOpenTelemetryCollector(serviceName: string, image: string | undefined, logging: ecs.LogDriver): void {
    const stack = Stack.of(this);
    const collector = this.taskDefinition.addContainer('otel-collector', {
      containerName: 'otel-collector',
      image: ecs.ContainerImage.fromRegistry(image ?? 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3'),
      // The image's built-in ECS configuration: OTLP receivers, X-Ray exporter for traces, EMF exporter for metrics.
      command: ['--config=/etc/ecs/ecs-default-config.yaml'],
      // The image's own user (aoc, 4317:4317; aws-otel-collector cmd/awscollector/Dockerfile), which writes nothing.
      user: '4317:4317',
      readonlyRootFilesystem: true,
      essential: false,
      memoryReservationMiB: 64,
      logging,
      healthCheck: {
        command: ['/healthcheck'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
    });
    this.container.addContainerDependencies({ container: collector, condition: ecs.ContainerDependencyCondition.START });
    this.container.addEnvironment('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318');
    this.container.addEnvironment('OTEL_SERVICE_NAME', serviceName);
    this.container.addEnvironment('OTEL_RESOURCE_ATTRIBUTES', `service.namespace=${this.node.path},deployment.environment=${stack.stackName}`);
    const role = this.taskDefinition.taskRole;
    const xrayActions = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
      'xray:GetSamplingStatisticSummaries'];
    // EMF metrics are written to this log group by the collector's awsemf exporter.
    const emfLogGroup = '/aws/ecs/application/metrics';
    const emfActions = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'];
    const added = [
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: xrayActions, resources: ['*'] })),
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: emfActions,
        resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${emfLogGroup}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      })),
    ];
    // An imported role that CDK may not change (`mutable: false`, or in another account) drops the statements silently
    // (it answers statementAdded: true and writes nothing; a role CDK may change holds the statements in a Policy child):
    // the collector would start and fail every export with AccessDenied.
    const written = added.every((r) => r.statementAdded) && role.node.children.some((c) => c instanceof iam.Policy);
    if (!written) {
      // A warning rather than an error: the role may already have the permissions (attached by whoever owns it), and
      // then the user acknowledges the warning; an error would rule out the collector with such a role altogether.
      const where = (v: string, placeholder: string) => Token.isUnresolved(v) ? placeholder : v;
      Annotations.of(this).addWarningV2('@org/analytics-constructs:openTelemetryTaskRoleImmutable',
        `${this.node.path}: 'taskRole' cannot be changed by CDK (imported with mutable: false, or from another account), so `
        + 'the OpenTelemetry collector\'s X-Ray and EMF permissions were not added to it and its exports would be denied. '
        + `Attach to the role: Allow ${xrayActions.join(', ')} on "*"; Allow ${emfActions.join(', ')} on `
        + `"arn:${where(stack.partition, '<partition>')}:logs:${where(stack.region, '<region>')}:${where(stack.account, '<account>')}`
        + `:log-group:${emfLogGroup}:*"; then acknowledge this warning with Annotations.of(service).acknowledgeWarning(). `
        + 'Or pass a role CDK may change, or set openTelemetry to false.');
      return; // no statements, so nothing to acknowledge
    }
    // The finding id is the ARN as cdk-nag prints it: pseudo parameters that are tokens (an environment-agnostic stack)
    // appear as `<AWS::Region>` / `<AWS::AccountId>`, which must not be resolved into the id (KeyMustResolveToString).
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    acknowledgeAwsSolutions(role, [`IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:${emfLogGroup}:*]`],
      'The collector writes EMF metrics to the streams of one log group, whose stream names it chooses.');
  }

  /** Average CPU utilization of the service's tasks. */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricCpuUtilization(props);
  }

  /** Average memory utilization of the service's tasks. */
  public metricMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.service.metricMemoryUtilization(props);
  }

  /** What to watch: the service (with its target group and log group), and the load balancer it created. */
  public monitoringTargets(): MonitoringTargets {
    return serviceTargets(this.node.path, this.service, this.targetGroup, this.logGroup, this.loadBalancer);
  }
}
