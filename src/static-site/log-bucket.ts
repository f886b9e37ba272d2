import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';

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
  const recursion = 'This bucket receives the CloudFront and S3 access logs of the site; logging its own access would recurse.';
  acknowledgeAwsSolutions(bucket, ['S1'], recursion);
  acknowledgeCompliance(bucket, ['S3BucketLoggingEnabled'], recursion);
  acknowledgeCompliance(bucket, ['S3DefaultEncryptionKMS'], 'CloudFront delivers standard logs only to SSE-S3 encrypted buckets.');
  acknowledgeCompliance(bucket, ['S3BucketReplicationEnabled'],
    'Access logs are kept for a limited period in one region; cross-region replication is not worth its cost here.');
  return bucket;
}
