import { CfnResource, IAspect, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { acknowledgeCompliance } from '../core/nag';

/** Id of the log group this aspect gives a Lambda function that has none. */
const FUNCTION_LOG_GROUP_ID = 'ObservabilityLogGroup';

/**
 * Sets a retention period on every log group in a scope that has none:
 * - `AWS::Logs::LogGroup` resources without `RetentionInDays` get `retention`;
 * - Lambda functions (including those of custom resources and CDK's singleton providers) that write to their implicit
 *   `/aws/lambda/<name>` group, which Lambda creates on first invocation with no retention, get a log group of their
 *   own with `retention` through their `LoggingConfig`. Their roles keep working: the functions CDK creates carry
 *   `AWSLambdaBasicExecutionRole`, which may write to any log group.
 * Log groups that CDK's `LogRetention` custom resources manage (`logRetention` props) already have a retention.
 */
export class LogRetentionAspect implements IAspect {
  constructor(private readonly retention: logs.RetentionDays, private readonly functionLogGroups: boolean) {}

  public visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup) {
      if (node.retentionInDays === undefined) node.retentionInDays = this.retention;
      return;
    }
    if (!this.functionLogGroups || !CfnResource.isCfnResource(node) || node.cfnResourceType !== 'AWS::Lambda::Function') return;
    if (hasLogGroup(node)) return;
    const parent = node.node.scope;
    if (!parent || parent.node.tryFindChild(FUNCTION_LOG_GROUP_ID)) return;
    const logGroup = new logs.LogGroup(parent, FUNCTION_LOG_GROUP_ID, {
      retention: this.retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeCompliance(logGroup, ['CloudWatchLogGroupEncrypted'],
      'Logs of a deployment-time function (custom resource or provider), which logs outcomes and errors, never secrets; '
      + 'CloudWatch Logs encrypts them at rest.');
    node.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
  }
}

/** Whether the function already names a log group (L1 property, or the properties of a raw `CfnResource`). */
function hasLogGroup(fn: CfnResource): boolean {
  const props = fn instanceof lambda.CfnFunction
    ? { LoggingConfig: Stack.of(fn).resolve(fn.loggingConfig) as { logGroup?: unknown } | undefined }
    : (fn as unknown as { _cfnProperties?: { LoggingConfig?: { LogGroup?: unknown } } })._cfnProperties;
  const config = props?.LoggingConfig as { logGroup?: unknown; LogGroup?: unknown } | undefined;
  return config?.logGroup !== undefined || config?.LogGroup !== undefined;
}
