import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The compliance packs that share rule names (AwsSolutions has its own). */
const PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/** Acknowledges `rule` (e.g. `VPCNoUnrestrictedRouteToIGW`) in the NIST, HIPAA and PCI packs on `scope`, with a reason. */
export function acknowledgeCompliance(scope: IConstruct, rule: string, reason: string): void {
  for (const pack of PACKS) {
    Validations.of(scope).acknowledge({ id: `${pack}-${rule}`, reason });
  }
}
