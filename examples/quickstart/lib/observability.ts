import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// readme:start ObservabilityBundle
import { ApiImage, FastifyFargateApi, Ingress, ObservabilityBundle } from '@org/analytics-constructs';
import { Tags } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
// readme:end

/** README quick start: an ObservabilityBundle watching everything in its stack. */
export class ObservabilityQuickstart extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // readme:start ObservabilityBundle
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com',
    });
    new FastifyFargateApi(this, 'Api', {
      image: ApiImage.fromDirectory('./api'),
      ingress: Ingress.loadBalancer({ domainName: 'api.example.com', hostedZone: zone }),
    });

    const observability = new ObservabilityBundle(this, 'Observability', {
      alarmEmails: ['oncall@example.com'],   // an SNS topic (KMS-encrypted) with this subscription
      monthlyBudgetUsd: 200,                 // AWS Budgets: alerts at 80% spent and 100% forecast
      costAllocationTagValue: 'quickstart',  // ... of the costs tagged Project=quickstart
    });
    observability.monitorScope(this);        // alarms and dashboard for every service, ALB, database, ... below
    Tags.of(this).add('Project', 'quickstart'); // activate it as a cost allocation tag in Billing
    // readme:end
  }
}
