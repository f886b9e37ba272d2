import { Aspects, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Profile } from './config';
import { acknowledgeCompliance } from './nag';

/** The VPC's address range (literal, so that security group rules and the quota check can read it). */
const VPC_CIDR = '10.0.0.0/16';

export interface NetworkStackProps extends StackProps {
  readonly profile: Profile;
}

/** One VPC for everything: 2 AZs, public / private / isolated subnets, NAT instances, flow logs and an S3 gateway endpoint. */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.Vpc;
  /** Customer-managed key for the platform's log groups (the compliance packs ask for KMS-encrypted logs). */
  public readonly logKey: kms.Key;

  /** Named explicitly so that synthesis needs no AZ lookup (and so no AWS account). */
  get availabilityZones(): string[] {
    return [`${this.region}a`, `${this.region}b`];
  }

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    // InstanceRequireImdsv2Aspect below names each instance's launch template after the instance's construct id, which
    // both NAT instances share ("NatInstance"): launch template names are unique per account and region, so the second
    // would fail to create. The flag makes the names unique per instance (aws-cdk issues #17656, #22695). Set on the
    // stack, before any child, so that it holds in tests as in `cdk synth`.
    this.node.setContext('@aws-cdk/aws-ec2:uniqueImdsv2TemplateName', true);

    this.logKey = new kms.Key(this, 'LogKey', {
      description: 'Encrypts the platform CloudWatch log groups',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, encryptionKey: this.logKey });

    // NAT instances, one per AZ in both profiles (each AZ's private subnet routes through the instance in its own AZ,
    // so losing an AZ loses only that AZ's egress, as with a NAT gateway per AZ). A t4g.nano costs about $3.70 a month
    // with its volume, a NAT gateway $32.85 before data processing ($0.045/GB, none with an instance). What it trades:
    // an instance is not redundant within its AZ (a NAT gateway is), bandwidth is the instance's (t4g.nano: 32 Mbit/s
    // baseline, bursts to 5 Gbit/s on credits; enough for image pulls and API calls of an idle platform, not for bulk
    // egress), and the OS is ours to patch (replace it with a new AMI by redeploying). Recovery: EC2's simplified
    // automatic recovery is on by default for t4g (host failures move the instance, same address), and an alarm
    // reboots it when its own status check fails. Comparison:
    // https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-comparison.html; recovery:
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-recover.html
    const natInstance = ec2.NatProvider.instanceV2({
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
      // The public subnets do not map public addresses on launch: the NAT instance asks for one.
      associatePublicIpAddress: true,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: 2,
      // prod: a NAT instance per AZ; dev: one NAT instance (dev's second AZ reaches the internet through the first).
      natGateways: props.profile === 'prod' ? 2 : 1,
      natGatewayProvider: natInstance,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL },
      },
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      restrictDefaultSecurityGroup: true,
    });
    // The NAT instances forward what the private subnets send (and nothing from the internet).
    natInstance.connections.allowFrom(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.allTraffic(), 'traffic of the private subnets');
    acknowledgeCompliance(natInstance.securityGroup, 'EC2RestrictedCommonPorts',
      'A NAT instance forwards whatever the private subnets send; it admits the VPC\'s own range only, nothing from the internet.');
    // The NAT instances: IMDSv2 only, encrypted root volume, detailed monitoring, a reboot when the instance check fails.
    Aspects.of(this.vpc).add(new ec2.InstanceRequireImdsv2Aspect());
    const natInstances = this.vpc.node.findAll().filter((c): c is ec2.CfnInstance => c instanceof ec2.CfnInstance);
    for (const [index, instance] of natInstances.entries()) {
      instance.monitoring = true;
      instance.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', volumeSize: 8 } }];
      Validations.of(instance).acknowledge({ id: 'AwsSolutions-EC29', reason: 'A NAT instance holds no data and is replaced by a redeploy (a new AMI); termination protection would block that.' });
      acknowledgeCompliance(instance, 'EC2InstanceNoPublicIp', 'A NAT instance needs a public address to reach the internet for the private subnets.');
      acknowledgeCompliance(instance, 'EC2InstancesInVPC',
        'The NAT instance is in the VPC\'s public subnet through its network interface (the one that carries the public address).');
      new cloudwatch.Alarm(this, `NatInstance${index + 1}Check`, {
        alarmDescription: `${instance.node.path}: the instance status check failed for 3 minutes; EC2 reboots it (host failures are `
          + 'handled by simplified automatic recovery).',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/EC2',
          metricName: 'StatusCheckFailed_Instance',
          dimensionsMap: { InstanceId: instance.ref },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(1),
        }),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      }).addAlarmAction(new cloudwatchActions.Ec2Action(cloudwatchActions.Ec2InstanceAction.REBOOT));
    }
    for (const subnet of this.vpc.publicSubnets) {
      acknowledgeCompliance(subnet, 'VPCNoUnrestrictedRouteToIGW',
        'Public subnets hold only the internet-facing load balancer and the NAT instances; workloads run in private subnets.');
    }
    acknowledgeCompliance(this.vpc.node.findChild('all'), 'IAMNoInlinePolicy',
      'The flow-log delivery role created by CDK has one inline policy scoped to the flow-log group.');
  }
}
