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

  test('nag helper reports an acknowledgement that matches no finding, and not one that does', () => {
    const app = testApp();
    const stack = new Stack(app, 'Unused');
    const bucket = new s3.CfnBucket(stack, 'Bucket');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S10', reason: 'matches the bucket\'s finding' });
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'written ahead of a policy that never came' });
    // On an ancestor: used when a resource below it has the finding.
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-S1', reason: 'matches the bucket below' });
    Validations.of(stack).acknowledge({ id: 'AwsSolutions-EC23', reason: 'nothing below has it' });
    const unused = nagFindings(app).filter((f) => f.pack === 'acknowledgements').map((f) => `${f.rule} at ${f.path}`);
    expect(unused).toEqual(['AwsSolutions-EC23 at Unused', 'AwsSolutions-IAM5[Resource::*] at Unused/Bucket']);
  });
});
