import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeCompliance } from '../core/nag';

export function createLogBucket(scope: Construct, retention: Duration): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'Logs', {
    // CloudFront standard logs are delivered with an ACL (awslogsdelivery) to SSE-S3 buckets only.
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    versioned: true,
    lifecycleRules: [{ expiration: retention, noncurrentVersionExpiration: Duration.days(7) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // No S1 / S3BucketLoggingEnabled finding to answer: the site bucket logs its access into this bucket, which the rules
  // accept as the log destination of the stack.
  acknowledgeCompliance(bucket, ['S3DefaultEncryptionKMS'], 'CloudFront delivers standard logs only to SSE-S3 encrypted buckets.');
  acknowledgeCompliance(bucket, ['S3BucketReplicationEnabled'],
    'Access logs are kept for a limited period in one region; cross-region replication is not worth its cost here.');
  return bucket;
}
