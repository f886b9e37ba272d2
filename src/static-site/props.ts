import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { SiteWebAcl } from './web-acl';

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
