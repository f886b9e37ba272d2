import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import { numberToken, propTable, stringToken } from './table';
import { SiteWebAcl, StaticCdnSite, StaticCdnSiteProps } from '../../src/static-site';
import { testApp } from '../helpers/nag';
import { testStack } from '../helpers/stacks';

const SITE_DIR = path.join(__dirname, '..', 'fixtures', 'site');
const US_EAST_1_CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/11111111-1111-1111-1111-111111111111';
const EU_WEST_1_CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-1111-1111-1111-111111111111';

function build(stack: Stack, p: Partial<StaticCdnSiteProps>): void {
  new StaticCdnSite(stack, 'Site', p as StaticCdnSiteProps);
}

function cert(stack: Stack, arn: string): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, 'Cert', arn);
}

const E = "Test/Site: invalid '";
const api = (extra: object) => ({ apiOrigin: { domainName: 'api.example.com', ...extra } });
const analytics = (extra: object) => ({ analyticsOrigin: { domainName: 'stats.example.com', ...extra } });

export const STATIC_SITE_CASES = propTable<StaticCdnSiteProps>('StaticCdnSite props', build, [
  {
    prop: 'logRetention',
    valid: () => ({ logRetention: Duration.days(45) }),
    invalid: () => ({ logRetention: Duration.hours(36) }),
    message: `${E}logRetention': 1 day 12 hours (1.5 days) is not a whole number of days. Use whole days, e.g. Duration.days(1).`,
    token: (s) => ({ logRetention: Duration.days(numberToken(s, 'Days')) }),
  },
  {
    prop: 'noncurrentVersionExpiration',
    valid: () => ({ noncurrentVersionExpiration: Duration.days(7) }),
    invalid: () => ({ noncurrentVersionExpiration: Duration.hours(12) }),
    message: `${E}noncurrentVersionExpiration': 12 hours (0.5 days) is not a whole number of days. Use whole days, e.g. Duration.days(1).`,
    token: (s) => ({ noncurrentVersionExpiration: Duration.days(numberToken(s, 'Days')) }),
  },
  {
    prop: 'apiOrigin.readTimeout (whole seconds)',
    valid: () => api({ readTimeout: Duration.seconds(45) }),
    invalid: () => api({ readTimeout: Duration.millis(1500) }),
    message: `${E}apiOrigin.readTimeout': 1 second 500 millis (1.5 seconds) is not a whole number of seconds. Use whole seconds, e.g. Duration.seconds(1).`,
    token: (s) => api({ readTimeout: Duration.seconds(numberToken(s, 'Timeout')) }),
  },
  {
    prop: 'apiOrigin.readTimeout (range)',
    valid: () => api({ readTimeout: Duration.seconds(60) }),
    invalid: () => api({ readTimeout: Duration.millis(500) }),
    message: `${E}apiOrigin.readTimeout': 500 millis is outside 1..60 seconds. Use a timeout from 1 to 60 seconds (longer needs a CloudFront quota increase and is not supported here).`,
  },
  {
    prop: 'domainNames[0]',
    valid: (s) => ({ domainNames: ['app.example.com'], certificate: cert(s, US_EAST_1_CERT) }),
    invalid: (s) => ({ domainNames: ['App.Example.com'], certificate: cert(s, US_EAST_1_CERT) }),
    message: `${E}domainNames[0]': 'App.Example.com' has upper-case letters. Use 'app.example.com' (DNS names are compared in lower case).`,
    token: (s) => ({ domainNames: [stringToken(s, 'Domain')], certificate: cert(s, US_EAST_1_CERT) }),
  },
  {
    prop: 'domainNames[1] (wildcard)',
    valid: (s) => ({ domainNames: ['example.com', '*.example.com'], certificate: cert(s, US_EAST_1_CERT) }),
    invalid: (s) => ({ domainNames: ['example.com', 'app_1.example.com'], certificate: cert(s, US_EAST_1_CERT) }),
    message: `${E}domainNames[1]': 'app_1.example.com' is not a fully qualified domain name. Use a name such as app.example.com (letters, digits and hyphens, labels of at most 63 characters).`,
  },
  {
    prop: 'certificate',
    valid: (s) => ({ domainNames: ['app.example.com'], certificate: cert(s, US_EAST_1_CERT) }),
    invalid: (s) => ({ domainNames: ['app.example.com'], certificate: cert(s, EU_WEST_1_CERT) }),
    message: `${E}certificate': the certificate is in eu-west-1, but CloudFront accepts only certificates in us-east-1. Create the certificate in a us-east-1 stack (acm.Certificate with crossRegionReferences: true on both stacks) and pass it here.`,
    token: (s) => ({ domainNames: ['app.example.com'], certificate: cert(s, stringToken(s, 'CertArn')) }),
  },
  {
    prop: 'contentSecurityPolicy',
    valid: () => ({ contentSecurityPolicy: "default-src 'self'" }),
    invalid: () => ({ contentSecurityPolicy: "default-src 'self'\r\nX-Evil: 1" }),
    message: `${E}contentSecurityPolicy': '"default-src 'self'\\r\\nX-Evil: 1"' contains the control character U+000d. Remove line breaks, tabs and other control characters (header values are one printable line).`,
    token: (s) => ({ contentSecurityPolicy: stringToken(s, 'Csp') }),
  },
  {
    prop: 'permissionsPolicy',
    valid: () => ({ permissionsPolicy: 'camera=()' }),
    invalid: () => ({ permissionsPolicy: 'camera=()\nX-Evil: 1' }),
    message: `${E}permissionsPolicy': '"camera=()\\nX-Evil: 1"' contains the control character U+000a. Remove line breaks, tabs and other control characters (header values are one printable line).`,
    token: (s) => ({ permissionsPolicy: stringToken(s, 'Pp') }),
  },
  {
    prop: 'apiOrigin.originVerifyToken',
    valid: () => api({ originVerifyToken: 'a1b2c3d4e5f6' }),
    invalid: () => api({ originVerifyToken: 'a1b2\r\n' }),
    message: `${E}apiOrigin.originVerifyToken': '"a1b2\\r\\n"' contains the control character U+000d. Remove line breaks, tabs and other control characters (header values are one printable line).`,
    token: (s) => api({ originVerifyToken: stringToken(s, 'Verify') }),
  },
  {
    prop: 'analyticsOrigin.originVerifyToken',
    valid: () => analytics({ originVerifyToken: 'a1b2c3d4e5f6' }),
    invalid: () => analytics({ originVerifyToken: '\ta1b2' }),
    message: `${E}analyticsOrigin.originVerifyToken': '"\\ta1b2"' contains the control character U+0009. Remove line breaks, tabs and other control characters (header values are one printable line).`,
    token: (s) => analytics({ originVerifyToken: stringToken(s, 'Verify') }),
  },
  {
    prop: 'distributionPaths[1]',
    valid: () => ({ sourceDirectory: SITE_DIR, distributionPaths: ['/index.html', '/my%20page.html'] }),
    invalid: () => ({ sourceDirectory: SITE_DIR, distributionPaths: ['/index.html', '/my page.html'] }),
    message: `${E}distributionPaths[1]': '/my page.html' has characters that must be URL-encoded. Encode them, e.g. '/my%20page.html'.`,
    token: (s) => ({ sourceDirectory: SITE_DIR, distributionPaths: [stringToken(s, 'Path')] }),
  },
  {
    prop: 'deploymentMemoryLimit',
    valid: () => ({ sourceDirectory: SITE_DIR, deploymentMemoryLimit: 1024 }),
    invalid: () => ({ sourceDirectory: SITE_DIR, deploymentMemoryLimit: 100 }),
    message: `${E}deploymentMemoryLimit': 100 is outside 128..10240. Use a value from 128 to 10240.`,
    token: (s) => ({ sourceDirectory: SITE_DIR, deploymentMemoryLimit: numberToken(s, 'Memory') }),
  },
  {
    prop: 'comment',
    valid: () => ({ comment: 'Marketing site' }),
    invalid: () => ({ comment: 'Marketing\nsite' }),
    message: `${E}comment': '"Marketing\\nsite"' contains the control character U+000a. Remove line breaks, tabs and other control characters (header values are one printable line).`,
    token: (s) => ({ comment: stringToken(s, 'Comment') }),
  },
  {
    prop: 'apiOrigin.httpsPort',
    valid: () => api({ httpsPort: 8443 }),
    invalid: () => api({ httpsPort: 70000 }),
    message: `${E}apiOrigin.httpsPort': 70000 is outside 1..65535. Use a value from 1 to 65535.`,
    token: (s) => api({ httpsPort: numberToken(s, 'Port') }),
  },
]);

/** Web ACL props need the site in us-east-1. */
export const STATIC_SITE_EDGE_CASES = propTable<StaticCdnSiteProps>('StaticCdnSite props (us-east-1)', build, [
  {
    prop: 'webAcl.logRetention',
    valid: () => ({ webAcl: SiteWebAcl.managed({ logRetention: logs.RetentionDays.ONE_MONTH }) }),
    invalid: () => ({ webAcl: SiteWebAcl.managed({ logRetention: 17 as logs.RetentionDays }) }),
    message: 'Edge/Site: invalid \'webAcl.logRetention\': 17 days is not a retention CloudWatch Logs offers. Use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days (RetentionDays), e.g. 30.',
    token: (s) => ({ webAcl: SiteWebAcl.managed({ logRetention: numberToken(s, 'Retention') as logs.RetentionDays }) }),
  },
  {
    prop: 'webAcl.rateLimitPerIp',
    valid: () => ({ webAcl: SiteWebAcl.managed({ rateLimitPerIp: 500 }) }),
    invalid: () => ({ webAcl: SiteWebAcl.managed({ rateLimitPerIp: 5 }) }),
    message: "Edge/Site: invalid 'webAcl.rateLimitPerIp': 5 is outside 10..2000000000. Use a value from 10 to 2000000000.",
    token: (s) => ({ webAcl: SiteWebAcl.managed({ rateLimitPerIp: numberToken(s, 'Rate') }) }),
  },
], (app) => new Stack(app, 'Edge', { env: { account: '111111111111', region: 'us-east-1' } }));

describe('StaticCdnSite deploy-time values', () => {
  test('a token deploymentMemoryLimit becomes the upload function\'s MemorySize', () => {
    const stack = testStack(testApp());
    const memory = numberToken(stack, 'Memory');
    new StaticCdnSite(stack, 'Site', { sourceDirectory: SITE_DIR, deploymentMemoryLimit: memory });
    const t = Template.fromStack(stack);
    const uploads = Object.values(t.findResources('AWS::Lambda::Function'))
      .filter((r: any) => r.Properties.Timeout === 900);
    expect(uploads).toHaveLength(1);
    expect((uploads[0] as any).Properties.MemorySize).toEqual({ Ref: 'Memory' });
  });

  test('a concrete deploymentMemoryLimit is passed to BucketDeployment', () => {
    const stack = testStack(testApp());
    new StaticCdnSite(stack, 'Site', { sourceDirectory: SITE_DIR, deploymentMemoryLimit: 1024 });
    const uploads = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .filter((r: any) => r.Properties.Timeout === 900);
    expect(uploads.map((r: any) => r.Properties.MemorySize)).toEqual([1024]);
  });

  test('a token apiOrigin.readTimeout is set on the API origin of the distribution', () => {
    for (const withAnalytics of [false, true]) {
      const stack = testStack(testApp());
      new StaticCdnSite(stack, 'Site', {
        ...(withAnalytics ? analytics({}) : {}),
        ...api({ readTimeout: Duration.seconds(numberToken(stack, 'Timeout')) }),
      });
      const [dist] = Object.values(Template.fromStack(stack).findResources('AWS::CloudFront::Distribution')) as any[];
      const apiOrigins = dist.Properties.DistributionConfig.Origins.filter((o: any) => o.DomainName === 'api.example.com');
      expect(apiOrigins).toHaveLength(1);
      expect(apiOrigins[0].CustomOriginConfig.OriginReadTimeout).toEqual({ Ref: 'Timeout' });
    }
  });

  test('a certificate created in this app outside us-east-1 is still rejected (its ARN is a token)', () => {
    const stack = testStack(testApp());
    const certificate = new acm.Certificate(stack, 'Cert', { domainName: 'app.example.com' });
    expect(() => new StaticCdnSite(stack, 'Site', { domainNames: ['app.example.com'], certificate }))
      .toThrow(`${E}certificate': the certificate is in eu-west-1, but CloudFront accepts only certificates in us-east-1.`);
  });
});
