#!/usr/bin/env bash
# Java consumer of the jsii Maven package: builds test/consumers/java (a Maven project) against
# com.org:analytics-constructs from a local file repository (the dist/java directory `npx projen package:java` writes)
# and aws-cdk-lib / constructs from Maven Central at the repository's devDependency versions, and runs its JUnit 5
# test, which synthesizes the app and asserts on the template with software.amazon.awscdk.assertions.Template.
#
#   bash test/consumers/java/run.sh [DIST_JAVA]      # default: <repo>/dist/java
#
# Needs java (>= 17), mvn and node (the jsii runtime) on PATH. The first run downloads aws-cdk-lib and the Maven
# plugins into ~/.m2 (override with MAVEN_REPO_LOCAL); later runs are offline-capable.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DIST=$(cd "${1:-${DIST_JAVA:-$HERE/../../../dist/java}}" && pwd)
POM=$(ls "$DIST"/com/org/analytics-constructs/*/analytics-constructs-*.pom 2>/dev/null | head -1 || true)
[ -n "$POM" ] || { echo "java consumer: no com.org:analytics-constructs in $DIST (run 'npx projen package:java' first)" >&2; exit 1; }
LIB_VERSION=$(basename "$(dirname "$POM")")
CDK_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['aws-cdk-lib']")
CONSTRUCTS_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['constructs']")
M2=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}

# The library's version rarely changes (0.0.0 between releases) and Maven never re-downloads a release it has cached:
# drop the cached copy so that this run tests the artifact in $DIST.
rm -rf "$M2/com/org/analytics-constructs"

# Build outside the repository (no target/ left behind in the work tree).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/java-consumer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp -R "$HERE/pom.xml" "$HERE/src" "$WORK/"
cd "$WORK"
echo "java consumer: com.org:analytics-constructs:$LIB_VERSION from $DIST with aws-cdk-lib $CDK_VERSION, constructs $CONSTRUCTS_VERSION"
mvn -B -q -ntp -Dstyle.color=never -Dmaven.repo.local="$M2" \
  -Dlocal.repo.url="file://$DIST" -Dlibrary.version="$LIB_VERSION" \
  -Dcdk.version="$CDK_VERSION" -Dconstructs.version="$CONSTRUCTS_VERSION" \
  test 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
# -q hides surefire's summary: print it from the reports.
grep -h '^Tests run' target/surefire-reports/*.txt | sed 's/^/java consumer: /'
