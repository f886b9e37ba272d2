#!/usr/bin/env node
// Builds a Graphviz DOT picture of a synthesized CDK app (a cloud assembly such as examples/cdk.out) from its
// templates: one box per stack, the parts a reader looks for as nodes (load balancers, ECS services, databases,
// caches, file systems, buckets, CloudFront distributions, the observability bundle), and edges taken from the
// templates themselves: listener rules (host header -> service), CloudFront origins and behaviours, security group
// ingress rules (who may connect to whom, with ports), IAM grants on buckets, Route 53 aliases, alarm dimensions and
// cross-stack references (Fn::ImportValue). Writes DOT to stdout; scripts/architecture.sh renders it with `dot`.
//
//   node scripts/architecture.js [cdk.out dir] > architecture.dot
//
// Plain Node.js, no dependencies. Omitted on purpose: IAM roles and policies, log groups, secrets, Lambda handlers,
// access-log buckets, subnets and route tables (they would triple the picture and hide the request path).
'use strict';
const fs = require('fs');
const path = require('path');

const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'examples', 'cdk.out'));
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf-8'));
const stacks = Object.entries(manifest.artifacts ?? {})
  .filter(([, a]) => a.type === 'aws:cloudformation:stack')
  .map(([id, a]) => ({
    id,
    region: (a.environment ?? '').split('/').pop(),
    template: JSON.parse(fs.readFileSync(path.join(dir, a.properties.templateFile), 'utf-8')),
  }));

// ---------------------------------------------------------------------------------------------------------------
// Index: every resource by "stack|logicalId", exports by name, references resolved across stacks.
// ---------------------------------------------------------------------------------------------------------------
const all = new Map();
const exportsByName = new Map();
for (const s of stacks) {
  for (const [id, r] of Object.entries(s.template.Resources ?? {})) {
    all.set(`${s.id}|${id}`, {
      key: `${s.id}|${id}`, stack: s.id, id, type: r.Type, p: r.Properties ?? {}, path: cdkPath(s.id, id, r), dependsOn: [].concat(r.DependsOn ?? []),
    });
  }
  for (const o of Object.values(s.template.Outputs ?? {})) {
    if (o.Export && typeof o.Export.Name === 'string') exportsByName.set(o.Export.Name, { stack: s.id, value: o.Value });
  }
}
function cdkPath(stackId, id, r) {
  const p = r.Metadata && r.Metadata['aws:cdk:path'];
  if (typeof p !== 'string') return id;
  const rel = p.startsWith(stackId + '/') ? p.slice(stackId.length + 1) : p;
  return rel.replace(/\/Resource$/, '').split('/').filter((seg, i, a) => i === 0 || seg !== a[i - 1]).join('/');
}
/** Resource keys referenced anywhere inside `value`, seen from stack `stackId` (Ref, GetAtt, Sub, ImportValue). */
function refs(value, stackId, out = new Set()) {
  if (!value || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) refs(v, stackId, out);
    return out;
  }
  if (typeof value.Ref === 'string' && all.has(`${stackId}|${value.Ref}`)) out.add(`${stackId}|${value.Ref}`);
  const ga = value['Fn::GetAtt'];
  if (ga) {
    const id = Array.isArray(ga) ? ga[0] : String(ga).split('.')[0];
    if (all.has(`${stackId}|${id}`)) out.add(`${stackId}|${id}`);
  }
  if (typeof value['Fn::Sub'] === 'string') {
    for (const m of value['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)/g)) if (all.has(`${stackId}|${m[1]}`)) out.add(`${stackId}|${m[1]}`);
  }
  if (typeof value['Fn::ImportValue'] === 'string') {
    const e = exportsByName.get(value['Fn::ImportValue']);
    if (e) refs(e.value, e.stack, out);
  }
  for (const [k, v] of Object.entries(value)) if (k !== 'Ref') refs(v, stackId, out);
  return out;
}
const ofType = (type) => [...all.values()].filter((r) => r.type === type);
const first = (set) => (set ? set.values().next().value : undefined);

// ---------------------------------------------------------------------------------------------------------------
// Nodes. `owner` maps helper resources (security groups, target groups, task roles, log groups, ...) to a node.
// ---------------------------------------------------------------------------------------------------------------
const nodes = new Map(); // nodeId -> { id, stack, label, kind, detail[] }
const owner = new Map(); // resource key -> nodeId
let seq = 0;
function node(stack, kind, title, detail = [], keys = []) {
  const id = `n${++seq}`;
  nodes.set(id, { id, stack, kind, title, detail });
  for (const k of keys) owner.set(k, id);
  return id;
}
const wrap = (words, width = 34) => {
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && (cur + ', ' + w).length > width) {
      lines.push(cur + ',');
      cur = w;
    } else cur = cur ? `${cur}, ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
};
const friendly = (p) => p.split('/').filter((s) => !/^(Service|Fargate|Resource|Default)$/.test(s)).join(' / ');

// ECS services (with their task definition, roles, security groups, target groups and log groups).
for (const svc of ofType('AWS::ECS::Service')) {
  const td = all.get(first(refs(svc.p.TaskDefinition, svc.stack)));
  const tp = td ? td.p : {};
  const containers = (tp.ContainerDefinitions ?? []).map((c) => c.Name);
  const target = ofType('AWS::ApplicationAutoScaling::ScalableTarget')
    .find((t) => t.stack === svc.stack && refs(t.p.ResourceId, t.stack).has(svc.key));
  const count = svc.p.DesiredCount ?? (target ? `${target.p.MinCapacity}-${target.p.MaxCapacity}` : '1');
  const arch = ((tp.RuntimePlatform ?? {}).CpuArchitecture ?? 'X86_64') === 'ARM64' ? 'ARM64' : 'x86';
  const spot = (svc.p.CapacityProviderStrategy ?? []).some((s) => s.CapacityProvider === 'FARGATE_SPOT') ? ', Spot' : '';
  const size = `${count} x ${Number(tp.Cpu ?? 256) / 1024} vCPU / ${Number(tp.Memory ?? 512) / 1024} GB ${arch}${spot}`;
  const image = (tp.ContainerDefinitions ?? [])[0] && (tp.ContainerDefinitions[0].Image);
  const imageName = typeof image === 'string' ? image.split('/').pop() : 'image built from a Dockerfile (CDK asset)';
  const detail = containers.length > 1 ? [size, ...wrap(containers)] : [size, imageName];
  const keys = [svc.key];
  if (td) {
    keys.push(td.key, ...refs(tp.TaskRoleArn, td.stack));
    for (const c of tp.ContainerDefinitions ?? []) {
      const lg = c.LogConfiguration && c.LogConfiguration.Options && c.LogConfiguration.Options['awslogs-group'];
      for (const k of refs(lg, td.stack)) keys.push(k);
    }
  }
  const net = (svc.p.NetworkConfiguration ?? {}).AwsvpcConfiguration ?? {};
  for (const k of refs(net.SecurityGroups, svc.stack)) keys.push(k);
  for (const lb of svc.p.LoadBalancers ?? []) for (const k of refs(lb.TargetGroupArn, svc.stack)) keys.push(k);
  for (const r of svc.p.ServiceRegistries ?? []) for (const k of refs(r.RegistryArn, svc.stack)) keys.push(k);
  node(svc.stack, 'compute', `ECS service ${friendly(svc.path)}`, detail, keys);
}
// Deploy-time custom resources worth showing (not CDK's own helpers), with their Lambda function and its security group.
const internal = /^Custom::(CDKBucketDeployment|LogRetention|CrossRegionExport(Reader|Writer)|VpcRestrictDefaultSG|AWS|S3AutoDeleteObjects)/;
for (const cr of [...all.values()].filter((r) => r.type.startsWith('Custom::') && !internal.test(r.type))) {
  const fns = [...refs(cr.p.ServiceToken, cr.stack)].map((k) => all.get(k)).filter((r) => r.type === 'AWS::Lambda::Function');
  const sgs = fns.flatMap((fn) => [...refs((fn.p.VpcConfig ?? {}).SecurityGroupIds, fn.stack)]);
  const what = {
    'Custom::PostgresDatabase': 'creates database + role, writes DATABASE_URL secret',
    'Custom::UmamiAdminBootstrap': 'replaces admin/umami, creates websites and users',
    'Custom::OpenReplayMigrations': 'runs the migration task on version change',
    'Custom::OpenReplayBootstrap': 'first admin + project, closes signup',
    'Custom::RunTaskOnDeploy': 'runs the one-off task; a non-zero exit fails the deployment',
  }[cr.type] ?? cr.type;
  node(cr.stack, 'deploy', `${cr.type.replace('Custom::', '')} (custom resource)`, [what], [cr.key, ...fns.map((f) => f.key), ...sgs]);
}
// One-off task definitions (migrations) with their security group.
for (const td of ofType('AWS::ECS::TaskDefinition')) {
  if (owner.has(td.key)) continue;
  const containers = (td.p.ContainerDefinitions ?? []).map((c) => c.Name);
  const base = td.path.replace(/Task(Definition)?$/, '');
  const sgs = [...all.values()].filter((r) => r.type === 'AWS::EC2::SecurityGroup' && r.stack === td.stack && !owner.has(r.key)
    && r.path.replace(/\/?SecurityGroup$/, '') === base);
  node(td.stack, 'task', `one-off ECS task ${friendly(td.path)}`, ['run by a custom resource at deploy', ...wrap(containers)],
    [td.key, ...sgs.map((s) => s.key), ...refs(td.p.TaskRoleArn, td.stack)]);
}
for (const lb of ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
  const listeners = ofType('AWS::ElasticLoadBalancingV2::Listener').filter((l) => refs(l.p.LoadBalancerArn, l.stack).has(lb.key));
  const ports = listeners.map((l) => `${l.p.Protocol ?? ''} ${l.p.Port}`.trim()).join(', ');
  node(lb.stack, 'network', `Application Load Balancer ${friendly(lb.path).replace(/ \/ LoadBalancer$/, '')}`,
    [`${lb.p.Scheme ?? 'internet-facing'}; ${ports}`, 'host-header rules; 404 by default'],
    [lb.key, ...refs(lb.p.SecurityGroups, lb.stack), ...listeners.map((l) => l.key)]);
}
for (const db of ofType('AWS::RDS::DBCluster')) {
  const instances = ofType('AWS::RDS::DBInstance').filter((i) => refs(i.p.DBClusterIdentifier, i.stack).has(db.key));
  const sv2 = db.p.ServerlessV2ScalingConfiguration;
  node(db.stack, 'database', `Aurora PostgreSQL ${db.p.EngineVersion ?? ''}`.trim(), [
    sv2 ? `Serverless v2, ${sv2.MinCapacity}-${sv2.MaxCapacity} ACU` : instances.map((i) => i.p.DBInstanceClass).join(', '),
    instances.length > 1 ? `writer + ${instances.length - 1} reader${instances.length > 2 ? 's' : ''} (multi-AZ)` : 'writer only (single AZ)',
    `backups ${db.p.BackupRetentionPeriod ?? 1} days${db.p.DeletionProtection ? ', deletion protection' : ''}`,
  ], [db.key, ...instances.map((i) => i.key), ...refs(db.p.VpcSecurityGroupIds, db.stack)]);
}
for (const c of ofType('AWS::ElastiCache::ReplicationGroup')) {
  node(c.stack, 'database', `ElastiCache ${c.p.Engine ?? 'redis'} ${c.p.EngineVersion ?? ''}`.trim(),
    [`${c.p.NumCacheClusters ?? 1} x ${c.p.CacheNodeType}`, 'TLS, encrypted at rest'],
    [c.key, ...refs(c.p.SecurityGroupIds, c.stack)]);
}
for (const fsys of ofType('AWS::EFS::FileSystem')) {
  const mounts = ofType('AWS::EFS::MountTarget').filter((m) => refs(m.p.FileSystemId, m.stack).has(fsys.key));
  node(fsys.stack, 'storage', `EFS ${friendly(fsys.path)}`, [`encrypted, ${fsys.p.ThroughputMode ?? 'bursting'} throughput`, `${mounts.length} mount targets`],
    [fsys.key, ...mounts.flatMap((m) => [m.key, ...refs(m.p.SecurityGroups, m.stack)])]);
}
// Buckets: access-log buckets are left out; three or more buckets under one construct become one node.
const buckets = ofType('AWS::S3::Bucket').filter((b) => !/(Logs|LogBucket)$/i.test(b.path.split('/').pop()));
const byParent = new Map();
for (const b of buckets) {
  const parent = `${b.stack}|${b.path.split('/').slice(0, -1).join('/')}`;
  byParent.set(parent, [...(byParent.get(parent) ?? []), b]);
}
for (const [parent, list] of byParent) {
  const [stack, p] = parent.split('|');
  if (list.length >= 3) {
    const names = list.map((b) => b.path.split('/').pop().replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase());
    node(stack, 'storage', `${list.length} S3 buckets ${friendly(p)}`, ['private, encrypted, SSL only', ...wrap(names)], list.map((b) => b.key));
  } else {
    for (const b of list) {
      const lifecycle = b.p.LifecycleConfiguration ? ', lifecycle rules' : '';
      node(stack, 'storage', `S3 bucket ${friendly(b.path)}`, [`private, encrypted${b.p.VersioningConfiguration ? ', versioned' : ''}${lifecycle}`], [b.key]);
    }
  }
}
for (const d of ofType('AWS::CloudFront::Distribution')) {
  const c = d.p.DistributionConfig ?? {};
  const aliases = Array.isArray(c.Aliases) ? c.Aliases.filter((a) => typeof a === 'string') : [];
  node(d.stack, 'edge', `CloudFront ${friendly(d.path).replace(/ \/ Distribution$/, '')}`,
    [aliases.length ? aliases.join(', ') : 'default *.cloudfront.net domain', `${(c.Origins ?? []).length} origin(s), HTTPS only`], [d.key]);
}
for (const ns of ofType('AWS::ServiceDiscovery::PrivateDnsNamespace')) {
  node(ns.stack, 'network', `Cloud Map namespace ${typeof ns.p.Name === 'string' ? ns.p.Name : ''}`.trim(), ['service discovery between tasks'], [ns.key]);
}
for (const w of ofType('AWS::WAFv2::WebACL')) {
  node(w.stack, 'security', `WAF web ACL ${friendly(w.path)}`, [`${(w.p.Rules ?? []).length} rules, scope ${w.p.Scope}`], [w.key]);
}
for (const t of ofType('AWS::CloudTrail::Trail')) {
  node(t.stack, 'security', 'CloudTrail trail', [`${t.p.IsMultiRegionTrail ? 'multi-region, ' : ''}${t.p.EnableLogFileValidation ? 'log file validation' : ''}`], [t.key]);
}
// Network stack: VPC summary, NAT gateways, endpoints.
for (const vpc of ofType('AWS::EC2::VPC')) {
  const subnets = ofType('AWS::EC2::Subnet').filter((s) => refs(s.p.VpcId, s.stack).has(vpc.key));
  const kinds = [...new Set(subnets.map((s) => ((s.p.Tags ?? []).find((t) => t.Key === 'aws-cdk:subnet-name') ?? {}).Value).filter(Boolean))];
  const azs = new Set(subnets.map((s) => JSON.stringify(s.p.AvailabilityZone))).size;
  const flow = ofType('AWS::EC2::FlowLog').some((f) => refs(f.p.ResourceId, f.stack).has(vpc.key));
  const ep = ofType('AWS::EC2::VPCEndpoint').filter((e) => refs(e.p.VpcId, e.stack).has(vpc.key));
  node(vpc.stack, 'network', `VPC ${vpc.p.CidrBlock ?? ''}`.trim(), [
    `${azs} AZs; ${kinds.join(' / ')} subnets`,
    `${flow ? 'flow logs' : 'no flow logs'}${ep.length ? `; endpoints: ${ep.map((e) => (e.p.VpcEndpointType ?? 'Gateway') + ' ' + JSON.stringify(e.p.ServiceName).replace(/.*\.([a-z0-9-]+)"?\]*\}*$/, '$1')).join(', ')}` : ''}`,
  ], [vpc.key, ...ep.map((e) => e.key)]);
}
const nats = ofType('AWS::EC2::NatGateway');
const natInstances = ofType('AWS::EC2::Instance').filter((i) => i.p.SourceDestCheck === false);
const natStacks = [...new Set([...nats, ...natInstances].map((n) => n.stack))];
for (const s of natStacks) {
  const g = nats.filter((n) => n.stack === s);
  const i = natInstances.filter((n) => n.stack === s);
  node(s, 'network', g.length ? `${g.length} NAT gateway${g.length > 1 ? 's' : ''}` : `${i.length} NAT instance${i.length > 1 ? 's' : ''}`,
    [g.length > 1 ? 'one per AZ' : 'shared by the private subnets', 'egress of the private subnets'], [...g, ...i].map((n) => n.key));
}
// Certificates used across stacks (CloudFront needs one in us-east-1).
for (const cert of ofType('AWS::CertificateManager::Certificate')) {
  node(cert.stack, 'security', `ACM certificate ${typeof cert.p.DomainName === 'string' ? cert.p.DomainName : ''}`.trim(), [`DNS-validated, ${stacks.find((s) => s.id === cert.stack).region}`], [cert.key]);
}
// Observability: alarms, composite, topic, dashboard, budget, metric filters (per stack holding them).
const alarmStacks = [...new Set(ofType('AWS::CloudWatch::Alarm').map((a) => a.stack))];
const alarmNode = new Map();
for (const s of alarmStacks) {
  const alarms = ofType('AWS::CloudWatch::Alarm').filter((a) => a.stack === s);
  const filters = ofType('AWS::Logs::MetricFilter').filter((a) => a.stack === s);
  alarmNode.set(s, node(s, 'monitoring', `${alarms.length} CloudWatch alarms`,
    [filters.length ? `+ ${filters.length} log metric filters (errors)` : 'on the platform\'s metrics'], [...alarms, ...filters].map((a) => a.key)));
}
for (const c of ofType('AWS::CloudWatch::CompositeAlarm')) node(c.stack, 'monitoring', 'composite alarm', ['platform health: any critical alarm'], [c.key]);
for (const d of ofType('AWS::CloudWatch::Dashboard')) node(d.stack, 'monitoring', 'CloudWatch dashboard', [typeof d.p.DashboardName === 'string' ? d.p.DashboardName : ''], [d.key]);
for (const t of ofType('AWS::SNS::Topic')) {
  const subs = ofType('AWS::SNS::Subscription').filter((x) => refs(x.p.TopicArn, x.stack).has(t.key));
  node(t.stack, 'monitoring', 'SNS alarm topic', [t.p.KmsMasterKeyId ? 'KMS-encrypted' : '', ...subs.map((x) => `${x.p.Protocol}: ${typeof x.p.Endpoint === 'string' ? x.p.Endpoint : '...'}`)].filter(Boolean), [t.key, ...subs.map((x) => x.key)]);
}
for (const b of ofType('AWS::Budgets::Budget')) {
  const limit = ((b.p.Budget ?? {}).BudgetLimit ?? {});
  node(b.stack, 'monitoring', 'AWS Budget', [`${limit.Amount ?? '?'} ${limit.Unit ?? ''} per month, tag-filtered`], [b.key]);
}

// ---------------------------------------------------------------------------------------------------------------
// Edges
// ---------------------------------------------------------------------------------------------------------------
const edges = new Map(); // "from->to" -> { from, to, labels:Set, style }
function edge(from, to, label, style = 'solid') {
  if (!from || !to || from === to) return;
  const k = `${from}->${to}`;
  const e = edges.get(k) ?? { from, to, labels: new Set(), style };
  if (label) e.labels.add(label);
  edges.set(k, e);
}
const ownerOf = (key) => owner.get(key);
const ownersIn = (value, stackId) => [...refs(value, stackId)].map(ownerOf).filter(Boolean);
const internet = 'internet';
const shortHost = (h) => String(h).split('.')[0] + '.';

// Internet -> ALB, CloudFront.
for (const lb of ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
  if ((lb.p.Scheme ?? 'internet-facing') === 'internet-facing') edge(internet, ownerOf(lb.key), 'HTTPS 443 (80 redirects)');
}
for (const d of ofType('AWS::CloudFront::Distribution')) edge(internet, ownerOf(d.key), 'HTTPS');
// Listener rules: ALB -> service, labelled with the host header.
const hostToAlb = new Map();
for (const rule of ofType('AWS::ElasticLoadBalancingV2::ListenerRule')) {
  const alb = ownersIn(rule.p.ListenerArn, rule.stack)[0];
  const hosts = (rule.p.Conditions ?? []).flatMap((c) => (c.HostHeaderConfig ?? {}).Values ?? c.Values ?? []).filter((h) => typeof h === 'string');
  const paths = (rule.p.Conditions ?? []).flatMap((c) => (c.PathPatternConfig ?? {}).Values ?? []);
  for (const a of rule.p.Actions ?? []) {
    for (const target of ownersIn(a.TargetGroupArn, rule.stack)) edge(alb, target, [...hosts.map(shortHost), ...paths].join(' ') || `priority ${rule.p.Priority}`);
  }
  for (const h of hosts) hostToAlb.set(h, alb);
}
// CloudFront origins and behaviours.
for (const d of ofType('AWS::CloudFront::Distribution')) {
  const c = d.p.DistributionConfig ?? {};
  const from = ownerOf(d.key);
  const pathsFor = (originId) => [
    ...(c.DefaultCacheBehavior && c.DefaultCacheBehavior.TargetOriginId === originId ? ['default'] : []),
    ...(c.CacheBehaviors ?? []).filter((b) => b.TargetOriginId === originId).map((b) => b.PathPattern),
  ];
  for (const o of c.Origins ?? []) {
    const label = pathsFor(o.Id).join(', ');
    const s3 = ownersIn(o.DomainName, d.stack);
    if (s3.length) for (const t of s3) edge(from, t, `${label} (origin access control)`);
    else if (typeof o.DomainName === 'string' && hostToAlb.has(o.DomainName)) edge(from, hostToAlb.get(o.DomainName), `${label} -> ${shortHost(o.DomainName)}`);
    else edge(from, internet, `${label} -> ${o.DomainName}`);
  }
  const cert = ownersIn((c.ViewerCertificate ?? {}).AcmCertificateArn, d.stack)[0];
  if (cert) edge(cert, from, 'TLS', 'dashed');
}
// Certificates of the cross-region reader (us-east-1 certificate for CloudFront): by domain name.
for (const d of ofType('AWS::CloudFront::Distribution')) {
  const aliases = ((d.p.DistributionConfig ?? {}).Aliases ?? []).filter((a) => typeof a === 'string');
  for (const cert of ofType('AWS::CertificateManager::Certificate')) {
    if (aliases.includes(cert.p.DomainName) && stacks.find((s) => s.id === cert.stack).region === 'us-east-1') edge(ownerOf(cert.key), ownerOf(d.key), 'TLS (us-east-1)', 'dashed');
  }
}
for (const l of ofType('AWS::ElasticLoadBalancingV2::Listener')) {
  for (const c of l.p.Certificates ?? []) for (const cert of ownersIn(c.CertificateArn, l.stack)) edge(cert, ownerOf(l.key), 'TLS', 'dashed');
}
// Security group ingress: source -> destination, with ports.
const sgRules = [];
for (const r of ofType('AWS::EC2::SecurityGroupIngress')) sgRules.push({ stack: r.stack, to: r.p.GroupId, from: r.p.SourceSecurityGroupId, port: r.p.FromPort });
for (const sg of ofType('AWS::EC2::SecurityGroup')) {
  for (const i of sg.p.SecurityGroupIngress ?? []) if (i.SourceSecurityGroupId) sgRules.push({ stack: sg.stack, to: { Ref: sg.id }, from: i.SourceSecurityGroupId, port: i.FromPort, toKey: sg.key });
}
for (const r of sgRules) {
  const to = r.toKey ? ownerOf(r.toKey) : ownersIn(r.to, r.stack)[0];
  const from = ownersIn(r.from, r.stack)[0];
  if (!from || !to) continue;
  const already = [...edges.values()].some((e) => e.from === from && e.to === to && e.style === 'solid');
  if (nodes.get(from).kind === 'network' && already) continue; // ALB -> service is drawn from the listener rule
  edge(from, to, r.port !== undefined ? `:${r.port}` : '');
}
// IAM grants on buckets: task role -> bucket.
for (const pol of ofType('AWS::IAM::Policy')) {
  const roles = ownersIn(pol.p.Roles, pol.stack).filter((n) => nodes.get(n).kind === 'compute');
  if (roles.length === 0) continue;
  for (const st of (pol.p.PolicyDocument ?? {}).Statement ?? []) {
    const actions = [].concat(st.Action ?? []);
    if (!actions.some((a) => String(a).startsWith('s3:'))) continue;
    for (const t of ownersIn(st.Resource, pol.stack).filter((n) => nodes.get(n).kind === 'storage')) {
      for (const role of roles) edge(role, t, 'S3 API');
    }
  }
}
// Deploy-time custom resources -> what they act on (besides SG rules): the service they wait for.
for (const cr of [...all.values()].filter((r) => r.type.startsWith('Custom::') && ownerOf(r.key))) {
  const deps = cr.dependsOn.map((d) => ownerOf(`${cr.stack}|${d}`)).filter(Boolean);
  for (const t of new Set([...ownersIn(cr.p, cr.stack), ...deps])) {
    const kind = nodes.get(t).kind;
    if (kind === 'compute' || kind === 'task') edge(ownerOf(cr.key), t, '', 'dotted');
  }
}
// Web ACLs in front of load balancers and distributions.
for (const a of ofType('AWS::WAFv2::WebACLAssociation')) {
  for (const acl of ownersIn(a.p.WebACLArn, a.stack)) for (const t of ownersIn(a.p.ResourceArn, a.stack)) edge(acl, t, 'filters', 'dashed');
}
for (const d of ofType('AWS::CloudFront::Distribution')) {
  const acl = (d.p.DistributionConfig ?? {}).WebACLId;
  for (const w of ownersIn(acl, d.stack)) edge(w, ownerOf(d.key), 'filters', 'dashed');
  if (acl && ownersIn(acl, d.stack).length === 0) {
    // A web ACL from us-east-1 arrives through the cross-region export reader: match it by stack region.
    for (const w of ofType('AWS::WAFv2::WebACL').filter((x) => x.p.Scope === 'CLOUDFRONT')) edge(ownerOf(w.key), ownerOf(d.key), 'filters (us-east-1)', 'dashed');
  }
}
for (const t of ofType('AWS::CloudTrail::Trail')) for (const b of ownersIn(t.p.S3BucketName, t.stack)) edge(ownerOf(t.key), b, 'log files');
// Egress: private subnets -> NAT -> internet.
for (const n of nodes.values()) if (/NAT (gateway|instance)/.test(n.title)) edge(n.id, internet, 'egress', 'dashed');
// Observability: monitored resources -> alarms (count per resource), alarms -> composite -> topic, budget -> topic.
for (const [s, an] of alarmNode) {
  const counts = new Map();
  for (const a of ofType('AWS::CloudWatch::Alarm').filter((x) => x.stack === s)) {
    const targets = new Set([...refs(a.p.Dimensions, a.stack), ...refs(a.p.Metrics, a.stack)].map(ownerOf).filter((n) => n && n !== an));
    for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  for (const f of ofType('AWS::Logs::MetricFilter').filter((x) => x.stack === s)) {
    for (const t of ownersIn(f.p.LogGroupName, f.stack)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  // Marked on the monitored nodes rather than drawn: a dozen edges across the picture would hide the request path.
  for (const [t, n] of counts) nodes.get(t).alarms = (nodes.get(t).alarms ?? 0) + n;
  const shortKind = (title) => (title.startsWith('ECS service') ? 'ECS service' : title.startsWith('Application Load Balancer') ? 'ALB'
    : title.startsWith('Aurora') ? 'Aurora' : title.split(' ')[0]);
  const kinds = [...counts.keys()].map((t) => shortKind(nodes.get(t).title));
  const tally = [...new Set(kinds)].map((k) => {
    const n = kinds.filter((x) => x === k).length;
    return n > 1 ? `${n} ${k}s` : k;
  });
  nodes.get(an).detail.push(...wrap([`on ${tally[0] ?? 'nothing'}`, ...tally.slice(1)], 40), '(count per resource: pink text)');
}
for (const c of ofType('AWS::CloudWatch::CompositeAlarm')) {
  for (const an of alarmNode.values()) if (nodes.get(an).stack === c.stack) edge(an, ownerOf(c.key), 'critical', 'solid');
  for (const t of ownersIn(c.p.AlarmActions, c.stack)) edge(ownerOf(c.key), t, 'notify');
}
for (const a of ofType('AWS::CloudWatch::Alarm')) {
  for (const t of ownersIn(a.p.AlarmActions, a.stack)) edge(ownerOf(a.key), t, 'notify');
}
for (const b of ofType('AWS::Budgets::Budget')) {
  for (const t of ownersIn(b.p.NotificationsWithSubscribers, b.stack)) edge(ownerOf(b.key), t, 'forecast / actual');
}
for (const d of ofType('AWS::CloudWatch::Dashboard')) {
  for (const an of alarmNode.values()) if (nodes.get(an).stack === d.stack) edge(an, ownerOf(d.key), 'widgets', 'dotted');
}
// Route 53 aliases.
const records = ofType('AWS::Route53::RecordSet');
if (records.length) {
  const zoneName = (records.map((r) => r.p.HostedZoneName).find((z) => typeof z === 'string') ?? '').replace(/\.$/, '');
  const names = records.map((r) => r.p.Name).filter((n) => typeof n === 'string');
  const r53 = node('_external', 'edge', 'Route 53 public zone', [zoneName || 'imported (not in the templates)', `${records.length} alias records`]);
  edge(internet, r53, 'DNS', 'dashed');
  for (const r of records) {
    for (const t of ownersIn((r.p.AliasTarget ?? {}).DNSName, r.stack)) edge(r53, t, shortHost(r.p.Name), 'dashed');
  }
  void names;
}

// ---------------------------------------------------------------------------------------------------------------
// DOT
// ---------------------------------------------------------------------------------------------------------------
const style = {
  compute: { color: '#D45B07', fill: '#FDEBD9' },
  task: { color: '#D45B07', fill: '#FFFFFF' },
  network: { color: '#693CC5', fill: '#EFE8FB' },
  edge: { color: '#693CC5', fill: '#F7F2FF' },
  database: { color: '#2E27AD', fill: '#E3E6FA' },
  storage: { color: '#3F8624', fill: '#E6F2DF' },
  monitoring: { color: '#B0084D', fill: '#FBE3EE' },
  security: { color: '#BD0816', fill: '#FCE6E7' },
  deploy: { color: '#666666', fill: '#F4F4F4' },
};
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const label = (n) => `<<B>${esc(n.title)}</B>${n.detail.filter(Boolean).map((d) => `<BR/><FONT POINT-SIZE="10">${esc(d)}</FONT>`).join('')}`
  + `${n.alarms ? `<BR/><FONT POINT-SIZE="10" COLOR="#B0084D">${n.alarms} alarm${n.alarms > 1 ? 's' : ''}</FONT>` : ''}>`;
const lines = [];
const out = (s) => lines.push(s);
const appName = stacks.length ? stacks[0].id.replace(/-[^-]+$/, '') : 'app';
out('digraph architecture {');
out(`  graph [rankdir=LR, fontname="Helvetica", fontsize=20, labelloc=t, newrank=true, nodesep=0.2, ranksep=0.55, compound=true, pad=0.3,`);
out(`         label=<<B>${esc(appName)}</B><BR/><FONT POINT-SIZE="12">generated by scripts/architecture.sh from the synthesized templates (${esc(path.basename(dir))}): solid = request path or allowed connection (port), dashed = DNS / TLS / egress, dotted = deploy-time custom resource, pink = CloudWatch alarms on the resource</FONT>>];`);
out('  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, margin="0.12,0.06"];');
out('  edge [fontname="Helvetica", fontsize=10, color="#555555", arrowsize=0.7];');
out(`  ${internet} [label=<<B>Internet</B><BR/><FONT POINT-SIZE="10">browsers, trackers, operators</FONT>>, shape=ellipse, style=filled, fillcolor="#FFFFFF", color="#333333"];`);
const order = stacks.map((s) => s.id);
for (const s of ['_external', ...order]) {
  const list = [...nodes.values()].filter((n) => n.stack === s);
  if (list.length === 0) continue;
  const st = stacks.find((x) => x.id === s);
  if (st) {
    out(`  subgraph "cluster_${s}" {`);
    out(`    label=<<B>${esc(s)}</B> <FONT POINT-SIZE="11">(${esc(st.region)})</FONT>>; fontsize=14; style="rounded,filled"; fillcolor="#FAFAFA"; color="#999999";`);
  }
  for (const n of list) {
    const c = style[n.kind] ?? style.deploy;
    const shape = n.kind === 'database' || n.kind === 'storage' ? 'cylinder' : n.kind === 'deploy' ? 'note' : 'box';
    out(`    ${n.id} [label=${label(n)}, color="${c.color}", fillcolor="${c.fill}", shape=${shape}${shape === 'box' ? '' : ', style=filled'}];`);
  }
  if (st) out('  }');
}
for (const e of edges.values()) {
  const attrs = [];
  const text = [...e.labels].filter(Boolean).join(' ');
  if (text) attrs.push(`label="${esc(text).replace(/"/g, '\\"')}"`);
  if (e.style === 'dashed') attrs.push('style=dashed', 'color="#888888"', 'constraint=false');
  if (e.style === 'dotted') attrs.push('style=dotted', 'color="#888888"', 'arrowhead=none');
  out(`  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
}
out('}');
process.stdout.write(lines.join('\n') + '\n');
