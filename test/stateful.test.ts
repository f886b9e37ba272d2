import * as fs from 'fs';
import { App, CfnDeletionPolicy, CfnResource, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ABSENT, ASSET_HASH, buildManifest, changeReport, diffManifests, diffProfile, exampleApp, INTENDED_FILE, manifestText,
  MANIFEST_FILE, PROFILES, ProfileResources, profileResources, readIntended, readManifest, REGENERATE_COMMAND,
  statefulResources, StatefulManifest, synthesize, unintended, UPGRADES_DOC,
} from './helpers/stateful';

jest.setTimeout(300_000);

// One synthesis of both profiles for the whole file.
let fresh: StatefulManifest;
let assetHashes: Set<string>;
beforeAll(() => {
  fresh = buildManifest();
  assetHashes = synthesize(exampleApp('dev')).assetHashes;
});

describe('the example deployment keeps the identity of its stateful resources (test/stateful-manifest.json)', () => {
  test('no stateful resource is replaced, renamed, removed or loses its Retain/Snapshot policy, unless intended', () => {
    const changes = diffManifests(readManifest(), fresh);
    const intended = readIntended();
    const bad = unintended(changes, intended);
    if (bad.length > 0) throw new Error(changeReport(changes, intended));
  });

  test('the manifest is up to date (new stateful resources and accepted changes are regenerated into it)', () => {
    const changes = diffManifests(readManifest(), fresh);
    if (changes.length > 0) throw new Error(changeReport(changes, readIntended()));
    if (fs.readFileSync(MANIFEST_FILE, 'utf8') !== manifestText(fresh)) {
      throw new Error(`test/stateful-manifest.json differs from a fresh synthesis only in form: run \`${REGENERATE_COMMAND}\``);
    }
  });

  test('both profiles and the data-holding types are in the manifest', () => {
    for (const profile of PROFILES) {
      const types = Object.values(fresh.profiles[profile]).flatMap((r) => Object.values(r).map((x) => x.type));
      for (const t of ['AWS::RDS::DBCluster', 'AWS::S3::Bucket', 'AWS::EFS::FileSystem', 'AWS::ElastiCache::ReplicationGroup',
        'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret', 'Custom::PostgresDatabase']) {
        expect({ profile, type: t, found: types.includes(t) }).toEqual({ profile, type: t, found: true });
      }
    }
  });

  test('replacement-causing values hold no asset hash (they change with every build)', () => {
    expect(assetHashes.size).toBeGreaterThan(0);
    const text = manifestText(fresh);
    expect([...assetHashes].filter((h) => text.includes(h))).toEqual([]);
    expect(text.match(/[0-9a-f]{64}/g) ?? []).toEqual([]);
  });

  test('every intended replacement is complete and described in the "Upgrading" section of docs/upgrades.md', () => {
    const doc = fs.readFileSync(UPGRADES_DOC, 'utf8');
    const section = doc.split(/^## Upgrading\s*$/m)[1];
    expect(section).toBeDefined();
    const upgrading = section!.split(/^## /m)[0];
    const intended = readIntended();
    expect(Array.isArray(intended)).toBe(true);
    for (const e of intended) {
      const missing = (['profile', 'stack', 'logicalId', 'property', 'to', 'reason', 'upgradeNote'] as const)
        .filter((k) => typeof e[k] !== 'string' || e[k].trim() === '');
      expect({ entry: e.logicalId, missing }).toEqual({ entry: e.logicalId, missing: [] });
      expect({ entry: e.logicalId, profile: PROFILES.includes(e.profile as any) }).toEqual({ entry: e.logicalId, profile: true });
      expect({ entry: e.logicalId, inUpgradingSection: upgrading.includes(e.logicalId) }).toEqual({ entry: e.logicalId, inUpgradingSection: true });
    }
    expect(fs.existsSync(INTENDED_FILE)).toBe(true);
  });
});

/** The L1 resource of `app` with this stack name and logical id. */
function cfnOf(app: App, stackName: string, logicalId: string): CfnResource {
  const found = app.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c)
    && Stack.of(c).stackName === stackName && Stack.of(c).resolve(c.logicalId) === logicalId);
  if (!found) throw new Error(`no resource ${logicalId} in ${stackName}`);
  return found;
}

/** The first resource of `type` (optionally with this DeletionPolicy) in the dev profile: [stack, logical id]. */
function firstOf(resources: ProfileResources, type: string, deletionPolicy?: string): [string, string] {
  for (const [stack, byId] of Object.entries(resources)) {
    for (const [id, r] of Object.entries(byId)) {
      if (r.type === type && (!deletionPolicy || r.deletionPolicy === deletionPolicy)) return [stack, id];
    }
  }
  throw new Error(`no ${type} in the dev profile`);
}

describe('the diff reports each kind of change to a stateful resource (a modified dev deployment)', () => {
  let changes: ReturnType<typeof diffProfile>;
  let report: string;
  let bucket: [string, string];
  let cluster: [string, string];
  let logGroup: [string, string];
  let secret: [string, string];
  beforeAll(() => {
    const before = fresh.profiles.dev;
    bucket = firstOf(before, 'AWS::S3::Bucket', 'Retain');
    cluster = firstOf(before, 'AWS::RDS::DBCluster');
    logGroup = firstOf(before, 'AWS::Logs::LogGroup');
    secret = firstOf(before, 'AWS::SecretsManager::Secret', 'Delete');

    const app = exampleApp('dev');
    const b = cfnOf(app, ...bucket);
    b.addPropertyOverride('BucketName', 'renamed-by-the-test');
    b.cfnOptions.deletionPolicy = CfnDeletionPolicy.DELETE;
    cfnOf(app, ...cluster).addPropertyOverride('MasterUsername', 'renamed_by_the_test');
    cfnOf(app, ...cluster).addPropertyOverride('StorageEncrypted', false);
    cfnOf(app, ...logGroup).overrideLogicalId('RenamedByTheTest');
    cfnOf(app, ...secret).cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    new s3.Bucket(app.node.findChild(bucket[0]), 'NewBucketOfTheTest');
    const { stacks, assetHashes: hashes } = synthesize(app);
    changes = diffProfile('dev', before, statefulResources(stacks, hashes));
    report = changeReport(changes, []);
  });

  const find = (logicalId: string, property: string) => changes.find((c) => c.logicalId === logicalId && c.property === property);

  test('a createOnly property set where it was absent replaces the bucket', () => {
    expect(find(bucket[1], 'BucketName')).toMatchObject({ kind: 'property', stack: bucket[0], from: ABSENT, to: 'renamed-by-the-test', breaking: true });
    expect(report).toContain(`dev ${bucket[0]} ${bucket[1]} (AWS::S3::Bucket): BucketName ${ABSENT} → renamed-by-the-test replaces the resource`);
  });

  test('a Retain policy weakened to Delete', () => {
    expect(find(bucket[1], 'DeletionPolicy')).toMatchObject({ kind: 'policy', from: 'Retain', to: 'Delete', breaking: true });
  });

  test('Aurora: StorageEncrypted (createOnly) and MasterUsername (conditional createOnly) through escape hatches', () => {
    expect(find(cluster[1], 'StorageEncrypted')).toMatchObject({ kind: 'property', from: 'true', to: 'false', breaking: true, conditional: false });
    expect(find(cluster[1], 'MasterUsername')).toMatchObject({ kind: 'property', to: 'renamed_by_the_test', breaking: true, conditional: true });
    const admin = fresh.profiles.dev[cluster[0]][cluster[1]].conditionalCreateOnly.MasterUsername;
    expect(report).toContain(`MasterUsername ${admin} → renamed_by_the_test may replace the resource`);
  });

  test('a logical id change: the old id is removed (breaking), the new one named as the likely rename', () => {
    expect(find(logGroup[1], '*')).toMatchObject({ kind: 'removed', breaking: true, candidates: expect.arrayContaining(['RenamedByTheTest']) });
    expect(find('RenamedByTheTest', '*')).toMatchObject({ kind: 'added', breaking: false });
  });

  test('a stronger policy and a new stateful resource only need regenerating', () => {
    expect(find(secret[1], 'DeletionPolicy')).toMatchObject({ kind: 'other', from: 'Delete', to: 'Retain', breaking: false });
    const added = changes.filter((c) => c.kind === 'added' && c.type === 'AWS::S3::Bucket');
    expect(added).toHaveLength(1);
    expect(added[0].logicalId).toMatch(/^NewBucketOfTheTest/);
    expect(report).toMatch(new RegExp(`${added[0].logicalId} \\(AWS::S3::Bucket\\): new stateful resource`));
  });

  test('nothing else differs, and the report says how to accept a change on purpose', () => {
    const expected = [
      `${bucket[1]} BucketName`, `${bucket[1]} DeletionPolicy`, `${cluster[1]} MasterUsername`, `${cluster[1]} StorageEncrypted`,
      `${logGroup[1]} *`, `${secret[1]} DeletionPolicy`, 'RenamedByTheTest *',
    ];
    const seen = changes.map((c) => `${c.logicalId} ${c.property}`).filter((x) => !x.startsWith('NewBucketOfTheTest'));
    expect(seen.sort()).toEqual(expected.sort());
    expect(report).toContain('test/stateful-intended.json');
    expect(report).toContain('docs/upgrades.md');
    expect(report).toContain(REGENERATE_COMMAND);
    expect(report).toContain(`"logicalId": "${cluster[1]}",\n    "property": "MasterUsername",\n    "to": "renamed_by_the_test"`);
  });

  test('an intended entry accepts exactly its change', () => {
    const entry = { profile: 'dev', stack: cluster[0], logicalId: cluster[1], property: 'MasterUsername', to: 'renamed_by_the_test', reason: 'r', upgradeNote: 'n' };
    const left = unintended(changes, [entry]);
    expect(left.some((c) => c.logicalId === cluster[1] && c.property === 'MasterUsername')).toBe(false);
    expect(left.some((c) => c.logicalId === cluster[1] && c.property === 'StorageEncrypted')).toBe(true);
    expect(changeReport(changes, [entry])).toMatch(/MasterUsername \S+ → renamed_by_the_test may replace the resource \[intended\]/);
    expect(unintended(changes, [{ ...entry, profile: 'prod' }]).length).toBe(left.length + 1);
    // An entry for an earlier change of the same property does not accept a later, other one.
    expect(unintended(changes, [{ ...entry, to: 'admin' }]).length).toBe(left.length + 1);
  });
});

describe('asset hashes in replacement-causing values are normalized', () => {
  test('a bucket name that embeds an asset hash is recorded with the placeholder', () => {
    const hash = 'a'.repeat(64);
    const template = { Resources: { B: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `site-${hash}` } } } };
    const counter = { n: 0 };
    const out = statefulResources([{ stackName: 'S', region: 'eu-west-1', template }], new Set([hash]), counter);
    expect(out.S.B.createOnly.BucketName).toBe(`site-${ASSET_HASH}`);
    expect(counter.n).toBe(1);
  });

  test('synthesizing again gives the same data (the manifest is deterministic)', () => {
    expect(profileResources('prod')).toEqual(fresh.profiles.prod);
  });
});
