import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Acknowledgements of cdk-nag rules, recorded with aws-cdk-lib's own `Validations` API so that the library needs no
 * runtime dependency on cdk-nag. Each acknowledgement carries a reason and goes on the narrowest construct.
 */

const NIST = 'NIST.800.53.R5';
const HIPAA = 'HIPAA.Security';
const PCI = 'PCI.DSS.321';
const ALL = [NIST, HIPAA, PCI];

/**
 * The packs (NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) that have each compliance rule the library acknowledges.
 * An acknowledgement in a pack without the rule would match nothing, and an acknowledgement that matches nothing fails
 * the nag tests; `test/nag.test.ts` checks this table against the packs of the cdk-nag release in use.
 */
export const COMPLIANCE_RULE_PACKS: { readonly [rule: string]: readonly string[] } = {
  ALBWAFEnabled: [NIST, PCI],
  CloudWatchLogGroupEncrypted: ALL,
  EC2InstanceNoPublicIp: ALL,
  EC2InstancesInVPC: ALL,
  EC2RestrictedCommonPorts: ALL,
  EFSInBackupPlan: [NIST, HIPAA],
  ELBDeletionProtectionEnabled: [NIST, HIPAA],
  ELBv2ACMCertificateRequired: ALL,
  ElastiCacheRedisClusterAutomaticBackup: [NIST, HIPAA],
  IAMNoInlinePolicy: ALL,
  LambdaConcurrency: [NIST, HIPAA],
  LambdaDLQ: [NIST, HIPAA],
  LambdaInsideVPC: ALL,
  RDSEnhancedMonitoringEnabled: [NIST, HIPAA],
  RDSInBackupPlan: [NIST, HIPAA],
  S3BucketLoggingEnabled: ALL,
  S3BucketReplicationEnabled: ALL,
  S3DefaultEncryptionKMS: ALL,
  SecretsManagerRotationEnabled: [NIST, HIPAA],
  SecretsManagerUsingKMSKey: ALL,
  VPCNoUnrestrictedRouteToIGW: ALL,
};

/** Acknowledges AwsSolutions rules (e.g. `ECS2`, or `IAM5[Resource::*]`) on `scope`. */
export function acknowledgeAwsSolutions(scope: IConstruct, rules: string[], reason: string): void {
  for (const rule of rules) {
    acknowledge(scope, `AwsSolutions-${rule}`, reason);
  }
}

/**
 * Records one acknowledgement. `Validations.acknowledge` rejects ids with more than one `::` (it reserves the
 * delimiter for a prefix), which rules out the finding ids that carry a policy ARN, such as
 * `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/...]`: those are written as the same
 * acknowledged-rules metadata that `Validations` writes and cdk-nag reads.
 */
function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if ((id.match(/::/g) ?? []).length > 1) {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  } else {
    Validations.of(scope).acknowledge({ id, reason });
  }
}

/** The AwsSolutions-IAM4 finding id of AWSLambdaBasicExecutionRole (CDK's own singleton functions carry it). */
export const LAMBDA_BASIC_EXECUTION_FINDING = 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/** The AwsSolutions-IAM4 finding id of the AWS managed policy that lets a Lambda function attach to a VPC. */
export const LAMBDA_VPC_ACCESS_FINDING = 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]';

/**
 * Acknowledges a rule of the NIST, HIPAA and PCI packs (e.g. `IAMNoInlinePolicy`) on `scope`, in each pack that has
 * the rule ({@link COMPLIANCE_RULE_PACKS}).
 */
export function acknowledgeCompliance(scope: IConstruct, rules: string[], reason: string): void {
  for (const rule of rules) {
    const packs = COMPLIANCE_RULE_PACKS[rule];
    if (!packs) throw new Error(`acknowledgeCompliance: no packs recorded for rule ${rule}; add it to COMPLIANCE_RULE_PACKS in src/core/nag.ts`);
    for (const pack of packs) acknowledge(scope, `${pack}-${rule}`, reason);
  }
}

/** Runs `decide` at synthesis (construct validation), after every grant and container has been added. */
function atSynthesis(scope: IConstruct, decide: () => void): void {
  scope.node.addValidation({ validate: () => { decide(); return []; } });
}

interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

/** The resolved statements of the inline default policy CDK writes for a role's grants; [] when it has none. */
function defaultPolicyStatements(role: IConstruct): PolicyStatementJson[] {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return [];
  const doc = Stack.of(policy).resolve(policy.document.toJSON()) as { Statement?: PolicyStatementJson[] } | undefined;
  return doc?.Statement ?? [];
}

/**
 * Acknowledges the compliance packs' `IAMNoInlinePolicy` on `role` at synthesis, only when CDK's grants have given it
 * an inline default policy (a role without grants has no finding to answer).
 */
export function acknowledgeInlineGrants(role: IConstruct, reason: string): void {
  atSynthesis(role, () => {
    if (role.node.tryFindChild('DefaultPolicy')) acknowledgeCompliance(role, ['IAMNoInlinePolicy'], reason);
  });
}

/**
 * Acknowledges `AwsSolutions-IAM5[Resource::*]` on `role` at synthesis, only when its default policy grants actions on
 * `*` and every one of them is in {@link UNSCOPABLE_ACTIONS} (action → why IAM cannot scope it); the recorded reason
 * names exactly the actions found. An action on `*` without a reason here leaves the finding standing, so a wildcard added later (by a
 * grant, or by a CDK default such as ECS Exec logging without a cluster log configuration) is seen.
 */
export function acknowledgeUnscopableActions(role: IConstruct): void {
  const reasons = UNSCOPABLE_ACTIONS;
  atSynthesis(role, () => {
    const onWildcard = new Set<string>();
    for (const s of defaultPolicyStatements(role)) {
      if (s.Effect !== 'Allow' || !([] as unknown[]).concat(s.Resource).includes('*')) continue;
      for (const a of ([] as unknown[]).concat(s.Action)) onWildcard.add(String(a));
    }
    if (onWildcard.size === 0 || [...onWildcard].some((a) => !reasons[a])) return;
    const why = [...new Set([...onWildcard].sort().map((a) => reasons[a]))];
    acknowledgeAwsSolutions(role, ['IAM5[Resource::*]'], `Only ${[...onWildcard].sort().join(', ')} on "*": ${why.join(' ')}`);
  });
}

/** Actions that CDK grants on `*` because IAM cannot scope them, with the reason recorded when they are acknowledged. */
export const UNSCOPABLE_ACTIONS: { readonly [action: string]: string } = {
  'ecr:GetAuthorizationToken': 'ecr:GetAuthorizationToken (pulling from ECR) has no resource-level permissions.',
  ...Object.fromEntries(['CreateControlChannel', 'CreateDataChannel', 'OpenControlChannel', 'OpenDataChannel'].map((a) => [`ssmmessages:${a}`,
    'ECS Exec\'s ssmmessages channel actions have no resource-level permissions.'])),
  'logs:DescribeLogGroups': 'ECS Exec checks the cluster\'s session log group with logs:DescribeLogGroups, which CDK grants on "*"; '
    + 'the session writes themselves are scoped to that log group.',
  ...Object.fromEntries(['PutTraceSegments', 'PutTelemetryRecords', 'GetSamplingRules', 'GetSamplingTargets', 'GetSamplingStatisticSummaries']
    .map((a) => [`xray:${a}`, 'The X-Ray trace and sampling APIs have no resource-level permissions.'])),
};

/**
 * Acknowledges `AwsSolutions-IAM5[Resource::<resource>]` on `role` at synthesis for each wildcard resource of its default
 * policy for which `decide(resource, actions)` gives a reason (resources written as cdk-nag names them: `<Logical.Arn>/*`).
 */
export function acknowledgeWildcardResources(role: IConstruct, decide: (resource: string, actions: string[]) => string | undefined): void {
  atSynthesis(role, () => {
    for (const s of defaultPolicyStatements(role)) {
      if (s.Effect !== 'Allow') continue;
      const actions = ([] as unknown[]).concat(s.Action).map(String);
      for (const resource of ([] as unknown[]).concat(s.Resource).map(flattenReference)) {
        if (resource === '*' || !resource.includes('*')) continue;
        const reason = decide(resource, actions);
        if (reason) acknowledgeAwsSolutions(role, [`IAM5[Resource::${resource}]`], reason);
      }
    }
  });
}

/** A CloudFormation value as one string, the way policy findings name resources (`<Logical.Attr>`, `<Ref>`). */
export function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flattenReference).join(v['Fn::Join'][0]);
  if (v['Fn::Sub']) return flattenReference(v['Fn::Sub']);
  if (v['Fn::GetAtt']) return `<${flattenReference(v['Fn::GetAtt'][0])}.${flattenReference(v['Fn::GetAtt'][1])}>`;
  if (v['Fn::ImportValue']) return flattenReference(v['Fn::ImportValue']);
  if (v.Ref) return `<${flattenReference(v.Ref)}>`;
  return JSON.stringify(value);
}
