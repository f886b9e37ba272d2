import { Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { cfnLintErrors } from './helpers/cfn-lint';
import { nagFindings, testApp } from './helpers/nag';

// The validators themselves are tested: a helper that never fails proves nothing.
describe('test harness', () => {
  test('cfn-lint helper fails a Fargate task with 256 CPU and 4096 MiB', () => {
    const stack = new Stack(testApp(), 'Broken');
    new ecs.CfnTaskDefinition(stack, 'Task', {
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '4096',
      containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/node:22-alpine', essential: true }],
    });
    const errors = cfnLintErrors(stack);
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^E3047 /)]));
  });

  test('cfn-lint helper passes a valid Fargate task', () => {
    const stack = new Stack(testApp(), 'Valid');
    new ecs.CfnTaskDefinition(stack, 'Task', {
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/docker/library/node:22-alpine', essential: true }],
    });
    expect(cfnLintErrors(stack)).toEqual([]);
  });

  test('nag helper reports an unencrypted, non-SSL bucket in every pack', () => {
    const app = testApp();
    const stack = new Stack(app, 'Insecure');
    new s3.CfnBucket(stack, 'Bucket');
    const rules = new Set(nagFindings(app).map((f) => f.rule));
    expect([...rules]).toEqual(expect.arrayContaining([
      'AwsSolutions-S10', // no SSL-only policy
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'HIPAA.Security-S3DefaultEncryptionKMS',
      'PCI.DSS.321-S3DefaultEncryptionKMS',
    ]));
  });

  test('nag helper honours a narrow acknowledgement and nothing more', () => {
    const app = testApp();
    const stack = new Stack(app, 'Acked');
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S10', reason: 'test of the acknowledgement path' });
    const rules = nagFindings(app).map((f) => f.rule);
    expect(rules).not.toContain('AwsSolutions-S10');
    expect(rules).toContain('AwsSolutions-S1');
  });
});
