#!/usr/bin/env bash
# Packs the library with `npm pack`, installs the tarball into a brand-new TypeScript CDK app outside the repository,
# compiles the app with tsc and synthesizes it (asserting on the template). Needs `npx projen compile` first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ts-consumer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CDK_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['aws-cdk-lib']")
CONSTRUCTS_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['constructs']")

(cd "$ROOT" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TARBALL=$(ls "$WORK"/*.tgz)
cd "$WORK"
cp "$ROOT/test/consumers/typescript/app.ts" .
cat > package.json <<JSON
{ "name": "ts-consumer", "private": true, "version": "0.0.0" }
JSON
cat > tsconfig.json <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "node16", "moduleResolution": "node16", "strict": true,
  "esModuleInterop": true, "skipLibCheck": false, "outDir": "out", "types": ["node"] }, "files": ["app.ts"] }
JSON
npm install --silent --no-audit --no-fund "$TARBALL" "aws-cdk-lib@$CDK_VERSION" "constructs@$CONSTRUCTS_VERSION" \
  typescript@~5.9 @types/node@^22 2>&1 | grep -v 'nodedir' || true
test -d node_modules/@org/analytics-constructs
npx tsc -p tsconfig.json
node out/app.js "$WORK/cdk.out"
