#!/usr/bin/env bash
# Makes sure the editor tier can run: Debian's build tools, ripgrep and Chromium, and code-server from npm
# in .cache/code-server/ (git-ignored, outside the project's own dependency tree).
# Idempotent: installs the apt packages only when missing (and we are root), code-server only when its
# entry point is not there yet. Prints the code-server directory on stdout when everything is ready.
#
# This machine reaches only the npm registry and Debian's archive, so (see the offline-testing notes):
#   - npm_config_unsafe_perm=true: as root, code-server's postinstall refuses to run otherwise;
#   - npm_config_yes=true: a dependency runs `npx node-gyp`, which would otherwise cancel;
#   - npm_config_nodedir=/usr: node-gyp uses the installed Node headers instead of downloading them;
#   - @vscode/ripgrep's postinstall downloads ripgrep from GitHub unless it finds its cache tarball:
#     we put Debian's /usr/bin/rg there.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.cache/code-server"
entry="$dir/node_modules/code-server/out/node/entry.js"

log() { printf '[install-code-server] %s\n' "$*" >&2; }

# The test runner starts this in the background while npm start's test may start it too: one at a time, or
# the second would remove the folder the first is installing into. The second then finds it installed.
mkdir -p "$root/.cache"
exec 9>"$root/.cache/install-code-server.lock"
flock 9

# PL_NO_CHROMIUM=1 (npm start): code-server only; the editor tier's browser is not needed.
apt_packages=(libkrb5-dev build-essential pkg-config python3 ripgrep)
[ "${PL_NO_CHROMIUM:-}" = 1 ] || apt_packages+=(chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing from Debian: ${missing[*]}"
    # Another apt-get (an unattended upgrade, a parallel install) may hold the lock: wait for it, never fail on it.
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing Debian packages (${missing[*]}) and I cannot install them (need root and apt-get)"
    exit 3
  fi
fi
needed_bins=(/usr/bin/rg)
[ "${PL_NO_CHROMIUM:-}" = 1 ] || needed_bins+=(/usr/bin/chromium)
for b in "${needed_bins[@]}"; do
  [ -x "$b" ] || { log "$b is missing after the apt install"; exit 3; }
done

installed_version() {
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$dir/node_modules/code-server/package.json" 2>/dev/null || true
}

if [ -f "$entry" ] && [ "$(installed_version)" = "$CODE_SERVER_VERSION" ] && [ -f "$dir/.installed" ]; then
  echo "$dir"
  exit 0
fi

log "installing code-server@$CODE_SERVER_VERSION into $dir (one time, about a minute)"
started=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# @vscode/ripgrep looks for this exact file in $TMPDIR before it tries to download.
mkdir -p "$work/tmp/vscode-ripgrep-cache-1.15.11" "$work/rg/bin"
cp /usr/bin/rg "$work/rg/bin/rg"
for name in ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz; do
  tar -C "$work/rg/bin" -czf "$work/tmp/vscode-ripgrep-cache-1.15.11/$name" rg
done

printf '{ "name": "persistence-lens-code-server", "private": true }\n' > "$dir/package.json"
(
  cd "$dir"
  export TMPDIR="$work/tmp" npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
)
if [ ! -f "$entry" ]; then
  log "the install finished but $entry is missing"
  exit 4
fi
touch "$dir/.installed"
log "code-server $(installed_version) installed in $(( $(date +%s) - started )) s"
echo "$dir"
