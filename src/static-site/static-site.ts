import * as path from 'path';
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { deploySite } from './deployments';
import { createLogBucket } from './log-bucket';
import { StaticCdnSiteProps } from './props';
import { buildContentSecurityPolicy, createSecurityHeaders } from './security-headers';
import { checkCertificateRegion, checkOriginHost, checkPathPattern, resolveDomainNames, validateSiteProps, validateSources } from './site-validation';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';
import { MonitoringTargets, IObservable } from '../core/observable';
import { checkInteger, checkRange, propError } from '../core/validation';

/** Name of the origin header that carries the shared verification token to custom origins. */
const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';

/**
 * A single-page app (React, Vite, ...) on a private S3 bucket behind CloudFront.
 *
 * - Bucket: private (origin access control, no OAI, no website hosting), encrypted, SSL only, versioned with old
 *   versions expired, retained on delete by default, server access logs.
 * - Distribution: HTTP/2 and HTTP/3, IPv6, TLS 1.2+ (TLSv1.2_2021 policy with a custom domain), HTTP redirected to HTTPS,
 *   standard logs, security headers (HSTS, CSP, X-Content-Type-Options, X-Frame-Options, Referrer-Policy,
 *   Permissions-Policy), an optional web ACL.
 * - SPA routing: a CloudFront Function rewrites extension-less paths to `/index.html`; a missing file stays a 404.
 * - Upload: HTML and other unhashed files `no-cache`, hashed assets cached for a year as immutable, a generated
 *   `config.json`, invalidation of the `no-cache` paths only.
 * - Optional custom domain (certificate, A/AAAA records, www -> apex redirect) and first-party routes to the API and
 *   to Umami analytics.
 */
export class StaticCdnSite extends Construct implements IObservable {
  /** The bucket holding the site. */
  public readonly bucket: s3.Bucket;
  /** The CloudFront distribution. */
  public readonly distribution: cloudfront.Distribution;
  /** `https://` and the first domain name, or the distribution's domain name. */
  public readonly url: string;
  /** Every domain name the distribution serves (with the www name when `redirectWwwToApex` is set). */
  public readonly domainNames: string[];
  /** The response headers policy with the security headers, for use on further behaviours. */
  public readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** The CloudFront Function on viewer requests of the default behaviour (SPA routing, and the www redirect). */
  public readonly viewerRequestFunction: cloudfront.Function;
  /** The certificate, when this construct created it. */
  public readonly certificate?: acm.Certificate;
  /** The logs bucket, when this construct created it. */
  public readonly logBucket?: s3.Bucket;
  /** The upload of content-hashed assets (everything but the `no-cache` files), when there is something to upload. */
  public readonly assetsDeployment?: s3deploy.BucketDeployment;
  /** The upload of the `no-cache` files (HTML, config.json, ...), which invalidates them. */
  public readonly noCacheDeployment?: s3deploy.BucketDeployment;

  private readonly additionalMetrics: boolean;

  constructor(scope: Construct, id: string, props: StaticCdnSiteProps = {}) {
    super(scope, id);
    const where = this.node.path;
    validateSources(where, props);
    const apiPath = props.apiOrigin ? checkPathPattern(where, 'apiOrigin.pathPattern', props.apiOrigin.pathPattern ?? '/api/*') : undefined;
    const trackerPath = props.analyticsOrigin
      ? checkPathPattern(where, 'analyticsOrigin.trackerScriptPath', props.analyticsOrigin.trackerScriptPath ?? '/stats/script.js')
      : undefined;
    const collectPath = props.analyticsOrigin
      ? checkPathPattern(where, 'analyticsOrigin.collectPath', props.analyticsOrigin.collectPath ?? '/api/send')
      : undefined;
    if (props.apiOrigin) checkOriginHost(where, 'apiOrigin.domainName', props.apiOrigin.domainName);
    if (props.analyticsOrigin) checkOriginHost(where, 'analyticsOrigin.domainName', props.analyticsOrigin.domainName);
    if (props.apiOrigin?.httpsPort !== undefined) {
      checkInteger(where, 'apiOrigin.httpsPort', props.apiOrigin.httpsPort);
      checkRange(where, 'apiOrigin.httpsPort', props.apiOrigin.httpsPort, 1, 65535);
    }
    validateSiteProps(where, props);
    const memory = props.deploymentMemoryLimit ?? 512;
    checkInteger(where, 'deploymentMemoryLimit', memory);
    checkRange(where, 'deploymentMemoryLimit', memory, 128, 10240);

    // Domain names, certificate, DNS.
    this.domainNames = resolveDomainNames(where, props);
    if (props.certificate) checkCertificateRegion(where, props.certificate);
    this.certificate = props.certificate ? undefined : this.createCertificate(where, props);
    const certificate: acm.ICertificate | undefined = props.certificate ?? this.certificate;

    const csp = buildContentSecurityPolicy(where, props);

    // The bucket.
    const enableLogging = props.enableLogging ?? true;
    if (!enableLogging && props.logBucket) {
      propError(where, 'logBucket', 'a log bucket was given with enableLogging: false', 'Remove logBucket, or set enableLogging to true.');
    }
    if (enableLogging && !props.logBucket) {
      this.logBucket = createLogBucket(this, props.logRetention ?? Duration.days(90));
    }
    const logBucket = enableLogging ? props.logBucket ?? this.logBucket : undefined;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey ? true : undefined,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{
        noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: logBucket ? 's3-access/' : undefined,
    });
    if (!props.encryptionKey) {
      acknowledgeCompliance(this.bucket, ['S3DefaultEncryptionKMS'],
        'The bucket holds the public build of a website, served to anyone through CloudFront; SSE-S3 encrypts it at rest without a '
        + 'KMS key policy for CloudFront. SSE-KMS is opt-in (encryptionKey).');
    }
    acknowledgeCompliance(this.bucket, ['S3BucketReplicationEnabled'],
      'The bucket holds a build artefact that every deployment re-uploads from source; replicating it adds cost and nothing to recover.');
    if (!logBucket) {
      acknowledgeAwsSolutions(this.bucket, ['S1'], 'Logging was turned off (enableLogging: false).');
      acknowledgeCompliance(this.bucket, ['S3BucketLoggingEnabled'], 'Logging was turned off (enableLogging: false).');
    }

    // Security headers.
    this.responseHeadersPolicy = createSecurityHeaders(this, where, props, csp);

    // SPA routing (and the www redirect) at the edge.
    const functionFile = props.redirectWwwToApex ? 'www-redirect.js' : 'spa-routing.js';
    this.viewerRequestFunction = new cloudfront.Function(this, 'ViewerRequest', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromFile({ filePath: path.join(__dirname, 'functions', functionFile) }),
      comment: props.redirectWwwToApex ? 'SPA routing and www to apex redirect' : 'SPA routing: extension-less paths to /index.html',
    });

    // Extra behaviours, most specific first (CloudFront evaluates them in order).
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
    if (props.analyticsOrigin) {
      const origin = httpsOrigin(props.analyticsOrigin.domainName, props.analyticsOrigin.originVerifyToken);
      additionalBehaviors[trackerPath!] = {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
      };
      additionalBehaviors[collectPath!] = {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: this.responseHeadersPolicy,
      };
    }
    if (props.apiOrigin) {
      if (apiPath === trackerPath || apiPath === collectPath) {
        propError(where, 'apiOrigin.pathPattern', `'${apiPath}' is also an analytics path`,
          'Give the API and the analytics routes different path patterns.');
      }
      additionalBehaviors[apiPath!] = {
        // aws-cdk-lib's HttpOrigin rejects a token readTimeout: it is set on the distribution below instead.
        origin: httpsOrigin(props.apiOrigin.domainName, props.apiOrigin.originVerifyToken, props.apiOrigin.httpsPort,
          props.apiOrigin.readTimeout?.isUnresolved() ? undefined : props.apiOrigin.readTimeout),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: this.responseHeadersPolicy,
      };
    }

    const webAclArn = props.webAcl?.bind(this);
    this.additionalMetrics = props.additionalMetrics ?? false;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: (props.comment ?? where).slice(0, 128),
      defaultRootObject: 'index.html',
      defaultBehavior: {
        // READ and LIST: with s3:ListBucket, S3 answers a missing object with 404 instead of 403.
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
        functionAssociations: [{ function: this.viewerRequestFunction, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors,
      domainNames: this.domainNames.length > 0 ? this.domainNames : undefined,
      certificate,
      // Only with a certificate: the *.cloudfront.net one has a fixed policy (aws-cdk-lib 2.276 warns "Ignoring ...").
      minimumProtocolVersion: certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: logBucket !== undefined,
      logBucket,
      logFilePrefix: logBucket ? 'cloudfront/' : undefined,
      webAclId: webAclArn,
      publishAdditionalMetrics: this.additionalMetrics ? true : undefined,
    });
    if (props.apiOrigin?.readTimeout?.isUnresolved()) {
      // Origins in order: the bucket, the analytics origin (shared by its two behaviours), the API.
      const index = props.analyticsOrigin ? 2 : 1;
      (this.distribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride(
        `DistributionConfig.Origins.${index}.CustomOriginConfig.OriginReadTimeout`, props.apiOrigin.readTimeout.toSeconds());
    }
    // LIST is granted on purpose (404 for missing assets); the root object is set and the SPA function rewrites '/',
    // and query strings are not forwarded to S3, so the bucket listing cannot be requested through the distribution.
    Annotations.of(this.distribution).acknowledgeWarning('@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'defaultRootObject is index.html, the viewer-request function rewrites extension-less paths, and S3 never sees a query string.');
    this.acknowledgeDistribution(certificate, webAclArn, logBucket);

    if (props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new route53targets.CloudFrontTarget(this.distribution));
      this.domainNames.forEach((name, i) => {
        new route53.ARecord(this, `AliasRecord${i}`, { zone: props.hostedZone!, recordName: name, target });
        new route53.AaaaRecord(this, `AliasRecordIpv6${i}`, { zone: props.hostedZone!, recordName: name, target });
      });
    }

    this.url = `https://${this.domainNames.length > 0 ? this.domainNames[0] : this.distribution.distributionDomainName}`;

    const deployments = deploySite(this, this.bucket, this.distribution, props, memory);
    this.assetsDeployment = deployments.assets;
    this.noCacheDeployment = deployments.noCache;
  }

  /** Number of viewer requests (all methods, HTTP and HTTPS), summed over 5 minutes. */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Requests', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Percentage of viewer requests answered with a 4xx status, averaged over 5 minutes. */
  public metric4xxErrorRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('4xxErrorRate', { statistic: cloudwatch.Stats.AVERAGE, unit: cloudwatch.Unit.PERCENT, ...props });
  }

  /** Percentage of viewer requests answered with a 5xx status, averaged over 5 minutes. */
  public metric5xxErrorRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('5xxErrorRate', { statistic: cloudwatch.Stats.AVERAGE, unit: cloudwatch.Unit.PERCENT, ...props });
  }

  /** Percentage of cacheable requests served from CloudFront's cache, averaged over 5 minutes. Needs `additionalMetrics`. */
  public metricCacheHitRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.additionalMetrics) {
      propError(this.node.path, 'additionalMetrics', 'metricCacheHitRate() needs CloudFront\'s additional metrics, which are off',
        'Set additionalMetrics: true (billed per distribution and month), or use metricRequests() and the error rates.');
    }
    return this.metric('CacheHitRate', { statistic: cloudwatch.Stats.AVERAGE, unit: cloudwatch.Unit.PERCENT, ...props });
  }

  /** CloudFront publishes its metrics in us-east-1 with the dimension Region=Global, whatever the stack's region. */
  private metric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CloudFront',
      metricName,
      dimensionsMap: { DistributionId: this.distribution.distributionId, Region: 'Global' },
      region: 'us-east-1',
      period: Duration.minutes(5),
      ...props,
    });
  }

  private createCertificate(where: string, props: StaticCdnSiteProps): acm.Certificate | undefined {
    if (this.domainNames.length === 0) return undefined;
    // domainNames without certificate: resolveDomainNames made sure there is a hosted zone.
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region) || region !== 'us-east-1') {
      propError(where, 'certificate', `CloudFront needs a certificate in us-east-1 for ${this.domainNames.join(', ')}, and this stack is ${
        Token.isUnresolved(region) ? 'environment-agnostic (its region is not known at synth time)' : `in ${region}`}`,
      'Create an acm.Certificate (DNS-validated, covering domainNames) in a us-east-1 stack with crossRegionReferences: true, '
        + 'enable crossRegionReferences on this stack too, and pass it as certificate; or deploy this stack to us-east-1.');
    }
    const [first, ...rest] = this.domainNames;
    return new acm.Certificate(this, 'Certificate', {
      domainName: first,
      subjectAlternativeNames: rest.length > 0 ? rest : undefined,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });
  }

  private acknowledgeDistribution(certificate: acm.ICertificate | undefined, webAclArn: string | undefined, logBucket: s3.IBucket | undefined) {
    const d = this.distribution;
    acknowledgeAwsSolutions(d, ['CFR1'],
      'A public website is meant to be reachable from every country; geo restriction is a business decision, not a default.');
    if (!certificate) {
      acknowledgeAwsSolutions(d, ['CFR4'],
        'Without a custom domain the distribution serves the *.cloudfront.net certificate, whose TLS policy CloudFront fixes '
        + '(TLSv1); with domainNames and a certificate the policy is TLSv1.2_2021.');
    }
    if (!webAclArn) {
      acknowledgeAwsSolutions(d, ['CFR2'],
        'A web ACL is opt-in (webAcl: SiteWebAcl.managed() in us-east-1 or SiteWebAcl.fromArn()); it costs a monthly fee per ACL and rule, '
        + 'and the distribution has AWS Shield Standard in any case.');
    }
    if (!logBucket) {
      acknowledgeAwsSolutions(d, ['CFR3'], 'Logging was turned off (enableLogging: false).');
    }
  }

  /** What to watch: the distribution. */
  public monitoringTargets(): MonitoringTargets {
    return { distributions: [{ distribution: this.distribution, title: this.node.path }] };
  }
}

/** A CloudFront origin reached over HTTPS (TLS 1.2) only, with the optional verification header. */
function httpsOrigin(domainName: string, token?: string, httpsPort?: number, readTimeout?: Duration): cloudfront.IOrigin {
  return new origins.HttpOrigin(domainName, {
    protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    httpsPort,
    readTimeout,
    customHeaders: token !== undefined ? { [ORIGIN_VERIFY_HEADER]: token } : undefined,
  });
}
