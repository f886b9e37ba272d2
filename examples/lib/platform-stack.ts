import { RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { DOMAIN, HOSTED_ZONE_ID, Profile } from './config';
import { managedWebAcl } from './waf';
import { HardenedLoadBalancer } from '@org/analytics-constructs';

export interface PlatformStackProps extends StackProps {
  readonly profile: Profile;
  readonly vpc: ec2.IVpc;
  /** Key of the platform's log groups (the ECS Exec session log). */
  readonly logKey: kms.IKey;
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
      // Off: about $46 a month of custom metrics and performance log events at idle. The bundle's running-task and
      // health alarms read free metrics instead (target-group host counts, AWS/ECS service metrics); what is lost are
      // the per-task and per-container metrics (https://aws.amazon.com/cloudwatch/pricing/, docs/cost.md).
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
      enableFargateCapacityProviders: true,
      // ECS Exec sessions (dev's API) are logged to this group, encrypted with the platform's log key: with it, CDK
      // scopes the tasks' session-log writes to this group instead of "*".
      executeCommandConfiguration: {
        logging: ecs.ExecuteCommandLogging.OVERRIDE,
        logConfiguration: {
          cloudWatchLogGroup: new logs.LogGroup(this, 'ExecSessions', {
            encryptionKey: props.logKey,
            retention: logs.RetentionDays.ONE_YEAR,
            removalPolicy: RemovalPolicy.RETAIN,
          }),
          cloudWatchEncryptionEnabled: true,
        },
      },
    });
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-ECS4',
      reason: 'Container Insights is off to keep the idle cost within budget (docs/cost.md); the bundle alarms on free metrics '
        + '(target-group healthy hosts, AWS/ECS service metrics). Turn it on for per-task metrics.',
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
      webAclArn: props.profile === 'prod' ? managedWebAcl(this, 'WebAcl', 'REGIONAL', props.logKey).attrArn : undefined,
    });
  }
}
