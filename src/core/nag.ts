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
    Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
  }
}

/** Acknowledges a rule of the NIST, HIPAA and PCI packs (e.g. `IAMNoInlinePolicy`) on `scope`. */
export function acknowledgeCompliance(scope: IConstruct, rules: string[], reason: string): void {
  for (const rule of rules) {
    for (const pack of COMPLIANCE_PACKS) {
      Validations.of(scope).acknowledge({ id: `${pack}-${rule}`, reason });
    }
  }
}
