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
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));
    const accessLogs = new s3.Bucket(this, 'TrailAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }], removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeCompliance(accessLogs, 'S3BucketLoggingEnabled', 'This bucket receives the trail bucket\'s access logs; logging its own access would recurse.');
    acknowledgeCompliance(accessLogs, 'S3DefaultEncryptionKMS', 'S3 server access logs are delivered only to SSE-S3 buckets.');
    acknowledgeCompliance(accessLogs, 'S3BucketReplicationEnabled', 'Access logs of the audit bucket, kept one year in one region.');
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true, serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: 'trail/',
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
    acknowledgeCompliance(this.trail.node.findChild('LogGroup'), 'CloudWatchLogGroupEncrypted',
      'The trail\'s events are KMS-encrypted in S3; the CloudWatch copy is for alarms and queries, encrypted at rest by CloudWatch Logs.');
  }
}
