import { Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { numberToken, propTable, stringToken } from './table';
import { OpenReplayPlatform, OpenReplayPlatformProps } from '../../src';

function zone(stack: Stack): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
}

function build(stack: Stack, p: Partial<OpenReplayPlatformProps>): void {
  new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone(stack), ...p } as OpenReplayPlatformProps);
}

const E = "Test/Replay: invalid '";

propTable<OpenReplayPlatformProps>('OpenReplayPlatform props', build, [
  {
    prop: 'domainName',
    valid: () => ({ domainName: 'sessions.example.com' }),
    invalid: () => ({ domainName: undefined }),
    message: `${E}domainName': it is missing. Set domainName to the name OpenReplay is served under, e.g. replay.example.com.`,
    token: (s) => ({ domainName: stringToken(s, 'Domain') }),
  },
  {
    prop: 'domainName (case)',
    valid: () => ({ domainName: 'replay.example.com' }),
    invalid: () => ({ domainName: 'Replay.Example.com' }),
    message: `${E}domainName': 'Replay.Example.com' has upper-case letters. Use 'replay.example.com' (DNS names are compared in lower case).`,
  },
  {
    prop: 'domainName (zone)',
    valid: () => ({ domainName: 'example.com' }),
    invalid: () => ({ domainName: 'replay.example.org' }),
    message: `${E}domainName': 'replay.example.org' is not inside the hosted zone example.com. Use a name in the zone, e.g. 'app.example.com', or pass the hosted zone of 'replay.example.org'.`,
  },
  {
    prop: 'recordingRetention',
    valid: () => ({ recordingRetention: Duration.days(14) }),
    invalid: () => ({ recordingRetention: Duration.hours(36) }),
    message: `${E}recordingRetention': 1 day 12 hours (1.5 days) is not a whole number of days. Use whole days, e.g. Duration.days(1).`,
    token: (s) => ({ recordingRetention: Duration.days(numberToken(s, 'Days')) }),
  },
  {
    prop: 'redisNodeType',
    valid: () => ({ redisNodeType: 'cache.m7g.large' }),
    invalid: () => ({ redisNodeType: 'm5.large' }),
    message: `${E}redisNodeType': 'm5.large' is not an ElastiCache node type. Use 'cache.m5.large'.`,
    token: (s) => ({ redisNodeType: stringToken(s, 'Node'), redisStreamsMaxLen: 10_000 }),
  },
  {
    prop: 'logRetention',
    valid: () => ({ logRetention: logs.RetentionDays.TWO_WEEKS }),
    invalid: () => ({ logRetention: 17 as logs.RetentionDays }),
    message: `${E}logRetention': 17 days is not a retention CloudWatch Logs offers. Use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days (RetentionDays), e.g. 30.`,
  },
  {
    prop: 'organizationName',
    valid: () => ({ organizationName: "Acme Inc. O'Brien" }),
    invalid: () => ({ organizationName: 'Acme <Inc>' }),
    message: `${E}organizationName': 'Acme <Inc>' may contain only letters, digits, spaces, hyphens, apostrophes and periods (OpenReplay rejects others). Use letters, digits, spaces, hyphens, apostrophes and periods, e.g. 'Acme Inc.'.`,
    token: (s) => ({ organizationName: stringToken(s, 'Org') }),
  },
  {
    prop: 'projectName',
    valid: () => ({ projectName: 'shop #1' }),
    invalid: () => ({ projectName: 'My Project!' }),
    message: `${E}projectName': 'My Project!' may contain only letters a-z, digits, spaces and , - | & / \\ _ . # ' (OpenReplay rejects others). Use letters a-z, digits, spaces and , - | & / \\ _ . # ', e.g. 'my-project'.`,
    token: (s) => ({ projectName: stringToken(s, 'Project') }),
  },
  {
    prop: 'projectName (empty)',
    valid: () => ({ projectName: 'default' }),
    invalid: () => ({ projectName: '' }),
    message: `${E}projectName': the value is required. Use letters a-z, digits, spaces and , - | & / \\ _ . # ', e.g. 'my-project'.`,
  },
  {
    prop: 'clickHouseImage',
    valid: () => ({ clickHouseImage: 'clickhouse/clickhouse-server:26.1' }),
    invalid: () => ({ clickHouseImage: 'clickhouse/clickhouse-server:' }),
    message: `${E}clickHouseImage': the tag is empty (it would silently become latest). Give the tag to deploy, e.g. '1.4.2', or leave the prop unset for the default.`,
  },
  {
    prop: 'assetsCertificate',
    valid: (s) => ({ assetsCertificate: acm.Certificate.fromCertificateArn(s, 'C', 'arn:aws:acm:us-east-1:111111111111:certificate/1') }),
    invalid: (s) => ({ assetsCertificate: acm.Certificate.fromCertificateArn(s, 'C', 'arn:aws:acm:eu-west-1:111111111111:certificate/1') }),
    message: `${E}assetsCertificate': the certificate arn:aws:acm:eu-west-1:111111111111:certificate/1 is in eu-west-1, but CloudFront needs one in us-east-1. Request or import a certificate in us-east-1 for the same names.`,
    token: (s) => ({ assetsCertificate: acm.Certificate.fromCertificateArn(s, 'C', stringToken(s, 'Arn')) }),
  },
]);
