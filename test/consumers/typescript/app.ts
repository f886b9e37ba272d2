// A brand-new consumer app: uses the packed library exactly as an npm user would.
import * as assert from 'assert';
import { ApiImage, FastifyFargateApi, HardenedLoadBalancer, Ingress } from '@org/analytics-constructs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out' });
const stack = new Stack(app, 'Consumer', { env: { account: '111111111111', region: 'eu-west-1' } });
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
const shared = new HardenedLoadBalancer(stack, 'Alb', { vpc });
const api = new FastifyFargateApi(stack, 'Api', {
  cluster,
  image: ApiImage.fromEcrRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team/api'), 'v1'),
  ingress: Ingress.listenerRule(shared.listener, { priority: 1, pathPatterns: ['/api/*'] }),
  minCapacity: 2,
});
const assembly = app.synth();
const template = Template.fromStack(stack);
template.resourceCountIs('AWS::ECS::Service', 1);
template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', { Priority: 1 });
template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
assert.ok(api.service);
const resources = Object.keys(template.toJSON().Resources).length;
console.log(`typescript consumer: synthesized ${assembly.stacks.length} stack with ${resources} resources to ${assembly.directory}`);
