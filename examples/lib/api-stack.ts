import * as path from 'path';
import { ApiImage, FastifyFargateApi, Ingress } from '@org/analytics-constructs';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { SharedPlatformProps } from './shared';
import { DOMAIN } from './config';

export type ApiStackProps = SharedPlatformProps;

/** The team's Fastify API (examples/api), built from its Dockerfile, on the shared load balancer at api.<domain>. */
export class ApiStack extends Stack {
  public readonly api: FastifyFargateApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const host = `api.${DOMAIN}`;

    // Its own database and least-privilege role in the shared cluster; DATABASE_URL is in the binding's secret.
    const database = props.postgres.database({ connectionLimit: 30 }).bind(this, { vpc: props.cluster.vpc, databaseName: 'api' });

    this.api = new FastifyFargateApi(this, 'Api', {
      cluster: props.cluster,
      image: ApiImage.fromDirectory(path.join(__dirname, '..', 'api')),
      secrets: { DATABASE_URL: ecs.Secret.fromSecretsManager(database.secret, 'DATABASE_URL') },
      ingress: Ingress.listenerRule(props.loadBalancer.listener, { priority: 10, hostHeaders: [host] }),
      logEncryptionKey: props.logKey,
      minCapacity: props.profile === 'prod' ? 2 : 1,
      maxCapacity: props.profile === 'prod' ? 10 : 2,
      // dev: most tasks on Spot; the API tolerates interruption (stateless, drains on SIGTERM).
      fargateSpotWeight: props.profile === 'prod' ? 0 : 3,
      enableExecuteCommand: props.profile === 'dev',
      // The schema migration runs as a one-off task of each new version before it takes traffic.
      migrationCommand: ['node', 'dist/migrate.js'],
      // Traces to X-Ray and metrics to CloudWatch through the ADOT collector sidecar (the service uses the OTel SDK).
      openTelemetry: true,
    });

    props.postgres.allowConnectionsFrom(this.api);
    // The migration task and the service start once the database, its role and DATABASE_URL exist.
    this.api.node.addDependency(database.setup);

    new route53.ARecord(this, 'ApiRecord', {
      zone: props.zone,
      recordName: host,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(props.loadBalancer.loadBalancer)),
    });
    new CfnOutput(this, 'ApiUrl', { value: `https://${host}` });
  }
}
