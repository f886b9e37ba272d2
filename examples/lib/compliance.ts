import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';

/**
 * Runs the AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 packs over the synthesized app, writes
 * `nag-report.json` next to the templates and fails the synth (exit code 1) when an unacknowledged finding remains.
 *
 * The packs walk the construct tree with `validateScope`: cdk-nag 3.0.2 registered through
 * `Validations.of(app).addPlugins(...)` fails on every aws-cdk-lib release so far ("NagPack requires a construct tree
 * on the validation context"), whatever the findings.
 */
export function checkCompliance(app: App): void {
  const assembly = app.synth();
  const packs = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
  const report = packs.map((pack) => {
    const result = pack.validateScope(app);
    return {
      pack: pack.name,
      findings: result.violations.flatMap((v) => v.violatingResources.map((r) => ({
        rule: v.ruleName, severity: v.severity, path: r.constructPath, description: v.description,
      }))),
    };
  });
  fs.writeFileSync(path.join(assembly.directory, 'nag-report.json'), JSON.stringify(report, undefined, 2));
  const findings = report.flatMap((r) => r.findings);
  for (const f of findings) {
    process.stderr.write(`[nag] ${f.rule} (${f.severity}) at ${f.path}: ${f.description}\n`);
  }
  if (findings.length > 0) process.exitCode = 1;
}
