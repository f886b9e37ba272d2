import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DOMAIN, Profile } from './config';
import { SiteWebAcl, StaticCdnSite, UmamiService } from '@org/analytics-constructs';

export interface SiteStackProps extends StackProps {
  readonly profile: Profile;
  readonly zone: route53.IHostedZone;
  readonly certificate: acm.ICertificate;
  readonly umami: UmamiService;
  /** The site's build output. */
  readonly siteDirectory: string;
  /** CloudFront web ACL (made in us-east-1), in prod. */
  readonly webAclArn?: string;
  readonly umamiWebsiteDomain: string;
  readonly openReplay?: { readonly projectKey: string; readonly ingestPoint: string };
}

/**
 * examples/site (built to examples/site/dist) at www.<domain> on private S3 + CloudFront, with /api/* forwarded to the
 * Fastify API and the Umami tracker and collect endpoint first-party on the same domain.
 */
export class SiteStack extends Stack {
  public readonly site: StaticCdnSite;

  constructor(scope: Construct, id: string, props: SiteStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    const host = `www.${DOMAIN}`;
    this.site = new StaticCdnSite(this, 'Site', {
      sourceDirectory: props.siteDirectory,
      webAcl: props.webAclArn ? SiteWebAcl.fromArn(props.webAclArn) : undefined,
      domainNames: [host],
      hostedZone: props.zone,
      certificate: props.certificate,
      apiOrigin: { domainName: `api.${DOMAIN}` },
      analyticsOrigin: { domainName: `analytics.${DOMAIN}`, trackerScriptPath: '/stats.js', collectPath: '/api/send' },
      cspConnectSources: props.openReplay ? [props.openReplay.ingestPoint] : [],
      runtimeConfig: {
        apiUrl: '/api',
        umamiScriptUrl: '/stats.js',
        umamiWebsiteId: props.umami.websiteId(props.umamiWebsiteDomain),
        ...(props.openReplay ? { openReplayProjectKey: props.openReplay.projectKey, openReplayIngestPoint: props.openReplay.ingestPoint } : {}),
      },
    });
    new CfnOutput(this, 'SiteUrl', { value: this.site.url });
  }
}
