import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Arn, ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeAwsSolutions, acknowledgeCompliance } from '../core/nag';
import { MonitoringTargets, IObservable } from '../core/observable';
import { checkInteger, checkPattern, checkRange, propError } from '../core/validation';

/** Name of the origin header that carries the shared verification token to custom origins. */
const ORIGIN_VERIFY_HEADER = 'X-Origin-Verify';
/** The limit CloudFront puts on the Content-Security-Policy value of a response headers policy. */
const MAX_CSP_LENGTH = 1783;
/** Files served `no-cache` (besides HTML and config.json) by default: their names carry no content hash. */
const DEFAULT_NO_CACHE_FILES = ['robots.txt', 'favicon.ico', 'sitemap.xml', '*.webmanifest', 'sw.js', 'service-worker.js'];
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';
const FQDN = /^(\*\.)?(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/i;
const ORIGIN_HOST = /^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}$/i;

/**
 * An HTTPS origin behind the site's distribution for the application's API (e.g. the load balancer of a
 * `FastifyFargateApi`): requests under `pathPattern` go to it uncached, with every viewer header but `Host`.
 */
export interface SiteApiOrigin {
  /**
   * Host name of the origin. CloudFront connects over HTTPS and checks the origin's certificate against this name, so
   * use a name the load balancer's certificate covers (e.g. `api.example.com`), not the `*.elb.amazonaws.com` name.
   */
  readonly domainName: string;

  /**
   * Path pattern routed to the API. The path reaches the origin unchanged (a request for `/api/users` arrives as
   * `/api/users`).
   *
   * @default '/api/*'
   */
  readonly pathPattern?: string;

  /**
   * A shared verification token that CloudFront sends to the origin in the `X-Origin-Verify` header, so that the
   * load balancer can reject requests that bypass the distribution (a listener rule that forwards only when the header
   * matches). The value is stored in the distribution's configuration and in the CloudFormation template: it is a
   * shared token, not a secret store, so rotate it like one. An alternative that needs no token is to open the
   * load balancer's security group only to CloudFront's managed prefix list
   * (`ec2.Peer.prefixList(<id of com.amazonaws.global.cloudfront.origin-facing>)`).
   *
   * @default - no header
   */
  readonly originVerifyToken?: string;

  /**
   * HTTPS port of the origin.
   *
   * @default 443
   */
  readonly httpsPort?: number;

  /**
   * How long CloudFront waits for a response from the origin: 1 to 60 seconds (more needs a quota increase).
   *
   * @default Duration.seconds(30)
   */
  readonly readTimeout?: Duration;
}

/**
 * Umami web analytics served first-party: its tracker script and its collect endpoint are routed through the site's own
 * distribution, so that they share the site's domain (not blocked as third-party trackers, no extra CSP origin).
 */
export interface SiteAnalyticsOrigin {
  /**
   * Host name of the Umami service (e.g. `umami.example.com`), reached over HTTPS; its certificate must cover this name.
   */
  readonly domainName: string;

  /**
   * Path of the tracker script on the site. The path reaches Umami unchanged, so Umami must serve its tracker there:
   * set its `TRACKER_SCRIPT_NAME` to this path without the leading slash (e.g. `stats/script.js`). The page embeds
   * `<script defer src="/stats/script.js" data-website-id="...">`.
   *
   * @default '/stats/script.js'
   */
  readonly trackerScriptPath?: string;

  /**
   * Path the tracker posts events to. `/api/send` is Umami's own endpoint; another path needs Umami's
   * `COLLECT_API_ENDPOINT` set to it. This behaviour takes precedence over `apiOrigin`'s pattern.
   *
   * @default '/api/send'
   */
  readonly collectPath?: string;

  /**
   * A shared verification token sent in the `X-Origin-Verify` header (see `SiteApiOrigin.originVerifyToken`).
   *
   * @default - no header
   */
  readonly originVerifyToken?: string;
}

/** Options of the web ACL that `SiteWebAcl.managed()` creates. */
export interface ManagedWebAclOptions {
  /**
   * Requests one client IP may send in any 5-minute window before it is blocked (10 to 2,000,000,000). A page load
   * of a single-page app is typically 10-30 requests, cached or not: WAF counts them all.
   *
   * @default 2000
   */
  readonly rateLimitPerIp?: number;

  /**
   * How long the web ACL's logs are kept. Only blocked and counted requests are logged.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The AWS WAF web ACL in front of the site: a new one with AWS managed rules and a rate limit, or an existing one.
 */
export abstract class SiteWebAcl {
  /**
   * A new web ACL (scope CLOUDFRONT) with the AWS managed IP reputation list, common rule set and known bad inputs
   * rules, a rate limit per client IP, CloudWatch metrics and logging of blocked requests. CloudFront web ACLs exist
   * only in us-east-1, so the site's stack must be in us-east-1; from another region, create the web ACL in a
   * us-east-1 stack and use `SiteWebAcl.fromArn`.
   */
  public static managed(options: ManagedWebAclOptions = {}): SiteWebAcl {
    return new ManagedSiteWebAcl(options);
  }

  /** An existing web ACL with scope CLOUDFRONT, by ARN (from a us-east-1 stack, e.g. with `crossRegionReferences`). */
  public static fromArn(webAclArn: string): SiteWebAcl {
    return new ExistingSiteWebAcl(webAclArn);
  }

  /** Creates what the web ACL needs in `scope` and returns the web ACL's ARN. */
  public abstract bind(scope: Construct): string;
}

class ExistingSiteWebAcl extends SiteWebAcl {
  constructor(private readonly arn: string) {
    super();
  }

  public bind(scope: Construct): string {
    if (!Token.isUnresolved(this.arn)) {
      const where = scope.node.path;
      if (!/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/]+\/[^/]+$/.test(this.arn)) {
        propError(where, 'webAcl', `'${this.arn}' is not the ARN of a CloudFront (global, us-east-1) WAFv2 web ACL`,
          'Pass the ARN of a web ACL created with scope CLOUDFRONT in us-east-1 (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>).');
      }
    }
    return this.arn;
  }
}

class ManagedSiteWebAcl extends SiteWebAcl {
  constructor(private readonly options: ManagedWebAclOptions) {
    super();
  }

  public bind(scope: Construct): string {
    const where = scope.node.path;
    const limit = this.options.rateLimitPerIp ?? 2000;
    checkInteger(where, 'webAcl.rateLimitPerIp', limit);
    checkRange(where, 'webAcl.rateLimitPerIp', limit, 10, 2_000_000_000);
    const region = Stack.of(scope).region;
    if (Token.isUnresolved(region) || region !== 'us-east-1') {
      propError(where, 'webAcl', `SiteWebAcl.managed() needs the stack in us-east-1 (CloudFront web ACLs exist only there), but the stack's region is ${
        Token.isUnresolved(region) ? 'not known at synth time' : region}`,
      'Create the web ACL in a us-east-1 stack and pass SiteWebAcl.fromArn(arn) (with crossRegionReferences), or deploy the site stack to us-east-1.');
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty =>
      ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
    const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: `Web ACL of ${where}`,
      visibilityConfig: visibility('StaticCdnSite'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        managed('AWSManagedRulesAmazonIpReputationList', 1),
        managed('AWSManagedRulesCommonRuleSet', 2),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
    // WAF requires the log group name to start with aws-waf-logs-.
    const logGroup = new logs.LogGroup(scope, 'WebAclLogs', {
      logGroupName: `aws-waf-logs-${Stack.of(scope).stackName}-${scope.node.addr.slice(-8)}`.slice(0, 512),
      retention: this.options.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeCompliance(logGroup, ['CloudWatchLogGroupEncrypted'],
      'CloudWatch Logs encrypts log data at rest with service keys; the WAF logs hold request metadata of blocked requests only.');
    new wafv2.CfnLoggingConfiguration(scope, 'WebAclLogging', {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [logGroup.logGroupArn],
      // Keep only what WAF blocked or counted: allowed requests are in the CloudFront access logs already.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [{
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
        }],
      },
    });
    return webAcl.attrArn;
  }
}

/** Props of {@link StaticCdnSite}. */
export interface StaticCdnSiteProps {
  /**
   * Local directory holding the built site (e.g. `dist/` of a Vite build), uploaded on every deployment. HTML files
   * and the files of `noCacheFiles` are served `Cache-Control: no-cache`, everything else (content-hashed assets)
   * `public, max-age=31536000, immutable`. Give `sourceDirectory` or `sources`, not both.
   *
   * @default - nothing is uploaded from a directory
   */
  readonly sourceDirectory?: string;

  /**
   * Sources of the built site, as an alternative to `sourceDirectory` (e.g. `s3deploy.Source.bucket(...)`), with the
   * same cache-control rules.
   *
   * @default - nothing is uploaded from sources
   */
  readonly sources?: s3deploy.ISource[];

  /**
   * Values written to `/config.json` at deployment time (CDK tokens such as the API URL and analytics ids resolve
   * to their deployed values), served `no-cache`, so that one build runs in every environment: the app fetches
   * `/config.json` at start. Never put secrets here: the file is public.
   *
   * @default - no config.json
   */
  readonly runtimeConfig?: { [key: string]: string };

  /**
   * Patterns (`aws s3 sync` filters, relative to the site root: `*` matches any characters, `/` included) of files
   * whose names carry no content hash, served `no-cache` like HTML instead of cached for a year. HTML files and
   * `config.json` are always `no-cache`.
   *
   * @default ['robots.txt', 'favicon.ico', 'sitemap.xml', '*.webmanifest', 'sw.js', 'service-worker.js']
   */
  readonly noCacheFiles?: string[];

  /**
   * Paths invalidated in CloudFront after each upload. Content-hashed assets get new names on every build, so only the
   * files served `no-cache` need it.
   *
   * @default - `/`, `/index.html`, `/config.json` (with `runtimeConfig`), and each HTML or `noCacheFiles` file found in
   * `sourceDirectory` (`/*` when there are more than 100)
   */
  readonly distributionPaths?: string[];

  /**
   * Memory of the Lambda function that uploads the site, in MiB (128 to 10240). Large sites need more.
   *
   * @default 512
   */
  readonly deploymentMemoryLimit?: number;

  /**
   * Domain names the site is served at (e.g. `['example.com']`). The first one is the site's `url`. Needs
   * `certificate`, or `hostedZone` with the stack in us-east-1 (a DNS-validated certificate is created).
   *
   * @default - the distribution's `*.cloudfront.net` domain name
   */
  readonly domainNames?: string[];

  /**
   * Hosted zone holding `domainNames`: A and AAAA alias records are created in it for every domain name.
   *
   * @default - no DNS records
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Certificate covering `domainNames`. CloudFront accepts only certificates in us-east-1: from a stack in another
   * region, create it in a us-east-1 stack (`acm.Certificate` with `crossRegionReferences: true` on both stacks) and pass it.
   *
   * @default - a DNS-validated certificate in `hostedZone` when the stack is in us-east-1
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Whether `www.<first domain name>` is served too and answered with a 301 to the first domain name (a CloudFront
   * Function at the edge). The www name is added to the distribution, the created certificate and the DNS records;
   * a `certificate` you pass must cover it.
   *
   * @default false
   */
  readonly redirectWwwToApex?: boolean;

  /**
   * The web ACL in front of the distribution.
   *
   * @default - no web ACL (CloudFront's built-in AWS Shield Standard still applies)
   */
  readonly webAcl?: SiteWebAcl;

  /**
   * An API behind the same distribution (e.g. `/api/*` to a `FastifyFargateApi`).
   *
   * @default - no API behaviour
   */
  readonly apiOrigin?: SiteApiOrigin;

  /**
   * Umami analytics behind the same distribution (tracker script and collect endpoint first-party).
   *
   * @default - no analytics behaviours
   */
  readonly analyticsOrigin?: SiteAnalyticsOrigin;

  /**
   * Content-Security-Policy header value, replacing the default. It is checked against `apiOrigin`, `analyticsOrigin`
   * and `cspConnectSources`: a policy that would block them fails synthesis.
   *
   * @default - `default-src 'self'`, scripts, styles, fonts, images and connections from the site itself (which
   * includes the API and analytics routed through it) plus `cspScriptSources`/`cspConnectSources`, inline styles,
   * `data:` and `blob:` images, `blob:` workers, no plugins, no framing (`frame-ancestors 'none'`), upgrade-insecure-requests
   */
  readonly contentSecurityPolicy?: string;

  /**
   * Origins (e.g. `https://openreplay.example.com`) the page may connect to (fetch, XHR, WebSocket, beacons) besides
   * the site itself: added to `connect-src` of the default CSP; checked against a `contentSecurityPolicy` you set.
   *
   * @default - none
   */
  readonly cspConnectSources?: string[];

  /**
   * Origins the page may load scripts from besides the site itself: added to `script-src` of the default CSP;
   * checked against a `contentSecurityPolicy` you set.
   *
   * @default - none
   */
  readonly cspScriptSources?: string[];

  /**
   * Whether the HSTS header asks for inclusion in browsers' preload lists (`preload`). Preloading is hard to undo:
   * every subdomain must serve HTTPS.
   *
   * @default false
   */
  readonly hstsPreload?: boolean;

  /**
   * Permissions-Policy header value.
   *
   * @default 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()'
   */
  readonly permissionsPolicy?: string;

  /**
   * Edge locations the distribution uses.
   *
   * @default cloudfront.PriceClass.PRICE_CLASS_100 (North America and Europe: the cheapest)
   */
  readonly priceClass?: cloudfront.PriceClass;

  /**
   * Whether CloudFront standard logs and the site bucket's server access logs are written to `logBucket`.
   *
   * @default true
   */
  readonly enableLogging?: boolean;

  /**
   * Bucket for the CloudFront standard logs (prefix `cloudfront/`) and the site bucket's server access logs (prefix
   * `s3-access/`). CloudFront standard logging needs a bucket with ACLs enabled (object ownership
   * BUCKET_OWNER_PREFERRED or OBJECT_WRITER) and SSE-S3 encryption.
   *
   * @default - a new bucket: SSE-S3, SSL only, public access blocked, versioned, objects expired after `logRetention`
   */
  readonly logBucket?: s3.IBucket;

  /**
   * How long logs are kept in the bucket this construct creates.
   *
   * @default Duration.days(90)
   */
  readonly logRetention?: Duration;

  /**
   * Whether CloudFront's additional metrics (cache hit rate, origin latency, per-status error rates) are enabled.
   * They are billed per distribution and month; `metricCacheHitRate()` needs them.
   *
   * @default false
   */
  readonly additionalMetrics?: boolean;

  /**
   * KMS key that encrypts the site bucket. The construct adds the key policy statement that lets this distribution
   * decrypt (for a key created in the same app).
   *
   * @default - SSE-S3 (S3-managed keys)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the site bucket when it leaves the stack. A bucket that is not empty cannot be destroyed.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long old versions of replaced or deleted objects are kept in the versioned site bucket.
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Comment of the distribution.
   *
   * @default - the construct path
   */
  readonly comment?: string;
}

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
    if (props.apiOrigin?.readTimeout && !props.apiOrigin.readTimeout.isUnresolved()) {
      const s = props.apiOrigin.readTimeout.toSeconds();
      if (s < 1 || s > 60) {
        propError(where, 'apiOrigin.readTimeout', `${props.apiOrigin.readTimeout.toHumanString()} is outside 1..60 seconds`,
          'Use a timeout from 1 to 60 seconds (longer needs a CloudFront quota increase and is not supported here).');
      }
    }
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
    const hstsPreload = props.hstsPreload ?? false;
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Security headers of ${where}`.slice(0, 128),
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: hstsPreload,
          override: true,
        },
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{
          header: 'Permissions-Policy',
          value: props.permissionsPolicy
            ?? 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
          override: true,
        }],
      },
    });

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
        origin: httpsOrigin(props.apiOrigin.domainName, props.apiOrigin.originVerifyToken, props.apiOrigin.httpsPort, props.apiOrigin.readTimeout),
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

    const deployments = this.deploy(props, memory);
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

  private deploy(props: StaticCdnSiteProps, memoryLimit: number): { assets?: s3deploy.BucketDeployment; noCache?: s3deploy.BucketDeployment } {
    const userSources = props.sourceDirectory ? [s3deploy.Source.asset(props.sourceDirectory)] : props.sources ?? [];
    if (userSources.length === 0 && !props.runtimeConfig) {
      return {};
    }
    const noCachePatterns = ['*.html', 'config.json', ...(props.noCacheFiles ?? DEFAULT_NO_CACHE_FILES)];
    const logGroup = deploymentLogGroup(this);
    const common = { destinationBucket: this.bucket, memoryLimit, logGroup };

    let assets: s3deploy.BucketDeployment | undefined;
    if (userSources.length > 0) {
      // Content-hashed assets: never pruned, so that a browser still running the previous index.html (or a lazy chunk
      // requested after a deployment) finds the files it references; old versions cost little and keep rollbacks working.
      assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
        ...common,
        sources: userSources,
        exclude: noCachePatterns,
        prune: false,
        cacheControl: [s3deploy.CacheControl.fromString(IMMUTABLE)],
      });
      acknowledgeDeploymentHandler(assets, this.bucket);
    }

    // The no-cache files, after the assets (a new index.html never references a file not uploaded yet). Pruned when the
    // build is uploaded here: the include/exclude filters also bound what `aws s3 sync --delete` may remove, so this
    // deletes only stale HTML and no-cache files, never the assets of the other deployment. With config.json alone (the
    // site is uploaded by something else) nothing is pruned, or the other uploader's HTML would be deleted.
    const sources = [...userSources];
    if (props.runtimeConfig) {
      // Last, so that it replaces a config.json of the build.
      sources.push(s3deploy.Source.jsonData('config.json', props.runtimeConfig));
    }
    const noCache = new s3deploy.BucketDeployment(this, 'DeployNoCache', {
      ...common,
      sources,
      exclude: ['*'],
      include: noCachePatterns,
      prune: userSources.length > 0,
      cacheControl: [s3deploy.CacheControl.fromString(NO_CACHE)],
      distribution: this.distribution,
      distributionPaths: props.distributionPaths ?? defaultDistributionPaths(props, noCachePatterns),
    });
    if (assets) noCache.node.addDependency(assets);
    acknowledgeDeploymentHandler(noCache, this.bucket);
    return { assets, noCache };
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

function validateSources(where: string, props: StaticCdnSiteProps) {
  if (props.sourceDirectory !== undefined && props.sources !== undefined) {
    propError(where, 'sources', 'both sourceDirectory and sources were given', 'Give one of them: sourceDirectory for a local build, sources otherwise.');
  }
  if (props.sourceDirectory !== undefined && !Token.isUnresolved(props.sourceDirectory)) {
    if (!fs.existsSync(props.sourceDirectory) || !fs.statSync(props.sourceDirectory).isDirectory()) {
      propError(where, 'sourceDirectory', `'${props.sourceDirectory}' is not a directory`,
        'Build the site first (e.g. npm run build) and pass the path of its output directory (e.g. dist/).');
    }
  }
  for (const pattern of props.noCacheFiles ?? []) {
    if (pattern.startsWith('/')) {
      propError(where, 'noCacheFiles', `'${pattern}' starts with '/'`, `Use patterns relative to the site root, e.g. '${pattern.replace(/^\/+/, '')}'.`);
    }
  }
  for (const p of props.distributionPaths ?? []) {
    if (!Token.isUnresolved(p) && !p.startsWith('/')) {
      propError(where, 'distributionPaths', `'${p}' does not start with '/'`, `Use '/${p}'.`);
    }
  }
}

/** A CloudFront path pattern: starts with '/', no whitespace, query or fragment. */
function checkPathPattern(where: string, prop: string, value: string): string {
  if (!Token.isUnresolved(value) && (!value.startsWith('/') || /[\s?#]/.test(value) || value === '/*')) {
    propError(where, prop, `'${value}' is not a path pattern under the site`,
      `Use a pattern that starts with '/' and is not '/*' (the site itself), e.g. '/${value.replace(/^\/*/, '').replace(/[\s?#].*$/, '') || 'api/*'}'.`);
  }
  return value;
}

function checkOriginHost(where: string, prop: string, value: string) {
  if (!Token.isUnresolved(value) && /^[a-z]+:\/\//i.test(value)) {
    propError(where, prop, `'${value}' is a URL, not a host name`, `Use the host name only, e.g. '${value.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '')}'.`);
  }
  checkPattern(where, prop, value, ORIGIN_HOST, 'a host name such as api.example.com');
}

function resolveDomainNames(where: string, props: StaticCdnSiteProps): string[] {
  const names = [...(props.domainNames ?? [])];
  for (const name of names) {
    checkPattern(where, 'domainNames', name, FQDN, 'a fully qualified domain name such as example.com');
  }
  if (props.hostedZone && names.length === 0) {
    propError(where, 'hostedZone', 'a hosted zone was given without domain names', 'Set domainNames too (names inside the zone), or remove hostedZone.');
  }
  if (props.certificate && names.length === 0) {
    propError(where, 'certificate', 'a certificate was given without domain names', 'Set domainNames to the names the certificate covers, or remove certificate.');
  }
  if (names.length > 0 && !props.certificate && !props.hostedZone) {
    propError(where, 'domainNames', `${names.join(', ')} need a certificate, and there is neither a certificate nor a hosted zone to create one`,
      'Pass certificate (an ACM certificate in us-east-1 covering the names), or hostedZone with the stack in us-east-1.');
  }
  if (props.redirectWwwToApex) {
    if (names.length === 0) {
      propError(where, 'redirectWwwToApex', 'there is no domain name to redirect to', 'Set domainNames (the apex first, e.g. [\'example.com\']), or remove redirectWwwToApex.');
    }
    const apex = names[0];
    if (!Token.isUnresolved(apex) && (apex.toLowerCase().startsWith('www.') || apex.startsWith('*.'))) {
      propError(where, 'redirectWwwToApex', `the first domain name '${apex}' is not an apex name`, 'Put the name to redirect to first in domainNames, e.g. [\'example.com\'].');
    }
    const www = `www.${apex}`;
    if (!names.some((n) => n.toLowerCase() === www.toLowerCase())) names.push(www);
  }
  const zoneName = props.hostedZone && !Token.isUnresolved(props.hostedZone.zoneName) ? props.hostedZone.zoneName.replace(/\.$/, '').toLowerCase() : undefined;
  if (zoneName) {
    for (const name of names) {
      const n = name.toLowerCase().replace(/^\*\./, '');
      if (!Token.isUnresolved(name) && n !== zoneName && !n.endsWith(`.${zoneName}`)) {
        propError(where, 'domainNames', `'${name}' is not inside the hosted zone ${zoneName}`,
          'Use names inside the zone, or pass the zone that holds them.');
      }
    }
  }
  if (names.length > 0 && new Set(names.map((n) => n.toLowerCase())).size !== names.length) {
    propError(where, 'domainNames', `${names.join(', ')} has duplicates`, 'List each domain name once.');
  }
  return names;
}

function checkCertificateRegion(where: string, certificate: acm.ICertificate) {
  const region = certificateRegion(certificate);
  if (region !== undefined && region !== 'us-east-1') {
    propError(where, 'certificate', `the certificate is in ${region}, but CloudFront accepts only certificates in us-east-1`,
      'Create the certificate in a us-east-1 stack (acm.Certificate with crossRegionReferences: true on both stacks) and pass it here.');
  }
}

/** The paths served no-cache: `/`, `/index.html`, `/config.json`, and the matching files of a local build. */
function defaultDistributionPaths(props: StaticCdnSiteProps, noCachePatterns: string[]): string[] {
  const paths = new Set(['/', '/index.html']);
  if (props.runtimeConfig) paths.add('/config.json');
  if (props.sourceDirectory !== undefined && !Token.isUnresolved(props.sourceDirectory)) {
    const patterns = noCachePatterns.map(globToRegExp);
    for (const file of listFiles(props.sourceDirectory)) {
      if (patterns.some((r) => r.test(file))) paths.add(`/${file.split('/').map(encodeURIComponent).join('/')}`);
    }
  }
  return paths.size > 100 ? ['/*'] : [...paths];
}

/** An `aws s3 sync` filter as a regular expression: `*` matches any characters including '/', `?` one character. */
function globToRegExp(glob: string): RegExp {
  const body = glob.split('').map((c) => {
    if (c === '*') return '.*';
    if (c === '?') return '.';
    return /[.+^$()|[\]{}\\]/.test(c) ? `\\${c}` : c;
  }).join('');
  return new RegExp(`^${body}$`);
}

/** Files under `dir`, as sorted '/'-separated paths relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/** The region of a certificate when it is known at synth time: from its ARN, else from its environment. */
function certificateRegion(certificate: acm.ICertificate): string | undefined {
  const arn = certificate.certificateArn;
  if (!Token.isUnresolved(arn)) {
    const region = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region;
    if (region && !Token.isUnresolved(region)) return region;
  }
  const region = certificate.env.region;
  return Token.isUnresolved(region) ? undefined : region;
}

/** Parses a CSP into directive -> source list (lower-case directive names). */
function parseCsp(csp: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const tokens = part.trim().split(/\s+/).filter((t) => t !== '');
    if (tokens.length === 0) continue;
    const name = tokens[0].toLowerCase();
    if (!directives.has(name)) directives.set(name, tokens.slice(1));
  }
  return directives;
}

/** Whether a CSP source list allows `source` (`'self'` or an https origin such as `https://a.example.com`). */
function allows(sources: string[], source: string): boolean {
  const list = sources.map((s) => s.toLowerCase().replace(/\/+$/, ''));
  if (list.includes('\'none\'')) return false;
  if (list.includes('*') || list.includes('https:')) return true;
  if (source === '\'self\'') return list.includes('\'self\'');
  const host = source.toLowerCase().replace(/^https:\/\//, '').replace(/\/.*$/, '');
  return list.some((s) => {
    const h = s.replace(/^https:\/\//, '');
    if (/^[a-z]+:\/\//.test(h)) return false;
    if (h === host) return true;
    return h.startsWith('*.') && host.endsWith(h.slice(1));
  });
}

/** The effective source list of `directive` (falling back to default-src), or undefined when nothing restricts it. */
function effectiveSources(csp: Map<string, string[]>, directive: string): string[] | undefined {
  return csp.get(directive) ?? csp.get('default-src');
}

function buildContentSecurityPolicy(where: string, props: StaticCdnSiteProps): string {
  const connect = props.cspConnectSources ?? [];
  const script = props.cspScriptSources ?? [];
  for (const [prop, list] of [['cspConnectSources', connect], ['cspScriptSources', script]] as const) {
    for (const s of list) {
      if (!Token.isUnresolved(s) && (/[\s;,]/.test(s) || s === '')) {
        propError(where, prop, `'${s}' is not a single CSP source`, 'Give one origin per entry, e.g. \'https://analytics.example.com\'.');
      }
    }
  }
  let csp: string;
  if (props.contentSecurityPolicy === undefined) {
    csp = [
      'default-src \'self\'',
      ['script-src', '\'self\'', ...script].join(' '),
      'style-src \'self\' \'unsafe-inline\'',
      'img-src \'self\' data: blob:',
      'font-src \'self\' data:',
      ['connect-src', '\'self\'', ...connect].join(' '),
      'worker-src \'self\' blob:',
      'manifest-src \'self\'',
      'object-src \'none\'',
      'base-uri \'self\'',
      'form-action \'self\'',
      'frame-ancestors \'none\'',
      'upgrade-insecure-requests',
    ].join('; ');
  } else {
    csp = props.contentSecurityPolicy.trim();
    if (Token.isUnresolved(csp)) return csp;
    if (csp === '') {
      propError(where, 'contentSecurityPolicy', 'the policy is empty', 'Give a policy, or leave contentSecurityPolicy unset for the default.');
    }
    const parsed = parseCsp(csp);
    const need: Array<[string, string, string]> = []; // directive, source, why
    if (props.analyticsOrigin) {
      need.push(['script-src', '\'self\'', `the analytics tracker script (${props.analyticsOrigin.trackerScriptPath ?? '/stats/script.js'}, analyticsOrigin)`]);
      need.push(['connect-src', '\'self\'', `the analytics collect endpoint (${props.analyticsOrigin.collectPath ?? '/api/send'}, analyticsOrigin)`]);
    }
    if (props.apiOrigin) need.push(['connect-src', '\'self\'', `the API (${props.apiOrigin.pathPattern ?? '/api/*'}, apiOrigin)`]);
    for (const s of connect) if (!Token.isUnresolved(s)) need.push(['connect-src', s, `${s} (cspConnectSources)`]);
    for (const s of script) if (!Token.isUnresolved(s)) need.push(['script-src', s, `${s} (cspScriptSources)`]);
    for (const [directive, source, why] of need) {
      const list = effectiveSources(parsed, directive);
      if (list !== undefined && !allows(list, source)) {
        propError(where, 'contentSecurityPolicy', `the policy blocks ${why}: ${directive} (or default-src) does not allow ${source}`,
          `Add ${source} to ${directive} of the policy, or leave contentSecurityPolicy unset for a default that allows it.`);
      }
    }
  }
  if (csp.length > MAX_CSP_LENGTH) {
    propError(where, 'contentSecurityPolicy', `the policy is ${csp.length} characters long`,
      `CloudFront accepts at most ${MAX_CSP_LENGTH} characters: shorten it (e.g. use default-src for shared sources).`);
  }
  return csp;
}

function createLogBucket(scope: Construct, retention: Duration): s3.Bucket {
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

/** One log group, with a retention, for the upload function that every BucketDeployment of the stack shares. */
function deploymentLogGroup(scope: Construct): logs.ILogGroup {
  const stack = Stack.of(scope);
  const id = 'StaticCdnSiteDeploymentLogs';
  const existing = stack.node.tryFindChild(id) as logs.LogGroup | undefined;
  if (existing) return existing;
  const group = new logs.LogGroup(stack, id, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  acknowledgeCompliance(group, ['CloudWatchLogGroupEncrypted'],
    'CloudWatch Logs encrypts log data at rest with service keys; the upload function logs file names only.');
  return group;
}

/**
 * Acknowledges the findings on the upload function of a BucketDeployment, a stack-wide singleton that aws-cdk-lib
 * creates and configures (runtime, managed policy, wildcard grants): the narrowest construct that holds them.
 */
function acknowledgeDeploymentHandler(deployment: s3deploy.BucketDeployment, siteBucket: s3.Bucket) {
  const handler: IConstruct | undefined = deployment.handlerRole.node.scope;
  if (!handler) return;
  acknowledgeAwsSolutions(handler, ['IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'],
    'The upload function of s3deploy.BucketDeployment (aws-cdk-lib) uses the AWS managed basic execution role for its logs.');
  acknowledgeAwsSolutions(handler, ['L1'],
    'The upload function of s3deploy.BucketDeployment is built and versioned by aws-cdk-lib with the runtime its bundled AWS CLI needs.');
  acknowledgeCompliance(handler, ['LambdaInsideVPC', 'LambdaDLQ', 'LambdaConcurrency'],
    'The upload function of s3deploy.BucketDeployment runs only during deployments, invoked by CloudFormation: it needs no VPC, '
    + 'and a dead-letter queue or reserved concurrency add nothing to a custom resource handler.');
  acknowledgeCompliance(handler, ['IAMNoInlinePolicy'],
    'aws-cdk-lib grants the upload function read of the source bucket and read/write of the site bucket in its inline default policy.');
  acknowledgeAwsSolutions(handler, ['IAM5[Action::s3:GetBucket*]', 'IAM5[Action::s3:GetObject*]', 'IAM5[Action::s3:List*]',
    'IAM5[Action::s3:Abort*]', 'IAM5[Action::s3:DeleteObject*]'],
  'aws-cdk-lib\'s grantRead/grantReadWrite for the upload function: object-level actions on its source bucket and the site bucket only.');
  if (siteBucket.encryptionKey) {
    acknowledgeAwsSolutions(handler, ['IAM5[Action::kms:ReEncrypt*]', 'IAM5[Action::kms:GenerateDataKey*]'],
      'aws-cdk-lib\'s grantReadWrite on the SSE-KMS site bucket: data-key actions on the bucket\'s key only.');
  }
  acknowledgeAwsSolutions(handler, ['IAM5[Resource::*]'],
    'cloudfront:CreateInvalidation and GetInvalidation have no resource-level scoping in s3deploy.BucketDeployment (aws-cdk-lib).');
  // The object wildcards (`<bucket ARN>/*`) are known once the policy is complete: acknowledge them at validation, before
  // any validation plugin reads the acknowledgements.
  deployment.node.addValidation({
    validate: () => {
      const policy = deployment.handlerRole.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
      if (!policy) return [];
      const stack = Stack.of(policy);
      const bucketRef = `<${stack.getLogicalId(siteBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
      const doc = stack.resolve(policy.document.toJSON()) as { Statement?: Array<{ Effect: string; Action: unknown; Resource: unknown }> };
      for (const statement of doc.Statement ?? []) {
        if (statement.Effect !== 'Allow') continue;
        const actions = ([] as unknown[]).concat(statement.Action).map(String);
        const readOnly = actions.every((a) => ['s3:GetObject*', 's3:GetBucket*', 's3:List*'].includes(a));
        for (const resource of ([] as unknown[]).concat(statement.Resource).map(flattenReference)) {
          if (resource.includes('*') && (readOnly || resource.startsWith(bucketRef))) {
            acknowledgeAwsSolutions(handler, [`IAM5[Resource::${resource}]`], readOnly
              ? 'aws-cdk-lib grants the upload function read of the objects of its source (the staged site build in the CDK asset bucket).'
              : 'The upload function writes and prunes the objects of the site bucket (aws-cdk-lib\'s grantReadWrite), and nothing else.');
          }
        }
      }
      return [];
    },
  });
}

/** A CloudFormation value as one string, the way policy findings name resources (`<Logical.Attr>`, `<Ref>`). */
function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flattenReference).join(v['Fn::Join'][0]);
  if (v['Fn::Sub']) return flattenReference(v['Fn::Sub']);
  if (v['Fn::GetAtt']) return `<${flattenReference(v['Fn::GetAtt'][0])}.${flattenReference(v['Fn::GetAtt'][1])}>`;
  if (v['Fn::ImportValue']) return flattenReference(v['Fn::ImportValue']);
  if (v.Ref) return `<${flattenReference(v.Ref)}>`;
  return JSON.stringify(value);
}
