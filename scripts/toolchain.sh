#!/usr/bin/env bash
# The project's toolchain, made ready before `npm test` and `npm run example` (and .ci/run) do anything else:
#
#   bash scripts/toolchain.sh <command> [args...]   make the tools ready, then run the command with them first on PATH
#   bash scripts/toolchain.sh --env                 make the tools ready, then print `export PATH=...` for eval
#   bash scripts/toolchain.sh --check               only say what is missing (exit 1 if anything is)
#
# What it makes ready, and where from:
#   - Node.js 22 (the project's scripts, jsii and the examples' tests need it): when the `node` on PATH is older, the
#     `node` package from the npm registry (it ships the Node binary) installed under the cache directory, never over
#     the system's node.
#   - cfn-lint 1.58.0, pinned: older resource schemas reject what aws-cdk-lib writes (1.51 rejects `Tags` on
#     AWS::CloudWatch::Dashboard, error E3002). From PyPI into a virtual environment under the cache directory when the
#     `cfn-lint` on PATH is another version; the system's cfn-lint is left alone.
#   - The servers and the browser the tests run for real: PostgreSQL, nginx and Chromium, from Debian's packages. As
#     root (or with password-less sudo) it installs them with apt-get; otherwise it stops, once, with one message that
#     lists everything missing and the command that installs it. ANALYTICS_TOOLCHAIN_INSTALL=0 never installs.
#
# Only what is missing is installed, so a second run takes about a second. The cache directory is
# $ANALYTICS_TOOLCHAIN_CACHE, by default ~/.cache/analytics-constructs.
set -euo pipefail

NODE_MAJOR=22
CFN_LINT_VERSION=1.58.0
CACHE="${ANALYTICS_TOOLCHAIN_CACHE:-$HOME/.cache/analytics-constructs}"
SHIMS="$CACHE/bin"
INSTALL="${ANALYTICS_TOOLCHAIN_INSTALL:-1}"
MODE=run
case "${1:-}" in
  --env) MODE=env; shift ;;
  --check) MODE=check; INSTALL=0; shift ;;
  -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  '') echo "usage: bash scripts/toolchain.sh <command> [args...] | --env | --check" >&2; exit 2 ;;
esac

say() { echo "toolchain: $*" >&2; }
mkdir -p "$SHIMS"
export PATH="$SHIMS:$PATH"
hash -r

missing=()   # human-readable, one per missing tool
apt_pkgs=()  # the Debian packages that provide them
fix_cmds=()  # commands that install what apt does not

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
cfn_lint_version() { cfn-lint --version 2>/dev/null | awk '{print $2}'; }
found_cfn_lint() { local v; v=$(cfn_lint_version || true); echo "${v:-none}"; }

# --- Node.js 22 -----------------------------------------------------------------------------------------------------
ensure_node() {
  [ "$(node_major)" -ge "$NODE_MAJOR" ] && return 0
  local prefix="$CACHE/node$NODE_MAJOR"
  if [ ! -x "$prefix/node_modules/.bin/node" ]; then
    if [ "$INSTALL" = 1 ] && command -v npm >/dev/null 2>&1; then
      say "node $(node --version 2>/dev/null || echo 'not found') is older than $NODE_MAJOR: installing node@$NODE_MAJOR from the npm registry into $prefix"
      if ! npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" >&2 \
          || [ ! -x "$prefix/node_modules/.bin/node" ]; then
        missing+=("Node.js $NODE_MAJOR (npm could not install node@$NODE_MAJOR; see above)")
        fix_cmds+=("npm install --prefix $prefix --no-save node@$NODE_MAJOR")
        return 0
      fi
    else
      missing+=("Node.js $NODE_MAJOR (found $(node --version 2>/dev/null || echo none))")
      fix_cmds+=("npm install --prefix $prefix --no-save node@$NODE_MAJOR")
      return 0
    fi
  fi
  ln -sf "$prefix/node_modules/.bin/node" "$SHIMS/node"
  hash -r
}

# --- cfn-lint, pinned ------------------------------------------------------------------------------------------------
ensure_cfn_lint() {
  [ "$(cfn_lint_version)" = "$CFN_LINT_VERSION" ] && return 0
  local venv="$CACHE/cfn-lint-$CFN_LINT_VERSION"
  if [ ! -x "$venv/bin/cfn-lint" ]; then
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
      missing+=("Python's venv module (to install cfn-lint $CFN_LINT_VERSION beside the system's)")
      apt_pkgs+=(python3-venv)
      return 0
    fi
    if [ "$INSTALL" != 1 ]; then
      missing+=("cfn-lint $CFN_LINT_VERSION (found $(found_cfn_lint))")
      fix_cmds+=("python3 -m venv $venv && $venv/bin/pip install cfn-lint==$CFN_LINT_VERSION")
      return 0
    fi
    say "cfn-lint $(found_cfn_lint) is not the pinned $CFN_LINT_VERSION: installing it from PyPI into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" >"$venv.log" 2>&1; then
      tail -n 20 "$venv.log" >&2
      rm -rf "$venv"
      missing+=("cfn-lint $CFN_LINT_VERSION (pip could not install it; log above)")
      fix_cmds+=("python3 -m venv $venv && $venv/bin/pip install cfn-lint==$CFN_LINT_VERSION")
      return 0
    fi
  fi
  ln -sf "$venv/bin/cfn-lint" "$SHIMS/cfn-lint"
  hash -r
}

# --- PostgreSQL, nginx, Chromium (Debian) ----------------------------------------------------------------------------
check_system() {
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 \
    || { missing+=("PostgreSQL server (the database tests start a real one)"); apt_pkgs+=(postgresql); }
  [ -x /usr/sbin/nginx ] || [ -x /usr/bin/nginx ] \
    || { missing+=("nginx (OpenReplay's gateway configuration is run in a real nginx)"); apt_pkgs+=(nginx-light); }
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] \
    || { missing+=("Chromium (the tracker and the example site are tested in headless Chromium)"); apt_pkgs+=(chromium); }
  command -v openssl >/dev/null 2>&1 \
    || { missing+=("openssl (the TLS tests make a throw-away CA)"); apt_pkgs+=(openssl); }
}

install_apt() {
  [ ${#apt_pkgs[@]} -eq 0 ] && return 0
  [ "$INSTALL" = 1 ] || return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else return 0; fi
  fi
  command -v apt-get >/dev/null 2>&1 || return 0
  local log="$CACHE/apt-install.log"
  say "installing from Debian's packages: ${apt_pkgs[*]} (no recommended packages, no upgrades of installed ones; log: $log)"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      --no-upgrade "${apt_pkgs[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
  fi
  say "apt-get set up $(grep -c '^Setting up' "$log" || true) packages"
  # What apt brought in is checked again below, so a failed install is reported like a missing tool.
  missing=(); apt_pkgs=(); fix_cmds=()
  return 1
}

ensure_all() {
  missing=(); apt_pkgs=(); fix_cmds=()
  check_system
  if ! install_apt; then check_system; fi
  ensure_node
  ensure_cfn_lint
}

ensure_all
if [ ${#missing[@]} -gt 0 ]; then
  {
    echo "toolchain: this machine lacks what the project's tests and example need:"
    printf '  - %s\n' "${missing[@]}"
    echo "Install them with:"
    [ ${#apt_pkgs[@]} -gt 0 ] && echo "  sudo apt-get install -y --no-install-recommends ${apt_pkgs[*]}"
    [ ${#fix_cmds[@]} -gt 0 ] && printf '  %s\n' "${fix_cmds[@]}"
    echo "(run as root, or with password-less sudo, and this script installs them itself)"
  } >&2
  exit 1
fi

if [ "$MODE" = check ]; then
  say "ready: node $(node --version), cfn-lint $(cfn_lint_version), $(ls -d /usr/lib/postgresql/*/ 2>/dev/null | head -1 | xargs -r basename | sed 's/^/postgresql /'), nginx, chromium"
  exit 0
fi
say "node $(node --version) · cfn-lint $(cfn_lint_version) · postgresql · nginx · chromium"
if [ "$MODE" = env ]; then
  printf 'export PATH=%q\n' "$PATH"
  exit 0
fi
exec "$@"
