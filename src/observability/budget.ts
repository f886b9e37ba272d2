import { Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * A monthly AWS Budget filtered by a cost allocation tag, notifying `topic` when the month's forecast exceeds 100% and
 * actual spend 80%; lets Budgets publish to the bundle's own topic.
 */
export function createBudget(
  scope: Construct, topic: sns.ITopic, amount: number, tagKey: string, tagValue: string, ownTopic?: sns.Topic,
): budgets.CfnBudget {
  const stack = Stack.of(scope);
  if (ownTopic) {
    ownTopic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowBudgets',
      principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [ownTopic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:budgets::${stack.account}:*` },
      },
    }));
  }
  const subscribers = [{ subscriptionType: 'SNS', address: topic.topicArn }];
  const budget = new budgets.CfnBudget(scope, 'Budget', {
    budget: {
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      budgetLimit: { amount, unit: 'USD' },
      costFilters: { TagKeyValue: [`user:${tagKey}$${tagValue}`] },
    },
    notificationsWithSubscribers: [
      {
        notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' },
        subscribers,
      },
      {
        notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' },
        subscribers,
      },
    ],
  });
  // Budgets checks that it may publish when the notification is created.
  if (ownTopic) budget.node.addDependency(ownTopic);
  return budget;
}
