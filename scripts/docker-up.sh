#!/usr/bin/env bash
# Makes sure a Docker Engine answers on this machine, and that the locally built test image exists.
# Installs Debian's docker.io, docker-compose and busybox-static when they are missing and we are root
# (a fresh CI machine); starts dockerd detached when no daemon answers (there is no systemd here).
set -euo pipefail

log() { printf '[docker-up] %s\n' "$*" >&2; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing docker.io docker-compose busybox-static from Debian"
    # Another apt-get (an unattended upgrade, a parallel install) may hold the lock: wait for it, never fail on it.
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq docker.io docker-compose busybox-static >/dev/null
  else
    log "dockerd, docker-compose or busybox is missing and I cannot install them (need root and apt-get)"
    exit 3
  fi
fi

if ! docker info >/dev/null 2>&1; then
  # a daemon that was killed leaves its pid file behind, and a new one then refuses to start
  pgrep -x dockerd >/dev/null || rm -f /var/run/docker.pid
  log "starting dockerd (log: /tmp/dockerd.log)"
  setsid dockerd >/tmp/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  if ! docker info >/dev/null 2>&1; then
    log "dockerd did not answer within 30 s; last lines of /tmp/dockerd.log:"
    tail -n 20 /tmp/dockerd.log >&2 || true
    exit 4
  fi
fi

# The test image: the static busybox binary as a whole root file system. No registry is reachable.
build_image() {
  local tag=$1; shift
  docker image inspect "$tag" >/dev/null 2>&1 && return 0
  local d; d=$(mktemp -d)
  mkdir -p "$d/bin" "$d/etc" "$d/home/coder" "$d/tmp"
  cp /bin/busybox "$d/bin/"
  for a in sh ls cat echo sleep mkdir touch tar rm cp mv ln stat find sha256sum head dd chmod id env test true; do ln -s busybox "$d/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\ncoder:x:1000:1000:coder:/home/coder:/bin/sh\n' > "$d/etc/passwd"
  printf 'root:x:0:\ncoder:x:1000:\n' > "$d/etc/group"
  tar -C "$d" -c . | docker import "$@" - "$tag" >/dev/null
  rm -rf "$d"
  log "built $tag"
}
build_image persistence-test:latest --change 'CMD ["sleep","86400"]'
build_image persistence-test-volume:latest --change 'CMD ["sleep","86400"]' --change 'VOLUME /data' --change 'USER coder' --change 'ENV HOME=/home/coder'
log "Docker Engine ready: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
