import { Environment } from 'aws-cdk-lib';

/** Which flavour of the deployment to synthesize: `-c profile=dev|prod`. */
export type Profile = 'dev' | 'prod';

/**
 * Fixed placeholders, so that the app synthesizes with no AWS account and no context lookups.
 * Replace them with your own account and region (or CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION) to deploy.
 */
export const ACCOUNT = process.env.EXAMPLE_ACCOUNT ?? '111111111111';
export const REGION = process.env.EXAMPLE_REGION ?? 'eu-west-1';

/** Value of the Project tag on every resource (and the budget's cost filter). */
export const PROJECT_TAG = 'analytics-platform';

/** The public hosted zone the services live under (api.<DOMAIN>, ...). */
export const DOMAIN = process.env.EXAMPLE_DOMAIN ?? 'analytics.example.com';
export const HOSTED_ZONE_ID = process.env.EXAMPLE_HOSTED_ZONE_ID ?? 'Z0123456789EXAMPLE';

export const env: Environment = { account: ACCOUNT, region: REGION };
/** CloudFront certificates and web ACLs live in us-east-1. */
export const edgeEnv: Environment = { account: ACCOUNT, region: 'us-east-1' };

export function profileOf(value: unknown): Profile {
  if (value === undefined || value === 'dev' || value === 'prod') return (value ?? 'dev') as Profile;
  throw new Error(`context 'profile' is '${value}': use -c profile=dev or -c profile=prod`);
}
