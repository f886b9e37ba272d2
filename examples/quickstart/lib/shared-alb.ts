import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// readme:start shared load balancer
import { ApiImage, FastifyFargateApi, HardenedLoadBalancer, Ingress } from '@org/analytics-constructs';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
// readme:end

/** README quick start: two services behind one HardenedLoadBalancer, in a VPC and cluster of the app's own. */
export class SharedAlbQuickstart extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // readme:start shared load balancer
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    const certificate = acm.Certificate.fromCertificateArn(this, 'Certificate',
      'arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555');

    const alb = new HardenedLoadBalancer(this, 'Alb', { vpc, certificate }); // 404 unless a rule matches
    new FastifyFargateApi(this, 'Orders', {
      cluster,
      image: ApiImage.fromDirectory('./api'),
      ingress: Ingress.listenerRule(alb.listener, { priority: 10, hostHeaders: ['orders.example.com'] }),
    });
    new FastifyFargateApi(this, 'Billing', {
      cluster,
      image: ApiImage.fromDirectory('./api'),
      ingress: Ingress.listenerRule(alb.listener, { priority: 20, hostHeaders: ['billing.example.com'] }),
    });
    // readme:end
  }
}
