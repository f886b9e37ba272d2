import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

let rulePacks: Map<string, string[]> | undefined;

/**
 * Every rule of the compliance packs (NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) with the packs that have it, read
 * from the cdk-nag release in use: each pack applies all its rules to every resource, so one pass over a bare resource
 * lists them.
 */
export function complianceRulePacks(): Map<string, string[]> {
  if (!rulePacks) {
    const found = new Map<string, string[]>();
    const resource = new CfnResource(new Stack(new App({ autoSynth: false }), 'Rules'), 'Any', { type: 'AWS::S3::Bucket' });
    const packs: NagPack[] = [new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
    for (const pack of packs) {
      Object.assign(pack, {
        applyRule: (params: { ruleSuffixOverride?: string; rule: { name: string } }) => {
          const name = params.ruleSuffixOverride ?? params.rule.name;
          found.set(name, [...(found.get(name) ?? []), pack.readPackName]);
        },
      });
      (pack as unknown as { checkResource(r: CfnResource): void }).checkResource(resource);
    }
    rulePacks = found;
  }
  return rulePacks;
}

function packsOf(rule: string): string[] {
  const packs = complianceRulePacks().get(rule);
  if (!packs) throw new Error(`acknowledgeCompliance: no compliance pack has a rule ${rule}`);
  return packs;
}

/**
 * Acknowledges `rule` (e.g. `VPCNoUnrestrictedRouteToIGW`) on `scope`, with a reason, in each of the NIST, HIPAA and
 * PCI packs that has it (an acknowledgement in a pack without the rule would match nothing and fail the nag check).
 */
export function acknowledgeCompliance(scope: IConstruct, rule: string, reason: string): void {
  for (const pack of packsOf(rule)) {
    Validations.of(scope).acknowledge({ id: `${pack}-${rule}`, reason });
  }
}
