#!/usr/bin/env bash
# Renders the synthesized example app to docs/architecture.png, and the README's overview (docs/architecture-overview.dot)
# to docs/architecture-overview.png.
#
#   scripts/architecture.sh [cdk.out dir] [output png]       defaults: examples/cdk.out, docs/architecture.png
#   scripts/architecture.sh --cdk-dia [cdk.out dir] [output png]
#
# Synthesize first; the committed picture is the prod profile:  npm run example -- -c profile=prod && scripts/architecture.sh
#
# The default picture is built by scripts/architecture.js from the templates (stacks as boxes; load balancer, services,
# databases, caches, buckets, distributions and the observability bundle as nodes; edges from listener rules,
# CloudFront origins, security group rules, IAM grants, Route 53 aliases and cross-stack references) and rendered by
# Graphviz `dot`. `--cdk-dia` renders instead the construct-level diagram of tree.json with cdk-dia (installed into a
# temporary npm prefix, not into package.json): complete, but for this app about 32,000 x 4,700 pixels and 4 MB, with
# 400 edges between IAM roles, policies and log groups, so it is not the one the README shows.
#
# Needs Node.js and Graphviz (apt-get install graphviz / brew install graphviz); --cdk-dia also needs the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
renderer=templates
if [[ "${1:-}" == "--cdk-dia" ]]; then
  renderer=cdk-dia
  shift
fi
assembly="${1:-$root/examples/cdk.out}"
output="${2:-$root/docs/architecture.png}"

if ! command -v dot >/dev/null 2>&1; then
  echo "architecture: Graphviz 'dot' not found; install it (apt-get install graphviz, brew install graphviz)" >&2
  exit 1
fi
if [[ ! -f "$assembly/manifest.json" ]]; then
  echo "architecture: no cloud assembly in $assembly; run 'npm run example -- -c profile=prod' first" >&2
  exit 1
fi
mkdir -p "$(dirname "$output")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ "$renderer" == "cdk-dia" ]]; then
  npm install --prefix "$work" --no-save --no-audit --no-fund --loglevel=error cdk-dia@0.12.3 >/dev/null
  (cd "$work" && "$work/node_modules/.bin/cdk-dia" --tree "$assembly/tree.json" --target "$work/diagram.png" >/dev/null)
  cp "$work/diagram.png" "$output"
else
  node "$root/scripts/architecture.js" "$assembly" > "$work/architecture.dot"
  dot -Tpng -Gdpi=80 -o "$output" "$work/architecture.dot"
fi
echo "architecture: wrote $output ($(du -k "$output" | cut -f1) KB) from $assembly"
# The README's overview (one node per construct, 856 px wide so that it is read at the README's width, unscaled).
overview="$(dirname "$output")/architecture-overview.png"
dot -Tpng -Gdpi=72 -o "$overview" "$root/docs/architecture-overview.dot"
echo "architecture: wrote $overview from docs/architecture-overview.dot"
