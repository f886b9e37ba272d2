import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The four packs the library and the example promise to pass, by the prefix of their rule ids. */
export const NAG_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/** One finding of a pack that no acknowledgement covers, or one acknowledgement that covers no finding. */
export interface NagReportEntry {
  /** The rule pack (`AwsSolutions`, ...), or `acknowledgements` for an acknowledgement that matched nothing. */
  readonly pack: string;
  /** The rule id, e.g. `AwsSolutions-S1` or `AwsSolutions-IAM5[Resource::*]`. */
  readonly rule: string;
  readonly severity: string;
  /** Construct path of the offending resource, or of the construct that carries the unused acknowledgement. */
  readonly path: string;
  readonly description: string;
}

/** What the four packs say about a construct tree. */
export interface NagReport {
  /** Findings no acknowledgement covers. */
  readonly findings: NagReportEntry[];
  /**
   * Acknowledgements (of the four packs' rules) that covered no finding: written ahead of a finding that never came,
   * they would hide the next one (a wildcard added later would pass unseen), so they count as failures too.
   */
  readonly unused: NagReportEntry[];
}

const ACK_KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/** The acknowledged rule ids on one construct (without the `annotation::` prefix `Validations` adds). */
function acknowledgedOn(c: IConstruct): Set<string> {
  const ids = new Set<string>();
  for (const entry of c.node.metadata) {
    if (entry.type !== ACK_KEY || !entry.data) continue;
    for (const key of Object.keys(entry.data as Record<string, string>)) ids.add(key.replace(/^annotation::/i, ''));
  }
  return ids;
}

/**
 * Runs the AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 packs over everything under `scope` and
 * returns both the unacknowledged findings and the acknowledgements that matched no finding.
 *
 * The packs walk the construct tree with `validateScope`: cdk-nag 3.0.2 registered through
 * `Validations.of(app).addPlugins(...)` fails on every aws-cdk-lib release so far ("NagPack requires a construct tree
 * on the validation context"), whatever the findings. Usage is recorded by wrapping each pack's acknowledgement lookup
 * (the same walk from the resource up through its ancestors that cdk-nag 3.0.2 does), so a match is counted exactly
 * where cdk-nag would honour it.
 */
export function nagReport(scope: IConstruct): NagReport {
  const used = new Set<string>();
  const lookup = (resource: CfnResource, ruleId: string): boolean => {
    for (let c: IConstruct | undefined = resource; c; c = c.node.scope) {
      if (acknowledgedOn(c).has(ruleId)) {
        used.add(`${c.node.path}\u0000${ruleId}`);
        return true;
      }
    }
    return false;
  };
  const packs: NagPack[] = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
  const findings: NagReportEntry[] = [];
  for (const pack of packs) {
    Object.assign(pack, { isAcknowledged: lookup });
    for (const v of pack.validateScope(scope).violations) {
      for (const r of v.violatingResources) {
        findings.push({ pack: pack.readPackName, rule: v.ruleName, severity: v.severity ?? 'error', path: String(r.constructPath ?? '?'), description: v.description });
      }
    }
  }
  const unused: NagReportEntry[] = [];
  for (const c of scope.node.findAll()) {
    for (const id of acknowledgedOn(c)) {
      if (!NAG_PACKS.some((p) => id.startsWith(`${p}-`)) || used.has(`${c.node.path}\u0000${id}`)) continue;
      unused.push({
        pack: 'acknowledgements',
        rule: id,
        severity: 'error',
        path: c.node.path,
        description: 'acknowledged here, but no resource at or below this construct has this finding: remove the acknowledgement',
      });
    }
  }
  return { findings, unused };
}

/**
 * Runs the four packs over the synthesized app, writes `nag-report.json` next to the templates and fails the synth
 * (exit code 1) when an unacknowledged finding or an unused acknowledgement remains.
 */
export function checkCompliance(app: App): void {
  const assembly = app.synth();
  const { findings, unused } = nagReport(app);
  const report = NAG_PACKS.map((pack) => ({ pack, findings: findings.filter((f) => f.pack === pack) }));
  fs.writeFileSync(path.join(assembly.directory, 'nag-report.json'), JSON.stringify([...report, { pack: 'acknowledgements', findings: unused }], undefined, 2));
  for (const f of findings) process.stderr.write(`[nag] ${f.rule} (${f.severity}) at ${f.path}: ${f.description}\n`);
  for (const f of unused) process.stderr.write(`[nag] unused acknowledgement ${f.rule} at ${f.path}: ${f.description}\n`);
  if (findings.length + unused.length > 0) process.exitCode = 1;
}
