#!/usr/bin/env bash
# Go consumer of the jsii Go bindings: builds test/consumers/go against the library's generated Go module (the
# dist/go directory `npx jsii-pacmak --target go` writes; a `replace` points the module path there) and aws-cdk-go
# v2 at the repository's aws-cdk-lib version from the Go module proxy, and runs `go test`, which synthesizes the app
# and asserts on the templates with awscdk/v2/assertions.
#
#   bash test/consumers/go/run.sh [DIST_GO]      # default: <repo>/dist/go
#
# Needs go (>= 1.25) and node (the jsii runtime) on PATH. The first run downloads aws-cdk-go (~70 MB) and compiles it
# (a few minutes on two cores); GOMODCACHE / GOCACHE make later runs fast.
# sum.golang.org is not reachable from CI: GOSUMDB defaults to off here, and go.sum (committed) pins the checksums.
# GO_CONSUMER_SKIP_ON_PROXY_ERROR=1 turns "the module proxy does not serve a dependency" into a skip (exit 0).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DIST=$(cd "${1:-${DIST_GO:-$HERE/../../../dist/go}}" && pwd)
MODULE_DIR="$DIST/organalyticsconstructs"
[ -f "$MODULE_DIR/go.mod" ] || { echo "go consumer: no Go module in $MODULE_DIR (run 'npx jsii-pacmak --target go --code-only' first)" >&2; exit 1; }
command -v go >/dev/null || { echo "go consumer: go is not installed" >&2; exit 1; }
CDK_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['aws-cdk-lib']")
export GOSUMDB=${GOSUMDB:-off} GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/go-consumer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/go.mod" "$HERE/go.sum" "$HERE"/*.go "$WORK/"
cd "$WORK"
go mod edit \
  -replace="github.com/org/analytics-constructs-go/organalyticsconstructs=$MODULE_DIR" \
  -require="github.com/aws/aws-cdk-go/awscdk/v2@v$CDK_VERSION"
echo "go consumer: $(go version | awk '{print $3}'), aws-cdk-go v$CDK_VERSION, library module from $MODULE_DIR"

# Download what the build needs first, to tell a proxy gap apart from a compile or test failure.
if ! go list -deps -test ./... >/dev/null 2>"$WORK/download.log"; then
  if grep -qE '403 Forbidden|404 Not Found|not available|410 Gone' "$WORK/download.log"; then
    echo "go consumer: the Go module proxy ($(go env GOPROXY)) does not serve part of the dependency closure:" >&2
    grep -E '403 Forbidden|404 Not Found|410 Gone' "$WORK/download.log" | sort -u | head -5 | sed 's/^/  /' >&2
    echo "go consumer: add a 'replace' to test/consumers/go/go.mod for a version the proxy serves, or run it where the full proxy is reachable." >&2
    if [ "${GO_CONSUMER_SKIP_ON_PROXY_ERROR:-0}" = 1 ]; then echo "go consumer: SKIPPED (GO_CONSUMER_SKIP_ON_PROXY_ERROR=1)"; exit 0; fi
    exit 3
  fi
  tail -20 "$WORK/download.log" >&2
  exit 1
fi
go vet ./...
go test -count=1 -v ./...
