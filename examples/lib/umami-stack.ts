import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { DOMAIN } from './config';
import { SharedPlatformProps } from './shared';
import { Ingress, UmamiService } from '@org/analytics-constructs';

export type UmamiStackProps = SharedPlatformProps;

/** Umami at analytics.<domain> on the shared cluster, load balancer and PostgreSQL, with the site and the team's accounts. */
export class UmamiStack extends Stack {
  public readonly umami: UmamiService;

  constructor(scope: Construct, id: string, props: UmamiStackProps) {
    super(scope, id, props);
    const host = `analytics.${DOMAIN}`;
    this.umami = new UmamiService(this, 'Umami', {
      cluster: props.cluster,
      // Its own database and role in the shared cluster; the role's connection limit follows maxCapacity.
      database: props.postgres.database(),
      ingress: Ingress.listenerRule(props.loadBalancer.listener, { priority: 20, hostHeaders: [host] }),
      logEncryptionKey: props.logKey,
      // The site's CloudFront distribution forwards /stats.js and /api/send here: first-party, not blocked by ad-blockers.
      trackerScriptName: 'stats.js',
      websites: [{ name: 'Analytics site', domain: `www.${DOMAIN}` }],
      users: [{ username: 'product', role: 'view-only' }],
      // prod: two tasks (one per AZ), so that losing a task or an AZ does not stop the tracker; dev: one.
      minCapacity: props.profile === 'prod' ? 2 : 1,
      maxCapacity: props.profile === 'prod' ? 3 : 1,
      // dev: on Fargate Spot (the tracker's collect requests fail while an interrupted task is replaced); prod: on demand.
      fargateSpotWeight: props.profile === 'prod' ? 0 : 4,
      fargateBase: 0,
    });
    new route53.ARecord(this, 'UmamiRecord', {
      zone: props.zone,
      recordName: host,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(props.loadBalancer.loadBalancer)),
    });
    new CfnOutput(this, 'UmamiUrl', { value: this.umami.url! });
    new CfnOutput(this, 'TrackerScript', { value: this.umami.trackerScriptUrl! });
    new CfnOutput(this, 'WebsiteId', { value: this.umami.websiteId(`www.${DOMAIN}`) });
    new CfnOutput(this, 'AdminSecretArn', { value: this.umami.adminSecret!.secretArn });
  }
}
