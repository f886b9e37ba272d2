import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Adds to `key`'s policy the statement AWS Control Tower's proactive control CT.KMS.PR.3 requires: nobody may create a
 * grant on the key unless the grant is for an AWS resource or the caller is an AWS service. The services that use the
 * library's keys (SNS, S3, CloudWatch Logs) encrypt with the key directly or through grants for AWS resources, so
 * nothing they do is denied; a person or role with `kms:*` from the account statement can no longer hand the key to
 * someone else through a grant.
 */
export function limitGrantsToAwsResources(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
}
