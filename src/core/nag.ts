import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledgements of cdk-nag rules, recorded with aws-cdk-lib's own `Validations` API so that the library needs no
 * runtime dependency on cdk-nag. Each acknowledgement carries a reason and goes on the narrowest construct.
 */

/** Packs whose rules share names (`<pack>-<rule>`): NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1. */
const COMPLIANCE_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/** Acknowledges AwsSolutions rules (e.g. `ECS2`, or `IAM5[Resource::*]`) on `scope`. */
export function acknowledgeAwsSolutions(scope: IConstruct, rules: string[], reason: string): void {
  for (const rule of rules) {
    acknowledge(scope, `AwsSolutions-${rule}`, reason);
  }
}

/**
 * Records one acknowledgement. `Validations.acknowledge` rejects ids with more than one `::` (it reserves the
 * delimiter for a prefix), which rules out the finding ids that carry a policy ARN, such as
 * `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/...]`: those are written as the same
 * acknowledged-rules metadata that `Validations` writes and cdk-nag reads.
 */
function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if ((id.match(/::/g) ?? []).length > 1) {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  } else {
    Validations.of(scope).acknowledge({ id, reason });
  }
}

/** The finding ids of the AWS managed policies a Lambda function in a VPC gets (AwsSolutions-IAM4). */
export const LAMBDA_MANAGED_POLICY_FINDINGS = [
  'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
];

/** Acknowledges a rule of the NIST, HIPAA and PCI packs (e.g. `IAMNoInlinePolicy`) on `scope`. */
export function acknowledgeCompliance(scope: IConstruct, rules: string[], reason: string): void {
  for (const rule of rules) {
    for (const pack of COMPLIANCE_PACKS) {
      acknowledge(scope, `${pack}-${rule}`, reason);
    }
  }
}
