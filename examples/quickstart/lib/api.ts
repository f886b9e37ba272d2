import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// readme:start FastifyFargateApi
import { ApiImage, DatabaseSource, FastifyFargateApi, Ingress } from '@org/analytics-constructs';
import * as route53 from 'aws-cdk-lib/aws-route53';
// readme:end

/** README quick start: FastifyFargateApi with its own VPC, cluster, load balancer and Aurora cluster. */
export class ApiQuickstart extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // readme:start FastifyFargateApi
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com',
    });

    const api = new FastifyFargateApi(this, 'Api', {
      image: ApiImage.fromDirectory('./api'),                   // its Dockerfile, built for ARM64 at deploy
      database: DatabaseSource.newCluster(),                    // DATABASE_URL secret + the CA file in the task
      migrationCommand: ['node', 'migrate.js'],                 // one-off task before each new version takes traffic
      ingress: Ingress.loadBalancer({ domainName: 'api.example.com', hostedZone: zone }), // HTTPS + redirect
    });
    api.url; // https://api.example.com
    // readme:end
  }
}
