import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { DOMAIN } from './config';
import { SharedPlatformProps } from './shared';
import { Ingress, OpenReplayPlatform } from '@org/analytics-constructs';

export type ReplayStackProps = SharedPlatformProps;

/** OpenReplay at replay.<domain> on the shared cluster, load balancer and PostgreSQL. */
export class ReplayStack extends Stack {
  public readonly replay: OpenReplayPlatform;

  constructor(scope: Construct, id: string, props: ReplayStackProps) {
    super(scope, id, props);
    const host = `replay.${DOMAIN}`;
    this.replay = new OpenReplayPlatform(this, 'Replay', {
      cluster: props.cluster,
      domainName: host,
      ingress: Ingress.listenerRule(props.loadBalancer.listener, { priority: 30, hostHeaders: [host] }),
      database: props.postgres.database({ connectionLimit: 40 }),
      logEncryptionKey: props.logKey,
      removalPolicy: props.profile === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      organizationName: 'Analytics Platform',
      // dev: every OpenReplay task and ClickHouse on Fargate Spot (about 70% off; an interruption restarts a task, see
      // useSpot). prod: on demand, and Valkey with a replica in the second AZ and automatic failover.
      useSpot: props.profile === 'dev',
      // prod runs one web task (autoscaling 1-4): a single point of failure that is not by design. A second always-on
      // task costs $21.26 a month on demand and takes prod over its $300 budget (docs/runbook.md, "Single points of
      // failure"; docs/cost.md); ClickHouse, workers and assist are single by design (same section).
      redisMultiAz: props.profile === 'prod',
      projectName: 'site',
    });
    new route53.ARecord(this, 'ReplayRecord', {
      zone: props.zone,
      recordName: host,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(props.loadBalancer.loadBalancer)),
    });
    new CfnOutput(this, 'ReplayUrl', { value: this.replay.url });
    new CfnOutput(this, 'IngestPoint', { value: this.replay.ingestPoint });
    new CfnOutput(this, 'ProjectKey', { value: this.replay.projectKey! });
    new CfnOutput(this, 'AdminSecretArn', { value: this.replay.adminSecret!.secretArn });
  }
}
