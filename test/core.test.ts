import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HardenedFargateService, HardenedFargateServiceProps, HardenedLoadBalancer, Ingress } from '../src';
import { cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { sharedListener, testCertificate, testCluster, testStack } from './helpers/stacks';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');

function build(props: Partial<HardenedFargateServiceProps> = {}) {
  const app = testApp();
  const stack = testStack(app);
  const cluster = testCluster(stack);
  const svc = new HardenedFargateService(stack, 'Svc', { cluster, image, ...props });
  return { app, stack, cluster, svc, template: () => Template.fromStack(stack) };
}

describe('HardenedFargateService root file system and user', () => {
  function containers(props: Partial<HardenedFargateServiceProps>): any[] {
    const t = build(props).template();
    return (Object.values(t.findResources('AWS::ECS::TaskDefinition'))[0] as any).Properties.ContainerDefinitions;
  }

  test('read-only root by default; writable with ECS Exec (its agent writes in the container); the image\'s user unless set', () => {
    expect(containers({})[0]).toMatchObject({ Name: 'app', ReadonlyRootFilesystem: true });
    expect(containers({})[0].User).toBeUndefined();
    expect(containers({ enableExecuteCommand: true })[0].ReadonlyRootFilesystem).toBe(false);
    expect(containers({ readonlyRootFilesystem: false })[0].ReadonlyRootFilesystem).toBe(false);
  });

  test('writablePaths: an empty task volume per path; for a user, a root init of the same image gives them to that user first', () => {
    const [app, init] = containers({ user: '1000:1000', writablePaths: ['/tmp', '/app/cache'] });
    expect(app).toMatchObject({
      User: '1000:1000',
      ReadonlyRootFilesystem: true,
      MountPoints: [{ ContainerPath: '/tmp', SourceVolume: 'writable-0', ReadOnly: false }, { ContainerPath: '/app/cache', SourceVolume: 'writable-1', ReadOnly: false }],
      DependsOn: [{ ContainerName: 'writable-paths-init', Condition: 'SUCCESS' }],
    });
    expect(init).toMatchObject({
      Name: 'writable-paths-init',
      Image: app.Image,
      User: '0',
      Essential: false,
      ReadonlyRootFilesystem: true,
      EntryPoint: ['sh', '-c'],
      Command: ['chown 1000:1000 /tmp /app/cache && chmod 0700 /tmp /app/cache'],
    });
    expect(init.MountPoints).toEqual(app.MountPoints);
    // Without a user the volumes are mounted, and nothing runs as root to hand them over.
    const noUser = containers({ writablePaths: ['/tmp'] });
    expect(noUser.map((c) => c.Name)).toEqual(['app']);
    expect(noUser[0].MountPoints).toEqual([{ ContainerPath: '/tmp', SourceVolume: 'writable-0', ReadOnly: false }]);
  });

  test('sidecars get a read-only root unless they say otherwise', () => {
    const sidecar = (extra: Partial<ecs.ContainerDefinitionOptions>) => containers({ sidecars: [{ containerName: 'side', image, ...extra }] })[1];
    expect(sidecar({}).ReadonlyRootFilesystem).toBe(true);
    expect(sidecar({ readonlyRootFilesystem: false }).ReadonlyRootFilesystem).toBe(false);
  });

  test.each([
    [{ writablePaths: ['tmp'] }, "Test/Svc: invalid 'writablePaths': 'tmp' is not an absolute path of letters, digits, '.', '_', '-' and '/'. Give absolute paths, e.g. /tmp."],
    [{ writablePaths: ['/tmp', '/tmp'] }, "Test/Svc: invalid 'writablePaths': '/tmp' is listed twice. List each path once."],
    [{ writablePaths: ['/tmp'], user: '1000; rm -rf /' }, "Test/Svc: invalid 'user': '1000; rm -rf /' is not a user, uid, or user:group. Use e.g. 1000, 1000:1000 or node."],
  ])('bad props: %j', (props, message) => {
    expect(() => build(props as Partial<HardenedFargateServiceProps>)).toThrow(message);
  });
});

describe('HardenedFargateService defaults', () => {
  const { template, svc } = build({ ingress: Ingress.loadBalancer({ certificate: undefined }) });
  const t = template();

  test('ARM64 task, 0.25 vCPU / 512 MiB, init process, stop timeout 30 s', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: [Match.objectLike({
        Name: 'app',
        StopTimeout: 30,
        LinuxParameters: { InitProcessEnabled: true },
        PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp', Name: 'http', AppProtocol: 'http' }],
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs', Options: Match.objectLike({ mode: 'non-blocking' }) }),
      })],
    });
  });

  test('log group has a retention period and is retained', () => {
    t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });

  test('circuit breaker with rollback, 100% / 200% rolling deployment, no fixed desired count', () => {
    t.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
      LaunchType: 'FARGATE',
      EnableExecuteCommand: false,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    const services = t.findResources('AWS::ECS::Service');
    expect(Object.values(services)[0].Properties.DesiredCount).toBeUndefined();
  });

  test('autoscaling 1-10 on CPU 70% and memory 80% with cooldowns', () => {
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 10 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 70,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' },
        TargetValue: 80,
      }),
    });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  });

  test('target group: IP targets, /health, 200, deregistration delay 20 s', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      HealthCheckIntervalSeconds: 15,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '20' }]),
    });
  });

  test('tasks accept traffic only from the load balancer security group', () => {
    const ingress = t.findResources('AWS::EC2::SecurityGroupIngress');
    const toTasks = Object.values(ingress).filter((r: any) => r.Properties.FromPort === 8080);
    expect(toTasks).toHaveLength(1);
    expect(toTasks[0].Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SvcIngressSecurityGroup/), 'GroupId'] });
    const sgs = t.findResources('AWS::EC2::SecurityGroup');
    for (const sg of Object.values(sgs) as any[]) {
      for (const rule of sg.Properties.SecurityGroupIngress ?? []) {
        if (rule.CidrIp === '0.0.0.0/0') expect([80, 443]).toContain(rule.FromPort);
      }
    }
  });

  test('without a certificate: plain HTTP listener and a synth warning', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    Annotations.fromStack(svc.node.scope as any).hasWarning('/Test/Svc', Match.stringLikeRegexp('plain HTTP'));
  });

  test('exposes the parts', () => {
    expect(svc.url).toMatch(/^http:\/\//);
    expect(svc.loadBalancer).toBeDefined();
    expect(svc.targetGroup).toBeDefined();
    expect(svc.containerPort).toBe(8080);
  });
});

describe('HardenedFargateService options', () => {
  test('secrets render as Secrets, never Environment', () => {
    const { stack, template } = build();
    const secret = new secretsmanager.Secret(stack, 'DbSecret');
    const param = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Param', { parameterName: '/app/token' });
    new HardenedFargateService(stack, 'Other', {
      cluster: testClusterOf(stack),
      image,
      environment: { LOG_LEVEL: 'info' },
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(secret), TOKEN: ecs.Secret.fromSsmParameter(param) },
    });
    const t = template();
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Environment: [{ Name: 'LOG_LEVEL', Value: 'info' }],
        Secrets: [
          { Name: 'DATABASE_URL', ValueFrom: { Ref: Match.stringLikeRegexp('DbSecret') } },
          { Name: 'TOKEN', ValueFrom: Match.anyValue() },
        ],
      })],
    });
    const json = JSON.stringify(t.toJSON());
    expect(json).not.toMatch(/"Name":"DATABASE_URL","Value"/);
  });

  test('HTTPS listener with TLS 1.2+ policy and an HTTP redirect', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    new HardenedFargateService(stack, 'Svc', { cluster, image, ingress: Ingress.loadBalancer({ certificate: testCertificate(stack) }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('plain HTTP'))).toHaveLength(0);
  });

  test('domain name with hosted zone: DNS-validated certificate and alias records', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0000000000000', zoneName: 'example.com' });
    const svc = new HardenedFargateService(stack, 'Svc', {
      cluster, image, ingress: Ingress.loadBalancer({ domainName: 'api.example.com', hostedZone: zone }),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'api.example.com', ValidationMethod: 'DNS' });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.example.com.', Type: 'A' });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.example.com.', Type: 'AAAA' });
    expect(svc.url).toBe('https://api.example.com');
  });

  test('shared listener: host/path rule with priority, ingress only from the shared ALB', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    const listener = sharedListener(stack, cluster.vpc);
    const svc = new HardenedFargateService(stack, 'Svc', {
      cluster, image, ingress: Ingress.listenerRule(listener, { priority: 10, hostHeaders: ['api.example.com'], pathPatterns: ['/v1/*'] }),
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 10,
      Conditions: Match.arrayWith([
        { Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/*'] } },
      ]),
      Actions: [Match.objectLike({ Type: 'forward' })],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('SharedAlbSg'), 'GroupId'] },
    });
    expect(svc.url).toBe('https://api.example.com');
  });

  test('X86_64, bigger size, spot weight, exec, request scaling and deployment alarms', () => {
    const { stack } = build();
    const alarm = new cloudwatch.Alarm(stack, 'Alarm', { metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' }), threshold: 1, evaluationPeriods: 1 });
    const c = testClusterOf(stack);
    new HardenedFargateService(stack, 'Big', {
      cluster: c,
      image,
      cpu: 1024,
      memoryLimitMiB: 4096,
      cpuArchitecture: ecs.CpuArchitecture.X86_64,
      fargateSpotWeight: 3,
      enableExecuteCommand: true,
      minCapacity: 2,
      maxCapacity: 6,
      requestsPerTarget: 500,
      deploymentAlarms: [alarm],
      ingress: Ingress.loadBalancer({ certificate: testCertificate(stack) }),
      logRetention: logs.RetentionDays.ONE_WEEK,
      stopTimeout: Duration.seconds(60),
      deregistrationDelay: Duration.seconds(45),
      healthCheckGracePeriod: Duration.minutes(5),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024', Memory: '4096', RuntimePlatform: Match.objectLike({ CpuArchitecture: 'X86_64' }),
    });
    t.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [
        { CapacityProvider: 'FARGATE', Weight: 1, Base: 1 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
      ],
      EnableExecuteCommand: true,
      HealthCheckGracePeriodSeconds: 300,
      DeploymentConfiguration: Match.objectLike({ Alarms: { AlarmNames: [{ Ref: Match.stringLikeRegexp('Alarm') }], Enable: true, Rollback: true } }),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }), TargetValue: 500,
      }),
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    t.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', { CapacityProviders: Match.arrayWith(['FARGATE_SPOT']) });
  });

  test('customer-managed log key is used and granted to CloudWatch Logs', () => {
    const { stack } = build();
    const key = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
    new HardenedFargateService(stack, 'Enc', { cluster: testClusterOf(stack), image, logEncryptionKey: key });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('LogKey'), 'Arn'] } });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' } })]) },
    });
  });

  test('named peers may reach the container port', () => {
    const { stack } = build();
    const c = testClusterOf(stack);
    const peer = new ec2.SecurityGroup(stack, 'Peer', { vpc: c.vpc });
    new HardenedFargateService(stack, 'Internal', { cluster: c, image, allowIngressFrom: [peer] });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Peer'), 'GroupId'] },
    });
  });
});

let clusterCount = 0;
function testClusterOf(stack: any): ecs.Cluster {
  return new ecs.Cluster(stack, `ExtraCluster${++clusterCount}`, { vpc: (stack.node.findChild('Vpc') as ec2.Vpc) });
}

describe('HardenedFargateService OpenTelemetry sidecar', () => {
  test('ADOT collector sidecar, OTLP endpoint for the app, exactly X-Ray and EMF permissions; nag clean', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    new HardenedFargateService(stack, 'Traced', { cluster, image, containerName: 'api', openTelemetry: true });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'api',
          Environment: Match.arrayWith([
            { Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: 'http://localhost:4318' },
            { Name: 'OTEL_SERVICE_NAME', Value: 'api' },
          ]),
          DependsOn: [{ ContainerName: 'otel-collector', Condition: 'START' }],
        }),
        Match.objectLike({
          Name: 'otel-collector',
          Image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3',
          Command: ['--config=/etc/ecs/ecs-default-config.yaml'],
          User: '4317:4317',
          ReadonlyRootFilesystem: true,
          Essential: false,
        }),
      ],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('TracedTaskDefinitionTaskRole') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: Match.arrayWith(['xray:PutTraceSegments', 'xray:GetSamplingRules']), Resource: '*' }),
          Match.objectLike({
            Action: Match.arrayWith(['logs:PutLogEvents']),
            Resource: { 'Fn::Join': ['', Match.arrayWith([':logs:eu-west-1:111111111111:log-group:/aws/ecs/application/metrics:*'])] },
          }),
        ],
      },
    });
    expect(formatFindings(nagFindings(stack).filter((f) => f.path.startsWith('Test/Traced/')))).toEqual([]);
  });
});

describe('HardenedFargateService validation', () => {
  const cases: Array<[string, Partial<HardenedFargateServiceProps>, string]> = [
    ['cpu 256 with 4096 MiB', { cpu: 256, memoryLimitMiB: 4096 },
      "Test/Svc: invalid 'memoryLimitMiB': Fargate does not run 256 CPU units with 4096 MiB. With cpu 256, use memoryLimitMiB 512, 1024 or 2048; for 4096 MiB, use cpu 512."],
    ['cpu 256 with 1536 MiB', { cpu: 256, memoryLimitMiB: 1536 },
      "Test/Svc: invalid 'memoryLimitMiB': Fargate does not run 256 CPU units with 1536 MiB. With cpu 256, use memoryLimitMiB 512, 1024 or 2048."],
    ['unknown cpu', { cpu: 300 }, "Test/Svc: invalid 'cpu': 300 is not a Fargate CPU size. Use one of 256, 512, 1024, 2048, 4096, 8192, 16384."],
    ['max < min capacity', { minCapacity: 4, maxCapacity: 2 },
      "Test/Svc: invalid 'maxCapacity': maxCapacity (2) is lower than minCapacity (4). Set maxCapacity to at least 4, or lower minCapacity."],
    ['health check path without slash', { ingress: Ingress.loadBalancer(), targetHealthCheck: { path: 'health' } },
      "Test/Svc: invalid 'targetHealthCheck.path': 'health' is not an absolute HTTP path. Use a path that starts with '/' and has no spaces, query or fragment, e.g. '/health'."],
    ['deregistration delay not shorter than stop timeout', { stopTimeout: Duration.seconds(10), deregistrationDelay: Duration.seconds(10) },
      "Test/Svc: invalid 'deregistrationDelay': 10 seconds is not shorter than stopTimeout (10 seconds). Make deregistrationDelay shorter than stopTimeout, so that in-flight requests drain before the container is killed."],
    ['stop timeout over 2 minutes', { stopTimeout: Duration.minutes(3) },
      "Test/Svc: invalid 'stopTimeout': 3 minutes is outside 2 seconds..2 minutes. Use a duration from 2 seconds to 2 minutes."],
    ['cpu target out of range', { cpuTargetUtilizationPercent: 120 },
      "Test/Svc: invalid 'cpuTargetUtilizationPercent': 120 is outside 10..95. Use a value from 10 to 95."],
    ['request scaling without ingress', { requestsPerTarget: 100 },
      "Test/Svc: invalid 'requestsPerTarget': request-count scaling needs a load balancer. Set ingress, or remove requestsPerTarget."],
    ['secret and env with the same name', { environment: { TOKEN: 'x' }, secrets: { TOKEN: ecs.Secret.fromSsmParameter({ parameterArn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/x', parameterName: 'x' } as any) } },
      "Test/Svc: invalid 'environment': 'TOKEN' is set both as a plain variable and as a secret. Remove 'TOKEN' from environment."],
    ['sidecar without name', { sidecars: [{ image }] },
      "Test/Svc: invalid 'sidecars': a sidecar has no containerName. Give every sidecar a unique containerName."],
  ];
  test.each(cases)('%s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('rule priority clash on a shared listener', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const listener = sharedListener(stack, cluster.vpc);
    new HardenedFargateService(stack, 'A', { cluster, image, ingress: Ingress.listenerRule(listener, { priority: 5, hostHeaders: ['a.example.com'] }) });
    expect(() => new HardenedFargateService(stack, 'B', { cluster, image, ingress: Ingress.listenerRule(listener, { priority: 5, hostHeaders: ['b.example.com'] }) }))
      .toThrow("Test/B: invalid 'priority': priority 5 is already used on this listener by Test/A. Give each service a different priority on a shared listener.");
  });

  test('rule without condition, and a path without slash', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const listener = sharedListener(stack, cluster.vpc);
    expect(() => new HardenedFargateService(stack, 'A', { cluster, image, ingress: Ingress.listenerRule(listener, { priority: 1 }) }))
      .toThrow("Test/A: invalid 'hostHeaders/pathPatterns': a rule on a shared listener needs a condition.");
    expect(() => new HardenedFargateService(stack, 'B', { cluster, image, ingress: Ingress.listenerRule(listener, { priority: 2, pathPatterns: ['api/*'] }) }))
      .toThrow("Test/B: invalid 'pathPatterns': 'api/*' does not start with '/'. Use '/api/*'.");
    expect(() => new HardenedFargateService(stack, 'C', { cluster, image, ingress: Ingress.listenerRule(listener, { priority: 0, pathPatterns: ['/x'] }) }))
      .toThrow("Test/C: invalid 'priority': 0 is outside 1..50000. Use a value from 1 to 50000.");
  });
});

describe('HardenedFargateService compliance', () => {
  test('zero unacknowledged cdk-nag findings (HTTPS ingress, secrets, exec, KMS logs)', () => {
    const app = testApp();
    const stack = testStack(app);
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(stack, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      executeCommandConfiguration: {
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: { cloudWatchLogGroup: new logs.LogGroup(stack, 'ExecSessions') },
      },
    });
    const secret = new secretsmanager.Secret(stack, 'DbSecret');
    new HardenedFargateService(stack, 'Svc', {
      cluster,
      image,
      environment: { LOG_LEVEL: 'info' },
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(secret) },
      enableExecuteCommand: true,
      ingress: Ingress.loadBalancer({ certificate: testCertificate(stack) }),
    });
    const findings = nagFindings(stack).filter((f) => !/^Test\/(Vpc|Cluster|DbSecret|ExecSessions)\//.test(f.path));
    expect(formatFindings(findings)).toEqual([]);
  });

  test('ECS Exec on a cluster without a session log configuration: the session-log writes on "*" stay a finding', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
    new HardenedFargateService(stack, 'Svc', { cluster, image, enableExecuteCommand: true });
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const taskPolicy = Object.entries(statements).find(([id]) => id.startsWith('SvcTaskDefinitionTaskRoleDefaultPolicy'))![1] as any;
    expect(taskPolicy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: '*' }),
    ]));
    const findings = formatFindings(nagFindings(stack).filter((f) => f.path.startsWith('Test/Svc/')));
    expect(findings).toEqual(['AwsSolutions-IAM5[Resource::*] (error) at Test/Svc/TaskDefinition/TaskRole/DefaultPolicy/Resource']);
  });

  test('cfn-lint clean', () => {
    const { stack } = build({ ingress: Ingress.loadBalancer({ certificate: undefined }), fargateSpotWeight: 1, cpu: 512, memoryLimitMiB: 2048 });
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('HardenedLoadBalancer shared by several services', () => {
  test('fixed 404 by default, one rule per service, each service reachable only from the shared load balancer', () => {
    const app = testApp();
    const stack = testStack(app);
    const cluster = testCluster(stack);
    const shared = new HardenedLoadBalancer(stack, 'Shared', { vpc: cluster.vpc, certificate: testCertificate(stack) });
    new HardenedFargateService(stack, 'A', { cluster, image, ingress: Ingress.listenerRule(shared.listener, { priority: 1, hostHeaders: ['a.example.com'] }) });
    new HardenedFargateService(stack, 'B', { cluster, image, ingress: Ingress.listenerRule(shared.listener, { priority: 2, pathPatterns: ['/b/*'] }) });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' } }],
    });
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
    const toTasks = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter((r: any) => r.Properties.FromPort === 8080) as any[];
    expect(toTasks).toHaveLength(2);
    for (const rule of toTasks) {
      expect(rule.Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SharedSecurityGroup/), 'GroupId'] });
    }
    expect(shared.url).toMatch(/^https:\/\//);
    expect(formatFindings(nagFindings(stack).filter((f) => /^Test\/(Shared|A|B)\//.test(f.path)))).toEqual([]);
  });
});
