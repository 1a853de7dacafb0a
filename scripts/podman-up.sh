#!/usr/bin/env bash
# Makes sure a rootful Podman service answers the Docker-compatible API on
#   unix:///run/persistence-lens-podman/podman.sock
# and that the busybox test images exist in Podman's store. Installs Debian's podman (4.3) and what it needs
# when missing and we are root; starts `podman system service --time=0` detached when the socket does not
# answer (there is no systemd here). Prints the socket address on stdout. Then the same for rootless Podman:
# a user persistence-lens-rootless (created here) serves unix:///run/user/<uid>/podman/podman.sock; that
# address is written to /run/persistence-lens-podman/rootless-url.
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
# IMAGE_VERSION changes when their content does: an older image is rebuilt.
IMAGE_VERSION=2
build_image() { # URL TAG CHANGES...
  local url=$1 tag=$2; shift 2
  [ "$(podman --url "$url" image inspect --format '{{index .Labels "persistence-lens.test-image"}}' "$tag" 2>/dev/null)" = "$IMAGE_VERSION" ] && return 0
  local d; d=$(mktemp -d)
  chmod 755 "$d" # the image's / (mktemp makes it 0700, and only root could then run anything in it)
  mkdir -p "$d/bin" "$d/etc" "$d/home/coder" "$d/tmp"
  chmod 1777 "$d/tmp"
  cp /bin/busybox "$d/bin/"
  for a in sh ls cat echo sleep mkdir touch tar rm cp mv ln stat find sha256sum head dd chmod id env test true cut readlink sort; do ln -s busybox "$d/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1000:coder:/home/coder:/bin/sh\n' >"$d/etc/passwd"
  printf 'root:x:0:\ncoder:x:1000:\n' >"$d/etc/group"
  chown -R 1000:1000 "$d/home/coder"
  tar -C "$d" --numeric-owner -c . | podman --url "$url" import --change "LABEL persistence-lens.test-image=$IMAGE_VERSION" --change 'ENV PATH=/bin' "$@" - "$tag" >/dev/null
  rm -rf "$d"
  log "built $tag ($url)"
}
build_images() { # URL
  build_image "$1" localhost/persistence-test:latest --change 'CMD ["sleep","86400"]'
  build_image "$1" localhost/persistence-test-volume:latest --change 'CMD ["sleep","86400"]' --change 'VOLUME /data' --change 'USER coder' --change 'ENV HOME=/home/coder'
}
build_images "$URL"

# Containers must be able to start; say so now rather than in every test.
if ! out=$(podman --url "$URL" run --rm --network none localhost/persistence-test:latest true 2>&1); then
  log "the Podman service answers but a container cannot start: $out"
  exit 5
fi
log "Podman ready: $(podman --url "$URL" version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# Rootless: the same service run by an unprivileged user (created here, with the subordinate ids useradd
# gives it) on $XDG_RUNTIME_DIR/podman/podman.sock; its storage is ~/.local/share/containers/storage.
ROOTLESS_USER=persistence-lens-rootless
id "$ROOTLESS_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$ROOTLESS_USER"
grep -q "^$ROOTLESS_USER:" /etc/subuid || usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$ROOTLESS_USER"
RUID=$(id -u "$ROOTLESS_USER")
RRUN=/run/user/$RUID
install -d -m 700 -o "$ROOTLESS_USER" -g "$ROOTLESS_USER" "$RRUN" "$RRUN/podman"
RHOME=$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)
install -d -o "$ROOTLESS_USER" -g "$ROOTLESS_USER" "$RHOME/.config" "$RHOME/.config/containers"
# crun refuses this host's hybrid cgroups; runc runs rootless containers without cgroups
printf '# written by scripts/podman-up.sh\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' >"$RHOME/.config/containers/containers.conf"
chown "$ROOTLESS_USER:" "$RHOME/.config/containers/containers.conf"
RSOCK="$RRUN/podman/podman.sock"
RURL="unix://$RSOCK"
ranswers() { curl -sf --max-time 2 --unix-socket "$RSOCK" http://d/_ping >/dev/null 2>&1; }
if ! ranswers; then
  RLOG=/tmp/podman-rootless-service.log
  log "starting the rootless podman system service as $ROOTLESS_USER (log: $RLOG)"
  : >"$RLOG"
  chown "$ROOTLESS_USER:" "$RLOG"
  su -s /bin/sh "$ROOTLESS_USER" -c "cd && XDG_RUNTIME_DIR=$RRUN setsid podman system service --time=0 $RURL >>$RLOG 2>&1 </dev/null &"
  for _ in $(seq 100); do ranswers && break; sleep 0.2; done
  if ! ranswers; then
    log "the rootless Podman service did not answer on $RSOCK within 20 s; last lines of $RLOG:"
    tail -n 20 "$RLOG" >&2 || true
    exit 6
  fi
fi
build_images "$RURL"
if ! out=$(podman --url "$RURL" run --rm --network none localhost/persistence-test:latest true 2>&1); then
  log "the rootless Podman service answers but a container cannot start: $out"
  exit 7
fi
echo "$RURL" >"$DIR/rootless-url"
log "rootless Podman ready ($ROOTLESS_USER, $RURL)"
echo "$URL"
