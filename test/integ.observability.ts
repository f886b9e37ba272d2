/**
 * Integration test of ObservabilityBundle, on resources that cost nothing while idle: a log group of JSON logs created
 * without retention, monitored (error metric filter, alarm, saved queries); the bundle's KMS-encrypted alarm topic, with
 * an SQS queue of the test subscribed to it; the dashboard, the platform health alarm and a monthly budget.
 *
 * Proves after deployment: the topic is encrypted with the bundle's key, the log group got the bundle's retention, and
 * an alarm's notification really arrives (CloudWatch may use the topic's key and publish to it: the step that fails
 * silently when a key policy is wrong). How to run it: test/integ/README.md.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicies, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ObservabilityBundle } from '../src';

// integ-runner synthesizes its snapshots with CDK_INTEG_ACCOUNT / CDK_INTEG_REGION set to placeholders; a deployment
// uses the account of the credentials and the region of --parallel-regions (CDK_DEFAULT_*). Without either, fixed
// placeholders: the app synthesizes with no AWS credentials and no lookups.
const env = {
  account: process.env.CDK_INTEG_ACCOUNT ?? process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111',
  region: process.env.CDK_INTEG_REGION ?? process.env.CDK_DEFAULT_REGION ?? 'eu-west-1',
};

// No stack traces in the metadata: the committed snapshots must not depend on the machine's paths.
const app = new App({ context: { 'aws:cdk:disable-stack-trace': true, 'aws:cdk:disable-creation-stack-traces': true } });
const stack = new Stack(app, 'AnalyticsInteg-Observability', { env });

// A log group as an application would create it, with no retention: the bundle gives it one.
const appLogs = new logs.LogGroup(stack, 'AppLogs', { retention: logs.RetentionDays.INFINITE, removalPolicy: RemovalPolicy.DESTROY });

const bundle = new ObservabilityBundle(stack, 'Observability', {
  logRetention: logs.RetentionDays.TWO_WEEKS,
  monthlyBudgetUsd: 5,
  costAllocationTagValue: 'analytics-constructs-integ',
  defaults: { logGroup: { errorsThreshold: 3 } },
});
bundle.monitor(appLogs);
bundle.applyLogRetention(stack);

// Where the test reads the alarm notifications.
const inbox = new sqs.Queue(stack, 'AlarmInbox', {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.hours(1),
  removalPolicy: RemovalPolicy.DESTROY,
});
bundle.topic.addSubscription(new subscriptions.SqsSubscription(inbox));

const errorsAlarm = bundle.alarms.find((a) => a.node.id === 'ErrorsHigh')!;

// A test leaves nothing behind but its buckets: everything else is deleted with the stack (a bucket with objects
// cannot be deleted by CloudFormation, so buckets keep the construct's removal policy; see test/integ/README.md).
RemovalPolicies.of(stack).destroy({ excludeResourceTypes: ['AWS::S3::Bucket'] });

const integ = new IntegTest(app, 'ObservabilityBundleInteg', {
  testCases: [stack],
  // In the same environment as the bundle, so that the assertions may read its outputs.
  assertionStack: new Stack(app, 'AnalyticsInteg-Observability-Assertions', { env }),
  stackUpdateWorkflow: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// The alarm topic is encrypted with the bundle's key.
integ.assertions.awsApiCall('SNS', 'getTopicAttributes', { TopicArn: bundle.topic.topicArn })
  .assertAtPath('Attributes.KmsMasterKeyId', ExpectedResult.exact(bundle.topicKey!.keyArn));

// The log group created without retention has the bundle's.
integ.assertions.awsApiCall('CloudWatchLogs', 'describeLogGroups', { logGroupNamePrefix: appLogs.logGroupName })
  .assertAtPath('logGroups.0.retentionInDays', ExpectedResult.exact(14));

// An alarm notification arrives: force the log group's alarm to ALARM, then read the queue until its message is there
// (the other alarms' first OK notifications may come first; read messages come back after the visibility timeout).
integ.assertions.awsApiCall('CloudWatch', 'setAlarmState', {
  AlarmName: errorsAlarm.alarmName,
  StateValue: 'ALARM',
  StateReason: 'analytics-constructs integ test',
}).next(
  integ.assertions.awsApiCall('SQS', 'receiveMessage', { QueueUrl: inbox.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 10 })
    .assertAtPath('Messages.0.Body.Message.AlarmName', ExpectedResult.exact(errorsAlarm.alarmName))
    .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) }),
);

app.synth();
