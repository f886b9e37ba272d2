import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** One cfn-lint match. */
export interface CfnLintMatch {
  readonly rule: string;
  readonly level: string;
  readonly message: string;
  readonly resource: string;
}

/** The cfn-lint command: `CFN_LINT` if set, else `cfn-lint` on the PATH. */
export function cfnLintCommand(): string {
  return process.env.CFN_LINT ?? 'cfn-lint';
}

/**
 * Runs cfn-lint over CloudFormation template files and returns its matches. Errors (level `Error`) are what the
 * project fails on; warnings and informational matches are returned too.
 */
export function cfnLintFiles(files: string[]): CfnLintMatch[] {
  const result = spawnSync(cfnLintCommand(), ['--format', 'json', '--', ...files], { encoding: 'utf-8' });
  if (result.error) {
    throw new Error(`could not run ${cfnLintCommand()}: ${result.error.message} (install it with 'pip install cfn-lint')`);
  }
  // cfn-lint exits with a bit mask of the levels it found (2 = error, 4 = warning, 8 = informational); 1 = it failed.
  if (result.status === 1 || (result.stdout ?? '').trim() === '') {
    if (result.status === 0) return [];
    throw new Error(`cfn-lint failed (exit ${result.status}): ${result.stderr}`);
  }
  const matches = JSON.parse(result.stdout) as any[];
  return matches.map((m) => ({
    rule: m.Rule?.Id,
    level: m.Level,
    message: m.Message,
    resource: `${path.basename(m.Filename)}:${m.Location?.Path?.slice(0, 2).join('.') ?? ''}`,
  }));
}

/** Runs cfn-lint over the synthesized template of `stack`. */
export function cfnLintStack(stack: Stack): CfnLintMatch[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
  const file = path.join(dir, `${stack.stackName}.template.json`);
  fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), undefined, 1));
  return cfnLintFiles([file]);
}

/** Only the errors of `cfnLintStack`. */
export function cfnLintErrors(stack: Stack): string[] {
  return cfnLintStack(stack)
    .filter((m) => m.level === 'Error')
    .map((m) => `${m.rule} ${m.resource}: ${m.message}`);
}
