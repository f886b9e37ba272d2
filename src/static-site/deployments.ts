import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, CustomResource, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { StaticCdnSiteProps } from './props';
import { acknowledgeAwsSolutions, acknowledgeCompliance, acknowledgeInlineGrants, acknowledgeWildcardResources } from '../core/nag';

/** Files served `no-cache` (besides HTML and config.json) by default: their names carry no content hash. */
const DEFAULT_NO_CACHE_FILES = ['robots.txt', 'favicon.ico', 'sitemap.xml', '*.webmanifest', 'sw.js', 'service-worker.js'];
const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

/** Uploads the site: content-hashed assets (immutable, never pruned), then the no-cache files, which invalidate the distribution. */
export function deploySite(
  scope: Construct, bucket: s3.Bucket, distribution: cloudfront.Distribution, props: StaticCdnSiteProps, memoryLimit: number,
): { assets?: s3deploy.BucketDeployment; noCache?: s3deploy.BucketDeployment } {
  const userSources = props.sourceDirectory ? [s3deploy.Source.asset(props.sourceDirectory)] : props.sources ?? [];
  if (userSources.length === 0 && !props.runtimeConfig) {
    return {};
  }
  const noCachePatterns = ['*.html', 'config.json', ...(props.noCacheFiles ?? DEFAULT_NO_CACHE_FILES)];
  const logGroup = deploymentLogGroup(scope);
  // BucketDeployment names its singleton handler after memoryLimit and rejects a token there: with a token, the handler
  // is created without one and its MemorySize is set on the function resource.
  const tokenMemory = Token.isUnresolved(memoryLimit);
  const common = { destinationBucket: bucket, memoryLimit: tokenMemory ? undefined : memoryLimit, logGroup, role: deploymentRole(scope, logGroup) };

  let assets: s3deploy.BucketDeployment | undefined;
  if (userSources.length > 0) {
    // Content-hashed assets: never pruned, so that a browser still running the previous index.html (or a lazy chunk
    // requested after a deployment) finds the files it references; old versions cost little and keep rollbacks working.
    assets = new s3deploy.BucketDeployment(scope, 'DeployAssets', {
      ...common,
      sources: userSources,
      exclude: noCachePatterns,
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString(IMMUTABLE)],
    });
    acknowledgeDeploymentHandler(assets, bucket);
    if (tokenMemory) setHandlerMemory(assets, memoryLimit);
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
  const noCache = new s3deploy.BucketDeployment(scope, 'DeployNoCache', {
    ...common,
    sources,
    exclude: ['*'],
    include: noCachePatterns,
    prune: userSources.length > 0,
    cacheControl: [s3deploy.CacheControl.fromString(NO_CACHE)],
  });
  invalidateAfter(noCache, distribution, props.distributionPaths ?? defaultDistributionPaths(props, noCachePatterns));
  if (assets) noCache.node.addDependency(assets);
  acknowledgeDeploymentHandler(noCache, bucket);
  if (tokenMemory) setHandlerMemory(noCache, memoryLimit);
  return { assets, noCache };
}

/**
 * Makes `deployment` invalidate `paths` of `distribution` after its upload, allowed on that distribution only. With
 * its `distribution` prop, BucketDeployment grants the invalidation actions on "*"; IAM scopes them to a distribution
 * ARN, so the same two custom-resource properties are set here and the grant names the distribution.
 */
function invalidateAfter(deployment: s3deploy.BucketDeployment, distribution: cloudfront.Distribution, paths: string[]) {
  const resource = deployment.node.children.find((c): c is CustomResource => c instanceof CustomResource);
  const cfn = resource?.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`${deployment.node.path}: the BucketDeployment has no custom resource to set the invalidation on`);
  cfn.addPropertyOverride('DistributionId', distribution.distributionId);
  cfn.addPropertyOverride('DistributionPaths', paths);
  deployment.handlerRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudfront:GetInvalidation', 'cloudfront:CreateInvalidation'],
    resources: [distribution.distributionArn],
  }));
}

/** Sets MemorySize (a deploy-time value) on the upload function of `deployment` (escape hatch on its CfnFunction). */
function setHandlerMemory(deployment: s3deploy.BucketDeployment, memoryLimit: number) {
  for (const fn of uploadFunctions(deployment)) {
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    // The singleton created without a memory size (the one a token memoryLimit gets).
    if (cfn.memorySize === undefined || cfn.memorySize === memoryLimit) cfn.memorySize = memoryLimit;
  }
}

/** The paths served no-cache: `/`, `/index.html`, `/config.json`, and the matching files of a local build. */
export function defaultDistributionPaths(props: StaticCdnSiteProps, noCachePatterns: string[]): string[] {
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
export function globToRegExp(glob: string): RegExp {
  const body = glob.split('').map((c) => {
    if (c === '*') return '.*';
    if (c === '?') return '.';
    return /[.+^$()|[\]{}\\]/.test(c) ? `\\${c}` : c;
  }).join('');
  return new RegExp(`^${body}$`);
}

/** Files under `dir`, as sorted '/'-separated paths relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/** One log group, with a retention, for the upload function that every BucketDeployment of the stack shares. */
export function deploymentLogGroup(scope: Construct): logs.ILogGroup {
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
 * The execution role every BucketDeployment of the stack gives its shared upload function: it may write to the upload
 * log group only (the role aws-cdk-lib would create carries AWSLambdaBasicExecutionRole, which may create log groups
 * and write to any). The deployments add their bucket grants to it.
 */
export function deploymentRole(scope: Construct, logGroup: logs.ILogGroup): iam.Role {
  const stack = Stack.of(scope);
  const id = 'StaticCdnSiteDeploymentRole';
  const existing = stack.node.tryFindChild(id) as iam.Role | undefined;
  if (existing) return existing;
  const role = new iam.Role(stack, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Execution role of the StaticCdnSite upload function: its log group, the site buckets, their invalidations',
  });
  logGroup.grantWrite(role);
  acknowledgeInlineGrants(role,
    'aws-cdk-lib grants the upload function read of the source bucket and read/write of the site bucket in its inline default policy.');
  return role;
}

/**
 * Acknowledges the findings on the upload function of a BucketDeployment (a stack-wide singleton that aws-cdk-lib
 * creates and configures: runtime, wildcard grants) and on its role.
 */
export function acknowledgeDeploymentHandler(deployment: s3deploy.BucketDeployment, siteBucket: s3.Bucket) {
  const role = deployment.handlerRole;
  for (const handler of uploadFunctions(deployment)) {
    acknowledgeAwsSolutions(handler, ['L1'],
      'The upload function of s3deploy.BucketDeployment is built and versioned by aws-cdk-lib with the runtime its bundled AWS CLI needs.');
    acknowledgeCompliance(handler, ['LambdaInsideVPC', 'LambdaDLQ', 'LambdaConcurrency'],
      'The upload function of s3deploy.BucketDeployment runs only during deployments, invoked by CloudFormation: it needs no VPC, '
      + 'and a dead-letter queue or reserved concurrency add nothing to a custom resource handler.');
  }
  acknowledgeAwsSolutions(role, ['IAM5[Action::s3:GetBucket*]', 'IAM5[Action::s3:GetObject*]', 'IAM5[Action::s3:List*]',
    'IAM5[Action::s3:Abort*]', 'IAM5[Action::s3:DeleteObject*]'],
  'aws-cdk-lib\'s grantRead/grantReadWrite for the upload function: object-level actions on its source bucket and the site bucket only.');
  if (siteBucket.encryptionKey) {
    acknowledgeAwsSolutions(role, ['IAM5[Action::kms:ReEncrypt*]', 'IAM5[Action::kms:GenerateDataKey*]'],
      'aws-cdk-lib\'s grantReadWrite on the SSE-KMS site bucket: data-key actions on the bucket\'s key only.');
  }
  // The object wildcards (`<bucket ARN>/*`), decided from the policy as written.
  const stack = Stack.of(siteBucket);
  acknowledgeWildcardResources(role, (resource, actions) => {
    const bucketRef = `<${stack.getLogicalId(siteBucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    if (actions.every((a) => ['s3:GetObject*', 's3:GetBucket*', 's3:List*'].includes(a))) {
      return 'aws-cdk-lib grants the upload function read of the objects of its source (the staged site build in the CDK asset bucket).';
    }
    return resource.startsWith(bucketRef)
      ? 'The upload function writes and prunes the objects of the site bucket (aws-cdk-lib\'s grantReadWrite), and nothing else.' : undefined;
  });
}

/**
 * The upload functions that use the stack's deployment role: aws-cdk-lib makes one stack-level singleton per memory
 * size, and every one created here runs as that role.
 */
function uploadFunctions(scope: Construct): lambda.Function[] {
  const stack = Stack.of(scope);
  const role = stack.node.tryFindChild('StaticCdnSiteDeploymentRole');
  return stack.node.children.filter((c): c is lambda.Function => c instanceof lambda.Function && role !== undefined && c.role === role);
}

