import { Stack, Validations } from 'aws-cdk-lib';
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
