#!/usr/bin/env node
// Writes test/stateful-manifest.json: per profile (dev, prod) and stack of the example deployment, every stateful
// resource with its logical id, DeletionPolicy / UpdateReplacePolicy and the template values of the properties whose
// change replaces it (createOnlyProperties of the provider schemas cfn-lint ships). test/stateful.test.ts compares a
// fresh synthesis with it; docs/upgrades.md explains the workflow.
//
// Before writing, it compares with the manifest already there: a change that would replace or lose a stateful
// resource is written only if test/stateful-intended.json has an entry for it. `--init` writes a manifest where none
// exists. `--check` writes nothing and exits 1 on any difference.
//
// Needs cfn-lint on the PATH (eval "$(bash scripts/toolchain.sh --env)").
'use strict';
const fs = require('fs');
const Module = require('module');
const path = require('path');

const root = path.resolve(__dirname, '..');
process.env.TS_NODE_TRANSPILE_ONLY = '1';
process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.dev.json');
// The package's own name must load the sources (src/), as jest's moduleNameMapper does, not the compiled lib/.
const packageEntry = path.join(root, 'src', 'index.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === '@org/analytics-constructs' ? packageEntry : request, ...rest);
};
require('ts-node/register');

const s = require('../test/helpers/stateful');

const args = process.argv.slice(2);
const check = args.includes('--check');
const init = args.includes('--init');

const manifest = s.buildManifest();
const text = s.manifestText(manifest);
const summary = () => {
  for (const [profile, byType] of Object.entries(s.counts(manifest))) {
    const total = Object.values(byType).reduce((a, b) => a + b, 0);
    console.log(`${profile}: ${total} stateful resources (${Object.entries(byType).map(([t, n]) => `${t} ${n}`).join(', ')})`);
  }
  console.log(`asset hashes normalized in createOnly values: ${manifest.normalizedAssetHashes}`);
};

if (!fs.existsSync(s.MANIFEST_FILE)) {
  if (!init) {
    console.error(`stateful-manifest: ${path.relative(root, s.MANIFEST_FILE)} does not exist; run with --init to write the first one`);
    process.exit(1);
  }
  fs.writeFileSync(s.MANIFEST_FILE, text);
  summary();
  console.log(`stateful-manifest: wrote ${path.relative(root, s.MANIFEST_FILE)} (first manifest)`);
  process.exit(0);
}

const before = s.readManifest();
const intended = s.readIntended();
const changes = s.diffManifests(before, manifest);
const bad = s.unintended(changes, intended);
if (changes.length > 0) console.log(s.changeReport(changes, intended));
if (bad.length > 0) {
  console.error('stateful-manifest: not written (changes above would replace stateful resources and are not in test/stateful-intended.json)');
  process.exit(1);
}
if (check) {
  summary();
  process.exit(changes.length > 0 || fs.readFileSync(s.MANIFEST_FILE, 'utf8') !== text ? 1 : 0);
}
fs.writeFileSync(s.MANIFEST_FILE, text);
summary();
console.log(`stateful-manifest: wrote ${path.relative(root, s.MANIFEST_FILE)} (${changes.length} change(s))`);
