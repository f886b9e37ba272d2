/**
 * Integration test of StaticCdnSite: the fixture build (test/fixtures/site) on a private bucket behind CloudFront, with a
 * runtime config.json, on the distribution's own *.cloudfront.net name (no domain or certificate needed).
 *
 * Proves after deployment: index.html is served no-cache with the security headers, /config.json holds the runtime
 * values, a client-side route gets the SPA's index.html, a missing asset is a real 404, and the upload split the cache
 * headers (HTML and config.json no-cache, hashed assets immutable). How to run it: test/integ/README.md.
 */
import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicies, Stack } from 'aws-cdk-lib';
import { StaticCdnSite } from '../src';

// integ-runner synthesizes its snapshots with CDK_INTEG_ACCOUNT / CDK_INTEG_REGION set to placeholders; a deployment
// uses the account of the credentials and the region of --parallel-regions (CDK_DEFAULT_*). Without either, fixed
// placeholders: the app synthesizes with no AWS credentials and no lookups.
const env = {
  account: process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111',
  region: process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1',
};

// No stack traces in the metadata: the committed snapshots must not depend on the machine's paths.
const app = new App({ context: { 'aws:cdk:disable-stack-trace': true, 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'AnalyticsInteg-StaticSite', { env });

const site = new StaticCdnSite(stack, 'Site', {
  sourceDirectory: path.join(__dirname, 'fixtures', 'site'),
  runtimeConfig: { apiUrl: '/api', environment: 'integ' },
  comment: 'analytics-constructs integ test',
  // The bucket keeps its default (RETAIN): a versioned bucket with objects cannot be deleted by CloudFormation.
});

// A test leaves nothing behind but its buckets: everything else is deleted with the stack (a bucket with objects
// cannot be deleted by CloudFormation, so buckets keep the construct's removal policy; see test/integ/README.md).
RemovalPolicies.of(stack).destroy({ excludeResourceTypes: ['AWS::S3::Bucket'] });

const integ = new IntegTest(app, 'StaticCdnSiteInteg', {
  testCases: [stack],
  // In the same environment as the site, so that the assertions may read its outputs.
  assertionStack: new Stack(app, 'AnalyticsInteg-StaticSite-Assertions', { env }),
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// index.html: served no-cache, with the security headers of the response headers policy.
integ.assertions.httpApiCall(`${site.url}/index.html`).expect(ExpectedResult.objectLike({
  status: 200,
  headers: Match.objectLike({
    'cache-control': ['no-cache'],
    'strict-transport-security': [Match.stringLikeRegexp('max-age=')],
    'content-security-policy': [Match.stringLikeRegexp("default-src 'self'")],
    'x-content-type-options': ['nosniff'],
  }),
  body: Match.stringLikeRegexp('<div id="root"></div>'),
}));

// config.json: the runtime values, no-cache.
integ.assertions.httpApiCall(`${site.url}/config.json`).expect(ExpectedResult.objectLike({
  status: 200,
  headers: Match.objectLike({ 'cache-control': ['no-cache'] }),
  body: { apiUrl: '/api', environment: 'integ' },
}));

// SPA routing: a client-side route is answered with the app's index.html ...
integ.assertions.httpApiCall(`${site.url}/reports/weekly`).expect(ExpectedResult.objectLike({
  status: 200,
  body: Match.stringLikeRegexp('<title>Fixture site</title>'),
}));

// ... and a missing file stays a real 404, not an HTML page with status 200.
integ.assertions.httpApiCall(`${site.url}/assets/missing.0000.js`).expect(ExpectedResult.objectLike({ status: 404 }));

// The upload split the cache headers: content-hashed assets are immutable for a year.
const asset = integ.assertions.awsApiCall('S3', 'headObject', { Bucket: site.bucket.bucketName, Key: 'assets/app.3f2a1b.js' });
asset.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [site.bucket.arnForObjects('*')] });
asset.assertAtPath('CacheControl', ExpectedResult.exact('public, max-age=31536000, immutable'));

// Every file of the build and config.json are in the bucket (2 assets, 2 HTML pages, robots.txt, favicon.ico, config.json).
const listing = integ.assertions.awsApiCall('S3', 'listObjectsV2', { Bucket: site.bucket.bucketName });
listing.provider.addToRolePolicy({ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [site.bucket.bucketArn] });
listing.assertAtPath('KeyCount', ExpectedResult.exact(7));

app.synth();
