import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { formatFindings, nagFindings, testApp } from './helpers/nag';
import { complianceRulePacks } from '../examples/lib/nag';
import { acknowledgeCompliance, acknowledgeUnscopableActions, acknowledgeWildcardResources, COMPLIANCE_RULE_PACKS } from '../src/core/nag';

describe('acknowledgement helpers', () => {
  test('COMPLIANCE_RULE_PACKS names exactly the packs of the cdk-nag in use that have each rule', () => {
    const actual = complianceRulePacks();
    expect(actual.size).toBeGreaterThan(80);
    for (const [rule, packs] of Object.entries(COMPLIANCE_RULE_PACKS)) {
      expect({ rule, packs: [...packs].sort() }).toEqual({ rule, packs: [...(actual.get(rule) ?? [])].sort() });
    }
  });

  test('a rule without a pack entry is refused, naming the table to extend', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledgeCompliance(stack, ['NoSuchRule'], 'x'))
      .toThrow('acknowledgeCompliance: no packs recorded for rule NoSuchRule; add it to COMPLIANCE_RULE_PACKS in src/core/nag.ts');
  });

  function roleWith(stack: Stack, id: string, statements: iam.PolicyStatement[]): iam.Role {
    const role = new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    for (const s of statements) role.addToPolicy(s);
    acknowledgeUnscopableActions(role);
    return role;
  }

  test('IAM5[Resource::*] is acknowledged only when every action on "*" is one IAM cannot scope, with those actions in the reason', () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    roleWith(stack, 'Pull', [new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] })]);
    roleWith(stack, 'PullAndLogs', [
      new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: ['*'] }),
    ]);
    roleWith(stack, 'NoGrants', []);
    const iam5 = formatFindings(nagFindings(app).filter((f) => f.rule.startsWith('AwsSolutions-IAM5')));
    expect(iam5).toEqual(['AwsSolutions-IAM5[Resource::*] (error) at S/PullAndLogs/DefaultPolicy/Resource']);
    const pull = stack.node.findChild('Pull').node.metadata.find((m) => m.type === 'aws:cdk:acknowledged-rules')!.data as Record<string, string>;
    expect(Object.entries(pull)).toEqual([['AwsSolutions-IAM5[Resource::*]',
      'Only ecr:GetAuthorizationToken on "*": ecr:GetAuthorizationToken (pulling from ECR) has no resource-level permissions.']]);
  });

  test('a wildcard resource is acknowledged only where the decision gives a reason', () => {
    const app = testApp();
    const stack = new Stack(app, 'S');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:StopTask'], resources: ['arn:aws:ecs:eu-west-1:111111111111:task/c/*'] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] }));
    acknowledgeWildcardResources(role, (resource) => (resource.includes(':task/') ? 'tasks of the cluster' : undefined));
    expect(formatFindings(nagFindings(app).filter((f) => f.rule.startsWith('AwsSolutions-IAM5'))))
      .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*] (error) at S/Role/DefaultPolicy/Resource']);
  });
});
