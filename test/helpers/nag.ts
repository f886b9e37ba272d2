import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** One unacknowledged cdk-nag finding. */
export interface NagFinding {
  /** The rule pack, e.g. `AwsSolutions`. */
  readonly pack: string;
  /** The rule, e.g. `AwsSolutions-S1`. */
  readonly rule: string;
  readonly severity: string;
  /** Construct path of the offending resource. */
  readonly path: string;
  readonly description: string;
}

/** The four packs the library promises to pass. */
export const NAG_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/** An App for tests that synthesizes into a temporary directory. */
export function testApp(props: AppProps = {}): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-')), ...props });
}

/**
 * Applies the AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 packs to everything under `scope` and
 * returns every finding that no `Validations.of(...).acknowledge(...)` covers.
 *
 * The packs are run with `validateScope` on the construct tree: registered through `Validations.of(app).addPlugins`,
 * cdk-nag 3.0.2 throws "NagPack requires a construct tree on the validation context" with every aws-cdk-lib release
 * up to 2.276, which fails synthesis whatever the findings are.
 */
export function nagFindings(scope: IConstruct): NagFinding[] {
  const app = App.of(scope);
  // Synthesize first so that aspects and lazy values have run, as they would in `cdk synth`.
  if (app) app.synth({ force: true });
  const findings: NagFinding[] = [];
  for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()]) {
    const report = pack.validateScope(scope);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        findings.push({ pack: pack.name, rule: v.ruleName, severity: v.severity ?? 'error', path: String(r.constructPath ?? '?'), description: v.description });
      }
    }
  }
  return findings;
}

/** `nagFindings` as one line per finding, for readable test failures. */
export function formatFindings(findings: NagFinding[]): string[] {
  return findings.map((f) => `${f.rule} (${f.severity}) at ${f.path}`);
}
