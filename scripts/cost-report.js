#!/usr/bin/env node
// Estimated monthly cost at idle of a synthesized CDK app (a cloud assembly such as examples/cdk.out), per stack and per
// resource kind, at the us-east-1 on-demand list prices of scripts/cost-prices.json. "At idle" means what the
// resources cost by merely existing for 730 hours: running tasks at their minimum count, load balancers, NAT gateways,
// database capacity at its minimum, cache nodes, keys, secrets, alarms, dashboards and metrics. Traffic, requests,
// storage growth and log ingestion are usage and are listed, not priced.
//
//   node scripts/cost-report.js [cdk.out dir] [--profile dev|prod] [--target USD] [--no-free-tier] [--json file]
//
// Plain Node.js, no dependencies. Exit code 0 whether or not the target is met (the report says so); 1 on bad input.
// As a module: require('./scripts/cost-report.js').estimate({ dir, profile }) returns the figures and the report's text
// (test/cost.test.ts holds the example under its targets with it).
'use strict';
const fs = require('fs');
const path = require('path');

/** Bad input (a missing file, a price missing from the table): the CLI prints it and exits 1. */
class CostReportError extends Error {}

/**
 * Estimates the idle monthly cost of the cloud assembly in `options.dir` and renders the report.
 * options: { dir, profile, target, freeTier (default true), prices (file) }. Returns { text, total, target, met,
 * profile, pricesAsOf, hoursPerMonth, stacks, items, usage, warnings, levers }; throws CostReportError on bad input.
 */
function estimate(options = {}) {
  const opts = { freeTier: true, ...options };
  const root = path.resolve(__dirname, '..');
  const dir = path.resolve(opts.dir ?? path.join(root, 'examples', 'cdk.out'));
  const priceFile = path.resolve(opts.prices ?? path.join(__dirname, 'cost-prices.json'));

  function fail(message) {
    throw new CostReportError(message);
  }
  function readJson(file) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf-8'));
    } catch (e) {
      return fail(`cannot read ${file}: ${e.message}`);
    }
  }

  const table = readJson(priceFile);
  const HOURS = table.hoursPerMonth;
  /** A price from the table; a missing key is a bug in the table, not an estimate of zero. */
  function price(key) {
    const p = table.prices[key];
    if (!p) fail(`no price '${key}' in ${priceFile}`);
    return p.usd;
  }
  function hasPrice(key) {
    return Object.prototype.hasOwnProperty.call(table.prices, key);
  }
  function assume(key) {
    const a = table.assumptions[key];
    if (!a) fail(`no assumption '${key}' in ${priceFile}`);
    return a.value;
  }

  const manifest = readJson(path.join(dir, 'manifest.json'));
  const stacks = Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => ({
      id,
      region: (a.environment ?? '').split('/').pop(),
      tags: (a.properties && a.properties.tags) || {},
      template: readJson(path.join(dir, a.properties.templateFile)),
    }));
  if (stacks.length === 0) fail(`${dir} holds no CloudFormation stacks`);

  const profile = opts.profile
    ?? stacks.map((s) => s.tags.Environment).find((e) => e)
    ?? (stacks.map((s) => /-(dev|prod)-/.exec(s.id)).find((m) => m) || [])[1];
  const target = Number.isFinite(opts.target) ? opts.target : (profile ? table.targets[profile] : undefined);

  // ---------------------------------------------------------------------------------------------------------------
  // Template helpers
  // ---------------------------------------------------------------------------------------------------------------
  /** The logical id a Ref / Fn::GetAtt points at, or undefined. */
  function refOf(value) {
    if (!value || typeof value !== 'object') return undefined;
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
    return undefined;
  }
  /** Whether `value` references logical id `id` anywhere inside it (Ref, GetAtt, Sub). */
  function mentions(value, id) {
    if (value === null || value === undefined) return false;
    if (typeof value === 'string') return false;
    if (Array.isArray(value)) return value.some((v) => mentions(v, id));
    if (typeof value === 'object') {
      if (refOf(value) === id) return true;
      if (typeof value['Fn::Sub'] === 'string' && value['Fn::Sub'].includes('${' + id)) return true;
      return Object.values(value).some((v) => mentions(v, id));
    }
    return false;
  }
  /** Every literal string inside a value, in order (Fn::Join pieces, ...). */
  function strings(value) {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.flatMap(strings);
    if (value && typeof value === 'object') {
      return Object.entries(value).filter(([k]) => k !== 'Ref' && k !== 'Fn::GetAtt').flatMap(([, v]) => strings(v));
    }
    return [];
  }
  function num(value, fallback) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) ? n : fallback;
  }
  function cdkPath(stack, logicalId, resource) {
    const p = resource.Metadata && resource.Metadata['aws:cdk:path'];
    if (typeof p !== 'string') return logicalId;
    const rel = p.startsWith(stack.id + '/') ? p.slice(stack.id.length + 1).replace(/\/Resource$/, '') : p;
    // Construct paths repeat ids (".../Service/Service/Service"); one of each run reads better.
    return rel.split('/').filter((seg, i, all) => i === 0 || seg !== all[i - 1]).join('/');
  }
  function resourcesOf(stack, type) {
    return Object.entries(stack.template.Resources ?? {}).filter(([, r]) => r.Type === type);
  }
  const money = (n) => `$${n.toFixed(2)}`;

  // ---------------------------------------------------------------------------------------------------------------
  // Line items
  // ---------------------------------------------------------------------------------------------------------------
  /** Priced items: { stack, kind, name, count, monthly, detail }. */
  const items = [];
  /** Resources with no fixed cost (usage-based or free): kind -> { count, why }. */
  const usage = new Map();
  const warnings = [];
  /** Cost levers found while pricing: { what, saving }. */
  const levers = [];

  function add(stack, kind, name, monthly, detail, count = 1) {
    items.push({ stack: stack.id, kind, name, count, monthly, detail });
  }
  function usageOnly(kind, why, count = 1) {
    const u = usage.get(kind) ?? { count: 0, why };
    u.count += count;
    usage.set(kind, u);
  }

  // Free-tier allowances, consumed in template order across the whole app.
  const free = {};
  for (const [k, v] of Object.entries(table.freeTier ?? {})) {
    if (k !== 'about') free[k] = opts.freeTier ? v.value : 0;
  }
  function takeFree(key, wanted) {
    const n = Math.min(free[key] ?? 0, wanted);
    free[key] = (free[key] ?? 0) - n;
    return n;
  }

  // ---- ECS on Fargate -------------------------------------------------------------------------------------------
  // Cluster default capacity provider strategies, by cluster logical id and (for imported clusters) app-wide.
  const defaultStrategies = [];
  for (const stack of stacks) {
    for (const [, r] of resourcesOf(stack, 'AWS::ECS::ClusterCapacityProviderAssociations')) {
      const s = (r.Properties ?? {}).DefaultCapacityProviderStrategy;
      if (Array.isArray(s) && s.length > 0) defaultStrategies.push(s);
    }
  }

  /** Splits `tasks` over a capacity provider strategy: base first, the rest in proportion to the weights. */
  function splitStrategy(tasks, strategy) {
    const shares = strategy.map((s) => ({ provider: s.CapacityProvider, base: num(s.Base, 0), weight: num(s.Weight, 0), tasks: 0 }));
    let left = tasks;
    for (const s of shares) {
      const b = Math.min(s.base, left);
      s.tasks += b;
      left -= b;
    }
    const weights = shares.reduce((n, s) => n + s.weight, 0);
    if (left > 0 && weights > 0) for (const s of shares) s.tasks += (left * s.weight) / weights;
    return shares;
  }

  const containerInsights = { clusters: 0, services: 0, families: new Set(), tasks: 0, containers: 0 };
  const fargateByArch = { X86_64: 0, ARM64: 0 };

  for (const stack of stacks) {
    const res = stack.template.Resources ?? {};
    const serviceTaskDefs = new Set();
    for (const [id, r] of resourcesOf(stack, 'AWS::ECS::Service')) {
      const p = r.Properties ?? {};
      const tdId = refOf(p.TaskDefinition);
      const td = tdId && res[tdId];
      const name = cdkPath(stack, id, r);
      if (!td) {
        warnings.push(`${stack.id}/${name}: task definition not in the same template; not priced`);
        continue;
      }
      serviceTaskDefs.add(tdId);
      const tp = td.Properties ?? {};
      if (p.LaunchType && p.LaunchType !== 'FARGATE') {
        warnings.push(`${stack.id}/${name}: launch type ${p.LaunchType} is not priced (EC2 capacity is priced with its instances)`);
        continue;
      }

      // Task count: the desired count if set, otherwise the autoscaling minimum, otherwise 1.
      let tasks = num(p.DesiredCount, undefined);
      let countFrom = 'desired count';
      if (tasks === undefined) {
        const target = resourcesOf(stack, 'AWS::ApplicationAutoScaling::ScalableTarget')
          .find(([, t]) => (t.Properties ?? {}).ServiceNamespace === 'ecs' && mentions(t.Properties.ResourceId, id));
        if (target) {
          tasks = num(target[1].Properties.MinCapacity, 1);
          countFrom = `autoscaling min (max ${num(target[1].Properties.MaxCapacity, '?')})`;
        } else {
          tasks = 1;
          countFrom = 'no desired count or autoscaling: 1';
        }
      }

      const vcpu = num(tp.Cpu, 256) / 1024;
      const gb = num(tp.Memory, 512) / 1024;
      const arch = ((tp.RuntimePlatform ?? {}).CpuArchitecture ?? 'X86_64').toUpperCase();
      const a = arch === 'ARM64' ? 'arm' : 'x86';
      const hourly = vcpu * price(`fargate.${a}.vcpuHour`) + gb * price(`fargate.${a}.gbHour`)
        + Math.max(0, num((tp.EphemeralStorage ?? {}).SizeInGiB, 20) - 20) * price('fargate.ephemeralGbHour');

      // On-demand vs Spot.
      const strategy = Array.isArray(p.CapacityProviderStrategy) && p.CapacityProviderStrategy.length > 0
        ? p.CapacityProviderStrategy
        : (!p.LaunchType && defaultStrategies.length === 1 ? defaultStrategies[0] : undefined);
      let spotTasks = 0;
      let spotNote = '';
      if (strategy) {
        const split = splitStrategy(tasks, strategy);
        spotTasks = split.filter((s) => s.provider === 'FARGATE_SPOT').reduce((n, s) => n + s.tasks, 0);
        const spotWeight = strategy.filter((s) => s.CapacityProvider === 'FARGATE_SPOT').reduce((n, s) => n + num(s.Weight, 0), 0);
        // FARGATE_SPOT runs X86_64 Linux tasks (platform 1.3.0+) and ARM64 Linux tasks (platform 1.4.0+), per the ECS
        // API reference (CapacityProviderStrategyItem); older guides say X86_64 only.
        if (spotWeight > 0) {
          spotNote = `, ${spotTasks.toFixed(2).replace(/\.?0+$/, '')} on Spot`;
        }
      }
      const discount = assume('fargateSpotDiscount');
      const monthly = hourly * HOURS * ((tasks - spotTasks) + spotTasks * (1 - discount));
      add(stack, `Fargate ${arch === 'ARM64' ? 'ARM64' : 'X86_64'}`, name, monthly,
        `${tasks} x ${vcpu} vCPU / ${gb} GB (${countFrom}${spotNote})`, tasks);
      fargateByArch[arch === 'ARM64' ? 'ARM64' : 'X86_64'] += monthly;
      // One lever per service.
      if (profile !== 'prod' && tasks - spotTasks > 0) {
        levers.push({ what: `${stack.id}/${name} on Fargate Spot (interrupted at two minutes' notice)`, saving: hourly * HOURS * (tasks - spotTasks) * discount });
      } else if (arch !== 'ARM64') {
        const armHourly = vcpu * price('fargate.arm.vcpuHour') + gb * price('fargate.arm.gbHour');
        levers.push({ what: `${stack.id}/${name} on ARM64 (needs arm64 images)`, saving: (hourly - armHourly) * HOURS * ((tasks - spotTasks) + spotTasks * (1 - discount)) });
      }

      const otel = (tp.ContainerDefinitions ?? []).filter((c) => /otel|opentelemetry/i.test(`${c.Name} ${typeof c.Image === 'string' ? c.Image : ''}`));
      if (otel.length > 0) {
        usageOnly('OpenTelemetry collector sidecars', 'EMF metrics become custom metrics ($0.30 per metric-month, one per metric and dimension set) and traces go to X-Ray ($5 per million recorded): depends on the instrumentation', otel.length);
      }
      containerInsights.services += 1;
      containerInsights.families.add(`${stack.id}/${tdId}`);
      containerInsights.tasks += tasks;
      containerInsights.containers += tasks * (tp.ContainerDefinitions ?? []).length;

      // Cloud Map: one registered instance per task.
      for (const reg of p.ServiceRegistries ?? []) {
        const sd = refOf(reg.RegistryArn);
        if (sd && res[sd]) {
          add(stack, 'Cloud Map instances', cdkPath(stack, sd, res[sd]), tasks * price('cloudMap.registeredInstanceMonth'), `${tasks} registered`, tasks);
        }
      }
    }
    for (const [id] of resourcesOf(stack, 'AWS::ECS::TaskDefinition')) {
      if (!serviceTaskDefs.has(id)) usageOnly('ECS task definitions run one-off (migrations)', 'billed per second while the task runs');
    }
    for (const [, r] of resourcesOf(stack, 'AWS::ECS::Cluster')) {
      const settings = (r.Properties ?? {}).ClusterSettings ?? [];
      const ci = settings.find((s) => s.Name === 'containerInsights');
      if (ci && (ci.Value === 'enabled' || ci.Value === 'enhanced')) {
        containerInsights.clusters += 1;
        containerInsights.clusterStack = containerInsights.clusterStack ?? stack;
        containerInsights.mode = ci.Value;
      }
    }
  }
  if (containerInsights.clusters > 0) {
    const m = assume('containerInsightsMetrics');
    const metrics = containerInsights.clusters * m.perCluster + containerInsights.services * m.perService
      + containerInsights.families.size * m.perTaskFamily;
    const freeMetrics = takeFree('cloudwatch.customMetrics', metrics);
    const metricCost = (metrics - freeMetrics) * price('cloudwatch.customMetricMonth');
    const gbPerMonth = (containerInsights.tasks + containerInsights.containers) * 60 * HOURS * assume('containerInsightsEventBytes') / 1e9;
    const logCost = gbPerMonth * price('cloudwatch.logsIngestGb');
    const stack = containerInsights.clusterStack;
    add(stack, 'Container Insights metrics', 'Cluster (containerInsights=' + containerInsights.mode + ')', metricCost,
      `~${metrics} custom metrics (${containerInsights.clusters} cluster, ${containerInsights.services} services, ${containerInsights.families.size} task families)`
      + (freeMetrics ? `, ${freeMetrics} free` : ''), metrics);
    add(stack, 'Container Insights logs', 'performance log events', logCost,
      `~${gbPerMonth.toFixed(1)} GB/month from ${containerInsights.tasks} tasks, ${containerInsights.containers} containers`);
    levers.push({ what: 'Container Insights off (ECS still publishes free service CPU/memory metrics)', saving: metricCost + logCost });
    if (containerInsights.mode === 'enhanced') {
      warnings.push('Container Insights with enhanced observability adds per-task and per-container metrics; the estimate counts only the standard set.');
    }
  }

  // ---- Networking ------------------------------------------------------------------------------------------------
  for (const stack of stacks) {
    for (const [id, r] of resourcesOf(stack, 'AWS::EC2::NatGateway')) {
      const p = r.Properties ?? {};
      if (p.ConnectivityType === 'private') {
        add(stack, 'NAT gateway', cdkPath(stack, id, r), price('natGateway.hour') * HOURS, 'private NAT, per hour');
        continue;
      }
      add(stack, 'NAT gateway', cdkPath(stack, id, r), price('natGateway.hour') * HOURS, 'per hour; data processing is usage');
      if (profile !== 'prod') {
        levers.push({
          what: `${stack.id}/${cdkPath(stack, id, r)}: a t4g.nano NAT instance instead (no managed failover)`,
          saving: price('natGateway.hour') * HOURS - (price('ec2.instance.t4g.nano') * HOURS + assume('ec2RootVolumeGb') * price('ebs.gp3.gbMonth')),
        });
      }
    }
    const nats = resourcesOf(stack, 'AWS::EC2::NatGateway').length;
    if (nats > 1) {
      levers.push({
        what: `${stack.id}: one NAT gateway instead of ${nats} (egress of the other AZs then depends on one AZ)`,
        saving: (nats - 1) * (price('natGateway.hour') + price('publicIpv4.hour')) * HOURS,
      });
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::EC2::EIP')) {
      add(stack, 'Public IPv4 addresses', cdkPath(stack, id, r), price('publicIpv4.hour') * HOURS, 'Elastic IP');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::EC2::VPCEndpoint')) {
      const p = r.Properties ?? {};
      const type = p.VpcEndpointType ?? 'Gateway';
      if (type === 'Interface') {
        const azs = Array.isArray(p.SubnetIds) ? p.SubnetIds.length : 1;
        const service = strings(p.ServiceName).join('').replace(/^com\.amazonaws\.[a-z0-9-]*\./, '');
        add(stack, 'VPC interface endpoints', cdkPath(stack, id, r), azs * price('vpcInterfaceEndpoint.hourPerAz') * HOURS, `${service}, ${azs} AZ`, azs);
      } else {
        usageOnly('VPC gateway endpoints (S3/DynamoDB)', 'free');
      }
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::EC2::Instance')) {
      const p = r.Properties ?? {};
      const type = p.InstanceType ?? 'm1.small';
      const key = `ec2.instance.${type}`;
      const what = p.SourceDestCheck === false ? 'EC2 instances (NAT)' : 'EC2 instances';
      if (!hasPrice(key)) {
        warnings.push(`${stack.id}/${cdkPath(stack, id, r)}: no price for instance type ${type}; not priced`);
        continue;
      }
      const ebs = assume('ec2RootVolumeGb') * price('ebs.gp3.gbMonth');
      add(stack, what, cdkPath(stack, id, r), price(key) * HOURS + ebs, `${type} + ${assume('ec2RootVolumeGb')} GB gp3`);
      const res = stack.template.Resources ?? {};
      const lt = res[refOf((p.LaunchTemplate ?? {}).LaunchTemplateId) ?? ''] ?? res[refOf((p.LaunchTemplate ?? {}).Version) ?? ''];
      const interfaces = [...(p.NetworkInterfaces ?? []), ...(((lt ?? {}).Properties ?? {}).LaunchTemplateData ?? {}).NetworkInterfaces ?? []];
      const subnet = res[refOf(p.SubnetId) ?? ''];
      const publicIp = interfaces.some((n) => n.AssociatePublicIpAddress === true || n.AssociatePublicIpAddress === 'true')
        || (subnet && (subnet.Properties ?? {}).MapPublicIpOnLaunch === true)
        || resourcesOf(stack, 'AWS::EC2::EIPAssociation').some(([, a]) => refOf((a.Properties ?? {}).InstanceId) === id)
        || resourcesOf(stack, 'AWS::EC2::EIP').some(([, a]) => refOf((a.Properties ?? {}).InstanceId) === id);
      if (p.SourceDestCheck === false && !publicIp) {
        warnings.push(`${stack.id}/${cdkPath(stack, id, r)}: NAT instance with no public IPv4 address (its subnet has MapPublicIpOnLaunch `
          + 'false and nothing associates one), so the private subnets have no internet egress; with NatProvider.instanceV2 set '
          + 'associatePublicIpAddress: true. Priced with the address it needs.');
      }
      if (p.SourceDestCheck === false || publicIp) {
        add(stack, 'Public IPv4 addresses', cdkPath(stack, id, r), price('publicIpv4.hour') * HOURS, 'instance public IP');
      }
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const p = r.Properties ?? {};
      const name = cdkPath(stack, id, r);
      const azs = Array.isArray(p.Subnets) ? p.Subnets.length : Array.isArray(p.SubnetMappings) ? p.SubnetMappings.length : 2;
      if ((p.Type ?? 'application') === 'application') {
        const lcu = assume('albIdleLcu');
        add(stack, 'Application Load Balancer', name, (price('alb.hour') + lcu * price('alb.lcuHour')) * HOURS, `per hour + ${lcu} LCU`);
      } else if (p.Type === 'network') {
        add(stack, 'Network Load Balancer', name, price('nlb.hour') * HOURS, 'per hour; NLCUs are usage');
      } else {
        usageOnly(`Load balancer type ${p.Type}`, 'not priced');
      }
      if ((p.Scheme ?? 'internet-facing') === 'internet-facing' && p.IpAddressType !== 'dualstack-without-public-ipv4') {
        add(stack, 'Public IPv4 addresses', `${name} (one per AZ)`, azs * price('publicIpv4.hour') * HOURS, `${azs} addresses`, azs);
      }
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::Route53::HostedZone')) {
      add(stack, 'Route 53 hosted zones', cdkPath(stack, id, r), price('route53.hostedZoneMonth'), 'per zone');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::ServiceDiscovery::PrivateDnsNamespace')) {
      add(stack, 'Cloud Map namespaces', cdkPath(stack, id, r), price('cloudMap.privateNamespaceMonth'), 'a Route 53 private hosted zone');
    }
  }

  // ---- Databases and caches --------------------------------------------------------------------------------------
  for (const stack of stacks) {
    for (const [id, r] of resourcesOf(stack, 'AWS::RDS::DBCluster')) {
      const p = r.Properties ?? {};
      const name = cdkPath(stack, id, r);
      const io = p.StorageType === 'aurora-iopt1';
      const instances = resourcesOf(stack, 'AWS::RDS::DBInstance').filter(([, i]) => refOf((i.Properties ?? {}).DBClusterIdentifier) === id);
      const sv2 = p.ServerlessV2ScalingConfiguration;
      for (const [iid, i] of instances) {
        const cls = (i.Properties ?? {}).DBInstanceClass;
        const iname = cdkPath(stack, iid, i);
        if (cls === 'db.serverless') {
          const min = num(sv2 && sv2.MinCapacity, 0.5);
          const acu = price(io ? 'aurora.serverlessV2.acuHourIoOptimized' : 'aurora.serverlessV2.acuHour');
          add(stack, 'Aurora Serverless v2 capacity', iname, min * acu * HOURS,
            min === 0 ? '0 ACU minimum: auto-pauses when idle' : `${min} ACU minimum (max ${num(sv2 && sv2.MaxCapacity, '?')})`, min);
          if (min > 0 && profile !== 'prod') {
            levers.push({ what: `${stack.id}/${iname}: minCapacity 0 (auto-pause when idle; the first connection waits for resume)`, saving: min * acu * HOURS });
          } else if (min > 0.5) {
            levers.push({ what: `${stack.id}/${iname}: minCapacity 0.5 instead of ${min}`, saving: (min - 0.5) * acu * HOURS });
          }
        } else if (hasPrice(`aurora.provisioned.${cls}`)) {
          add(stack, 'Aurora instances', iname, price(`aurora.provisioned.${cls}`) * HOURS, cls);
        } else {
          warnings.push(`${stack.id}/${iname}: no price for ${cls}; not priced`);
        }
      }
      const gb = assume('auroraStorageGb');
      add(stack, 'Aurora storage', name, gb * price(io ? 'aurora.storage.gbMonthIoOptimized' : 'aurora.storage.gbMonth'),
        `assumed ${gb} GB${io ? ', I/O-Optimized' : '; I/O requests are usage'}`);
      if (num(p.BackupRetentionPeriod, 1) > 0) usageOnly('Aurora backups', 'free up to the cluster size; snapshots beyond it per GB');
      const piDays = instances.map(([, i]) => num((i.Properties ?? {}).PerformanceInsightsRetentionPeriod, 0)).reduce((a, b) => Math.max(a, b), 0);
      if (piDays > 7) warnings.push(`${stack.id}/${name}: Performance Insights kept ${piDays} days is billed beyond the free 7 days; not priced`);
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::RDS::DBInstance')) {
      const p = r.Properties ?? {};
      if (p.DBClusterIdentifier) continue;
      const key = `rds.instance.${p.DBInstanceClass}`;
      const name = cdkPath(stack, id, r);
      if (!hasPrice(key)) {
        warnings.push(`${stack.id}/${name}: no price for ${p.DBInstanceClass}; not priced`);
        continue;
      }
      const az = p.MultiAZ === true || p.MultiAZ === 'true' ? 2 : 1;
      const gb = num(p.AllocatedStorage, 20);
      add(stack, 'RDS instances', name, az * (price(key) * HOURS + gb * price('rds.gp3.gbMonth')), `${p.DBInstanceClass}${az === 2 ? ' Multi-AZ' : ''}, ${gb} GB`);
    }
    const nodePrice = (stack, id, r, type, engine) => {
      const key = `elasticache.node.${type}`;
      if (!hasPrice(key)) {
        warnings.push(`${stack.id}/${cdkPath(stack, id, r)}: no price for ${type}; not priced`);
        return undefined;
      }
      return price(key) * (String(engine).toLowerCase() === 'valkey' ? price('elasticache.valkeyNodeFactor') : 1);
    };
    for (const [id, r] of resourcesOf(stack, 'AWS::ElastiCache::ReplicationGroup')) {
      const p = r.Properties ?? {};
      const nodes = p.NumCacheClusters !== undefined
        ? num(p.NumCacheClusters, 1)
        : num(p.NumNodeGroups, 1) * (num(p.ReplicasPerNodeGroup, 0) + 1);
      const hourly = nodePrice(stack, id, r, p.CacheNodeType, p.Engine);
      if (hourly === undefined) continue;
      add(stack, `ElastiCache ${p.Engine ?? 'redis'} nodes`, cdkPath(stack, id, r), nodes * hourly * HOURS, `${nodes} x ${p.CacheNodeType}`, nodes);
      if (num(p.SnapshotRetentionLimit, 0) > 0) usageOnly('ElastiCache snapshots', 'one day per cache free; backup storage per GB');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::ElastiCache::CacheCluster')) {
      const p = r.Properties ?? {};
      const nodes = num(p.NumCacheNodes, 1);
      const hourly = nodePrice(stack, id, r, p.CacheNodeType, p.Engine);
      if (hourly === undefined) continue;
      add(stack, `ElastiCache ${p.Engine} nodes`, cdkPath(stack, id, r), nodes * hourly * HOURS, `${nodes} x ${p.CacheNodeType}`, nodes);
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::ElastiCache::ServerlessCache')) {
      const p = r.Properties ?? {};
      const valkey = String(p.Engine).toLowerCase() === 'valkey';
      const minGb = valkey ? 0.1 : 1;
      add(stack, `ElastiCache ${p.Engine} serverless`, cdkPath(stack, id, r),
        minGb * price(valkey ? 'elasticache.serverless.valkeyGbHour' : 'elasticache.serverless.redisGbHour') * HOURS,
        `minimum ${minGb} GB billed; ECPUs are usage`);
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::EFS::FileSystem')) {
      const p = r.Properties ?? {};
      const gb = assume('efsStorageGb');
      const backup = (p.BackupPolicy ?? {}).Status === 'ENABLED';
      add(stack, 'EFS', cdkPath(stack, id, r), gb * (price('efs.standard.gbMonth') + (backup ? price('backup.efs.warmGbMonth') : 0)),
        `assumed ${gb} GB${backup ? ' + its backup' : ''}; throughput (${p.ThroughputMode ?? 'bursting'}) is usage`);
    }
  }

  // ---- Security, monitoring and the rest -------------------------------------------------------------------------
  for (const stack of stacks) {
    for (const [id, r] of resourcesOf(stack, 'AWS::KMS::Key')) {
      add(stack, 'KMS keys', cdkPath(stack, id, r), price('kms.keyMonth'), 'per key');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::KMS::ReplicaKey')) {
      add(stack, 'KMS keys', cdkPath(stack, id, r), price('kms.keyMonth'), 'replica key');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::SecretsManager::Secret')) {
      const replicas = ((r.Properties ?? {}).ReplicaRegions ?? []).length;
      add(stack, 'Secrets Manager secrets', cdkPath(stack, id, r), (1 + replicas) * price('secretsManager.secretMonth'), replicas ? `+${replicas} replicas` : 'per secret', 1 + replicas);
    }
    // A database with an RDS-managed admin password has a secret that RDS creates (billed like any other).
    for (const type of ['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance']) {
      for (const [id, r] of resourcesOf(stack, type)) {
        if ((r.Properties ?? {}).ManageMasterUserPassword === true) {
          add(stack, 'Secrets Manager secrets', `${cdkPath(stack, id, r)} (RDS-managed admin)`, price('secretsManager.secretMonth'), 'per secret');
        }
      }
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::CloudWatch::Alarm')) {
      const p = r.Properties ?? {};
      let standard = 0;
      let high = 0;
      if (Array.isArray(p.Metrics)) {
        for (const m of p.Metrics) {
          if (m.MetricStat) {
            if (num(m.MetricStat.Period, 60) < 60) high++;
            else standard++;
          } else if (typeof m.Expression === 'string' && /ANOMALY_DETECTION_BAND/.test(m.Expression)) {
            standard += 2; // an anomaly detection alarm pays for three metrics: the metric and the band's two
          }
        }
      } else if (num(p.Period, 60) < 60) high = 1;
      else standard = 1;
      const freeStd = takeFree('cloudwatch.alarmMetrics', standard);
      const monthly = (standard - freeStd) * price('cloudwatch.alarmMetricMonth') + high * price('cloudwatch.alarmMetricMonthHighResolution');
      add(stack, 'CloudWatch alarms', cdkPath(stack, id, r), monthly,
        `${standard + high} metric${standard + high === 1 ? '' : 's'}${high ? `, ${high} high-resolution` : ''}${freeStd ? `, ${freeStd} free` : ''}`, standard + high);
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::CloudWatch::CompositeAlarm')) {
      add(stack, 'CloudWatch composite alarms', cdkPath(stack, id, r), price('cloudwatch.compositeAlarmMonth'), 'per alarm');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::CloudWatch::Dashboard')) {
      const isFree = takeFree('cloudwatch.dashboards', 1) === 1;
      add(stack, 'CloudWatch dashboards', cdkPath(stack, id, r), isFree ? 0 : price('cloudwatch.dashboardMonth'),
        isFree ? 'within the 3 free dashboards (assumes no other dashboards in the account)' : 'per dashboard');
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::Logs::MetricFilter')) {
      const n = ((r.Properties ?? {}).MetricTransformations ?? []).length;
      const freeN = takeFree('cloudwatch.customMetrics', n);
      add(stack, 'Log metric filters (custom metrics)', cdkPath(stack, id, r), (n - freeN) * price('cloudwatch.customMetricMonth'),
        `${n} custom metric${n === 1 ? '' : 's'}${freeN ? `, ${freeN} free` : ''}`, n);
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::WAFv2::WebACL')) {
      const rules = ((r.Properties ?? {}).Rules ?? []).length;
      add(stack, 'WAF web ACLs', cdkPath(stack, id, r), price('waf.webAclMonth') + rules * price('waf.ruleMonth'), `1 ACL + ${rules} rules; requests are usage`);
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::Budgets::Budget')) {
      const actions = resourcesOf(stack, 'AWS::Budgets::BudgetsAction').filter(([, a]) => mentions(a.Properties, id)).length;
      if (actions > 0) {
        const isFree = takeFree('budgets.actionBudgets', 1) === 1;
        add(stack, 'Budgets', cdkPath(stack, id, r), isFree ? 0 : price('budgets.actionBudgetDay') * 30.42, isFree ? 'action-enabled, within the free 2' : 'action-enabled');
      } else {
        add(stack, 'Budgets', cdkPath(stack, id, r), 0, 'no actions: free');
      }
    }
    for (const [id, r] of resourcesOf(stack, 'AWS::CloudTrail::Trail')) {
      const isFree = takeFree('cloudtrail.managementTrails', 1) === 1;
      add(stack, 'CloudTrail trails', cdkPath(stack, id, r), 0,
        isFree ? 'first copy of management events: free' : 'a second copy of management events: usage ($2 per 100,000 events)');
      if (!isFree) usageOnly('CloudTrail additional trail events', '$2.00 per 100,000 management events');
    }
    const usageKinds = {
      'AWS::Logs::LogGroup': ['CloudWatch log groups', 'ingestion $0.50/GB and storage $0.03/GB-month are usage'],
      'AWS::CloudFront::Distribution': ['CloudFront distributions', 'no fixed cost: requests and data transfer out only'],
      'AWS::CloudFront::Function': ['CloudFront Functions', '$0.10 per million invocations'],
      'AWS::S3::Bucket': ['S3 buckets', 'storage, requests and transfer are usage'],
      'AWS::Lambda::Function': ['Lambda functions (custom resources)', 'requests and GB-seconds are usage; run at deploy time'],
      'AWS::SNS::Topic': ['SNS topics', 'notifications are usage (email: first 1,000 free)'],
      'AWS::CertificateManager::Certificate': ['ACM certificates', 'public certificates are free'],
      'AWS::ECR::Repository': ['ECR repositories', 'storage $0.10/GB-month is usage'],
      'AWS::ServiceDiscovery::Service': ['Cloud Map services', 'priced per registered instance with their ECS service'],
      'AWS::EC2::FlowLog': ['VPC flow logs', 'vended log ingestion per GB is usage'],
      'AWS::Route53::RecordSet': ['Route 53 records', 'no charge per record; alias queries to AWS resources are free; the hosted zone is not in the templates ($0.50/month)'],
    };
    for (const [type, [kind, why]] of Object.entries(usageKinds)) {
      const n = resourcesOf(stack, type).length;
      if (n > 0) usageOnly(kind, why, n);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Report
  // ---------------------------------------------------------------------------------------------------------------
  const total = items.reduce((n, i) => n + i.monthly, 0);
  const regions = [...new Set(stacks.map((s) => s.region))];
  const out = [];
  const line = (s = '') => out.push(s);
  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);

  const shown = (file) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file) || '.');
  line(`Estimated monthly cost at idle (${HOURS} h) of ${shown(dir)}${profile ? `, profile ${profile}` : ''}`);
  line(`  Prices: ${table.region} on-demand list prices from ${shown(priceFile)}, as of ${table.pricesAsOf}.`);
  line('  They were written from knowledge of the public AWS price pages with no network access, not fetched: check them before relying on');
  line(`  the figures. The templates target ${regions.join(', ')}; other regions than us-east-1 usually cost a few percent more.`);
  line(`  Excluded: traffic, requests, data transfer, storage growth and log ingestion (usage).${opts.freeTier ? ' Free tier applied once per account (--no-free-tier to drop).' : ' No free tier.'}`);
  line('');

  function kindTable(list, indent, withDetail = true) {
    const byKind = new Map();
    for (const i of list) {
      const k = byKind.get(i.kind) ?? { count: 0, monthly: 0, details: [] };
      k.count += i.count;
      k.monthly += i.monthly;
      k.details.push(i);
      byKind.set(i.kind, k);
    }
    return [...byKind.entries()].sort((a, b) => b[1].monthly - a[1].monthly).map(([kind, k]) => {
      const count = Number.isInteger(k.count) ? k.count : k.count.toFixed(1);
      const detail = withDetail && k.details.length === 1 ? k.details[0].detail : '';
      return `${indent}${pad(kind, 38)}${lpad(count, 6)}${lpad(money(k.monthly), 11)}  ${detail}`;
    });
  }

  for (const stack of stacks) {
    const list = items.filter((i) => i.stack === stack.id);
    const sum = list.reduce((n, i) => n + i.monthly, 0);
    line(`${stack.id} (${stack.region})${lpad(money(sum), Math.max(1, 70 - stack.id.length - stack.region.length - 3))} / month`);
    if (list.length === 0) {
      line('  (no resources with a fixed cost)');
    } else {
      line(`  ${pad('kind', 38)}${lpad('count', 6)}${lpad('monthly', 11)}  detail`);
      for (const l of kindTable(list, '  ')) line(l);
      const fargate = list.filter((i) => i.kind.startsWith('Fargate'));
      if (fargate.length > 1) {
        for (const f of fargate.sort((a, b) => b.monthly - a.monthly)) line(`    ${pad(f.name, 44)}${lpad(money(f.monthly), 9)}  ${f.detail}`);
      }
    }
    line('');
  }

  line('All stacks, by resource kind');
  line(`  ${pad('kind', 38)}${lpad('count', 6)}${lpad('monthly', 11)}`);
  for (const l of kindTable(items, '  ', false)) line(l.trimEnd());
  line(`  ${pad('TOTAL', 44)}${lpad(money(total), 11)} / month  (${money(total * 12)} / year)`);
  line('');

  line('Not priced (usage-based or free):');
  for (const [kind, u] of [...usage.entries()].sort()) line(`  ${lpad(u.count, 3)} ${pad(kind, 44)} ${u.why}`);
  line('');

  if (warnings.length > 0) {
    line('Warnings:');
    for (const w of warnings) line(`  ! ${w}`);
    line('');
  }

  let met;
  if (target !== undefined) {
    met = total <= target;
    if (met) {
      line(`Target for ${profile ?? 'this app'}: <= ${money(target)} / month. MET: ${money(total)} leaves ${money(target - total)} of headroom.`);
    } else {
      const gap = total - target;
      line(`Target for ${profile ?? 'this app'}: <= ${money(target)} / month. NOT MET: ${money(total)} is ${money(gap)} (${((gap / target) * 100).toFixed(0)}%) over.`);
      line('  What holds it back (the largest items, at least until they add up to the gap):');
      let covered = 0;
      let shownItems = 0;
      for (const i of [...items].sort((a, b) => b.monthly - a.monthly)) {
        if (covered >= gap && shownItems >= 5) break;
        shownItems++;
        covered += i.monthly;
        line(`    ${lpad(money(i.monthly), 9)}  ${pad(i.kind, 32)} ${i.stack}/${i.name}`);
      }
    }
    const useful = levers.filter((l) => l.saving >= 0.5).sort((a, b) => b.saving - a.saving);
    if (useful.length > 0) {
      line('  Levers found in the templates (estimated saving per month; each trades something away):');
      for (const l of useful) line(`    ${lpad(money(l.saving), 9)}  ${l.what}`);
      const all = useful.reduce((n, l) => n + l.saving, 0);
      const after = total - all;
      line(`    ${lpad(money(all), 9)}  all of them together: ${money(after)} / month, ${after <= target ? `within the target by ${money(target - after)}` : `still ${money(after - target)} over the target`}`);
    }
    line('');
  }

  return {
    text: out.join('\n') + '\n', dir, profile, target, met, total, hoursPerMonth: HOURS, pricesAsOf: table.pricesAsOf,
    stacks: stacks.map((s) => ({ id: s.id, region: s.region, monthly: items.filter((i) => i.stack === s.id).reduce((n, i) => n + i.monthly, 0) })),
    items, usage: Object.fromEntries(usage), warnings, levers,
  };
}

module.exports = { estimate, CostReportError };

function exitWith(message) {
  console.error(`cost-report: ${message}`);
  process.exit(1);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const cliOpts = { dir: undefined, profile: undefined, target: undefined, freeTier: true, json: undefined, prices: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--profile') cliOpts.profile = argv[++i];
    else if (a === '--target') cliOpts.target = Number(argv[++i]);
    else if (a === '--no-free-tier') cliOpts.freeTier = false;
    else if (a === '--json') cliOpts.json = argv[++i];
    else if (a === '--prices') cliOpts.prices = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/cost-report.js [cdk.out dir] [--profile dev|prod] [--target USD] [--no-free-tier] [--json file] [--prices file]');
      process.exit(0);
    } else if (a.startsWith('-')) exitWith(`unknown option ${a}`);
    else cliOpts.dir = a;
  }
  let result;
  try {
    result = estimate(cliOpts);
  } catch (e) {
    if (e instanceof CostReportError) exitWith(e.message);
    throw e;
  }
  process.stdout.write(result.text);
  if (cliOpts.json) {
    const { text, ...json } = result;
    fs.writeFileSync(cliOpts.json, JSON.stringify(json,
      (key, value) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10000) / 10000 : value), 2));
  }
}
