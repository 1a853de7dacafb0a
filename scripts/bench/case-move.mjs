// Moving what a container's writable layer holds at a path into a new named volume (issue: persist a path with
// what it holds now). The container is created, never started, with the data written straight into its upper
// directory on the host (we are root on the engine's host), mixed file sizes as in the backup case.
//   ours   `persistence-lens persist --file compose.yaml --path /srv/data --write --move-data --container C`
//          (the bundled CLI as a child process): plan the edit, copy through never-started helpers with a digest,
//          read the volume back and compare, write the edit. Peak RSS from GNU time.
//   peer   the `docker cp` route people script: `docker cp C:/srv/data - | docker run --rm -i -v VOL:/v IMAGE
//          tar -x -C /v` (a helper container untarring into the volume), with no verification at all
//   floor  on the host: tar cf - -C <upper dir>/srv/data . | tar xf - -C <the volume's Mountpoint>
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { makeFiller } from './case-backup.mjs';
import { docker, interleaved, labelArgs, labels, runId, spawnQuiet, summary } from './lib.mjs';

const IMAGE = 'persistence-test:latest';

async function timed(cmd, args, { work, env } = {}) {
  const tfile = join(work, `time-${process.hrtime.bigint()}.txt`);
  const t = performance.now();
  await spawnQuiet('/usr/bin/time', ['-f', '%M', '-o', tfile, cmd, ...args], env ? { env } : {});
  const ms = performance.now() - t;
  const maxRssKb = Number(readFileSync(tfile, 'utf8').trim().split('\n').pop());
  rmSync(tfile, { force: true });
  return { ms, rssMb: maxRssKb / 1024 };
}

export async function benchMove({ work, cli, quick, log }) {
  const size = quick ? 100e6 : 1000e6;
  const reps = quick ? 1 : 3;
  const container = `pl-bench-${runId}-move`;
  await docker('create', ...labelArgs, '--name', container, IMAGE);
  const upper = await docker('inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', container);
  const data = join(upper, 'srv', 'data');
  mkdirSync(data, { recursive: true });
  const t = performance.now();
  const content = makeFiller(data).fillTo(size);
  log(
    `move: writable layer filled to ${(content.bytes / 1e6).toFixed(0)} MB in ${content.files} files (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
  await spawnQuiet('sync', []);

  const dir = mkdtempSync(join(work, 'move-project-'));
  const project = `plbenchmove${runId}`.toLowerCase().replace(/[^a-z0-9]/g, '');
  const projectDir = join(dir, project);
  mkdirSync(projectDir);
  const file = join(projectDir, 'compose.yaml');
  const original = `services:\n  app:\n    image: ${IMAGE}\n`;
  const helperLabels = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const removeVolume = (name) => docker('volume', 'rm', '-f', name).catch(() => undefined);
  const newVolume = async (name) => {
    await docker('volume', 'create', ...labelArgs, name);
    return docker('volume', 'inspect', '--format', '{{.Mountpoint}}', name);
  };
  let n = 0;
  const rss = [];
  const series = {
    ours: async () => {
      writeFileSync(file, original);
      const key = `data${n++}`;
      const r = await timed(
        process.execPath,
        [cli, 'persist', '--file', file, '--path', '/srv/data', '--write', '--move-data', '--container', container, '--volume', key],
        {
          work,
          env: { ...process.env, PERSISTENCE_LENS_HELPER_LABELS: helperLabels },
        },
      );
      rss.push(r.rssMb);
      await removeVolume(`${project}_${key}`);
    },
    peer: async () => {
      const volume = `pl-bench-${runId}-move-peer${n++}`;
      await docker('volume', 'create', ...labelArgs, volume);
      await spawnQuiet('sh', [
        '-c',
        'docker cp "$1":/srv/data - | docker run --rm -i --network none "$2" "$3" -v "$4":/v "$5" tar -x -C /v',
        'sh',
        container,
        ...labelArgs.slice(0, 2),
        volume,
        IMAGE,
      ]);
      await removeVolume(volume);
    },
    floor: async () => {
      const volume = `pl-bench-${runId}-move-floor${n++}`;
      const mountpoint = await newVolume(volume);
      await spawnQuiet('sh', ['-c', 'tar cf - -C "$1" . | tar xf - -C "$2"', 'sh', data, mountpoint]);
      await removeVolume(volume);
    },
  };
  const times = await interleaved(series, reps, {
    onRun: (name, r, ms) =>
      log(
        `move ${(size / 1e6).toFixed(0)} MB ${name} run ${r + 1}: ${(ms / 1000).toFixed(1)} s, ${(content.bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`,
      ),
  });
  await docker('rm', '-f', container);
  rmSync(dir, { recursive: true, force: true });
  const mbps = (ms) => content.bytes / 1e6 / (ms / 1000);
  return {
    bytes: content.bytes,
    files: content.files,
    seconds: Object.fromEntries(
      Object.entries(times).map(([k, v]) => [
        k,
        summary(
          v.map((ms) => ms / 1000),
          's',
        ),
      ]),
    ),
    throughput: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summary(v.map(mbps), 'MB/s')])),
    peakRss: { ours: summary(rss, 'MB') },
    what: "ours includes planning, the digest, reading the volume back and comparing, and writing the edit; the peer (docker cp | a helper's tar -x) verifies nothing",
  };
}
