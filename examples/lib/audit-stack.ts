import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Profile } from './config';
import { acknowledgeCompliance } from './nag';

export interface AuditStackProps extends StackProps {
  readonly profile: Profile;
}

/** A multi-region CloudTrail trail with log file validation, into an encrypted, SSL-only bucket (and CloudWatch Logs). */
export class AuditStack extends Stack {
  public readonly trail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: AuditStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'TrailKey', { description: 'Encrypts the CloudTrail logs', enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
    allowCloudTrail(key, this);
    allowCloudWatchLogs(key, this);
    const accessLogs = new s3.Bucket(this, 'TrailAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeCompliance(accessLogs, 'S3DefaultEncryptionKMS', 'S3 server access logs are delivered only to SSE-S3 buckets.');
    acknowledgeCompliance(accessLogs, 'S3BucketReplicationEnabled', 'Access logs of the audit bucket, kept one year in one region.');
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'trail/',
      objectLockEnabled: props.profile === 'prod',
      lifecycleRules: [{ transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeCompliance(bucket, 'S3BucketReplicationEnabled', 'CloudTrail itself is multi-region; replicating its bucket is the organization\'s choice.');
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      bucket,
      encryptionKey: key,
      sendToCloudWatchLogs: true,
      cloudWatchLogsRetention: logs.RetentionDays.ONE_YEAR,
    });
    acknowledgeCompliance(this.trail.node.findChild('LogsRole'), 'IAMNoInlinePolicy',
      'The CloudTrail-to-CloudWatch-Logs role created by CDK has one inline policy scoped to the trail\'s log group.');
    // The CloudWatch Logs copy of the trail is encrypted with the same key. Set on the log group the trail creates, so
    // that its logical id (and the log data) stays: adding a key to a log group is an in-place update.
    (this.trail.node.findChild('LogGroup').node.defaultChild as logs.CfnLogGroup).kmsKeyId = key.keyArn;
  }
}

/** Values of the key policy conditions: every trail of this account (the trail's own ARN would make a cycle). */
function trailArnPattern(stack: Stack): string {
  return `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;
}

/**
 * The key policy sections CloudTrail requires of a customer managed key (AWS CloudTrail User Guide, "Configure AWS KMS
 * key policies for CloudTrail": encrypt permissions for trails, decrypt permissions for trails, describe the key).
 * Without them the trail fails to create ("Insufficient permissions to access S3 bucket or KMS key").
 */
function allowCloudTrail(key: kms.Key, stack: Stack): void {
  const cloudtrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudTrailToEncryptLogs',
    principals: [cloudtrail],
    actions: ['kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnPattern(stack) } },
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudTrailToDescribeKey',
    principals: [cloudtrail],
    actions: ['kms:DescribeKey'],
    resources: ['*'],
  }));
  // AWS's section grants Principal "*" with kms:CallerAccount; the account principal is narrower (a reader also needs
  // an IAM permission) and keeps the same conditions: only the account, only CloudTrail's log and digest files.
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowAccountToDecryptTrailLogs',
    principals: [new iam.AccountRootPrincipal()],
    actions: ['kms:Decrypt', 'kms:ReEncryptFrom'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'kms:CallerAccount': stack.account },
      StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnPattern(stack) },
    },
  }));
}

/**
 * CloudWatch Logs may use the key for the log groups of this account and region only (Amazon CloudWatch Logs User
 * Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the kms:EncryptionContext:aws:logs:arn condition).
 */
function allowCloudWatchLogs(key: kms.Key, stack: Stack): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogs',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` } },
  }));
}
