// Synthesizes every construct of the packed library with its default props (./constructs.ts), environment-bound, and
// prints what `cdk synth` would print about them: every annotation of the cloud assembly in the CLI's format
// (`[Warning at /path] message`). aws-cdk-lib's deprecation notices go to stderr by themselves (JSII_DEPRECATED=warn).
// scripts/newest-cdk-check.sh runs this against the newest aws-cdk-lib and fails on any warning or deprecation.
import { App } from 'aws-cdk-lib';
import { acknowledgeDefaultPropsWarnings, buildEveryConstruct } from './constructs';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out' });
const stacks = buildEveryConstruct(app, { account: '111111111111', region: 'eu-west-1' });
// The library's own warnings for default props (no certificate: plain HTTP) are expected; anything else is printed.
acknowledgeDefaultPropsWarnings(stacks);
const assembly = app.synth();
const levels: { [level: string]: string } = { warning: 'Warning', error: 'Error', info: 'Info' };
let resources = 0;
for (const stack of assembly.stacks) {
  resources += Object.keys(stack.template.Resources ?? {}).length;
  for (const m of stack.messages) {
    console.log(`[${levels[m.level] ?? m.level} at ${m.id}] ${String(m.entry.data)}`);
  }
}
console.log(`newest-cdk consumer: ${Object.keys(stacks).length} constructs in ${assembly.stacks.length} stacks, ${resources} resources`);
