import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { formatFindings, nagFindings } from './helpers/nag';
import { AuditStack } from '../examples/lib/audit-stack';

// The key policy AWS documents for a trail's customer managed key (AWS CloudTrail User Guide, "Configure AWS KMS key
// policies for CloudTrail") and for CloudWatch Logs (Amazon CloudWatch Logs User Guide, "Encrypt log data in CloudWatch
// Logs using AWS KMS"). Without the CloudTrail sections the trail fails to create.
function expectedStatements(partition: unknown, account: unknown, region: unknown) {
  // As CloudFormation's Fn::Join, with adjacent literals merged the way aws-cdk-lib writes them.
  const join = (...parts: unknown[]) => {
    const merged = parts.reduce<unknown[]>((out, p) => {
      const last = out.length - 1;
      if (typeof p === 'string' && typeof out[last] === 'string') out[last] = `${out[last]}${p}`;
      else out.push(p);
      return out;
    }, []);
    return merged.length === 1 ? merged[0] : { 'Fn::Join': ['', merged] };
  };
  const trails = join('arn:', partition, ':cloudtrail:*:', account, ':trail/*');
  const root = { AWS: join('arn:', partition, ':iam::', account, ':root') };
  return [
    { Sid: undefined, Effect: 'Allow', Principal: root, Action: 'kms:*', Resource: '*' },
    {
      Sid: 'AllowCloudTrailToEncryptLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trails } },
    },
    {
      Sid: 'AllowCloudTrailToDescribeKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
    },
    {
      Sid: 'AllowAccountToDecryptTrailLogs',
      Effect: 'Allow',
      Principal: root,
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': account }, StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trails } },
    },
    {
      Sid: 'AllowCloudWatchLogs',
      Effect: 'Allow',
      Principal: { Service: join('logs.', region, '.amazonaws.com') },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': join('arn:', partition, ':logs:', region, ':', account, ':log-group:*') } },
    },
  ].map((st) => JSON.parse(JSON.stringify(st))); // drop undefined Sid
}

describe.each([
  ['environment-bound', { account: '111111111111', region: 'eu-west-1' }],
  ['environment-agnostic', undefined],
] as const)('the audit stack (%s)', (_name, env) => {
  const app = new App();
  const stack = new AuditStack(app, 'Audit', { profile: 'prod', env });
  const t = Template.fromStack(stack);
  const keys = t.findResources('AWS::KMS::Key');
  const [keyId] = Object.keys(keys);
  const partition = { Ref: 'AWS::Partition' };
  const account = env ? env.account : { Ref: 'AWS::AccountId' };
  const region = env ? env.region : { Ref: 'AWS::Region' };

  test('one key; its policy is exactly the account\'s, CloudTrail\'s three sections and CloudWatch Logs\' (scoped by encryption context)', () => {
    expect(Object.keys(keys)).toHaveLength(1);
    expect(keys[keyId].Properties.KeyPolicy.Statement).toEqual(expectedStatements(partition, account, region));
  });

  test('the trail, its bucket and its CloudWatch Logs group are encrypted with that key', () => {
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    t.hasResourceProperties('AWS::CloudTrail::Trail', { KMSKeyId: keyArn, CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrailLogGroup'), 'Arn'] } });
    const groups = t.findResources('AWS::Logs::LogGroup');
    expect(Object.values(groups).map((g) => g.Properties.KmsKeyId)).toEqual([keyArn]);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
    });
  });

  test('nag clean', () => {
    expect(formatFindings(nagFindings(stack as Stack))).toEqual([]);
  });
});
