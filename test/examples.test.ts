import * as path from 'path';
import { App, CfnResource, Stack, TagManager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { nagReport } from '../examples/lib/compliance';
import { buildPlatform } from '../examples/lib/platform-app';
import { checkQuotas, usableAddresses } from '../examples/lib/quotas';
import { HardenedFargateService } from '../src';

jest.setTimeout(120_000);

const siteDirectory = path.join(__dirname, 'fixtures', 'site');
const TAGS = ['Project', 'Environment', 'Service', 'Owner', 'CostCenter'];

function templates(app: App): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const stack of app.node.children.filter((c): c is Stack => c instanceof Stack)) {
    out.set(stack.stackName, Template.fromStack(stack));
  }
  return out;
}

function countOf(ts: Map<string, Template>, type: string): { [stack: string]: number } {
  const out: { [stack: string]: number } = {};
  for (const [name, t] of ts) {
    const n = Object.keys(t.findResources(type)).length;
    if (n > 0) out[name] = n;
  }
  return out;
}

describe.each(['dev', 'prod'] as const)('the example platform (%s profile)', (profile) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  buildPlatform(app, { profile, siteDirectory });
  const ts = templates(app);
  const p = `Analytics-${profile}`;

  test('one ALB, shared by the API, Umami and OpenReplay through host rules on its HTTPS listener', () => {
    expect(countOf(ts, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toEqual({ [`${p}-Platform`]: 1 });
    expect(countOf(ts, 'AWS::ElasticLoadBalancingV2::ListenerRule')).toEqual({ [`${p}-Api`]: 1, [`${p}-Umami`]: 1, [`${p}-Replay`]: 1 });
    const hosts = ['Api', 'Umami', 'Replay'].map((s) => {
      const rule = Object.values(ts.get(`${p}-${s}`)!.findResources('AWS::ElasticLoadBalancingV2::ListenerRule'))[0] as any;
      expect(JSON.stringify(rule.Properties.ListenerArn)).toMatch(/Fn::ImportValue.*SharedAlbLoadBalancerHttps/);
      return rule.Properties.Conditions[0].HostHeaderConfig.Values[0];
    });
    expect(hosts).toEqual(['api.analytics.example.com', 'analytics.analytics.example.com', 'replay.analytics.example.com']);
  });

  test('one PostgreSQL cluster, with a database and a role per application', () => {
    expect(countOf(ts, 'AWS::RDS::DBCluster')).toEqual({ [`${p}-Data`]: 1 });
    const dbs = [...ts.values()].flatMap((t) => Object.values(t.findResources('Custom::PostgresDatabase')) as any[]);
    expect(dbs.map((d) => d.Properties.DatabaseName).sort()).toEqual(['api', 'openreplay', 'umami']);
    const adminSecrets = new Set(dbs.map((d) => JSON.stringify(d.Properties.AdminSecretArn)));
    expect(adminSecrets.size).toBe(1);
    const appSecrets = new Set(dbs.map((d) => JSON.stringify(d.Properties.AppSecretArn)));
    expect(appSecrets.size).toBe(3);
  });

  test('the four nag packs: no unacknowledged finding, and no acknowledgement that matches no finding', () => {
    const { findings, unused } = nagReport(app);
    expect(findings.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
    expect(unused.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
  });

  test('audit data: WAF logs keyed and retained (prod), trail logs keyed, ECS Exec sessions logged to a keyed group', () => {
    const wafGroups = ['Platform', 'Edge'].flatMap((n) => Object.values(ts.get(`${p}-${n}`)!.findResources('AWS::Logs::LogGroup'))
      .filter((g: any) => JSON.stringify(g.Properties.LogGroupName ?? '').includes('aws-waf-logs-'))) as any[];
    expect(wafGroups).toHaveLength(profile === 'prod' ? 2 : 0);
    for (const g of wafGroups) {
      expect(g.Properties.KmsKeyId).toBeDefined();
      expect(g.DeletionPolicy).toBe('Retain');
      expect(g.Properties.RetentionInDays).toBe(365);
    }
    for (const g of Object.values(ts.get(`${p}-Audit`)!.findResources('AWS::Logs::LogGroup')) as any[]) expect(g.Properties.KmsKeyId).toBeDefined();
    const cluster = Object.values(ts.get(`${p}-Platform`)!.findResources('AWS::ECS::Cluster'))[0] as any;
    expect(cluster.Properties.Configuration.ExecuteCommandConfiguration).toMatchObject({ Logging: 'OVERRIDE', LogConfiguration: { CloudWatchEncryptionEnabled: true } });
    // No task role may write logs to "*" (ECS Exec without a cluster log configuration would grant that).
    for (const [name, t] of ts) {
      for (const policy of Object.values(t.findResources('AWS::IAM::Policy')) as any[]) {
        for (const st of policy.Properties.PolicyDocument.Statement) {
          const actions = [].concat(st.Action);
          if ([].concat(st.Resource).includes('*' as never)) {
            expect({ name, actions: actions.filter((a: string) => /^logs:(CreateLogStream|PutLogEvents)$/.test(a)) }).toEqual({ name, actions: [] });
          }
        }
      }
    }
  });

  test('single points of failure: what docs/runbook.md says runs once in prod, and what runs twice', () => {
    if (profile !== 'prod') return;
    const scaling = (stack: string) => Object.values(ts.get(`${p}-${stack}`)!.findResources('AWS::ApplicationAutoScaling::ScalableTarget')) as any[];
    const minOf = (stack: string, service: RegExp) => scaling(stack)
      .filter((st) => service.test(JSON.stringify(st.Properties.ResourceId)))
      .map((st) => [st.Properties.MinCapacity, st.Properties.MaxCapacity]);
    expect(minOf('Api', /Api/)).toEqual([[2, 10]]);
    expect(minOf('Umami', /Umami/)).toEqual([[2, 3]]);
    expect(minOf('Replay', /ReplayWeb/)).toEqual([[1, 4]]);
    for (const single of [/ReplayWorkers/, /ReplayAssist/, /ReplayClickHouse/]) expect(minOf('Replay', single)).toEqual([[1, 1]]);
    ts.get(`${p}-Data`)!.resourceCountIs('AWS::RDS::DBInstance', 2);
    ts.get(`${p}-Replay`)!.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NumCacheClusters: 2, AutomaticFailoverEnabled: true });
    ts.get(`${p}-Network`)!.resourceCountIs('AWS::EC2::Instance', 2);
  });

  test('every KMS key: no grant unless it is for an AWS resource or made by an AWS service (Control Tower CT.KMS.PR.3), once', () => {
    let keys = 0;
    for (const t of ts.values()) {
      for (const key of Object.values(t.findResources('AWS::KMS::Key')) as any[]) {
        keys++;
        const deny = key.Properties.KeyPolicy.Statement.filter((st: any) => st.Sid === 'DenyGrantsNotForAwsResources');
        expect(deny).toEqual([{
          Sid: 'DenyGrantsNotForAwsResources',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }]);
      }
    }
    expect(keys).toBe(profile === 'prod' ? 5 : 4);
  });

  test('every container runs as a declared user, root only in non-essential init containers', () => {
    for (const [name, t] of ts) {
      for (const td of Object.values(t.findResources('AWS::ECS::TaskDefinition')) as any[]) {
        for (const c of td.Properties.ContainerDefinitions) {
          const user = String(c.User ?? '<image default>');
          const root = user === '0' || user.startsWith('0:') || user === 'root';
          expect({ name, container: c.Name, user, ok: root ? c.Essential === false : c.User !== undefined })
            .toEqual({ name, container: c.Name, user, ok: true });
        }
      }
    }
  });

  test('the five tags on every taggable resource', () => {
    let checked = 0;
    for (const c of app.node.findAll()) {
      if (!CfnResource.isCfnResource(c) || !TagManager.isTaggable(c)) continue;
      const rendered = Stack.of(c).resolve(c.tags.renderTags()) ?? {};
      const keys = Array.isArray(rendered) ? rendered.map((t: any) => t.Key ?? t.key) : Object.keys(rendered);
      expect({ path: c.node.path, missing: TAGS.filter((k) => !keys.includes(k)) }).toEqual({ path: c.node.path, missing: [] });
      checked++;
    }
    expect(checked).toBeGreaterThan(150);
  });

  test('profile differences', () => {
    const network = ts.get(`${p}-Network`)!;
    if (profile === 'prod') {
      // A NAT instance per AZ, each private subnet routed through the instance of its own AZ.
      network.resourceCountIs('AWS::EC2::NatGateway', 0);
      network.resourceCountIs('AWS::EC2::Instance', 2);
      const routes = Object.values(network.findResources('AWS::EC2::Route', { Properties: { DestinationCidrBlock: '0.0.0.0/0' } })) as any[];
      expect(new Set(routes.filter((r) => r.Properties.InstanceId).map((r) => JSON.stringify(r.Properties.InstanceId))).size).toBe(2);
      ts.get(`${p}-Replay`)!.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NumCacheClusters: 2, AutomaticFailoverEnabled: true, MultiAZEnabled: true });
      ts.get(`${p}-Platform`)!.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
      ts.get(`${p}-Edge`)!.resourceCountIs('AWS::WAFv2::WebACL', 1);
      ts.get(`${p}-Data`)!.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: true });
      ts.get(`${p}-Data`)!.resourceCountIs('AWS::RDS::DBInstance', 2);
    } else {
      network.resourceCountIs('AWS::EC2::NatGateway', 0);
      network.resourceCountIs('AWS::EC2::Instance', 1);
      // dev: every Fargate service can run on Spot.
      for (const [name, t] of ts) {
        for (const svc of Object.values(t.findResources('AWS::ECS::Service')) as any[]) {
          expect({ name, spot: JSON.stringify(svc.Properties.CapacityProviderStrategy ?? []).includes('FARGATE_SPOT') }).toEqual({ name, spot: true });
        }
      }
      ts.get(`${p}-Data`)!.resourceCountIs('AWS::RDS::DBInstance', 1);
    }
    ts.get(`${p}-Audit`)!.hasResourceProperties('AWS::CloudTrail::Trail', { IsMultiRegionTrail: true, EnableLogFileValidation: true });
    // Launch template names are unique per account and region: one per NAT instance, none shared with the other profile.
    const templateNames = Object.values(network.findResources('AWS::EC2::LaunchTemplate')).map((lt: any) => lt.Properties.LaunchTemplateName);
    expect(templateNames).toHaveLength(profile === 'prod' ? 2 : 1);
    expect(new Set(templateNames).size).toBe(templateNames.length);
    for (const name of templateNames) expect(JSON.stringify(name)).toContain(profile);
    // Each NAT instance is rebooted when its own status check fails (host failures: EC2's automatic recovery).
    const checks = Object.values(network.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'StatusCheckFailed_Instance' } })) as any[];
    expect(checks).toHaveLength(profile === 'prod' ? 2 : 1);
    for (const c of checks) expect(JSON.stringify(c.Properties.AlarmActions)).toContain(':ec2:reboot');
  });
});

describe('quota checks', () => {
  test('addresses per subnet', () => {
    expect(usableAddresses('10.0.0.0/24')).toBe(251);
    expect(usableAddresses('10.0.4.0/22')).toBe(1019);
  });

  test('fails when the private subnets cannot hold every task at maximum capacity during a deployment', () => {
    const app = new App();
    const stack = new Stack(app, 'Q', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 1,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 28 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 28 },
      ],
    });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    new HardenedFargateService(stack, 'Svc', { cluster, image: ecs.ContainerImage.fromRegistry('nginx'), maxCapacity: 10 });
    expect(() => checkQuotas(app)).toThrow('Q/Vpc: the private subnets have 11 addresses, but the services at maximum capacity during a '
      + 'deployment need 20 (Q/Svc/Service: 20; Lambda interfaces 0). Use larger private subnets (cidrMask), or lower maxCapacity.');
  });
});
