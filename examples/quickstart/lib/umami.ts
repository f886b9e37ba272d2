import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// readme:start UmamiService
import { AuroraPostgresCluster, HardenedLoadBalancer, Ingress, UmamiService } from '@org/analytics-constructs';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
// readme:end

/** README quick start: Umami in the app's own VPC and cluster, on a shared Aurora cluster and load balancer. */
export class UmamiQuickstart extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // readme:start UmamiService
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    const aurora = new AuroraPostgresCluster(this, 'Aurora', { vpc }); // one cluster, a database per application
    const certificate = acm.Certificate.fromCertificateArn(this, 'Certificate',
      'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555');
    const shared = new HardenedLoadBalancer(this, 'Alb', { vpc, certificate });

    const umami = new UmamiService(this, 'Umami', {
      cluster,                                 // or vpc, or nothing (a VPC and a cluster are created)
      database: aurora.database(),             // default: a new Aurora cluster of its own
      ingress: Ingress.listenerRule(shared.listener, { priority: 20, hostHeaders: ['analytics.example.com'] }),
      websites: [{ name: 'Marketing', domain: 'www.example.com' }],
      users: [{ username: 'product', role: 'view-only' }],
    });
    umami.websiteId('www.example.com');        // for the tracker's data-website-id
    umami.adminSecret;                         // the generated admin login; admin/umami no longer works
    // readme:end
  }
}
