import { Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { propTable, stringToken } from './table';
import { HardenedFargateService, Ingress, ListenerRuleOptions, NewLoadBalancerOptions } from '../../src';
import { testApp } from '../helpers/nag';
import { sharedListener, testCluster, testStack } from '../helpers/stacks';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine');
const E = "Test/Svc: invalid '";

function zone(stack: Stack): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0000000000000', zoneName: 'example.com' });
}
function cert(stack: Stack, arn: string): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, 'Certificate', arn);
}

propTable<NewLoadBalancerOptions>('Ingress.loadBalancer options', (stack, o) => {
  new HardenedFargateService(stack, 'Svc', { cluster: testCluster(stack), image, ingress: Ingress.loadBalancer(o) });
}, [
  {
    prop: 'idleTimeout',
    valid: () => ({ idleTimeout: Duration.seconds(120) }),
    invalid: () => ({ idleTimeout: Duration.seconds(5000) }),
    message: `${E}idleTimeout': 5000 seconds is outside 1..4000 seconds. Use 1 to 4000 seconds.`,
  },
  {
    prop: 'idleTimeout (zero)',
    valid: () => ({ idleTimeout: Duration.seconds(1) }),
    invalid: () => ({ idleTimeout: Duration.seconds(0) }),
    message: `${E}idleTimeout': 0 seconds is outside 1..4000 seconds. Use 1 to 4000 seconds.`,
  },
  {
    prop: 'accessLogsRetention',
    valid: () => ({ accessLogsRetention: Duration.days(30) }),
    invalid: () => ({ accessLogsRetention: Duration.hours(36) }),
    message: `${E}accessLogsRetention': 1 day 12 hours (1.5 days) is not a whole number of days. Use whole days, e.g. Duration.days(1).`,
  },
  {
    prop: 'domainName',
    valid: (s) => ({ domainName: 'api.example.com', hostedZone: zone(s) }),
    invalid: (s) => ({ domainName: 'API.example.com', hostedZone: zone(s) }),
    message: `${E}domainName': 'API.example.com' has upper-case letters. Use 'api.example.com' (DNS names are compared in lower case).`,
    token: (s) => ({ domainName: stringToken(s, 'Domain'), hostedZone: zone(s) }),
  },
  {
    prop: 'domainName (zone)',
    valid: (s) => ({ domainName: 'example.com', hostedZone: zone(s) }),
    invalid: (s) => ({ domainName: 'api.example.org', hostedZone: zone(s) }),
    message: `${E}domainName': 'api.example.org' is not inside the hosted zone example.com. Use a name in the zone, e.g. 'app.example.com', or pass the hosted zone of 'api.example.org'.`,
  },
  {
    prop: 'certificate',
    valid: (s) => ({ certificate: cert(s, 'arn:aws:acm:eu-west-1:111111111111:certificate/1') }),
    invalid: (s) => ({ certificate: cert(s, 'arn:aws:acm:us-east-1:111111111111:certificate/1') }),
    message: `${E}certificate': the certificate arn:aws:acm:us-east-1:111111111111:certificate/1 is in us-east-1, but an Application Load Balancer in this stack needs one in eu-west-1. Request or import a certificate in eu-west-1 for the same names.`,
    token: (s) => ({ certificate: cert(s, stringToken(s, 'Arn')) }),
  },
  {
    prop: 'webAclArn',
    valid: () => ({ webAclArn: 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/api/abc' }),
    invalid: () => ({ webAclArn: 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/site/abc' }),
    message: `${E}webAclArn': 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/site/abc' is not the ARN of a regional WAFv2 web ACL. Use the ARN of a REGIONAL web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); CloudFront ACLs do not attach to load balancers.`,
    token: (s) => ({ webAclArn: stringToken(s, 'Acl') }),
  },
]);

function ruleBuild(stack: Stack, o: Partial<ListenerRuleOptions>): void {
  const cluster = testCluster(stack);
  new HardenedFargateService(stack, 'Svc', { cluster, image, ingress: Ingress.listenerRule(sharedListener(stack, cluster.vpc), { priority: 10, ...o }) });
}

propTable<ListenerRuleOptions>('Ingress.listenerRule options', ruleBuild, [
  {
    prop: 'hostHeaders + pathPatterns',
    valid: () => ({ hostHeaders: ['a.example.com', 'b.example.com'], pathPatterns: ['/a/*', '/b/*', '/c/*'] }),
    invalid: () => ({ hostHeaders: ['a.example.com', 'b.example.com', 'c.example.com'], pathPatterns: ['/a/*', '/b/*', '/c/*'] }),
    message: `${E}pathPatterns': 3 host and 3 path values add up to 6, more than the 5 a listener rule allows. Use at most 5 values in hostHeaders and pathPatterns together: use a wildcard, or split the service.`,
    token: (s) => ({ hostHeaders: [stringToken(s, 'Host')] }),
  },
  {
    prop: 'hostHeaders',
    valid: () => ({ hostHeaders: ['*.example.com'] }),
    invalid: () => ({ hostHeaders: ['https://api.example.com/'] }),
    message: `${E}hostHeaders': 'https://api.example.com/' is not a host name pattern. Use a lower-case host name (wildcards * and ? allowed), e.g. 'api.example.com'.`,
  },
  {
    prop: 'pathPatterns',
    valid: () => ({ pathPatterns: ['/api/*'] }),
    invalid: () => ({ pathPatterns: ['/api v2/*'] }),
    message: `${E}pathPatterns': '/api v2/*' has spaces or more than 128 characters. Use a path pattern of at most 128 characters without spaces.`,
    token: (s) => ({ pathPatterns: [stringToken(s, 'Path')] }),
  },
]);

test('the same listener ARN imported twice, or used from two stacks, keeps priorities unique', () => {
  const app = testApp();
  const a = testStack(app, 'A');
  const b = testStack(app, 'B');
  const arn = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/shared/0123456789abcdef/0123456789abcdef';
  const listenerIn = (stack: Stack, vpc: ec2.IVpc) => elbv2.ApplicationListener.fromApplicationListenerAttributes(stack, 'L', {
    listenerArn: arn, securityGroup: new ec2.SecurityGroup(stack, 'LSg', { vpc }),
  });
  const ca = testCluster(a);
  new HardenedFargateService(a, 'One', { cluster: ca, image, ingress: Ingress.listenerRule(listenerIn(a, ca.vpc), { priority: 7, pathPatterns: ['/one/*'] }) });
  const cb = testCluster(b);
  expect(() => new HardenedFargateService(b, 'Two', {
    cluster: cb, image, ingress: Ingress.listenerRule(listenerIn(b, cb.vpc), { priority: 7, pathPatterns: ['/two/*'] }),
  })).toThrow("B/Two: invalid 'priority': priority 7 is already used on this listener by A/One. Give each service a different priority on a shared listener.");
});
