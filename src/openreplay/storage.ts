import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { BUCKETS, BucketName } from './services';
import { limitGrantsToAwsResources } from '../core/kms';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';

/** Props of the storage tier. */
export interface OpenReplayStorageProps {
  /** How long session recordings (mobs, spots) are kept. */
  readonly recordingRetention: Duration;
  /** What happens to the buckets when they leave the stack. */
  readonly removalPolicy: RemovalPolicy;
  /** Dashboard origin, for CORS. */
  readonly dashboardOrigin: string;
  /**
   * A custom domain for the sessions assets (certificate in us-east-1; alias record in `hostedZone` when given), served
   * with TLS 1.2 at least. Without it, the distribution has the default `*.cloudfront.net` certificate, whose TLS
   * policy CloudFront fixes.
   */
  readonly assetsDomain?: { readonly domainName: string; readonly certificate: acm.ICertificate; readonly hostedZone?: route53.IHostedZone };
}

/** The buckets that hold what visitors did or uploaded: encrypted with the recordings key (SSE-KMS). */
export const RECORDING_BUCKETS: BucketName[] = ['mobs', 'spots', 'uxtesting-records', 'sourcemaps'];

/**
 * The buckets OpenReplay uses, all private (SSL only, public access blocked, versioned), with CORS for the dashboard
 * and a retention period for recordings. Recordings, spots, usability-test records and source maps are encrypted with
 * a customer-managed KMS key (default SSE-KMS with a bucket key: the services upload without KMS parameters, their
 * task roles get the key); `sessions-assets` (the CSS and fonts of recorded pages, which the player loads from the
 * browser) is SSE-S3 and served through CloudFront with origin access control instead of a public bucket.
 */
export class OpenReplayStorage extends Construct {
  public readonly buckets: { [name: string]: s3.Bucket } = {};
  /** Key of the recording buckets (RECORDING_BUCKETS). */
  public readonly recordingsKey: kms.Key;
  public readonly assetsDistribution: cloudfront.Distribution;
  /** Public HTTPS origin of the sessions assets (ASSETS_ORIGIN). */
  public readonly assetsOrigin: string;
  public readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: OpenReplayStorageProps) {
    super(scope, id);
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(7) }],
      removalPolicy: props.removalPolicy,
    });
    // No S1 / S3BucketLoggingEnabled finding to answer: the recording buckets log their access into this bucket, which the
    // rules accept as the log destination of the stack.
    acknowledgeCompliance(this.accessLogs, ['S3DefaultEncryptionKMS'], 'S3 server access logs and CloudFront standard logs are delivered only to SSE-S3 buckets.');
    acknowledgeCompliance(this.accessLogs, ['S3BucketReplicationEnabled'], 'Access logs are kept 90 days in one region.');

    this.recordingsKey = new kms.Key(this, 'RecordingsKey', {
      description: `OpenReplay recordings, spots, usability-test records and source maps (${this.node.path})`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    limitGrantsToAwsResources(this.recordingsKey);
    for (const name of BUCKETS) {
      const recordings = name === 'mobs' || name === 'spots' || name === 'uxtesting-records';
      const kmsEncrypted = RECORDING_BUCKETS.includes(name);
      const bucket = new s3.Bucket(this, pascal(name), {
        ...(kmsEncrypted
          ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.recordingsKey, bucketKeyEnabled: true }
          : { encryption: s3.BucketEncryption.S3_MANAGED }),
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: true,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${name}/`,
        removalPolicy: props.removalPolicy,
        cors: [{
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD, ...(name === 'sourcemaps' ? [s3.HttpMethods.PUT] : [])],
          allowedOrigins: [props.dashboardOrigin],
          allowedHeaders: ['*'],
          maxAge: 3000,
        }],
        lifecycleRules: [
          recordings
            ? { expiration: props.recordingRetention, noncurrentVersionExpiration: Duration.days(1) }
            : { noncurrentVersionExpiration: Duration.days(7) },
          { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ],
      });
      if (!kmsEncrypted) {
        acknowledgeCompliance(bucket, ['S3DefaultEncryptionKMS'],
          'Public CSS and fonts of recorded pages, read by CloudFront origin access control: SSE-S3 needs no key policy for the CDN.');
      }
      acknowledgeCompliance(bucket, ['S3BucketReplicationEnabled'],
        'Session recordings expire after the retention period; cross-region replication would double their cost.');
      this.buckets[name] = bucket;
    }

    const assets = this.buckets['sessions-assets'];
    const custom = props.assetsDomain;
    this.assetsDistribution = new cloudfront.Distribution(this, 'AssetsDistribution', {
      comment: 'OpenReplay sessions assets (CSS and fonts of recorded pages)',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(assets),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS_AND_SECURITY_HEADERS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // A minimum protocol applies to a custom certificate only (CloudFront fixes the default certificate's policy).
      ...(custom ? {
        domainNames: [custom.domainName],
        certificate: custom.certificate,
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      } : {}),
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.accessLogs,
      logFilePrefix: 'cloudfront-assets/',
    });
    this.assetsOrigin = `https://${custom ? custom.domainName : this.assetsDistribution.distributionDomainName}`;
    if (custom?.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.assetsDistribution));
      new route53.ARecord(this, 'AssetsAlias', { zone: custom.hostedZone, recordName: custom.domainName, target });
      new route53.AaaaRecord(this, 'AssetsAliasIpv6', { zone: custom.hostedZone, recordName: custom.domainName, target });
    }
    acknowledgeAwsSolutions(this.assetsDistribution, ['CFR1'], 'Recorded sessions are replayed from anywhere; no geo restriction.');
    acknowledgeAwsSolutions(this.assetsDistribution, ['CFR2'], 'Serves static CSS and fonts of recorded pages; a web ACL is opt-in on the platform\'s own edge.');
    if (!custom) {
      acknowledgeAwsSolutions(this.assetsDistribution, ['CFR4'],
        'The default *.cloudfront.net certificate (no assets certificate given): CloudFront fixes its TLS policy; viewers are redirected to HTTPS. '
        + 'assetsCertificate (us-east-1) serves the assets under the platform\'s domain with TLS 1.2 at least.');
    }
  }

  /**
   * Grants `grantee` read, write, tagging and delete of the objects of exactly the named buckets, listing them, and
   * the recordings key when one of them is encrypted with it: nothing on any other bucket.
   *
   * Tagging: the Go services upload with tags (`USE_S3_TAGS`, default true) and chalice's deletion jobs copy objects
   * onto themselves with `TaggingDirective='COPY'` and then `put_object_tagging` (api/chalicelib/utils/storage/s3.py).
   */
  public grant(grantee: iam.IGrantable, names: BucketName[]): void {
    const buckets = names.map((n) => this.buckets[n]);
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:GetObjectTagging', 's3:PutObjectTagging'],
      resources: buckets.map((b) => b.arnForObjects('*')),
    }));
    if (names.some((n) => RECORDING_BUCKETS.includes(n))) {
      // SSE-KMS: S3 asks the key for a data key on upload and to decrypt on download and copy.
      grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.recordingsKey.keyArn],
      }));
    }
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: buckets.map((b) => b.bucketArn),
    }));
    const role = grantee.grantPrincipal as unknown as IConstruct;
    if (role.node) {
      for (const b of buckets) {
        const logicalId = Stack.of(b).getLogicalId(b.node.defaultChild as s3.CfnBucket);
        acknowledgeAwsSolutions(role, [`IAM5[Resource::<${logicalId}.Arn>/*]`],
          'Object-level access inside one OpenReplay bucket: session recordings are objects with generated keys.');
      }
    }
  }
}

function pascal(name: string): string {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}
