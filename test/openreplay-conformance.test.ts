// Checks every container OpenReplayPlatform synthesizes, in both layouts, against the facts of upstream OpenReplay
// v1.27.0 (test/conformance/openreplay-v1.27.0.ts): required configuration, ports, health checks, users, session
// files, buckets, and the tracker's request headers at the gateway.
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { OpenReplayLayout, OpenReplayPlatform } from '../src';
import { CONTAINER_IMAGES, ContainerImageFacts, FARGATE, WRITABLE_ROOT_EXCEPTIONS, WriteWhen } from './conformance/container-images';
import { BucketRole, PortBinding, PROJECT_IMAGES, SERVICES, TRACKER_REQUESTS, ImageFacts, ServiceContract } from './conformance/openreplay-v1.27.0';
import { testApp } from './helpers/nag';
import { testStack } from './helpers/stacks';

type Cfn = { [key: string]: any };

interface Container {
  Name: string;
  Image: any;
  User?: string;
  Essential?: boolean;
  Environment?: Array<{ Name: string; Value: any }>;
  Secrets?: Array<{ Name: string; ValueFrom: any }>;
  PortMappings?: Array<{ ContainerPort: number }>;
  HealthCheck?: { Command: string[] };
  MountPoints?: Array<{ ContainerPath: string; SourceVolume: string; ReadOnly?: boolean }>;
  DependsOn?: Array<{ ContainerName: string; Condition: string }>;
  Command?: string[];
  EntryPoint?: string[];
  ReadonlyRootFilesystem?: boolean;
}

interface Task { id: string; props: Cfn; containers: Container[] }

function synth(layout: OpenReplayLayout) {
  const app = testApp();
  const stack = testStack(app);
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' });
  new OpenReplayPlatform(stack, 'Replay', { domainName: 'replay.example.com', hostedZone: zone, layout });
  const resources: Cfn = Template.fromStack(stack).toJSON().Resources;
  const tasks: Task[] = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ECS::TaskDefinition')
    .map(([id, r]) => ({ id, props: r.Properties, containers: r.Properties.ContainerDefinitions }));
  return { resources, tasks };
}

const imageName = (c: Container): string => (typeof c.Image === 'string' ? c.Image.replace(/:[^:/]+$/, '') : JSON.stringify(c.Image));
const openReplayService = (c: Container): string | undefined => {
  const m = /^public\.ecr\.aws\/p1t3u8a3\/([a-z]+)$/.exec(imageName(c));
  return m ? m[1] : undefined;
};
const contractOf = (c: Container): ServiceContract | undefined =>
  (SERVICES[c.Name] && openReplayService(c) === c.Name ? SERVICES[c.Name] : undefined);
function imageOf(c: Container): ImageFacts | undefined {
  const service = openReplayService(c);
  if (service) return SERVICES[service]?.image;
  return PROJECT_IMAGES[imageName(c)];
}
const imageFactsOf = (c: Container): ContainerImageFacts | undefined => CONTAINER_IMAGES[imageName(c)];
/** `User` as uid and gid (a name, or no gid, gives undefined there). */
const userOf = (c: Container): { uid?: number; gid?: number } => {
  const [u, g] = (c.User ?? '').split(':');
  return { uid: /^\d+$/.test(u) ? Number(u) : undefined, gid: g !== undefined && /^\d+$/.test(g) ? Number(g) : undefined };
};
/** Containers that others wait for (SUCCESS): the task's init containers. */
const initsOf = (task: Task): Set<string> =>
  new Set(task.containers.flatMap((o) => (o.DependsOn ?? []).filter((d) => d.Condition === 'SUCCESS').map((d) => d.ContainerName)));
const covered = (c: Container, p: string): boolean => (c.MountPoints ?? [])
  .some((m) => !m.ReadOnly && (p === m.ContainerPath || p.startsWith(m.ContainerPath.replace(/\/$/, '') + '/')));
const writeApplies = (c: Container, when: WriteWhen): boolean =>
  when === 'always' || (when === 'image-entrypoint' && !c.EntryPoint) || (when === 'image-command' && !c.EntryPoint && !c.Command);
const uidOf = (c: Container): number | undefined => (c.User !== undefined ? Number(c.User.split(':')[0]) : imageOf(c)?.uid);
const envOf = (c: Container): { [k: string]: any } => Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value]));
const secretNames = (c: Container): string[] => (c.Secrets ?? []).map((s) => s.Name);

/** The port a binding resolves to in this container (environment, else the image's ENV, else the default). */
function portOf(c: Container, b: PortBinding): number {
  if (b.port !== undefined) return b.port;
  const value = envOf(c)[b.env!] ?? imageOf(c)?.env?.[b.env!];
  return value !== undefined ? Number(value) : b.default!;
}

/** What a container binds: the contract's bindings, the gateway's and ClickHouse's own ports. */
function bindingsOf(c: Container): Array<{ port: number; onClash: 'exits' | 'logs'; purpose: string }> {
  const contract = contractOf(c);
  if (contract) return contract.binds.map((b) => ({ port: portOf(c, b), onClash: b.onClash, purpose: b.purpose }));
  if (c.Essential === false) return []; // one-off and init containers
  return (c.PortMappings ?? []).map((p) => ({ port: p.ContainerPort, onClash: 'exits' as const, purpose: 'listener' }));
}

function taskRoleStatements(resources: Cfn, task: Task): Cfn[] {
  const role = task.props.TaskRoleArn?.['Fn::GetAtt']?.[0];
  return Object.values(resources).filter((r: Cfn) => r.Type === 'AWS::IAM::Policy'
    && (r.Properties.Roles ?? []).some((x: Cfn) => x.Ref === role)).flatMap((r: Cfn) => r.Properties.PolicyDocument.Statement);
}

const BUCKET_IDS: { [role in BucketRole]: RegExp } = {
  'mobs': /^ReplayStorageMobs[0-9A-F]{8}$/,
  'sessions-assets': /^ReplayStorageSessionsAssets[0-9A-F]{8}$/,
  'sourcemaps': /^ReplayStorageSourcemaps[0-9A-F]{8}$/,
  'spots': /^ReplayStorageSpots[0-9A-F]{8}$/,
  'uxtesting-records': /^ReplayStorageUxtestingRecords[0-9A-F]{8}$/,
};

function allows(statements: Cfn[], action: string, resourceMentions: string): boolean {
  return statements.some((s) => s.Effect === 'Allow'
    && [].concat(s.Action).some((a: string) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))))
    && JSON.stringify(s.Resource).includes(resourceMentions));
}

describe.each([OpenReplayLayout.GROUPED, OpenReplayLayout.SERVICE_PER_TASK])('OpenReplay v1.27.0 conformance, %s', (layout) => {
  const { resources, tasks } = synth(layout);
  const all = tasks.flatMap((t) => t.containers.map((c) => ({ task: t, c })));
  const service = all.filter(({ c }) => contractOf(c));

  test('every address a container is given resolves to a Cloud Map name some task registers, and its port is open to the caller', () => {
    const namespace = Object.values(resources).find((r: Cfn) => r.Type === 'AWS::ServiceDiscovery::PrivateDnsNamespace')!.Properties.Name;
    const registry: { [name: string]: string } = {}; // Cloud Map name -> its service's logical id
    for (const [id, r] of Object.entries(resources) as Array<[string, Cfn]>) {
      if (r.Type === 'AWS::ServiceDiscovery::Service') registry[r.Properties.Name] = id;
    }
    const serviceOfTask = (task: Task) => Object.values(resources).find((r: Cfn) => r.Type === 'AWS::ECS::Service'
      && r.Properties.TaskDefinition?.Ref === task.id) as Cfn | undefined;
    const groupsOf = (svc: Cfn | undefined): string[] => (svc?.Properties.NetworkConfiguration?.AwsvpcConfiguration?.SecurityGroups ?? [])
      .map((g: Cfn) => g['Fn::GetAtt']?.[0]);
    const wrong: string[] = [];
    for (const { task, c } of all) {
      for (const [name, value] of Object.entries(envOf(c))) {
        const m = typeof value === 'string' ? new RegExp(`^https?://([a-z0-9-]+)\\.${namespace.replace(/\./g, '\\.')}:(\\d+)`).exec(value) : null;
        if (!m) continue;
        const target = registry[m[1]];
        if (!target) { wrong.push(`${c.Name}: ${name} names ${m[1]}.${namespace}, which no task registers`); continue; }
        const callee = Object.values(resources).find((r: Cfn) => r.Type === 'AWS::ECS::Service'
          && (r.Properties.ServiceRegistries ?? []).some((x: Cfn) => x.RegistryArn?.['Fn::GetAtt']?.[0] === target));
        const port = Number(m[2]);
        const from = groupsOf(serviceOfTask(task));
        const to = groupsOf(callee);
        const open = Object.values(resources).some((r: Cfn) => r.Type === 'AWS::EC2::SecurityGroupIngress'
          && r.Properties.FromPort <= port && r.Properties.ToPort >= port
          && to.includes(r.Properties.GroupId?.['Fn::GetAtt']?.[0]) && from.includes(r.Properties.SourceSecurityGroupId?.['Fn::GetAtt']?.[0]))
          || to.some((g) => (resources[g]?.Properties.SecurityGroupIngress ?? []).some((i: Cfn) => i.FromPort <= port && i.ToPort >= port
            && from.includes(i.SourceSecurityGroupId?.['Fn::GetAtt']?.[0])));
        if (!open && callee !== serviceOfTask(task)) wrong.push(`${c.Name}: ${name} calls ${m[1]}:${port}, which its security groups do not admit`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every OpenReplay service runs, and every image is known to the contract', () => {
    expect([...new Set(service.map(({ c }) => c.Name))].sort()).toEqual(Object.keys(SERVICES).sort());
    for (const { c } of all) expect([c.Name, imageOf(c) ? 'known' : imageName(c)]).toEqual([c.Name, 'known']);
  });

  test('every required variable is set (environment, ECS secret, or the image\'s own ENV)', () => {
    const missing: string[] = [];
    for (const { c } of service) {
      const have = new Set([...Object.keys(envOf(c)), ...secretNames(c), ...Object.keys(imageOf(c)!.env ?? {})]);
      for (const r of contractOf(c)!.requiredEnv) if (!have.has(r.name)) missing.push(`${c.Name}: ${r.name} (${r.source})`);
    }
    expect(missing).toEqual([]);
  });

  test('health checks use only what the image contains, on a port the container itself binds', () => {
    const wrong: string[] = [];
    for (const { task, c } of all) {
      if (!c.HealthCheck) continue;
      const image = imageOf(c)!;
      const [kind, ...rest] = c.HealthCheck.Command;
      const words = kind === 'CMD-SHELL' ? rest.join(' ').split(/\s+/) : rest;
      if (kind === 'CMD-SHELL' && !image.shell) wrong.push(`${c.Name}: CMD-SHELL on an image without /bin/sh`);
      if (kind === 'CMD' && !image.binaries.includes(rest[0])) wrong.push(`${c.Name}: ${rest[0]} is not in the image`);
      if (words.includes('wget') && !image.wget) wrong.push(`${c.Name}: wget is not in the image`);
      if (words.includes('curl') && !image.curl) wrong.push(`${c.Name}: curl is not in the image`);
      const port = /127\.0\.0\.1:(\d+)|localhost:(\d+)/.exec(rest.join(' '));
      if (port) {
        const p = Number(port[1] ?? port[2]);
        const own = bindingsOf(c).filter((b) => b.port === p);
        if (own.length === 0) wrong.push(`${c.Name}: checks port ${p}, which it does not bind`);
        const others = task.containers.filter((o) => o !== c && bindingsOf(o).some((b) => b.port === p));
        if (others.length > 0) wrong.push(`${c.Name}: checks port ${p}, which ${others.map((o) => o.Name).join(', ')} also bind(s)`);
        // The path must be one the service answers on that port.
        const health = contractOf(c)?.health;
        const path = /127\.0\.0\.1:\d+(\/[^\s'"]*)?|localhost:\d+(\/[^\s'"]*)?/.exec(rest.join(' '));
        const checked = path?.[1] ?? path?.[2] ?? '/';
        if (health && portOf(c, health.port) === p && checked !== health.path) {
          wrong.push(`${c.Name}: checks ${checked} on port ${p}, but the service answers its health on ${health.path} (${health.source})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  test('no port is bound twice in a task, unless every binder only logs the clash (and nothing checks health there)', () => {
    const clashes: string[] = [];
    for (const task of tasks) {
      const byPort = new Map<number, Array<{ name: string; onClash: string }>>();
      for (const c of task.containers) {
        for (const b of bindingsOf(c)) byPort.set(b.port, [...(byPort.get(b.port) ?? []), { name: c.Name, onClash: b.onClash }]);
      }
      for (const [port, binders] of byPort) {
        if (binders.length > 1 && binders.some((b) => b.onClash === 'exits')) {
          clashes.push(`${task.id}: port ${port} bound by ${binders.map((b) => `${b.name} (${b.onClash} on clash)`).join(', ')}`);
        }
      }
    }
    expect(clashes).toEqual([]);
  });

  test('port mappings are ports the service binds', () => {
    const wrong: string[] = [];
    for (const { c } of service) {
      const bound = bindingsOf(c).map((b) => b.port);
      for (const m of c.PortMappings ?? []) if (!bound.includes(m.ContainerPort)) wrong.push(`${c.Name}: maps ${m.ContainerPort}, binds ${bound.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  test('services that write session files get a volume their user can write', () => {
    const wrong: string[] = [];
    for (const { task, c } of service) {
      const files = contractOf(c)!.writesFiles;
      if (!files) continue;
      const fsDir = envOf(c).FS_DIR ?? imageOf(c)!.env?.FS_DIR;
      if (fsDir !== files.path) wrong.push(`${c.Name}: FS_DIR is ${fsDir}, expected ${files.path}`);
      const mount = (c.MountPoints ?? []).find((m) => m.ContainerPath === files.path && !m.ReadOnly);
      if (!mount) { wrong.push(`${c.Name}: nothing writable mounted at ${files.path}`); continue; }
      const uid = uidOf(c)!;
      if (uid === 0) continue;
      const volume = (task.props.Volumes ?? []).find((v: Cfn) => v.Name === mount.SourceVolume);
      const efs = volume?.EFSVolumeConfiguration;
      if (efs) {
        const apId = efs.AuthorizationConfig?.AccessPointId?.['Fn::GetAtt']?.[0] ?? efs.AuthorizationConfig?.AccessPointId?.Ref;
        const ap = resources[apId]?.Properties;
        if (!ap || Number(ap.PosixUser?.Uid) !== uid) wrong.push(`${c.Name}: EFS volume without an access point for uid ${uid}`);
        continue;
      }
      // A task volume is root-owned 0755: a root init container of the task must hand it to the user first.
      const init = task.containers.find((o) => o.Essential === false && uidOf(o) === 0
        && (o.MountPoints ?? []).some((m) => m.SourceVolume === mount.SourceVolume)
        && new RegExp(`chown[^;&]*\\b${uid}(:\\d+)?\\s+${(o.MountPoints ?? []).find((m) => m.SourceVolume === mount.SourceVolume)!.ContainerPath}`)
          .test([...(o.EntryPoint ?? []), ...(o.Command ?? [])].join(' ')));
      const waits = init && (c.DependsOn ?? []).some((d) => d.ContainerName === init.Name && d.Condition === 'SUCCESS');
      if (!init || !waits) wrong.push(`${c.Name}: task volume ${mount.SourceVolume} is root-owned and uid ${uid} cannot write it`);
    }
    expect(wrong).toEqual([]);
  });

  test('buckets: named by the variable the service reads, granted to its task role (tagging and KMS keys included)', () => {
    const wrong: string[] = [];
    for (const { task, c } of service) {
      const statements = taskRoleStatements(resources, task);
      for (const use of contractOf(c)!.buckets ?? []) {
        const bucketId = Object.keys(resources).find((id) => BUCKET_IDS[use.bucket].test(id))!;
        if (use.env !== '(per request)') {
          const value = envOf(c)[use.env];
          if (!value || value.Ref !== bucketId) wrong.push(`${c.Name}: ${use.env} does not name the ${use.bucket} bucket (${JSON.stringify(value)})`);
        }
        const actions = ['s3:GetObject', ...(use.access === 'read-write' ? ['s3:PutObject'] : []),
          ...(use.tagging ? ['s3:PutObjectTagging', 's3:GetObjectTagging'] : [])];
        for (const a of actions) if (!allows(statements, a, bucketId)) wrong.push(`${c.Name}: task role lacks ${a} on ${use.bucket}`);
        const sse = resources[bucketId].Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
        if (sse.SSEAlgorithm === 'aws:kms') {
          const keyId = sse.KMSMasterKeyID['Fn::GetAtt'][0];
          for (const a of ['kms:Decrypt', ...(use.access === 'read-write' ? ['kms:GenerateDataKey'] : [])]) {
            if (!allows(statements, a, keyId)) wrong.push(`${c.Name}: task role lacks ${a} on the key of ${use.bucket}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every container has a read-only root file system, unless it is listed with its reason', () => {
    const wrong: string[] = [];
    for (const { c } of all) {
      const reason = WRITABLE_ROOT_EXCEPTIONS[c.Name];
      if (c.ReadonlyRootFilesystem !== true && !reason) wrong.push(`${c.Name}: the root file system is writable and no exception says why`);
      if (c.ReadonlyRootFilesystem === true && reason) wrong.push(`${c.Name}: listed as an exception but its root is read-only (remove the exception)`);
    }
    for (const name of Object.keys(WRITABLE_ROOT_EXCEPTIONS)) {
      if (!all.some(({ c }) => c.Name === name)) wrong.push(`${name}: exception for a container that does not exist`);
    }
    expect(wrong).toEqual([]);
  });

  test('every container runs as its image\'s unprivileged user; root only in init containers that others wait for', () => {
    const wrong: string[] = [];
    for (const { task, c } of all) {
      const facts = imageFactsOf(c);
      if (!facts) { wrong.push(`${c.Name}: image ${imageName(c)} has no user facts in test/conformance/container-images.ts`); continue; }
      if (c.User === undefined) { wrong.push(`${c.Name}: no User (the image defaults to uid ${facts.defaultUid})`); continue; }
      const { uid, gid } = userOf(c);
      if (uid === 0) {
        const init = c.Essential === false && initsOf(task).has(c.Name);
        if (!init) wrong.push(`${c.Name}: runs as root but is not an init container (Essential false, waited for with SUCCESS)`);
        if (c.ReadonlyRootFilesystem !== true) wrong.push(`${c.Name}: a root init container with a writable root file system`);
        continue;
      }
      if (uid !== facts.user.uid || gid !== facts.user.gid) {
        wrong.push(`${c.Name}: User ${c.User}, expected ${facts.user.uid}:${facts.user.gid} (${facts.user.source})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('every path an image writes (as the container runs it) is on a writable mount, when the root is read-only', () => {
    const wrong: string[] = [];
    for (const { c } of all) {
      if (c.ReadonlyRootFilesystem !== true) continue;
      for (const w of imageFactsOf(c)?.writes ?? []) {
        if (writeApplies(c, w.when) && !covered(c, w.path)) wrong.push(`${c.Name}: writes ${w.path} (${w.when}; ${w.source}), which no writable mount covers`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('the gateway\'s command and nginx.conf write only on its writable mounts', () => {
    const wrong: string[] = [];
    const gateways = all.filter(({ c }) => c.Name === 'gateway');
    expect(gateways).toHaveLength(1);
    for (const { c } of gateways) {
      const conf: string = envOf(c).NGINX_CONF;
      const script = [...(c.EntryPoint ?? []), ...(c.Command ?? [])].join(' ');
      const paths = [
        ...[...conf.matchAll(/^\s*(?:pid|\w+_temp_path)\s+(\S+);/gm)].map((m) => m[1]),
        ...[...conf.matchAll(/^\s*(?:access_log|error_log)\s+(\/\S+?)[\s;]/gm)].map((m) => m[1]).filter((p) => !p.startsWith('/dev/')),
        ...[...script.matchAll(/(?:>\s*|mkdir -p\s+)(\/\S+)/g)].map((m) => m[1]),
      ];
      expect(paths.length).toBeGreaterThan(5);
      for (const p of paths) if (!covered(c, p)) wrong.push(`gateway: writes ${p}, which no writable mount covers`);
      if (/^\s*user\s/m.test(conf)) wrong.push('gateway: nginx.conf has a user directive (it runs as uid 101, not as root)');
    }
    expect(wrong).toEqual([]);
  });

  test(`every writable task volume of a non-root container is handed to its user by a root init that it waits for (Fargate creates them root-owned ${FARGATE.taskVolume.mode.toString(8)})`, () => {
    const wrong: string[] = [];
    for (const { task, c } of all) {
      const { uid } = userOf(c);
      if (uid === undefined || uid === 0) continue;
      for (const mount of (c.MountPoints ?? []).filter((m) => !m.ReadOnly)) {
        const volume = (task.props.Volumes ?? []).find((v: Cfn) => v.Name === mount.SourceVolume);
        if (!volume) { wrong.push(`${c.Name}: mount of unknown volume ${mount.SourceVolume}`); continue; }
        if (volume.EFSVolumeConfiguration) continue; // the access point sets the owner (checked with the session files)
        const init = task.containers.find((o) => {
          const at = (o.MountPoints ?? []).find((m) => m.SourceVolume === mount.SourceVolume && !m.ReadOnly)?.ContainerPath;
          if (o === c || o.Essential !== false || userOf(o).uid !== 0 || !at) return false;
          const command = [...(o.EntryPoint ?? []), ...(o.Command ?? [])].join(' ');
          return new RegExp(`chown\\s+${uid}(:${userOf(c).gid ?? '\\d+'})?\\s+([^;&|]*\\s)?${at.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(\\s|$|;|&)`).test(command);
        });
        const waits = init && (c.DependsOn ?? []).some((d) => d.ContainerName === init.Name && d.Condition === 'SUCCESS');
        if (!init || !waits) wrong.push(`${c.Name}: task volume ${mount.SourceVolume} at ${mount.ContainerPath} is root-owned and uid ${uid} cannot write it`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('the gateway\'s CORS preflight allows every header the tracker sends', () => {
    const gateway = all.find(({ c }) => c.Name === 'gateway')!.c;
    const conf: string = envOf(gateway).NGINX_CONF;
    const allowed = [...conf.matchAll(/Access-Control-Allow-Headers\s+['"]?([^'";]+)/gi)].map((m) => m[1].toLowerCase());
    expect(allowed.length).toBeGreaterThan(0);
    for (const list of allowed) {
      for (const r of TRACKER_REQUESTS) for (const h of r.headers) expect([h, r.source, list.includes(h.toLowerCase())]).toEqual([h, r.source, true]);
    }
  });
});
