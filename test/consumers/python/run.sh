#!/usr/bin/env bash
# Python consumer of the jsii wheel: creates a fresh virtual environment outside the repository, installs the wheel
# with aws-cdk-lib (the repository's devDependency version), constructs and pytest from PyPI, and runs test_app.py,
# which synthesizes app.py (every construct, non-default options) and asserts on the templates with aws_cdk.assertions,
# and test_byo.py: every construct on imported infrastructure (byo_app.py), env-bound and environment-agnostic.
#
#   bash test/consumers/python/run.sh [DIST_PYTHON]      # default: <repo>/dist/python (from `npx projen package:python`)
#
# Needs python3 (>= 3.9, with venv) and node (the jsii runtime) on PATH. PIP_CACHE_DIR is honoured (warm runs are faster).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
DIST=$(cd "${1:-${DIST_PYTHON:-$HERE/../../../dist/python}}" && pwd)
WHEEL=$(ls "$DIST"/*.whl 2>/dev/null | head -1 || true)
[ -n "$WHEEL" ] || { echo "python consumer: no wheel in $DIST (run 'npx projen package:python' first)" >&2; exit 1; }
CDK_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['aws-cdk-lib']")
CONSTRUCTS_VERSION=$(node -p "require('$ROOT/package.json').devDependencies['constructs']")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/py-consumer.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
  "aws-cdk-lib==$CDK_VERSION" "constructs==$CONSTRUCTS_VERSION" "pytest>=8,<10" "$WHEEL"
echo "python consumer: $(basename "$WHEEL") with aws-cdk-lib $CDK_VERSION, constructs $CONSTRUCTS_VERSION, $("$WORK/venv/bin/python" --version)"

# Copy the app and test out of the repository, so that nothing but the installed wheel provides the library.
cp "$HERE/app.py" "$HERE/test_app.py" "$HERE/byo_app.py" "$HERE/test_byo.py" "$WORK/"
cd "$WORK"
"$WORK/venv/bin/python" -m pytest -p no:cacheprovider test_app.py test_byo.py
