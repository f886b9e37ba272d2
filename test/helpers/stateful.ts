import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { cfnLintCommand } from './cfn-lint';
import { buildPlatform } from '../../examples/lib/platform-app';

/**
 * The stateful resources of the example deployment, the properties whose change replaces them, and the diff between
 * two such records. scripts/stateful-manifest.js writes test/stateful-manifest.json with it; test/stateful.test.ts
 * compares a fresh synthesis with that file. docs/upgrades.md explains the workflow.
 */

export const PROFILES = ['dev', 'prod'] as const;
export type ExampleProfile = typeof PROFILES[number];

export const ROOT = path.resolve(__dirname, '..', '..');
export const MANIFEST_FILE = path.join(ROOT, 'test', 'stateful-manifest.json');
export const INTENDED_FILE = path.join(ROOT, 'test', 'stateful-intended.json');
export const UPGRADES_DOC = path.join(ROOT, 'docs', 'upgrades.md');
export const REGENERATE_COMMAND = 'node scripts/stateful-manifest.js';
export const SITE_DIRECTORY = path.join(ROOT, 'test', 'fixtures', 'site');

/** Resource types that hold data (or the key/name to data) that a replacement would lose or orphan. */
export const STATEFUL_TYPES: ReadonlyArray<string> = [
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::S3::Bucket',
  'AWS::EFS::FileSystem',
  // A new access point with another root directory shows the service an empty directory of the same file system.
  'AWS::EFS::AccessPoint',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::CacheCluster',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::DynamoDB::Table',
  'AWS::ECR::Repository',
  'AWS::EC2::Volume',
  'AWS::SQS::Queue',
  'AWS::Kinesis::Stream',
  'AWS::OpenSearchService::Domain',
  'AWS::Cognito::UserPool',
  'AWS::Backup::BackupVault',
  'Custom::PostgresDatabase',
];

/**
 * Custom resource types have no provider schema: their handler decides what replaces them (a new physical id makes
 * CloudFormation delete the old one). Custom::PostgresDatabase: src/core/database-setup.lambda.ts returns
 * `${Host}:${Port}/${DatabaseName}` as the physical id, so a change of any of the three creates a new, empty database
 * (the old one is kept on the server, but the application no longer uses it).
 */
export const CUSTOM_CREATE_ONLY: { readonly [type: string]: ReadonlyArray<string> } = {
  'Custom::PostgresDatabase': ['Host', 'Port', 'DatabaseName'],
};

/** Written in the manifest for a replacement-causing property the template does not set (setting it can replace). */
export const ABSENT = '<absent>';
/** Written in place of an asset hash (they change with every build of the asset's source). */
export const ASSET_HASH = '<asset-hash>';

/** One stateful resource as the manifest records it. */
export interface StatefulResource {
  readonly type: string;
  /** The template's DeletionPolicy, or null when it sets none. */
  readonly deletionPolicy: string | null;
  /** The template's UpdateReplacePolicy, or null when it sets none. */
  readonly updateReplacePolicy: string | null;
  /** createOnlyProperties (a change replaces the resource): property path → template value, or ABSENT. */
  readonly createOnly: { readonly [property: string]: unknown };
  /** conditionalCreateOnlyProperties (a change may replace it, depending on the case): the same form. */
  readonly conditionalCreateOnly: { readonly [property: string]: unknown };
}

/** stack name → logical id → resource. */
export interface ProfileResources { readonly [stack: string]: { readonly [logicalId: string]: StatefulResource } }

export interface StatefulManifest {
  readonly note: string;
  /** The cfn-lint whose provider schemas gave the createOnly properties (information only). */
  readonly cfnLintVersion: string;
  /** How many asset hashes were replaced by ASSET_HASH in createOnly values. */
  readonly normalizedAssetHashes: number;
  readonly profiles: { readonly [profile: string]: ProfileResources };
}

/** A replacement accepted on purpose (test/stateful-intended.json). */
export interface IntendedReplacement {
  readonly profile: string;
  readonly stack: string;
  readonly logicalId: string;
  /** The property that changed, or 'DeletionPolicy' / 'UpdateReplacePolicy', or '*' for a removed resource. */
  readonly property: string;
  /** The new value as the test's report prints it ('absent' for a removed resource): a later, other change of the
   * same property is not accepted by this entry. */
  readonly to: string;
  readonly reason: string;
  readonly upgradeNote: string;
}

/** One difference between the manifest and a fresh synthesis. */
export interface StatefulChange {
  readonly profile: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  /** 'removed': a stateful resource is gone or its logical id changed (it is replaced); 'property': a createOnly value changed;
   * 'policy': a Retain/Snapshot policy weakened; 'added': a new stateful resource; 'other': any other difference. */
  readonly kind: 'removed' | 'property' | 'policy' | 'added' | 'other';
  readonly property: string;
  readonly from: string;
  readonly to: string;
  /** True when the change replaces (or loses) the resource and needs an intended entry. */
  readonly breaking: boolean;
  /** Set when the property is a conditional createOnly one (may replace). */
  readonly conditional?: boolean;
  /** For a removed resource: same-type resources new in the same stack (a logical id change, most likely). */
  readonly candidates?: string[];
}

/** One synthesized stack. */
export interface SynthesizedStack {
  readonly stackName: string;
  readonly region: string;
  readonly template: any;
}

/** The example deployment of one profile, built the way test/examples.test.ts builds it. */
export function exampleApp(profile: ExampleProfile): App {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  buildPlatform(app, { profile, siteDirectory: SITE_DIRECTORY });
  return app;
}

/** Synthesizes `app`: its stacks (name, region, template) and the hashes of its assets. */
export function synthesize(app: App): { stacks: SynthesizedStack[]; assetHashes: Set<string> } {
  const assembly = app.synth();
  const assetHashes = new Set<string>();
  for (const artifact of assembly.artifacts) {
    if (artifact instanceof cxapi.AssetManifestArtifact) {
      const contents = artifact.contents;
      for (const id of [...Object.keys(contents.files ?? {}), ...Object.keys(contents.dockerImages ?? {})]) assetHashes.add(id);
    }
  }
  for (const stack of assembly.stacks) {
    for (const asset of stack.assets) assetHashes.add((asset as any).sourceHash ?? asset.id);
  }
  const stacks = assembly.stacks.map((s) => ({ stackName: s.stackName, region: s.environment.region, template: s.template }));
  return { stacks, assetHashes };
}

let schemaDirCache: string | undefined;
let cfnLintVersionCache: string | undefined;

/** The Python that runs the cfn-lint in use (scripts/toolchain.sh may put a pinned one first on the PATH). */
function cfnLintPython(): string {
  const bin = execFileSync('sh', ['-c', `command -v ${cfnLintCommand()}`], { encoding: 'utf8' }).trim();
  const firstLine = fs.readFileSync(fs.realpathSync(bin), 'utf8').split('\n')[0];
  return firstLine.match(/^#!\s*(\S*python[\d.]*)\s*$/)?.[1] ?? 'python3';
}

/** cfn-lint's data/schemas directory (providers/<region>.json: type → file in resources/). */
export function cfnLintSchemaDir(): string {
  if (!schemaDirCache) {
    const out = execFileSync(cfnLintPython(), ['-c',
      'import cfnlint, cfnlint.version, os; print(os.path.dirname(cfnlint.__file__)); print(cfnlint.version.__version__)'],
    { encoding: 'utf8' }).trim().split('\n');
    schemaDirCache = path.join(out[0], 'data', 'schemas');
    cfnLintVersionCache = out[1];
  }
  return schemaDirCache;
}

export function cfnLintVersion(): string {
  cfnLintSchemaDir();
  return cfnLintVersionCache!;
}

const schemaCache = new Map<string, { createOnly: string[]; conditional: string[] }>();

/** The replacement-causing property paths of `type` in `region` (from the provider schema cfn-lint ships). */
export function replacementProperties(type: string, region: string): { createOnly: string[]; conditional: string[] } {
  const custom = CUSTOM_CREATE_ONLY[type];
  if (custom) return { createOnly: [...custom], conditional: [] };
  const key = `${region} ${type}`;
  const cached = schemaCache.get(key);
  if (cached) return cached;
  const dir = cfnLintSchemaDir();
  // An environment-agnostic stack has no region: us-east-1's schemas then (every type is there first).
  const regionFile = path.join(dir, 'providers', `${region}.json`);
  const providers = JSON.parse(fs.readFileSync(fs.existsSync(regionFile) ? regionFile : path.join(dir, 'providers', 'us-east-1.json'), 'utf8'));
  const file = providers[type];
  if (!file) throw new Error(`cfn-lint ${cfnLintVersion()} has no provider schema for ${type} in ${region}`);
  const schema = JSON.parse(fs.readFileSync(path.join(dir, 'resources', `${file}.json`), 'utf8'));
  // Property paths; a nested path whose parent is listed too is left out (the parent's value holds it).
  const strip = (pointers: string[] | undefined) => {
    const all = (pointers ?? []).map((p) => p.replace(/^\/properties\//, ''));
    return all.filter((p) => !all.some((q) => p.startsWith(`${q}/`))).sort();
  };
  const createOnly = strip(schema.createOnlyProperties);
  const conditional = strip(schema.conditionalCreateOnlyProperties).filter((p) => !createOnly.includes(p));
  const result = { createOnly, conditional };
  schemaCache.set(key, result);
  return result;
}

/** A JSON value with its object keys sorted (the manifest's stable form). */
export function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, stable((value as any)[k])]));
  }
  return value;
}

/** The value at a schema property path (`A/B`) of a resource's Properties, or ABSENT. */
function valueAt(properties: any, propertyPath: string): unknown {
  let node = properties;
  for (const part of propertyPath.split('/')) {
    if (node === undefined || node === null || typeof node !== 'object' || Array.isArray(node)) return ABSENT;
    if (Object.keys(node).length === 1 && /^(Ref|Fn::)/.test(Object.keys(node)[0])) return node; // an intrinsic
    node = node[part];
  }
  return node === undefined ? ABSENT : node;
}

/** Replaces every asset hash inside `value` by ASSET_HASH; counts the replacements in `counter`. */
function withoutAssetHashes(value: unknown, hashes: Set<string>, counter: { n: number }): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const h of hashes) {
      if (out.includes(h)) { out = out.split(h).join(ASSET_HASH); counter.n++; }
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => withoutAssetHashes(v, hashes, counter));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAssetHashes(v, hashes, counter)]));
  }
  return value;
}

/** The stateful resources of synthesized stacks. */
export function statefulResources(stacks: SynthesizedStack[], assetHashes: Set<string>, counter = { n: 0 }): ProfileResources {
  const out: { [stack: string]: { [logicalId: string]: StatefulResource } } = {};
  for (const s of [...stacks].sort((a, b) => a.stackName.localeCompare(b.stackName))) {
    const resources: { [logicalId: string]: StatefulResource } = {};
    for (const [logicalId, r] of Object.entries<any>(s.template.Resources ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (!STATEFUL_TYPES.includes(r.Type)) continue;
      const { createOnly, conditional } = replacementProperties(r.Type, s.region);
      const values = (props: string[]) => Object.fromEntries(props.map((p) =>
        [p, stable(withoutAssetHashes(valueAt(r.Properties ?? {}, p), assetHashes, counter))]));
      resources[logicalId] = {
        type: r.Type,
        deletionPolicy: r.DeletionPolicy ?? null,
        updateReplacePolicy: r.UpdateReplacePolicy ?? null,
        createOnly: values(createOnly),
        conditionalCreateOnly: values(conditional),
      };
    }
    if (Object.keys(resources).length > 0) out[s.stackName] = resources;
  }
  return out;
}

/** The stateful resources of one profile of the example. */
export function profileResources(profile: ExampleProfile, counter = { n: 0 }): ProfileResources {
  const { stacks, assetHashes } = synthesize(exampleApp(profile));
  return statefulResources(stacks, assetHashes, counter);
}

/** The manifest of both profiles, as scripts/stateful-manifest.js writes it. */
export function buildManifest(): StatefulManifest {
  const counter = { n: 0 };
  const profiles: { [profile: string]: ProfileResources } = {};
  for (const p of PROFILES) profiles[p] = profileResources(p, counter);
  return {
    note: `Generated by ${REGENERATE_COMMAND} (see docs/upgrades.md). Do not edit by hand.`,
    cfnLintVersion: cfnLintVersion(),
    normalizedAssetHashes: counter.n,
    profiles,
  };
}

export function readManifest(file = MANIFEST_FILE): StatefulManifest {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function readIntended(file = INTENDED_FILE): IntendedReplacement[] {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function manifestText(manifest: StatefulManifest): string {
  return `${JSON.stringify(manifest, undefined, 2)}\n`;
}

/** How strongly a policy keeps the resource's data: Delete 0, Snapshot 1, Retain 2. */
function policyRank(type: string, policy: string | null): number {
  // Without a DeletionPolicy, CloudFormation snapshots RDS clusters (and instances outside a cluster) and deletes the rest.
  const effective = policy ?? (type.startsWith('AWS::RDS::') ? 'Snapshot' : 'Delete');
  return { Delete: 0, Snapshot: 1, RetainExceptOnCreate: 2, Retain: 2 }[effective] ?? 0;
}

const show = (v: unknown) => (v === null ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

/** The differences of one profile's resources between `before` (the manifest) and `after` (a fresh synthesis). */
export function diffProfile(profile: string, before: ProfileResources, after: ProfileResources): StatefulChange[] {
  const changes: StatefulChange[] = [];
  const stacks = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const stack of stacks) {
    const old = before[stack] ?? {};
    const now = after[stack] ?? {};
    const added = Object.keys(now).filter((id) => !(id in old));
    for (const logicalId of Object.keys(old).sort()) {
      const o = old[logicalId];
      const n = now[logicalId];
      const base = { profile, stack, logicalId, type: o.type };
      if (!n) {
        const candidates = added.filter((id) => now[id].type === o.type);
        changes.push({ ...base, kind: 'removed', property: '*', from: 'present', to: 'absent', breaking: true, candidates });
        continue;
      }
      if (n.type !== o.type) {
        changes.push({ ...base, kind: 'removed', property: '*', from: o.type, to: n.type, breaking: true });
        continue;
      }
      for (const [group, conditional] of [['createOnly', false], ['conditionalCreateOnly', true]] as const) {
        for (const property of Object.keys(o[group]).sort()) {
          if (!(property in n[group])) continue; // the schema no longer lists it: not a replacement
          const from = JSON.stringify(o[group][property]);
          const to = JSON.stringify(n[group][property]);
          if (from !== to) {
            changes.push({ ...base, kind: 'property', property, from: show(o[group][property]), to: show(n[group][property]), breaking: true, conditional });
          }
        }
        for (const property of Object.keys(n[group]).filter((p) => !(p in o[group]))) {
          changes.push({ ...base, kind: 'other', property, from: 'not recorded', to: show(n[group][property]), breaking: false });
        }
      }
      for (const policy of ['deletionPolicy', 'updateReplacePolicy'] as const) {
        if (o[policy] === n[policy]) continue;
        const weakened = policyRank(o.type, n[policy]) < policyRank(o.type, o[policy]);
        const property = policy === 'deletionPolicy' ? 'DeletionPolicy' : 'UpdateReplacePolicy';
        changes.push({ ...base, kind: weakened ? 'policy' : 'other', property, from: show(o[policy]), to: show(n[policy]), breaking: weakened });
      }
    }
    for (const logicalId of added.sort()) {
      changes.push({ profile, stack, logicalId, type: now[logicalId].type, kind: 'added', property: '*', from: 'absent', to: 'present', breaking: false });
    }
  }
  return changes;
}

/** The differences of every profile between the manifest and a fresh synthesis. */
export function diffManifests(before: StatefulManifest, after: StatefulManifest): StatefulChange[] {
  const profiles = [...new Set([...Object.keys(before.profiles), ...Object.keys(after.profiles)])].sort();
  return profiles.flatMap((p) => diffProfile(p, before.profiles[p] ?? {}, after.profiles[p] ?? {}));
}

/** The intended entry that accepts `change`, if any. */
export function intendedFor(change: StatefulChange, intended: IntendedReplacement[]): IntendedReplacement | undefined {
  return intended.find((e) => e.profile === change.profile && e.stack === change.stack && e.logicalId === change.logicalId
    && e.property === change.property && e.to === change.to);
}

/** Breaking changes that no intended entry accepts. */
export function unintended(changes: StatefulChange[], intended: IntendedReplacement[]): StatefulChange[] {
  return changes.filter((c) => c.breaking && !intendedFor(c, intended));
}

/** One line per change, naming stack, logical id, property, old → new. */
export function describeChange(c: StatefulChange): string {
  const where = `${c.profile} ${c.stack} ${c.logicalId} (${c.type})`;
  switch (c.kind) {
    case 'removed': {
      const hint = c.candidates?.length ? `; new ${c.type} in the stack: ${c.candidates.join(', ')} (a logical id change replaces the resource)` : '';
      return `${where}: removed or renamed, so CloudFormation deletes it (${c.from} → ${c.to})${hint}`;
    }
    case 'property':
      return `${where}: ${c.property} ${c.from} → ${c.to} ${c.conditional ? 'may replace' : 'replaces'} the resource`;
    case 'policy':
      return `${where}: ${c.property} weakened ${c.from} → ${c.to}`;
    case 'added':
      return `${where}: new stateful resource`;
    default:
      return `${where}: ${c.property} ${c.from} → ${c.to}`;
  }
}

/** The test's failure message for a list of changes. */
export function changeReport(changes: StatefulChange[], intended: IntendedReplacement[]): string {
  const bad = unintended(changes, intended);
  const rest = changes.filter((c) => !bad.includes(c));
  const lines: string[] = [];
  if (bad.length > 0) {
    lines.push(`${bad.length} change(s) would replace or lose a stateful resource of the example deployment:`);
    lines.push(...bad.map((c) => `  - ${describeChange(c)}`));
    lines.push('If the change is not on purpose, undo it (keep the logical id, e.g. with overrideLogicalId, and the property values).');
    lines.push('If it is: add one entry per line above to test/stateful-intended.json ({ "profile", "stack", "logicalId", "property", "to", '
      + '"reason", "upgradeNote" }), describe it in the "Upgrading" section of docs/upgrades.md (naming the logical id), '
      + `then run \`${REGENERATE_COMMAND}\`. The entries to fill in:`);
    lines.push(JSON.stringify(bad.map((c) => ({
      profile: c.profile,
      stack: c.stack,
      logicalId: c.logicalId,
      property: c.property,
      to: c.to,
      reason: 'TODO why the replacement is needed',
      upgradeNote: 'TODO what users do before upgrading (backup, export, ...)',
    })), undefined, 2));
  }
  if (rest.length > 0) {
    lines.push(`${rest.length} other change(s) of the stateful resources (accepted; the manifest only needs regenerating with \`${REGENERATE_COMMAND}\`):`);
    lines.push(...rest.map((c) => `  - ${describeChange(c)}${c.breaking ? ' [intended]' : ''}`));
  }
  return lines.join('\n');
}

/** Resource counts per profile and type (for the script's summary). */
export function counts(manifest: StatefulManifest): { [profile: string]: { [type: string]: number } } {
  const out: { [profile: string]: { [type: string]: number } } = {};
  for (const [profile, stacks] of Object.entries(manifest.profiles)) {
    const byType: { [type: string]: number } = {};
    for (const resources of Object.values(stacks)) {
      for (const r of Object.values(resources)) byType[r.type] = (byType[r.type] ?? 0) + 1;
    }
    out[profile] = Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)));
  }
  return out;
}
