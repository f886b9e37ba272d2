import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildPlatform } from '../examples/lib/platform-app';
import { acknowledgeDefaultPropsWarnings, buildEveryConstruct } from './consumers/newest-cdk/constructs';

jest.setTimeout(240_000);

const siteDirectory = path.join(__dirname, 'fixtures', 'site');

/** Every Lambda function of every stack of `app`, as `<stack>/<logical id>` with its properties. */
function lambdaFunctions(app: App): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  for (const stack of app.node.findAll().filter((c): c is Stack => c instanceof Stack)) {
    const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    for (const [id, r] of Object.entries(fns)) out.push([`${stack.stackName}/${id}`, r.Properties ?? {}]);
  }
  return out;
}

// Reserved concurrency comes out of the account's concurrency quota, and Lambda rejects any reservation that would
// leave less than 10 unreserved executions. New accounts have a quota of 10, so in such an account a reservation of
// even 1 fails the deployment (PutFunctionConcurrency / CreateFunction). No function of the library may reserve any.
describe('no Lambda function reserves concurrency', () => {
  test.each([
    ['every construct with default props', (app: App) => buildEveryConstruct(app, { account: '111111111111', region: 'eu-west-1' })],
    ['the example platform, dev', (app: App) => buildPlatform(app, { profile: 'dev', siteDirectory })],
    ['the example platform, prod', (app: App) => buildPlatform(app, { profile: 'prod', siteDirectory })],
  ])('%s', (_name, build) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    build(app);
    const fns = lambdaFunctions(app);
    expect(fns.length).toBeGreaterThan(0);
    const reserving = fns.filter(([, p]) => p.ReservedConcurrentExecutions !== undefined).map(([id, p]) => `${id}: ${p.ReservedConcurrentExecutions}`);
    expect(reserving).toEqual([]);
  });
});

// What `cdk synth` prints for every construct with its default props: nothing but the library's own deliberate warnings
// (acknowledged by the consumer). scripts/newest-cdk-check.sh runs the same app against the newest aws-cdk-lib, whose
// warnings and deprecation notices this declared floor does not have.
test('every construct with default props synthesizes with no warning but the documented ones', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildEveryConstruct(app, { account: '111111111111', region: 'eu-west-1' });
  const before = app.synth({ force: true }).stacks.flatMap((s) => s.messages).filter((m) => m.level === 'warning');
  expect(before.length).toBeGreaterThan(0); // the insecureHttp warnings, so that the acknowledgement is shown to work
  acknowledgeDefaultPropsWarnings(stacks);
  const after = app.synth({ force: true }).stacks.flatMap((s) => s.messages).filter((m) => m.level === 'warning' || m.level === 'error');
  expect(after.map((m) => `${m.id}: ${String(m.entry.data)}`)).toEqual([]);
});

// AWS Control Tower CT.KMS.PR.3: a key the library creates lets nobody create a grant that is not for an AWS resource.
test('every KMS key the constructs create (default props) limits grants to AWS resources', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  buildEveryConstruct(app, { account: '111111111111', region: 'eu-west-1' });
  const keys = app.node.findAll().filter((c): c is Stack => c instanceof Stack)
    .flatMap((s) => Object.entries(Template.fromStack(s).findResources('AWS::KMS::Key')).map(([id, k]) => [`${s.stackName}/${id}`, k] as [string, any]));
  expect(keys.length).toBeGreaterThanOrEqual(2);
  for (const [id, key] of keys) {
    const deny = key.Properties.KeyPolicy.Statement.find((st: any) => st.Sid === 'DenyGrantsNotForAwsResources');
    expect({ id, deny }).toEqual({ id, deny: expect.objectContaining({ Effect: 'Deny', Action: 'kms:CreateGrant', Principal: { AWS: '*' } }) });
  }
});
