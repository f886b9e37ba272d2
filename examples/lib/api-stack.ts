import * as path from 'path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { DOMAIN } from './config';
import { SharedPlatformProps } from './shared';
import { ApiImage, FastifyFargateApi, Ingress } from '@org/analytics-constructs';

export type ApiStackProps = SharedPlatformProps;

/** The team's Fastify API (examples/api), built from its Dockerfile, on the shared load balancer at api.<domain>. */
export class ApiStack extends Stack {
  public readonly api: FastifyFargateApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const host = `api.${DOMAIN}`;

    this.api = new FastifyFargateApi(this, 'Api', {
      cluster: props.cluster,
      image: ApiImage.fromDirectory(path.join(__dirname, '..', 'api')),
      // Its own database and least-privilege role in the shared cluster: DATABASE_URL (verify-full) and the CA file
      // are injected, the connection limit follows maxCapacity, and the tasks start once the database exists.
      database: props.postgres.database(),
      databaseName: 'api',
      ingress: Ingress.listenerRule(props.loadBalancer.listener, { priority: 10, hostHeaders: [host] }),
      logEncryptionKey: props.logKey,
      minCapacity: props.profile === 'prod' ? 2 : 1,
      maxCapacity: props.profile === 'prod' ? 10 : 2,
      // dev: every task on Fargate Spot (ARM64 on platform 1.4.0+); the API tolerates interruption (stateless, drains
      // on SIGTERM within the two minutes' notice). prod: on demand.
      fargateSpotWeight: props.profile === 'prod' ? 0 : 4,
      fargateBase: 0,
      enableExecuteCommand: props.profile === 'dev',
      // The image's own user (examples/api/Dockerfile: USER node, uid 1000 in node:22-alpine), said in the template so
      // that an image that drops its USER cannot run as root unnoticed.
      user: '1000:1000',
      // The schema migration runs as a one-off task of each new version before it takes traffic.
      migrationCommand: ['node', 'dist/migrate.js'],
      // Traces to X-Ray and metrics to CloudWatch through the ADOT collector sidecar (the service uses the OTel SDK).
      openTelemetry: true,
    });

    new route53.ARecord(this, 'ApiRecord', {
      zone: props.zone,
      recordName: host,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(props.loadBalancer.loadBalancer)),
    });
    new CfnOutput(this, 'ApiUrl', { value: `https://${host}` });
  }
}
