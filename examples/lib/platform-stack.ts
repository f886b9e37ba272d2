import { HardenedLoadBalancer } from '@org/analytics-constructs';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DOMAIN, HOSTED_ZONE_ID, Profile } from './config';
import { managedWebAcl } from './waf';

export interface PlatformStackProps extends StackProps {
  readonly profile: Profile;
  readonly vpc: ec2.IVpc;
}

/** What the services share: one ECS cluster and one HTTPS load balancer with host-based rules. */
export class PlatformStack extends Stack {
  public readonly cluster: ecs.Cluster;
  public readonly zone: route53.IHostedZone;
  public readonly loadBalancer: HardenedLoadBalancer;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      enableFargateCapacityProviders: true,
    });

    // An existing public zone, named without a lookup (so synthesis needs no AWS account).
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: HOSTED_ZONE_ID, zoneName: DOMAIN });
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: `*.${DOMAIN}`,
      subjectAlternativeNames: [DOMAIN],
      validation: acm.CertificateValidation.fromDns(this.zone),
    });

    this.loadBalancer = new HardenedLoadBalancer(this, 'SharedAlb', {
      vpc: props.vpc,
      certificate,
      deletionProtection: props.profile === 'prod',
      // prod: AWS managed rules and a rate limit per IP in front of every service.
      webAclArn: props.profile === 'prod' ? managedWebAcl(this, 'WebAcl', 'REGIONAL').attrArn : undefined,
    });
  }
}
