#!/usr/bin/env bash
# Clean synth on the newest aws-cdk-lib: installs the packed library, in a temporary app outside the repository,
# together with the newest aws-cdk-lib and constructs the registry serves (and then with the declared floor, the
# package.json devDependency), synthesizes every construct with its default props (test/consumers/newest-cdk/) and
# fails if the output has any `[Warning`, `Ignoring` or `deprecated` line: what `cdk synth` would print to a user of
# the library. Needs the compiled library (`npx projen compile`), or a tarball as the first argument.
#   bash scripts/newest-cdk-check.sh [path/to/org-analytics-constructs-x.y.z.tgz]
# CDK_VERSIONS overrides the versions tried (e.g. CDK_VERSIONS="2.276.0").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/newest-cdk.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

if [ $# -ge 1 ]; then
  TARBALL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
  [ -f "$ROOT/lib/index.js" ] || { echo "newest-cdk: no compiled library in lib/ (run 'npx projen compile' first, or pass a tarball)"; exit 1; }
  (cd "$ROOT" && npm pack --silent --pack-destination "$WORK" >/dev/null)
  TARBALL=$(ls "$WORK"/*.tgz)
fi
NEWEST=$(npm view aws-cdk-lib version)
FLOOR=$(node -p "require('$ROOT/package.json').devDependencies['aws-cdk-lib']")
FLOOR_CONSTRUCTS=$(node -p "require('$ROOT/package.json').devDependencies['constructs']")
NEWEST_CONSTRUCTS=$(npm view constructs version)

status=0
for version in ${CDK_VERSIONS:-$NEWEST $FLOOR}; do
  if [ "$version" = "$FLOOR" ]; then constructs=$FLOOR_CONSTRUCTS; else constructs=$NEWEST_CONSTRUCTS; fi
  app="$WORK/app-$version"
  mkdir -p "$app"
  cp "$ROOT/test/consumers/newest-cdk/app.ts" "$ROOT/test/consumers/newest-cdk/constructs.ts" "$app/"
  cd "$app"
  echo '{ "name": "newest-cdk-consumer", "private": true, "version": "0.0.0" }' > package.json
  cat > tsconfig.json <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "node16", "moduleResolution": "node16", "strict": true,
  "esModuleInterop": true, "skipLibCheck": true, "outDir": "out", "types": ["node"] }, "files": ["app.ts"] }
JSON
  npm install --silent --no-audit --no-fund "$TARBALL" "aws-cdk-lib@$version" "constructs@$constructs" \
    typescript@~5.9 @types/node@^22 2>&1 | grep -v 'nodedir' || true
  installed=$(node -p "require('aws-cdk-lib/package.json').version")
  npx tsc -p tsconfig.json
  # Deprecation notices are printed once per API and process; warn (not fail) so that every one is listed.
  set +e
  JSII_DEPRECATED=warn node out/app.js "$app/cdk.out" >"$app/synth.log" 2>&1
  rc=$?
  set -e
  cat "$app/synth.log"
  offending=$(grep -E '\[Warning|Ignoring|deprecated' "$app/synth.log" || true)
  if [ $rc -ne 0 ]; then
    echo "newest-cdk: synth failed with aws-cdk-lib $installed (exit $rc)"
    status=1
  elif [ -n "$offending" ]; then
    echo "newest-cdk: aws-cdk-lib $installed: the library's constructs print warnings or deprecations:"
    printf '%s\n' "$offending" | sed 's/^/  /'
    status=1
  else
    echo "newest-cdk: aws-cdk-lib $installed (constructs $constructs): every construct synthesizes with no warning or deprecation"
  fi
  cd "$ROOT"
done
exit $status
