import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// readme:start OpenReplayPlatform
import { OpenReplayPlatform } from '@org/analytics-constructs';
import * as route53 from 'aws-cdk-lib/aws-route53';
// readme:end

/** README quick start: the whole OpenReplay platform with every default (its own VPC, cluster, database, caches). */
export class OpenReplayQuickstart extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // readme:start OpenReplayPlatform
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com',
    });

    const replay = new OpenReplayPlatform(this, 'Replay', {
      domainName: 'replay.example.com',
      hostedZone: zone,
      adminEmail: 'admin@example.com',
    });
    replay.ingestPoint; // for the tracker: new Tracker({ projectKey, ingestPoint })
    // readme:end
  }
}
