import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { NAG_PACKS as PACKS, nagReport } from '../../examples/lib/compliance';

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
export const NAG_PACKS = PACKS;

/** An App for tests that synthesizes into a temporary directory. */
export function testApp(props: AppProps = {}): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-')), ...props });
}

/**
 * Applies the AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 packs to everything under `scope` and
 * returns every finding that no acknowledgement covers, followed by every acknowledgement (of those packs' rules) that
 * covers no finding (pack `acknowledgements`, at the construct that carries it): an acknowledgement written ahead of a
 * finding would hide the next one, so it fails a test as a finding does. See `nagReport` in examples/lib/compliance.ts.
 */
export function nagFindings(scope: IConstruct): NagFinding[] {
  const app = App.of(scope);
  // Synthesize first so that aspects, lazy values and validations (which record acknowledgements) have run, as in `cdk synth`.
  if (app) app.synth({ force: true });
  const { findings, unused } = nagReport(scope);
  return [...findings, ...unused];
}

/** `nagFindings` as one line per finding, for readable test failures. */
export function formatFindings(findings: NagFinding[]): string[] {
  return findings.map((f) => (f.pack === 'acknowledgements' ? `unused acknowledgement ${f.rule} at ${f.path}` : `${f.rule} (${f.severity}) at ${f.path}`));
}
