import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { SiteWebAcl, StaticCdnSite, StaticCdnSiteProps } from '../src/static-site';
import { cfnLintErrors } from './helpers/cfn-lint';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { testCertificate, testStack } from './helpers/stacks';

const SITE_DIR = path.join(__dirname, 'fixtures', 'site');
const FUNCTIONS_DIR = path.join(__dirname, '..', 'src', 'static-site', 'functions');
const US_EAST_1_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/11111111-1111-1111-1111-111111111111';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/site/22222222-2222-2222-2222-222222222222';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

function edgeStack(app: App = testApp(), id = 'Edge'): Stack {
  return new Stack(app, id, { env: { account: '111111111111', region: 'us-east-1' } });
}

function zone(stack: Stack): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' });
}

function build(props: StaticCdnSiteProps = {}, stack: Stack = testStack()) {
  const site = new StaticCdnSite(stack, 'Site', props);
  return { stack, site, template: Template.fromStack(stack) };
}

/** The properties of the only resource of `type` whose properties match `filter`. */
function only(t: Template, type: string, filter: Record<string, unknown> = {}): any {
  const found = Object.values(t.findResources(type, { Properties: filter }));
  expect(found).toHaveLength(1);
  return (found[0] as any).Properties;
}

/** The synth-time error message of `fn`. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('StaticCdnSite defaults (eu-west-1, local build, runtime config)', () => {
  const stack = testStack();
  const apiUrl = new CfnParameter(stack, 'ApiUrl').valueAsString;
  const site = new StaticCdnSite(stack, 'Site', {
    sourceDirectory: SITE_DIR,
    runtimeConfig: { apiUrl, umamiWebsiteId: '0b4d6d3e-0000-4000-8000-000000000000' },
  });
  const t = Template.fromStack(stack);
  const siteBucket = { Ref: stack.getLogicalId(site.bucket.node.defaultChild as s3.CfnBucket) };
  const distributionRef = { Ref: stack.getLogicalId(site.distribution.node.defaultChild as cloudfront.CfnDistribution) };

  test('bucket: private, SSE-S3, versioned, old versions expired, access logs, retained', () => {
    t.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [{ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^SiteLogs') }, LogFilePrefix: 's3-access/' },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(JSON.stringify(t.toJSON())).not.toMatch(/WebsiteConfiguration|CloudFrontOriginAccessIdentity/);
  });

  test('origin access control, and the bucket policy grants only this distribution (AWS:SourceArn)', () => {
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const policy = only(t, 'AWS::S3::BucketPolicy', { Bucket: siteBucket });
    const statements = policy.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Action: ['s3:GetObject', 's3:ListBucket'],
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Condition: {
        StringEquals: {
          'AWS:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', distributionRef]] },
        },
      },
      Resource: expect.anything(),
    });
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // No other principal may read.
    const allows = statements.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    const dist = only(t, 'AWS::CloudFront::Distribution').DistributionConfig;
    expect(dist.Origins).toEqual([expect.objectContaining({
      OriginAccessControlId: { 'Fn::GetAtt': [expect.stringMatching(/S3OriginAccessControl/), 'Id'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
    })]);
  });

  test('distribution: HTTP/2 and HTTP/3, IPv6, redirect to HTTPS, price class 100, root object, logs, no error rewriting', () => {
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        HttpVersion: 'http2and3',
        IPV6Enabled: true,
        PriceClass: 'PriceClass_100',
        DefaultRootObject: 'index.html',
        Logging: { Bucket: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SiteLogs'), 'RegionalDomainName'] }, Prefix: 'cloudfront/' },
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: CACHING_OPTIMIZED,
          Compress: true,
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        }),
      }),
    });
    const dist = only(t, 'AWS::CloudFront::Distribution').DistributionConfig;
    expect(dist.CustomErrorResponses).toBeUndefined();
    expect(dist.WebACLId).toBeUndefined();
    expect(dist.Aliases).toBeUndefined();
    expect(dist.CacheBehaviors).toBeUndefined();
  });

  test('logs bucket: SSE-S3, ACLs for CloudFront log delivery, SSL only, expiry after 90 days', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' }] },
    });
  });

  test('security headers: HSTS 2 years with subdomains, CSP, nosniff, DENY, strict-origin-when-cross-origin, Permissions-Policy', () => {
    const config = only(t, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig;
    expect(config.SecurityHeadersConfig).toEqual({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Preload: false, Override: true },
      ContentSecurityPolicy: {
        ContentSecurityPolicy: 'default-src \'self\'; script-src \'self\'; style-src \'self\' \'unsafe-inline\'; img-src \'self\' data: blob:; '
          + 'font-src \'self\' data:; connect-src \'self\'; worker-src \'self\' blob:; manifest-src \'self\'; object-src \'none\'; '
          + 'base-uri \'self\'; form-action \'self\'; frame-ancestors \'none\'; upgrade-insecure-requests',
        Override: true,
      },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
    });
    expect(config.CustomHeadersConfig).toEqual({
      Items: [{
        Header: 'Permissions-Policy',
        Value: 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()',
        Override: true,
      }],
    });
    const dist = only(t, 'AWS::CloudFront::Distribution').DistributionConfig;
    const policyId = stack.getLogicalId(site.responseHeadersPolicy.node.defaultChild as cloudfront.CfnResponseHeadersPolicy);
    expect(dist.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  test('SPA routing function (cloudfront-js-2.0, the packaged source) on viewer requests of the default behaviour', () => {
    const fn = only(t, 'AWS::CloudFront::Function');
    expect(fn.FunctionConfig.Runtime).toEqual('cloudfront-js-2.0');
    expect(fn.AutoPublish).toBe(true);
    expect(fn.FunctionCode).toEqual(fs.readFileSync(path.join(FUNCTIONS_DIR, 'spa-routing.js'), 'utf-8'));
    const dist = only(t, 'AWS::CloudFront::Distribution').DistributionConfig;
    expect(dist.DefaultCacheBehavior.FunctionAssociations).toEqual([{
      EventType: 'viewer-request',
      FunctionARN: { 'Fn::GetAtt': [stack.getLogicalId(site.viewerRequestFunction.node.defaultChild as any), 'FunctionARN'] },
    }]);
  });

  test('hashed assets: public, max-age=31536000, immutable; never pruned; HTML and unhashed files excluded', () => {
    const assets = only(t, 'Custom::CDKBucketDeployment', { Prune: false });
    expect(assets.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
    expect(assets.Exclude).toEqual(['*.html', 'config.json', 'robots.txt', 'favicon.ico', 'sitemap.xml', '*.webmanifest', 'sw.js', 'service-worker.js']);
    expect(assets.Include).toBeUndefined();
    expect(assets.DestinationBucketName).toEqual(siteBucket);
    expect(assets.DistributionId).toBeUndefined();
  });

  test('HTML, config.json and unhashed files: no-cache, pruned within their filter only, uploaded after the assets', () => {
    const noCache = only(t, 'Custom::CDKBucketDeployment', { Prune: true });
    expect(noCache.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    expect(noCache.Exclude).toEqual(['*']);
    expect(noCache.Include).toEqual(['*.html', 'config.json', 'robots.txt', 'favicon.ico', 'sitemap.xml', '*.webmanifest', 'sw.js', 'service-worker.js']);
    // Two sources: the build, then the generated config.json (it wins over a config.json of the build).
    expect(noCache.SourceObjectKeys).toHaveLength(2);
    const deployments = t.findResources('Custom::CDKBucketDeployment', { Properties: { Prune: true } });
    const assetsId = Object.keys(t.findResources('Custom::CDKBucketDeployment', { Properties: { Prune: false } }))[0];
    expect((Object.values(deployments)[0] as any).DependsOn).toContain(assetsId);
  });

  test('invalidation: only the no-cache paths found in the build, not /*', () => {
    const noCache = only(t, 'Custom::CDKBucketDeployment', { Prune: true });
    expect(noCache.DistributionId).toEqual(distributionRef);
    expect(noCache.DistributionPaths).toEqual(['/', '/index.html', '/config.json', '/about/index.html', '/favicon.ico', '/robots.txt']);
  });

  test('the upload function runs as a role of the library: no AWS managed policy, logs only to its own log group', () => {
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((f: any) => JSON.stringify(f.Properties.Layers ?? []).includes('AwsCliLayer')) as any;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    expect(roleId).toMatch(/^StaticCdnSiteDeploymentRole/);
    const role = t.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).filter((p: any) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement) as any[];
    const logs = statements.filter((st) => [].concat(st.Action).some((a: string) => a.startsWith('logs:')));
    expect(logs).toEqual([expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StaticCdnSiteDeploymentLogs/), 'Arn'] } })]);
  });

  test('the upload function may invalidate this distribution only (its ARN, not "*")', () => {
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement) as any[];
    const invalidation = statements.filter((st) => [].concat(st.Action).some((a: string) => a.startsWith('cloudfront:')));
    expect(invalidation).toHaveLength(1);
    expect(invalidation[0].Action).toEqual(['cloudfront:GetInvalidation', 'cloudfront:CreateInvalidation']);
    expect(JSON.stringify(invalidation[0].Resource)).toMatch(/^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":cloudfront::\d{12}:distribution\/",\{"Ref":"SiteDistribution[0-9A-F]+"\}\]\]\}$/);
  });

  test('config.json is generated from tokens at deployment time', () => {
    const noCache = only(t, 'Custom::CDKBucketDeployment', { Prune: true });
    // The bucket name is a deploy-time value: BucketDeployment substitutes it through a marker.
    expect(noCache.SourceMarkers[1]).toEqual({ '<<marker:0xbaba:0>>': { 'Fn::Join': ['', ['"', { Ref: 'ApiUrl' }, '"']] } });
  });

  test('the upload function logs to a log group with a retention period', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^StaticCdnSiteDeploymentLogs') } },
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('exposes the parts', () => {
    expect(site.url).toMatch(/^https:\/\/\$\{Token/);
    expect(stack.resolve(site.url)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionRef.Ref, 'DomainName'] }]] });
    expect(site.domainNames).toEqual([]);
    expect(site.bucket).toBeDefined();
    expect(site.logBucket).toBeDefined();
    expect(site.certificate).toBeUndefined();
    expect(site.assetsDeployment).toBeDefined();
    expect(site.noCacheDeployment).toBeDefined();
  });

  test('metrics are read in us-east-1 with Region=Global', () => {
    for (const [metric, name, statistic] of [
      [site.metricRequests(), 'Requests', 'Sum'],
      [site.metric4xxErrorRate(), '4xxErrorRate', 'Average'],
      [site.metric5xxErrorRate(), '5xxErrorRate', 'Average'],
    ] as const) {
      expect(metric.namespace).toEqual('AWS/CloudFront');
      expect(metric.metricName).toEqual(name);
      expect(metric.statistic).toEqual(statistic);
      expect(metric.region).toEqual('us-east-1');
      expect(metric.period.toMinutes()).toEqual(5);
      expect(stack.resolve(metric.dimensions)).toEqual({ DistributionId: distributionRef, Region: 'Global' });
    }
  });

  test('the cache hit rate needs additionalMetrics', () => {
    expect(errorOf(() => site.metricCacheHitRate())).toEqual(
      'Test/Site: invalid \'additionalMetrics\': metricCacheHitRate() needs CloudFront\'s additional metrics, which are off. '
      + 'Set additionalMetrics: true (billed per distribution and month), or use metricRequests() and the error rates.');
  });

  test('zero unacknowledged cdk-nag findings', () => {
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('cfn-lint clean', () => {
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('StaticCdnSite with a custom domain, WAF, API and analytics (us-east-1)', () => {
  const stack = edgeStack();
  const site = new StaticCdnSite(stack, 'Site', {
    sourceDirectory: SITE_DIR,
    domainNames: ['example.com'],
    hostedZone: zone(stack),
    redirectWwwToApex: true,
    webAcl: SiteWebAcl.managed(),
    apiOrigin: { domainName: 'api.example.com', originVerifyToken: 'shared-token-123' },
    analyticsOrigin: { domainName: 'umami.example.com' },
    cspConnectSources: ['https://openreplay.example.com'],
    hstsPreload: true,
    additionalMetrics: true,
    priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
  });
  const t = Template.fromStack(stack);
  const dist = () => only(t, 'AWS::CloudFront::Distribution').DistributionConfig;

  test('DNS-validated certificate for the apex and www', () => {
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'example.com',
      SubjectAlternativeNames: ['www.example.com'],
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'example.com', HostedZoneId: 'Z0123456789ABC' },
        { DomainName: 'www.example.com', HostedZoneId: 'Z0123456789ABC' },
      ],
    });
    expect(site.certificate).toBeDefined();
  });

  test('aliases and TLS 1.2 (2021) with SNI', () => {
    expect(dist().Aliases).toEqual(['example.com', 'www.example.com']);
    expect(dist().ViewerCertificate).toEqual({
      AcmCertificateArn: { Ref: stack.getLogicalId(site.certificate!.node.defaultChild as any) },
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(site.url).toEqual('https://example.com');
    expect(site.domainNames).toEqual(['example.com', 'www.example.com']);
  });

  test('A and AAAA alias records to the distribution for each name', () => {
    for (const type of ['A', 'AAAA']) {
      for (const name of ['example.com.', 'www.example.com.']) {
        t.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: name,
          Type: type,
          HostedZoneId: 'Z0123456789ABC',
          // CloudFront's alias zone (Z2FDTNDATAQYW2), looked up per partition.
          AliasTarget: { DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SiteDistribution'), 'DomainName'] }, HostedZoneId: { 'Fn::FindInMap': Match.anyValue() } },
        });
      }
    }
    t.resourceCountIs('AWS::Route53::RecordSet', 4);
  });

  test('the viewer-request function also redirects www to the apex', () => {
    const fn = only(t, 'AWS::CloudFront::Function');
    expect(fn.FunctionCode).toEqual(fs.readFileSync(path.join(FUNCTIONS_DIR, 'www-redirect.js'), 'utf-8'));
    expect(dist().DefaultCacheBehavior.FunctionAssociations).toEqual([expect.objectContaining({ EventType: 'viewer-request' })]);
  });

  test('web ACL: CLOUDFRONT scope, rate limit per IP and AWS managed rules, associated with the distribution, logged', () => {
    const acl = only(t, 'AWS::WAFv2::WebACL');
    expect(acl.Scope).toEqual('CLOUDFRONT');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(acl.Rules.map((r: any) => r.Name)).toEqual([
      'RateLimitPerIp', 'AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet',
    ]);
    expect(acl.Rules[0]).toEqual(expect.objectContaining({
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
    }));
    expect(acl.Rules[2]).toEqual(expect.objectContaining({
      OverrideAction: { None: {} },
      Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
    }));
    expect(dist().WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SiteWebAcl/), 'Arn'] });
    const logging = only(t, 'AWS::WAFv2::LoggingConfiguration');
    expect(logging.ResourceArn).toEqual(dist().WebACLId);
    expect(logging.LoggingFilter.DefaultBehavior).toEqual('DROP');
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-Edge-'), RetentionInDays: 90 });
  });

  test('extra behaviours: analytics first, then /api/*, over HTTPS only', () => {
    const behaviours = dist().CacheBehaviors;
    expect(behaviours.map((b: any) => b.PathPattern)).toEqual(['/stats/script.js', '/api/send', '/api/*']);
    const [script, collect, apiB] = behaviours;
    expect(apiB).toEqual(expect.objectContaining({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'redirect-to-https',
    }));
    expect(collect).toEqual(expect.objectContaining({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    }));
    expect(script).toEqual(expect.objectContaining({ CachePolicyId: CACHING_OPTIMIZED, AllowedMethods: ['GET', 'HEAD'] }));
    expect(script.FunctionAssociations).toBeUndefined();
    expect(script.TargetOriginId).toEqual(collect.TargetOriginId);
    for (const b of behaviours) expect(b.ResponseHeadersPolicyId).toEqual(dist().DefaultCacheBehavior.ResponseHeadersPolicyId);

    const origin = (id: string) => dist().Origins.find((o: any) => o.Id === id);
    expect(origin(apiB.TargetOriginId)).toEqual(expect.objectContaining({
      DomainName: 'api.example.com',
      CustomOriginConfig: expect.objectContaining({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
      OriginCustomHeaders: [{ HeaderName: 'X-Origin-Verify', HeaderValue: 'shared-token-123' }],
    }));
    expect(origin(collect.TargetOriginId)).toEqual(expect.objectContaining({
      DomainName: 'umami.example.com',
      CustomOriginConfig: expect.objectContaining({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
    }));
    expect(origin(collect.TargetOriginId).OriginCustomHeaders).toBeUndefined();
  });

  test('CSP allows the extra connect origin; HSTS preload', () => {
    const config = only(t, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig;
    expect(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).toContain('connect-src \'self\' https://openreplay.example.com;');
    expect(config.SecurityHeadersConfig.StrictTransportSecurity.Preload).toBe(true);
  });

  test('additional metrics: monitoring subscription and the cache hit rate', () => {
    t.hasResourceProperties('AWS::CloudFront::MonitoringSubscription', {
      MonitoringSubscription: { RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: 'Enabled' } },
    });
    const metric = site.metricCacheHitRate();
    expect(metric.metricName).toEqual('CacheHitRate');
    expect(metric.region).toEqual('us-east-1');
    expect(dist().PriceClass).toEqual('PriceClass_All');
  });

  test('zero unacknowledged cdk-nag findings', () => {
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('cfn-lint clean', () => {
    expect(cfnLintErrors(stack)).toEqual([]);
  });
});

describe('StaticCdnSite options', () => {
  test('eu-west-1 site with a certificate from a us-east-1 stack (cross-region reference) and an existing web ACL', () => {
    const app = testApp();
    const edge = new Stack(app, 'Edge', { env: { account: '111111111111', region: 'us-east-1' }, crossRegionReferences: true });
    const certificate = new acm.Certificate(edge, 'Cert', { domainName: 'app.example.com', validation: acm.CertificateValidation.fromDns(zone(edge)) });
    const stack = new Stack(app, 'Site', { env: { account: '111111111111', region: 'eu-west-1' }, crossRegionReferences: true });
    const { template: t } = build({ domainNames: ['app.example.com'], certificate, hostedZone: zone(stack), webAcl: SiteWebAcl.fromArn(WEB_ACL_ARN) }, stack);
    const dist = only(t, 'AWS::CloudFront::Distribution').DistributionConfig;
    expect(dist.ViewerCertificate).toEqual(expect.objectContaining({
      AcmCertificateArn: { 'Fn::GetAtt': [expect.stringMatching(/^ExportsReader/), expect.stringMatching(/^\/cdk\/exports\/Site\//)] },
      MinimumProtocolVersion: 'TLSv1.2_2021',
    }));
    expect(dist.WebACLId).toEqual(WEB_ACL_ARN);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 2);
  });

  test('an imported us-east-1 certificate without a hosted zone: no DNS records', () => {
    const stack = testStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', US_EAST_1_CERT);
    const { template: t, site } = build({ domainNames: ['app.example.com'], certificate }, stack);
    expect(only(t, 'AWS::CloudFront::Distribution').DistributionConfig.ViewerCertificate.AcmCertificateArn).toEqual(US_EAST_1_CERT);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(site.url).toEqual('https://app.example.com');
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('sources instead of a directory, no runtime config, custom invalidation paths and no-cache files', () => {
    const stack = testStack();
    const { template: t } = build({
      sources: [s3deploy.Source.asset(SITE_DIR)],
      distributionPaths: ['/index.html', '/help/*'],
      noCacheFiles: ['manifest.json'],
    }, stack);
    const noCache = only(t, 'Custom::CDKBucketDeployment', { Prune: true });
    expect(noCache.DistributionPaths).toEqual(['/index.html', '/help/*']);
    expect(noCache.Include).toEqual(['*.html', 'config.json', 'manifest.json']);
    expect(noCache.SourceObjectKeys).toHaveLength(1);
    expect(only(t, 'Custom::CDKBucketDeployment', { Prune: false }).Exclude).toEqual(['*.html', 'config.json', 'manifest.json']);
  });

  test('sources without a local directory: default invalidation of the root and index.html', () => {
    const { template: t } = build({ sources: [s3deploy.Source.data('index.html', '<html></html>')] });
    expect(only(t, 'Custom::CDKBucketDeployment', { Prune: true }).DistributionPaths).toEqual(['/', '/index.html']);
  });

  test('infrastructure only: no upload at all', () => {
    const { template: t, site } = build();
    t.resourceCountIs('Custom::CDKBucketDeployment', 0);
    expect(site.noCacheDeployment).toBeUndefined();
  });

  test('runtime config only: one no-cache upload of config.json that prunes nothing (the site is uploaded elsewhere)', () => {
    const { template: t } = build({ runtimeConfig: { apiUrl: 'https://api.example.com' } });
    t.resourceCountIs('Custom::CDKBucketDeployment', 1);
    const deployment = only(t, 'Custom::CDKBucketDeployment');
    expect(deployment.Prune).toBe(false);
    expect(deployment.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    expect(deployment.DistributionPaths).toEqual(['/', '/index.html', '/config.json']);
  });

  test('two sites in one stack share the upload function and its log group', () => {
    const stack = testStack();
    new StaticCdnSite(stack, 'A', { sourceDirectory: SITE_DIR });
    new StaticCdnSite(stack, 'B', { sourceDirectory: SITE_DIR });
    const t = Template.fromStack(stack);
    t.resourceCountIs('Custom::CDKBucketDeployment', 4);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('SSE-KMS with a customer key: CloudFront may decrypt (scoped to the account\'s distributions: naming this one would be a cycle)', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const { template: t } = build({ encryptionKey: key, sourceDirectory: SITE_DIR }, stack);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BucketKeyEnabled: true }] },
    });
    const policy = only(t, 'AWS::KMS::Key').KeyPolicy.Statement;
    expect(policy).toContainEqual(expect.objectContaining({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 'kms:Decrypt',
      Condition: { ArnLike: { 'AWS:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/*']] } } },
    }));
    expect(formatFindings(nagFindings(stack))).toEqual([]);
    expect(cfnLintErrors(stack)).toEqual([]);
  });

  test('logging off, bucket destroyed on removal: still no unacknowledged findings', () => {
    const stack = testStack();
    const { template: t, site } = build({
      enableLogging: false,
      removalPolicy: RemovalPolicy.DESTROY,
      noncurrentVersionExpiration: Duration.days(3),
    }, stack);
    expect(site.logBucket).toBeUndefined();
    t.resourceCountIs('AWS::S3::Bucket', 1);
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 3 } })] } }),
    });
    expect(only(t, 'AWS::CloudFront::Distribution').DistributionConfig.Logging).toBeUndefined();
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('an environment-agnostic stack: the upload grants on the asset bucket are still acknowledged', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    new StaticCdnSite(stack, 'Site', { sourceDirectory: SITE_DIR });
    expect(formatFindings(nagFindings(stack))).toEqual([]);
  });

  test('an existing log bucket', () => {
    const stack = testStack();
    const logBucket = s3.Bucket.fromBucketAttributes(stack, 'Logs', { bucketName: 'org-logs', region: 'eu-west-1' });
    const { template: t } = build({ logBucket }, stack);
    t.resourceCountIs('AWS::S3::Bucket', 1);
    expect(only(t, 'AWS::CloudFront::Distribution').DistributionConfig.Logging).toEqual({ Bucket: 'org-logs.s3.eu-west-1.amazonaws.com', Prefix: 'cloudfront/' });
  });

  test('a user CSP that allows the analytics and API routes is used as is', () => {
    const csp = 'default-src \'self\'; script-src \'self\' https://cdn.example.com; connect-src \'self\' https://*.example.net';
    const { template: t } = build({
      contentSecurityPolicy: csp,
      analyticsOrigin: { domainName: 'umami.example.com', trackerScriptPath: '/u.js', collectPath: '/u/collect' },
      apiOrigin: { domainName: 'api.example.com', pathPattern: '/v1/*', httpsPort: 8443, readTimeout: Duration.seconds(60) },
      cspConnectSources: ['https://ingest.example.net'],
      permissionsPolicy: 'camera=()',
    });
    const config = only(t, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig;
    expect(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).toEqual(csp);
    expect(config.CustomHeadersConfig.Items[0].Value).toEqual('camera=()');
    const dist = only(t, 'AWS::CloudFront::Distribution').DistributionConfig;
    expect(dist.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/u.js', '/u/collect', '/v1/*']);
    expect(dist.Origins).toContainEqual(expect.objectContaining({
      DomainName: 'api.example.com',
      CustomOriginConfig: expect.objectContaining({ HTTPSPort: 8443, OriginReadTimeout: 60 }),
    }));
  });
});

describe('StaticCdnSite validation', () => {
  const err = (props: StaticCdnSiteProps, stack?: Stack) => errorOf(() => new StaticCdnSite(stack ?? testStack(), 'Site', props));

  test('a certificate outside us-east-1 (from its ARN)', () => {
    const stack = testStack();
    expect(err({ domainNames: ['app.example.com'], certificate: testCertificate(stack) }, stack)).toEqual(
      'Test/Site: invalid \'certificate\': the certificate is in eu-west-1, but CloudFront accepts only certificates in us-east-1. '
      + 'Create the certificate in a us-east-1 stack (acm.Certificate with crossRegionReferences: true on both stacks) and pass it here.');
  });

  test('a certificate created in a stack outside us-east-1 (from its environment)', () => {
    const stack = testStack();
    const certificate = new acm.Certificate(stack, 'Cert', { domainName: 'app.example.com' });
    expect(err({ domainNames: ['app.example.com'], certificate }, stack)).toMatch(/^Test\/Site: invalid 'certificate': the certificate is in eu-west-1, /);
  });

  test('domain names without a hosted zone or certificate', () => {
    expect(err({ domainNames: ['app.example.com'] })).toEqual(
      'Test/Site: invalid \'domainNames\': app.example.com need a certificate, and there is neither a certificate nor a hosted zone to create one. '
      + 'Pass certificate (an ACM certificate in us-east-1 covering the names), or hostedZone with the stack in us-east-1.');
  });

  test('domain names with a hosted zone in a stack outside us-east-1', () => {
    const stack = testStack();
    expect(err({ domainNames: ['app.example.com'], hostedZone: zone(stack) }, stack)).toEqual(
      'Test/Site: invalid \'certificate\': CloudFront needs a certificate in us-east-1 for app.example.com, and this stack is in eu-west-1. '
      + 'Create an acm.Certificate (DNS-validated, covering domainNames) in a us-east-1 stack with crossRegionReferences: true, '
      + 'enable crossRegionReferences on this stack too, and pass it as certificate; or deploy this stack to us-east-1.');
  });

  test('domain names with a hosted zone in an environment-agnostic stack', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    expect(err({ domainNames: ['app.example.com'], hostedZone: zone(stack) }, stack)).toMatch(
      /^Agnostic\/Site: invalid 'certificate': .* this stack is environment-agnostic \(its region is not known at synth time\)\. /);
  });

  test('a hosted zone or a certificate without domain names', () => {
    const stack = testStack();
    expect(err({ hostedZone: zone(stack) }, stack)).toEqual(
      'Test/Site: invalid \'hostedZone\': a hosted zone was given without domain names. Set domainNames too (names inside the zone), or remove hostedZone.');
    const other = testStack();
    expect(err({ certificate: acm.Certificate.fromCertificateArn(other, 'C', US_EAST_1_CERT) }, other)).toEqual(
      'Test/Site: invalid \'certificate\': a certificate was given without domain names. '
      + 'Set domainNames to the names the certificate covers, or remove certificate.');
  });

  test('a domain name outside the hosted zone, or not a domain name', () => {
    const stack = edgeStack();
    expect(err({ domainNames: ['app.example.org'], hostedZone: zone(stack) }, stack)).toEqual(
      'Edge/Site: invalid \'domainNames\': \'app.example.org\' is not inside the hosted zone example.com. '
      + 'Use names inside the zone, or pass the zone that holds them.');
    expect(err({ domainNames: ['https://example.com'], hostedZone: zone(edgeStack()) })).toMatch(
      /^Test\/Site: invalid 'domainNames\[0\]': 'https:\/\/example.com' is a URL, not a domain name/);
  });

  test('the same domain name twice (also through the www redirect)', () => {
    const stack = testStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'C', US_EAST_1_CERT);
    expect(err({ domainNames: ['example.com', 'example.com'], certificate }, stack)).toEqual(
      'Test/Site: invalid \'domainNames\': example.com, example.com has duplicates. List each domain name once.');
    const other = testStack();
    const site = new StaticCdnSite(other, 'Site', {
      domainNames: ['example.com', 'www.example.com'],
      redirectWwwToApex: true,
      certificate: acm.Certificate.fromCertificateArn(other, 'C', US_EAST_1_CERT),
    });
    expect(site.domainNames).toEqual(['example.com', 'www.example.com']);
  });

  test('www redirect without a domain name or with www first', () => {
    const stack = testStack();
    const certificate = acm.Certificate.fromCertificateArn(stack, 'C', US_EAST_1_CERT);
    expect(err({ redirectWwwToApex: true })).toEqual(
      'Test/Site: invalid \'redirectWwwToApex\': there is no domain name to redirect to. '
      + 'Set domainNames (the apex first, e.g. [\'example.com\']), or remove redirectWwwToApex.');
    expect(err({ redirectWwwToApex: true, domainNames: ['www.example.com'], certificate }, stack)).toEqual(
      'Test/Site: invalid \'redirectWwwToApex\': the first domain name \'www.example.com\' is not an apex name. '
      + 'Put the name to redirect to first in domainNames, e.g. [\'example.com\'].');
  });

  test('a CSP that blocks the analytics tracker script', () => {
    expect(err({ analyticsOrigin: { domainName: 'umami.example.com' }, contentSecurityPolicy: 'default-src \'self\'; script-src https://cdn.example.com' })).toEqual(
      'Test/Site: invalid \'contentSecurityPolicy\': the policy blocks the analytics tracker script (/stats/script.js, analyticsOrigin): '
      + 'script-src (or default-src) does not allow \'self\'. '
      + 'Add \'self\' to script-src of the policy, or leave contentSecurityPolicy unset for a default that allows it.');
  });

  test('a CSP that blocks the analytics collect endpoint through default-src', () => {
    expect(err({ analyticsOrigin: { domainName: 'umami.example.com' }, contentSecurityPolicy: 'default-src \'none\'; script-src \'self\'' })).toEqual(
      'Test/Site: invalid \'contentSecurityPolicy\': the policy blocks the analytics collect endpoint (/api/send, analyticsOrigin): '
      + 'connect-src (or default-src) does not allow \'self\'. '
      + 'Add \'self\' to connect-src of the policy, or leave contentSecurityPolicy unset for a default that allows it.');
  });

  test('a CSP that blocks the API or a configured connect origin', () => {
    expect(err({ apiOrigin: { domainName: 'api.example.com' }, contentSecurityPolicy: 'connect-src https://api.example.com' })).toMatch(
      /^Test\/Site: invalid 'contentSecurityPolicy': the policy blocks the API \(\/api\/\*, apiOrigin\): connect-src/);
    expect(err({ cspConnectSources: ['https://ingest.example.com'], contentSecurityPolicy: 'default-src \'self\'; connect-src \'self\' https://*.example.net' }))
      .toEqual('Test/Site: invalid \'contentSecurityPolicy\': the policy blocks https://ingest.example.com (cspConnectSources): '
        + 'connect-src (or default-src) does not allow https://ingest.example.com. '
        + 'Add https://ingest.example.com to connect-src of the policy, or leave contentSecurityPolicy unset for a default that allows it.');
    // Wildcard hosts and scheme sources do allow them.
    expect(() => new StaticCdnSite(testStack(), 'Site', {
      cspConnectSources: ['https://ingest.example.com'], contentSecurityPolicy: 'connect-src https://*.example.com',
    })).not.toThrow();
    expect(() => new StaticCdnSite(testStack(), 'Site', { analyticsOrigin: { domainName: 'u.example.com' }, contentSecurityPolicy: 'default-src https:' })).not.toThrow();
  });

  test('a CSP longer than CloudFront allows, an empty one, a source with a space', () => {
    expect(err({ contentSecurityPolicy: `default-src 'self' ${'https://a.example.com '.repeat(90)}` })).toMatch(
      /^Test\/Site: invalid 'contentSecurityPolicy': the policy is \d+ characters long\. CloudFront accepts at most 1783 characters/);
    expect(err({ contentSecurityPolicy: ' ' })).toEqual(
      'Test/Site: invalid \'contentSecurityPolicy\': the policy is empty. Give a policy, or leave contentSecurityPolicy unset for the default.');
    expect(err({ cspScriptSources: ['https://a.example.com https://b.example.com'] })).toEqual(
      'Test/Site: invalid \'cspScriptSources\': \'https://a.example.com https://b.example.com\' is not a single CSP source. '
      + 'Give one origin per entry, e.g. \'https://analytics.example.com\'.');
  });

  test('path patterns that do not start with /', () => {
    expect(err({ apiOrigin: { domainName: 'api.example.com', pathPattern: 'api/*' } })).toEqual(
      'Test/Site: invalid \'apiOrigin.pathPattern\': \'api/*\' is not a path pattern under the site. '
      + 'Use a pattern that starts with \'/\' and is not \'/*\' (the site itself), e.g. \'/api/*\'.');
    expect(err({ analyticsOrigin: { domainName: 'u.example.com', trackerScriptPath: 'stats/script.js' } })).toMatch(
      /^Test\/Site: invalid 'analyticsOrigin.trackerScriptPath': 'stats\/script.js' is not a path pattern under the site\. .* e\.g\. '\/stats\/script.js'\.$/);
    expect(err({ analyticsOrigin: { domainName: 'u.example.com', collectPath: '/*' } })).toMatch(/^Test\/Site: invalid 'analyticsOrigin.collectPath': '\/\*'/);
  });

  test('the API and analytics on the same path', () => {
    expect(err({ apiOrigin: { domainName: 'api.example.com', pathPattern: '/api/send' }, analyticsOrigin: { domainName: 'u.example.com' } })).toEqual(
      'Test/Site: invalid \'apiOrigin.pathPattern\': \'/api/send\' is also an analytics path. Give the API and the analytics routes different path patterns.');
  });

  test('an origin given as a URL, a bad port or timeout', () => {
    expect(err({ apiOrigin: { domainName: 'https://api.example.com/' } })).toEqual(
      'Test/Site: invalid \'apiOrigin.domainName\': \'https://api.example.com/\' is a URL, not a host name. Use the host name only, e.g. \'api.example.com\'.');
    expect(err({ apiOrigin: { domainName: 'api.example.com', httpsPort: 70000 } })).toEqual(
      'Test/Site: invalid \'apiOrigin.httpsPort\': 70000 is outside 1..65535. Use a value from 1 to 65535.');
    expect(err({ apiOrigin: { domainName: 'api.example.com', readTimeout: Duration.minutes(2) } })).toEqual(
      'Test/Site: invalid \'apiOrigin.readTimeout\': 2 minutes is outside 1..60 seconds. '
      + 'Use a timeout from 1 to 60 seconds (longer needs a CloudFront quota increase and is not supported here).');
  });

  test('both sourceDirectory and sources, or a missing directory', () => {
    expect(err({ sourceDirectory: SITE_DIR, sources: [s3deploy.Source.asset(SITE_DIR)] })).toEqual(
      'Test/Site: invalid \'sources\': both sourceDirectory and sources were given. Give one of them: sourceDirectory for a local build, sources otherwise.');
    expect(err({ sourceDirectory: '/nonexistent/dist' })).toEqual(
      'Test/Site: invalid \'sourceDirectory\': \'/nonexistent/dist\' is not a directory. '
      + 'Build the site first (e.g. npm run build) and pass the path of its output directory (e.g. dist/).');
  });

  test('invalidation paths and no-cache patterns', () => {
    expect(err({ sourceDirectory: SITE_DIR, distributionPaths: ['index.html'] })).toEqual(
      'Test/Site: invalid \'distributionPaths[0]\': \'index.html\' does not start with \'/\'. Use \'/index.html\'.');
    expect(err({ sourceDirectory: SITE_DIR, noCacheFiles: ['/robots.txt'] })).toEqual(
      'Test/Site: invalid \'noCacheFiles\': \'/robots.txt\' starts with \'/\'. Use patterns relative to the site root, e.g. \'robots.txt\'.');
  });

  test('a managed web ACL outside us-east-1', () => {
    expect(err({ webAcl: SiteWebAcl.managed() })).toEqual(
      'Test/Site: invalid \'webAcl\': SiteWebAcl.managed() needs the stack in us-east-1 (CloudFront web ACLs exist only there), '
      + 'but the stack\'s region is eu-west-1. Create the web ACL in a us-east-1 stack and pass SiteWebAcl.fromArn(arn) '
      + '(with crossRegionReferences), or deploy the site stack to us-east-1.');
  });

  test('a regional web ACL ARN, a rate limit too low', () => {
    const regional = 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/api/33333333-3333-3333-3333-333333333333';
    expect(err({ webAcl: SiteWebAcl.fromArn(regional) })).toEqual(
      `Test/Site: invalid 'webAcl': '${regional}' is not the ARN of a CloudFront (global, us-east-1) WAFv2 web ACL. `
      + 'Pass the ARN of a web ACL created with scope CLOUDFRONT in us-east-1 (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>).');
    expect(err({ webAcl: SiteWebAcl.managed({ rateLimitPerIp: 5 }) }, edgeStack())).toEqual(
      'Edge/Site: invalid \'webAcl.rateLimitPerIp\': 5 is outside 10..2000000000. Use a value from 10 to 2000000000.');
  });

  test('a log bucket with logging off, a deployment memory out of range', () => {
    const stack = testStack();
    const logBucket = s3.Bucket.fromBucketName(stack, 'Logs', 'org-logs');
    expect(err({ enableLogging: false, logBucket }, stack)).toEqual(
      'Test/Site: invalid \'logBucket\': a log bucket was given with enableLogging: false. Remove logBucket, or set enableLogging to true.');
    expect(err({ deploymentMemoryLimit: 64 })).toEqual(
      'Test/Site: invalid \'deploymentMemoryLimit\': 64 is outside 128..10240. Use a value from 128 to 10240.');
  });
});
