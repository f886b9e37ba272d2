import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { Profile, PROJECT_TAG } from './config';
import { ObservabilityBundle } from '@org/analytics-constructs';

export interface ObservabilityStackProps extends StackProps {
  readonly profile: Profile;
  /** Everything to monitor (the app: every stack of the platform). */
  readonly platform: IConstruct;
}

/** One ObservabilityBundle over the whole platform: alarms to the on-call topic, one dashboard, a budget, log retention. */
export class ObservabilityStack extends Stack {
  public readonly bundle: ObservabilityBundle;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    this.bundle = new ObservabilityBundle(this, 'Observability', {
      dashboardName: `analytics-platform-${props.profile}`,
      alarmEmails: [process.env.EXAMPLE_ALARM_EMAIL ?? 'platform-oncall@example.com'],
      // Above the idle estimate of each profile (node scripts/cost-report.js), so that alerts mean real spend.
      monthlyBudgetUsd: props.profile === 'prod' ? 600 : 300,
      costAllocationTagKey: 'Project',
      costAllocationTagValue: PROJECT_TAG,
      // The site's CloudFront metrics live in us-east-1: graphs on the dashboard (alarms cannot read across regions).
      defaults: { distribution: { crossRegionMetrics: true } },
    });
    this.bundle.monitorScope(props.platform);
  }
}
