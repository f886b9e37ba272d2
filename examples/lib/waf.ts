import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/**
 * A web ACL with the AWS managed common, known-bad-inputs and IP reputation rules, and a rate limit per IP. Blocked and
 * counted requests are logged to a log group encrypted with `logKey` (a key of the ACL's region that the CloudWatch Logs
 * service may use), kept a year and retained with the stack's deletion: they are audit data.
 */
export function managedWebAcl(scope: Construct, id: string, aclScope: 'CLOUDFRONT' | 'REGIONAL', logKey: kms.IKey): wafv2.CfnWebACL {
  const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
  });
  const acl = new wafv2.CfnWebACL(scope, id, {
    scope: aclScope,
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: id, sampledRequestsEnabled: true },
    rules: [
      managed('AWSManagedRulesCommonRuleSet', 1),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
      managed('AWSManagedRulesAmazonIpReputationList', 3),
      {
        name: 'RateLimitPerIp',
        priority: 4,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: 'IP' } },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'RateLimitPerIp', sampledRequestsEnabled: true },
      },
    ],
  });
  // Logging of blocked and counted requests (WAF needs a log group named aws-waf-logs-*).
  const stack = Stack.of(scope);
  const name = `aws-waf-logs-${stack.stackName}-${id}`;
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    logGroupName: name, encryptionKey: logKey, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN,
  });
  new wafv2.CfnLoggingConfiguration(scope, `${id}Logging`, {
    resourceArn: acl.attrArn,
    logDestinationConfigs: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    loggingFilter: {
      DefaultBehavior: 'DROP',
      Filters: [{ Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }] }],
    },
  }).node.addDependency(logGroup);
  return acl;
}
