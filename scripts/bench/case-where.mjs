// `where` for one path with a mount table of 1,000 mounts: what the save guard asks on every save.
//   ours   LiveMountTable.where: the table parsed once, then a realpath and a handful of map probes
//   peer   re-reading and parsing the mount table on every call (LiveMountTable.load(file).where(path))
//   floor  an empty function call, timed the same way (the cost of the clock itself)
// Each call is timed on its own; a round of calls gives p50 and p99; the figures are medians over rounds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, quantile, round } from './lib.mjs';

const MOUNTS = 1000;

/** A container's mount table: overlay root, the usual engine mounts, then volumes, binds and tmpfs up to 1,000. */
function mountinfo(workspace) {
  const hex = (i) => (i.toString(16).padStart(8, '0') + 'a5c3e1f0').repeat(8).slice(0, 64);
  const lines = [
    '72 48 0:39 / / rw,relatime master:2 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/M5FG:/var/lib/docker/overlay2/l/TJC4,upperdir=/var/lib/docker/overlay2/e998/diff,workdir=/var/lib/docker/overlay2/e998/work',
    '73 72 0:42 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
    '74 72 0:43 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
    '75 74 0:44 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666',
    '76 72 0:45 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro',
    '77 76 0:46 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw',
    '87 74 0:41 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw',
    '88 74 0:47 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k',
    `94 72 254:0 /var/lib/docker/containers/${hex(1)}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw`,
    `95 72 254:0 /var/lib/docker/containers/${hex(1)}/hostname /etc/hostname rw,relatime - ext4 /dev/vda rw`,
    `96 72 254:0 /var/lib/docker/containers/${hex(1)}/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw`,
    // the mount that decides the path asked about
    `97 72 254:0 /var/lib/docker/volumes/workspace/_data ${workspace} rw,relatime master:1 - ext4 /dev/vda rw`,
  ];
  for (let i = 0; lines.length < MOUNTS; i++) {
    const id = 100 + i;
    const dir = `/srv/app${i % 40}/part${Math.floor(i / 40)}`;
    switch (i % 4) {
      case 0:
        lines.push(`${id} 72 254:0 /var/lib/docker/volumes/${hex(i)}/_data ${dir}/anon rw,relatime master:1 - ext4 /dev/vda rw`);
        break;
      case 1:
        lines.push(`${id} 72 254:0 /var/lib/docker/volumes/named-${i}/_data ${dir}/data rw,relatime master:1 - ext4 /dev/vda rw`);
        break;
      case 2:
        lines.push(`${id} 72 254:0 /home/user/src/project${i} ${dir}/src ro,relatime - ext4 /dev/vda rw`);
        break;
      default:
        lines.push(`${id} 72 0:${60 + i} / ${dir}/tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=65536k`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Times `calls` calls of fn, each on its own; returns the sorted microseconds. */
function sample(fn, arg, calls) {
  const out = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    fn(arg);
    out[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return out.sort();
}

export async function benchWhere({ ours, work, quick, log }) {
  const workspace = join(work, 'where', 'workspace');
  const file = join(workspace, 'src', 'components', 'Button.tsx');
  mkdirSync(join(workspace, 'src', 'components'), { recursive: true });
  writeFileSync(file, 'export {};\n');
  const mountinfoFile = join(work, 'where', 'mountinfo');
  writeFileSync(mountinfoFile, mountinfo(workspace));

  const table = ours.LiveMountTable.load(mountinfoFile);
  const mounts = table.table.size;
  const check = table.where(file);
  if (check.status !== 'named-volume' || check.mountPoint !== workspace) throw new Error(`where gave ${JSON.stringify(check)}`);

  const fns = {
    ours: (p) => table.where(p),
    peer: (p) => ours.LiveMountTable.load(mountinfoFile).where(p),
    floor: () => undefined,
  };
  const rounds = quick ? 3 : 7;
  const calls = { ours: quick ? 5_000 : 20_000, peer: quick ? 100 : 400, floor: quick ? 5_000 : 20_000 };
  for (const [name, fn] of Object.entries(fns)) sample(fn, file, Math.min(2000, calls[name])); // warm-up
  const per = { ours: [], peer: [], floor: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of Object.keys(fns)) {
      const us = sample(fns[name], file, calls[name]);
      per[name].push({ p50: quantile(us, 0.5), p99: quantile(us, 0.99), min: us[0], max: us[us.length - 1] });
    }
  }
  const stat = (name, key) => {
    const xs = per[name].map((x) => x[key]);
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length, unit: 'µs', samples: xs.map((x) => round(x)) };
  };
  const result = {};
  for (const key of ['p50', 'p99']) {
    result[key] = { ours: stat('ours', key), peer: stat('peer', key), floor: stat('floor', key) };
  }
  log(`where: ${mounts} mounts; p99 ours ${result.p99.ours.median.toFixed(1)} µs, peer ${result.p99.peer.median.toFixed(0)} µs`);
  return {
    mountinfoLines: MOUNTS,
    mountsKept: mounts,
    path: file,
    rounds,
    callsPerRound: calls,
    ...result,
    slowestCall: { ours: Math.max(...per.ours.map((x) => x.max)), peer: Math.max(...per.peer.map((x) => x.max)) },
  };
}
