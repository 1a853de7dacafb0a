#!/usr/bin/env bash
# Builds the image the end-to-end tests run code-server in, without a registry: `docker import` of a root file
# system made here from Debian's static busybox, a passwd with the user `coder` (HOME /home/coder), the few
# shared libraries that the host's Node runtime and code-server's native modules link against (their `ldd`
# closure, so the libraries match the host's node binary exactly) and a start script.
#
# What the image does NOT contain is bind-mounted read-only when a container is made from it
# (test/e2e/harness/container.ts): the host's node binary at /opt/node/bin/node and the code-server install
# (.cache/code-server) at /opt/code-server. Everything else a user's code-server container has follows from
# the run options: a named volume at ~/.config, the workspace bind-mounted at /workspace, a tmpfs at /tmp,
# the rest in the writable layer.
#
#   scripts/e2e/build-image.sh [CODE_SERVER_DIR]   prints the image tag on stdout
#
# Idempotent: the image is labelled with a hash of its inputs (this script, the node binary, the library
# list) and rebuilt only when that changes.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cs_dir=${1:-"$root/.cache/code-server"}
tag=persistence-lens-e2e:latest
node_bin=$(readlink -f "$(command -v node)")
log() { printf '[e2e-image] %s\n' "$*" >&2; }

entry="$cs_dir/node_modules/code-server/out/node/entry.js"
[ -f "$entry" ] || { log "no code-server at $cs_dir (scripts/editor/install-code-server.sh)"; exit 3; }
[ -x /bin/busybox ] || { log "no /bin/busybox (apt-get install busybox-static)"; exit 3; }
busybox_bin=$(readlink -f /bin/busybox)
file -b "$busybox_bin" 2>/dev/null | grep -q 'statically linked' || ldd "$busybox_bin" 2>&1 | grep -q 'not a dynamic' || {
  log "/bin/busybox is not static (apt-get install busybox-static)"; exit 3; }

# The ELF files that will run in the container: node, ripgrep, and code-server's Linux native modules.
elves=("$node_bin")
while IFS= read -r f; do elves+=("$f"); done < <(
  find "$cs_dir/node_modules" \( -name '*.node' -o -path '*/ripgrep/bin/rg' \) -type f \
    ! -path '*/obj.target/*' ! -name 'win*' ! -path '*musl*' ! -path '*darwin*' 2>/dev/null | sort)
libs=$(for f in "${elves[@]}"; do ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true; done | sort -u)
[ -n "$libs" ] || { log "ldd found no libraries for $node_bin"; exit 3; }

inputs=$( { cat "$0"; sha256sum "$node_bin" "$busybox_bin"; echo "$libs"; } | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "persistence-lens.e2e-inputs"}}' "$tag" 2>/dev/null || true)" = "$inputs" ]; then
  echo "$tag"
  exit 0
fi

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/bin" "$d/etc" "$d/home/coder/.config" "$d/workspace" "$d/tmp" "$d/opt/node/bin" "$d/opt/code-server" \
  "$d/usr/local/bin" "$d/var/run" "$d/proc" "$d/sys" "$d/dev"
cp "$busybox_bin" "$d/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"; done
for l in $libs; do
  mkdir -p "$d$(dirname "$l")"
  cp -L "$l" "$d$l"
done
printf 'root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1000:coder:/home/coder:/bin/sh\n' > "$d/etc/passwd"
printf 'root:x:0:\ncoder:x:1000:\n' > "$d/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$d/etc/nsswitch.conf"

# The container's command: install the extension when a .vsix was copied in, then code-server in the foreground.
# Arguments (e.g. the folder) are passed on; the port inside is always 8080. Workspace trust is off unless
# PL_WORKSPACE_TRUST=on (the untrusted-workspace scenario), as a user's code-server would ask.
cat > "$d/usr/local/bin/pl-code-server" <<'SCRIPT'
#!/bin/sh
set -e
cs=/opt/code-server/node_modules/code-server/out/node/entry.js
# PL_SEED: a read-only folder (bind-mounted) copied into the home on every start, as an image's provisioning
# would: a container recreated by docker-compose gets the extension and the user settings again.
if [ -n "${PL_SEED:-}" ] && [ -d "$PL_SEED" ]; then
  cp -R "$PL_SEED/." "$HOME/"
fi
if [ -f "$HOME/persistence-lens.vsix" ]; then
  /opt/node/bin/node "$cs" --install-extension "$HOME/persistence-lens.vsix" --force
  rm -f "$HOME/persistence-lens.vsix"
fi
trust=--disable-workspace-trust
if [ "${PL_WORKSPACE_TRUST:-off}" = on ]; then trust=; fi
exec /opt/node/bin/node "$cs" --bind-addr 0.0.0.0:8080 --auth none --disable-telemetry --disable-update-check \
  $trust "$@"
SCRIPT
chmod 755 "$d/usr/local/bin/pl-code-server"
chmod 1777 "$d/tmp"
chown -R 1000:1000 "$d/home/coder" "$d/workspace"

tar --numeric-owner -C "$d" -c . | docker import \
  --change 'ENV HOME=/home/coder USER=coder SHELL=/bin/sh PATH=/opt/node/bin:/usr/local/bin:/bin LANG=C.UTF-8' \
  --change 'USER coder' \
  --change 'WORKDIR /workspace' \
  --change 'CMD ["/usr/local/bin/pl-code-server", "/workspace"]' \
  --change "LABEL persistence-lens.e2e-inputs=$inputs" \
  - "$tag" >/dev/null
docker image prune -f --filter 'dangling=true' --filter 'label=persistence-lens.e2e-inputs' >/dev/null 2>&1 || true
log "built $tag ($(echo "$libs" | wc -l) libraries from the host; node $("$node_bin" --version))"
echo "$tag"
