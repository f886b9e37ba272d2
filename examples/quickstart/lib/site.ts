import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// readme:start StaticCdnSite
import { StaticCdnSite } from '@org/analytics-constructs';
import * as route53 from 'aws-cdk-lib/aws-route53';
// readme:end

/** README quick start: the SPA in ./site/dist on CloudFront; a us-east-1 stack, so its certificate is made here. */
export class SiteQuickstart extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // readme:start StaticCdnSite
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com',
    });

    new StaticCdnSite(this, 'Site', {
      sourceDirectory: './site/dist',                 // the SPA's build output
      domainNames: ['www.example.com'],
      hostedZone: zone,                               // in us-east-1 a DNS-validated certificate is created
      apiOrigin: { domainName: 'api.example.com' },   // /api/* to the API, uncached
      analyticsOrigin: { domainName: 'analytics.example.com', trackerScriptPath: '/stats.js' }, // first-party Umami
      runtimeConfig: { apiUrl: '/api' },              // served as /config.json
    });
    // readme:end
  }
}
