import { App, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { testApp } from './nag';

/** A stack with a fixed environment (no lookups), for tests. */
export function testStack(app: App = testApp(), id = 'Test'): Stack {
  return new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });
}

/** A VPC with public and private subnets and an ECS cluster, as a consuming app would bring. */
export function testCluster(stack: Stack): ecs.Cluster {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return new ecs.Cluster(stack, 'Cluster', { vpc });
}

/** An imported HTTPS listener on an existing load balancer, as shared by several services. */
export function sharedListener(stack: Stack, vpc: ec2.IVpc): elbv2.IApplicationListener {
  const sg = new ec2.SecurityGroup(stack, 'SharedAlbSg', { vpc, allowAllOutbound: false });
  return elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'SharedListener', {
    listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared/0123456789abcdef/0123456789abcdef',
    securityGroup: sg,
  });
}

export function testCertificate(stack: Stack): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000');
}
