import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledgeCompliance } from '../core/nag';
import { checkInteger, checkLogRetentionDays, checkRange, propError } from '../core/validation';

/** Options of the web ACL that `SiteWebAcl.managed()` creates. */
export interface ManagedWebAclOptions {
  /**
   * Requests one client IP may send in any 5-minute window before it is blocked (10 to 2,000,000,000). A page load
   * of a single-page app is typically 10-30 requests, cached or not: WAF counts them all.
   *
   * @default 2000
   */
  readonly rateLimitPerIp?: number;

  /**
   * How long the web ACL's logs are kept. Only blocked and counted requests are logged.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The AWS WAF web ACL in front of the site: a new one with AWS managed rules and a rate limit, or an existing one.
 */
export abstract class SiteWebAcl {
  /**
   * A new web ACL (scope CLOUDFRONT) with the AWS managed IP reputation list, common rule set and known bad inputs
   * rules, a rate limit per client IP, CloudWatch metrics and logging of blocked requests. CloudFront web ACLs exist
   * only in us-east-1, so the site's stack must be in us-east-1; from another region, create the web ACL in a
   * us-east-1 stack and use `SiteWebAcl.fromArn`.
   */
  public static managed(options: ManagedWebAclOptions = {}): SiteWebAcl {
    return new ManagedSiteWebAcl(options);
  }

  /** An existing web ACL with scope CLOUDFRONT, by ARN (from a us-east-1 stack, e.g. with `crossRegionReferences`). */
  public static fromArn(webAclArn: string): SiteWebAcl {
    return new ExistingSiteWebAcl(webAclArn);
  }

  /** Creates what the web ACL needs in `scope` and returns the web ACL's ARN. */
  public abstract bind(scope: Construct): string;
}

class ExistingSiteWebAcl extends SiteWebAcl {
  constructor(private readonly arn: string) {
    super();
  }

  public bind(scope: Construct): string {
    if (!Token.isUnresolved(this.arn)) {
      const where = scope.node.path;
      if (!/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[^/]+\/[^/]+$/.test(this.arn)) {
        propError(where, 'webAcl', `'${this.arn}' is not the ARN of a CloudFront (global, us-east-1) WAFv2 web ACL`,
          'Pass the ARN of a web ACL created with scope CLOUDFRONT in us-east-1 (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>).');
      }
    }
    return this.arn;
  }
}

class ManagedSiteWebAcl extends SiteWebAcl {
  constructor(private readonly options: ManagedWebAclOptions) {
    super();
  }

  public bind(scope: Construct): string {
    const where = scope.node.path;
    const limit = this.options.rateLimitPerIp ?? 2000;
    checkInteger(where, 'webAcl.rateLimitPerIp', limit);
    checkRange(where, 'webAcl.rateLimitPerIp', limit, 10, 2_000_000_000);
    checkLogRetentionDays(where, 'webAcl.logRetention', this.options.logRetention);
    const region = Stack.of(scope).region;
    if (Token.isUnresolved(region) || region !== 'us-east-1') {
      propError(where, 'webAcl', `SiteWebAcl.managed() needs the stack in us-east-1 (CloudFront web ACLs exist only there), but the stack's region is ${
        Token.isUnresolved(region) ? 'not known at synth time' : region}`,
      'Create the web ACL in a us-east-1 stack and pass SiteWebAcl.fromArn(arn) (with crossRegionReferences), or deploy the site stack to us-east-1.');
    }
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty =>
      ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
    const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: `Web ACL of ${where}`,
      visibilityConfig: visibility('StaticCdnSite'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        managed('AWSManagedRulesAmazonIpReputationList', 1),
        managed('AWSManagedRulesCommonRuleSet', 2),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
    // WAF requires the log group name to start with aws-waf-logs-.
    const logGroup = new logs.LogGroup(scope, 'WebAclLogs', {
      logGroupName: `aws-waf-logs-${Stack.of(scope).stackName}-${scope.node.addr.slice(-8)}`.slice(0, 512),
      retention: this.options.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeCompliance(logGroup, ['CloudWatchLogGroupEncrypted'],
      'CloudWatch Logs encrypts log data at rest with service keys; the WAF logs hold request metadata of blocked requests only.');
    new wafv2.CfnLoggingConfiguration(scope, 'WebAclLogging', {
      resourceArn: webAcl.attrArn,
      logDestinationConfigs: [logGroup.logGroupArn],
      // Keep only what WAF blocked or counted: allowed requests are in the CloudFront access logs already.
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [{
          Behavior: 'KEEP',
          Requirement: 'MEETS_ANY',
          Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
        }],
      },
    });
    return webAcl.attrArn;
  }
}
