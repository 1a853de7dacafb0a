// The Volumes view at N volumes of this run (N = 50, 200, 500; the engine's other volumes come on top):
//   refresh  gatherVolumes, what the view does on every engine event while visible: a scan of every container
//            (which rates the paths each volume serves), the volume list, the inventory
//   df       /system/df, what Show Sizes asks (only on demand): the engine walks every volume on disk
//   peer     `docker volume ls --format json`, the volume list as the CLI gives it (no users, no criticality)
// Each volume holds one small file (written by one helper container per step), so df has something to count.
import { docker, interleaved, labelArgs, labels, round, summary } from './lib.mjs';

const IMAGE = 'persistence-test:latest';

export async function benchVolumes({ ours, quick, log }) {
  const steps = quick ? [50, 200] : [50, 200, 500];
  const reps = quick ? 3 : 5;
  const conn = await ours.connectDocker();
  const made = [];
  const out = { steps: [] };
  for (const n of steps) {
    const fresh = [];
    while (made.length < n) {
      const batch = Array.from(
        { length: Math.min(25, n - made.length) },
        (_, i) => `pl-bench-vol-${labels['persistence-lens.bench.run']}-${made.length + i}`,
      );
      await Promise.all(batch.map((Name) => conn.docker.createVolume({ Name, Labels: labels })));
      made.push(...batch);
      fresh.push(...batch);
    }
    // one file in each new volume (40 mounts per helper container, so its command line stays short)
    for (let i = 0; i < fresh.length; i += 40) {
      const part = fresh.slice(i, i + 40);
      await docker(
        'run',
        '--rm',
        ...labelArgs,
        ...part.flatMap((v, j) => ['-v', `${v}:/v${j}`]),
        IMAGE,
        'sh',
        '-c',
        `for d in ${part.map((_, j) => `/v${j}`).join(' ')}; do head -c 4096 /dev/urandom > $d/f; done`,
      );
    }
    const total = (await docker('volume', 'ls', '-q')).split('\n').filter(Boolean).length;
    const times = await interleaved(
      {
        refresh: () => ours.gatherVolumes({ remember: async () => ({}) }),
        df: () => ours.volumeSizes(conn),
        peer: () => docker('volume', 'ls', '--format', '{{json .}}'),
      },
      reps,
    );
    const step = {
      volumes: n,
      engineVolumes: total,
      refresh: summary(times.refresh, 'ms'),
      df: summary(times.df, 'ms'),
      peer: summary(times.peer, 'ms'),
    };
    log(
      `volumes ${n} (engine ${total}): refresh ${round(step.refresh.median, 1)} ms, /system/df ${round(step.df.median, 1)} ms, docker volume ls ${round(step.peer.median, 1)} ms`,
    );
    out.steps.push(step);
  }
  return out;
}
