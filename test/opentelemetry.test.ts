import { Annotations as CoreAnnotations, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { HardenedFargateService } from '../src';
import { formatFindings, nagFindings, testApp } from './helpers/nag';

const ENVS: Array<[string, { account: string; region: string } | undefined]> = [
  ['environment-bound', { account: '111111111111', region: 'eu-west-1' }],
  ['environment-agnostic', undefined],
];

function tracedService(env: { account: string; region: string } | undefined) {
  const app = testApp();
  const stack = new Stack(app, 'Test', { env });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
  const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');
  const service = new HardenedFargateService(stack, 'Traced', { cluster, image, containerName: 'api', openTelemetry: true });
  return { app, stack, service };
}

/** The AwsSolutions-IAM5 ids acknowledged on `scope` itself. */
function acknowledgedIam5(scope: IConstruct): string[] {
  return scope.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data))
    .map((k) => k.replace(/^annotation::/i, ''))
    .filter((k) => k.startsWith('AwsSolutions-IAM5['));
}

describe.each(ENVS)('OpenTelemetry collector in an %s stack', (_name, env) => {
  test('synthesizes; every IAM5 acknowledgement on the task role matches a finding the rule really produces; nag clean', () => {
    const { app, service } = tracedService(env);
    app.synth({ force: true });
    const role = service.taskDefinition.taskRole;
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    // What AwsSolutions-IAM5 reports for the task role's policy, before any acknowledgement.
    const raw = rules.iam.IAMNoWildcardPermissions(policy);
    const produced = (Array.isArray(raw) ? raw : []).map((f) => `AwsSolutions-IAM5[${f}]`);
    const acknowledged = acknowledgedIam5(role);
    expect(acknowledged.length).toBeGreaterThan(1);
    expect(acknowledged.filter((id) => !produced.includes(id))).toEqual([]);
    expect(produced.filter((id) => !acknowledged.includes(id))).toEqual([]);
    expect(formatFindings(nagFindings(app).filter((f) => f.path.startsWith('Test/Traced/')))).toEqual([]);
  });
});

describe('OpenTelemetry collector with an imported task role', () => {
  const WARNING = '@org/analytics-constructs:openTelemetryTaskRoleImmutable';
  function build(mutable: boolean, roleAccount = '111111111111') {
    const app = testApp();
    const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
    const taskRole = iam.Role.fromRoleArn(stack, 'TaskRole', `arn:aws:iam::${roleAccount}:role/team-task-role`, { mutable });
    const service = new HardenedFargateService(stack, 'Traced', {
      cluster, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'), openTelemetry: true, taskRole,
    });
    return { app, stack, service };
  }
  const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'))
    .map((m) => String(m.entry.data));

  test.each([
    ['immutable (mutable: false)', false, '111111111111'],
    ['from another account', true, '222222222222'],
  ])('%s: a warning names the construct path, the prop and the statements to attach', (_name, mutable, account) => {
    const { stack } = build(mutable, account);
    const warnings = warningsOf(stack).filter((w) => w.includes(WARNING));
    expect(warnings).toHaveLength(1);
    const w = warnings[0];
    expect(w).toContain("Test/Traced: 'taskRole' cannot be changed by CDK");
    for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
      'xray:GetSamplingStatisticSummaries', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams']) {
      expect(w).toContain(action);
    }
    expect(w).toContain('"arn:<partition>:logs:eu-west-1:111111111111:log-group:/aws/ecs/application/metrics:*"');
    // No policy is written for a role CDK may not change, and no acknowledgement is left that would match nothing.
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 1); // the execution role's
  });

  test('the warning can be acknowledged once the statements are attached', () => {
    const { stack, service } = build(false);
    CoreAnnotations.of(service).acknowledgeWarning(WARNING, 'attached by the platform team');
    expect(warningsOf(stack).filter((w) => w.includes(WARNING))).toEqual([]);
  });

  test('a mutable imported role of the same account gets the statements and no warning', () => {
    const { stack } = build(true);
    expect(warningsOf(stack).filter((w) => w.includes(WARNING))).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['team-task-role'],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['xray:PutTraceSegments']), Resource: '*' })]) },
    });
  });
});
