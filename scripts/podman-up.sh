#!/usr/bin/env bash
# Makes sure a rootful Podman service answers the Docker-compatible API on
#   unix:///run/persistence-lens-podman/podman.sock
# and that the busybox test images exist in Podman's store. Installs Debian's podman (4.3) and what it needs
# when missing and we are root; starts `podman system service --time=0` detached when the socket does not
# answer (there is no systemd here). Prints the socket address on stdout.
#
# The service reads its own containers.conf (CONTAINERS_CONF), written here, because in sandboxes like this
# one containers cannot start with Podman's defaults (see docs/podman.md):
#   - the process lacks CAP_SYS_RESOURCE, and Podman raises RLIMIT_NOFILE/RLIMIT_NPROC for root containers
#     above the hard limits: `crun: setrlimit RLIMIT_NOFILE: Operation not permitted`. default_ulimits pins
#     them to what this process may set;
#   - cgroup v1 with a cgroup2 hierarchy mounted beside it ("hybrid"): crun refuses (`cgroups in hybrid mode
#     not supported, drop all controllers from cgroupv2`), runc works, with the cgroupfs manager (no systemd);
#   - no journald: events go to a file.
set -euo pipefail

log() { printf '[podman-up] %s\n' "$*" >&2; }

DIR=/run/persistence-lens-podman
SOCK="$DIR/podman.sock"
URL="unix://$SOCK"
CONF="$DIR/containers.conf"

if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing podman runc uidmap slirp4netns fuse-overlayfs busybox-static from Debian"
    # Another apt-get may hold the lock: wait for it, never fail on it.
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
      podman runc uidmap slirp4netns fuse-overlayfs busybox-static >/dev/null
  else
    log "podman, runc or busybox is missing and I cannot install them (need root and apt-get)"
    exit 3
  fi
fi

if [ "$(id -u)" != 0 ]; then
  log "the test service is rootful: run me as root (rootless Podman is described in docs/podman.md)"
  exit 3
fi

answers() { curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }

mkdir -p "$DIR"
# What this process may set (no CAP_SYS_RESOURCE needed): the hard nofile limit, and a process limit well
# under the hard one (Podman itself lowers its own RLIMIT_NPROC before the runtime sets the container's).
nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
cat >"$CONF.tmp" <<EOF
# written by scripts/podman-up.sh
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mv "$CONF.tmp" "$CONF"
export CONTAINERS_CONF="$CONF"

if ! answers; then
  if ! command -v curl >/dev/null 2>&1; then log "curl is needed to probe the socket"; exit 3; fi
  # a service that was killed leaves its socket behind
  pgrep -f "podman system service --time=0 $URL" >/dev/null || rm -f "$SOCK"
  log "starting podman system service (log: /tmp/podman-service.log)"
  setsid podman system service --time=0 "$URL" >/tmp/podman-service.log 2>&1 </dev/null &
  for _ in $(seq 100); do answers && break; sleep 0.2; done
  if ! answers; then
    log "the Podman service did not answer on $SOCK within 20 s; last lines of /tmp/podman-service.log:"
    tail -n 20 /tmp/podman-service.log >&2 || true
    exit 4
  fi
fi

# The test images, as scripts/docker-up.sh builds them: the static busybox binary as a whole root file system.
build_image() {
  local tag=$1; shift
  podman --url "$URL" image exists "$tag" && return 0
  local d; d=$(mktemp -d)
  mkdir -p "$d/bin" "$d/etc" "$d/home/coder" "$d/tmp"
  cp /bin/busybox "$d/bin/"
  for a in sh ls cat echo sleep mkdir touch tar rm cp mv ln stat find sha256sum head dd chmod id env test true; do ln -s busybox "$d/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1000:coder:/home/coder:/bin/sh\n' >"$d/etc/passwd"
  printf 'root:x:0:\ncoder:x:1000:\n' >"$d/etc/group"
  tar -C "$d" -c . | podman --url "$URL" import "$@" - "$tag" >/dev/null
  rm -rf "$d"
  log "built $tag"
}
build_image localhost/persistence-test:latest --change 'CMD ["sleep","86400"]'
build_image localhost/persistence-test-volume:latest --change 'CMD ["sleep","86400"]' --change 'VOLUME /data' --change 'USER coder' --change 'ENV HOME=/home/coder'

# Containers must be able to start; say so now rather than in every test.
if ! out=$(podman --url "$URL" run --rm --network none localhost/persistence-test:latest true 2>&1); then
  log "the Podman service answers but a container cannot start: $out"
  exit 5
fi
log "Podman ready: $(podman --url "$URL" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
echo "$URL"
