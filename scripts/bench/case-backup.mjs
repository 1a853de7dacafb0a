// Backup of a volume of mixed file sizes (half incompressible random bytes, half text that compresses ~3:1),
// grown in steps (100 MB, 500 MB: ours only, to show how its time and memory grow; then 1 GB: all three); gzip
// level 6 everywhere. Before them, ours alone on another volume of many small files: 313 MB in 3,000 files,
// the volume issue 13 point 20 measured the CLI's peak memory on. Each run of ours prints its peak RSS beside
// its throughput; the peak RSS target (< 120 MB) holds at every size.
//   ours   `persistence-lens backup --volume VOL` (the CLI, bundled as scripts/build.mjs does, as a child
//          process; its peak RSS from /usr/bin/time)
//   peer   docker run --rm -v VOL:/data:ro -v OUT:/b IMAGE tar czf /b/x.tar.gz -C /data .
//          (IMAGE: busybox built locally; busybox gzip has no levels and compresses like gzip -6)
//   floor  tar cf - -C <the volume's Mountpoint on the host> . | gzip -6 > OUT/x.tar.gz
// The volume's files are written straight into its Mountpoint (we are root on the engine's host), so they sit
// in the page cache for all three alike. This replaces scripts/bench-backup.mjs.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { docker, interleaved, labelArgs, labels, runId, spawnQuiet, summary } from './lib.mjs';

const LEVEL = 6;
export const BENCH_IMAGE = `persistence-lens-bench:${runId}`;

/** A busybox root file system as an image: tar and gzip links included, labelled, removed at the end. */
async function buildImage(work) {
  const d = join(work, 'image');
  mkdirSync(join(d, 'bin'), { recursive: true });
  mkdirSync(join(d, 'tmp'), { recursive: true });
  await spawnQuiet('cp', ['/bin/busybox', join(d, 'bin', 'busybox')]);
  for (const a of ['sh', 'tar', 'gzip', 'ls', 'cat']) await spawnQuiet('ln', ['-s', 'busybox', join(d, 'bin', a)]);
  const changes = Object.entries(labels).flatMap(([k, v]) => ['--change', `LABEL ${k}=${v}`]);
  await spawnQuiet('sh', ['-c', `tar -C "$1" -c . | docker import ${changes.map((c) => `'${c}'`).join(' ')} - "$2"`, 'sh', d, BENCH_IMAGE]);
  rmSync(d, { recursive: true, force: true });
}

/** Deterministic pseudo-random numbers (xorshift32). */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** 8 MiB of text-like bytes; files take slices of it far enough apart that deflate's 32 KiB window can't tell. */
function textPool() {
  const words = [
    'persistence',
    'volume',
    'container',
    'backup',
    'restore',
    'layer',
    'mount',
    'survive',
    'recreate',
    'data',
    'the',
    'a',
    'of',
    'and',
    'config',
    'cache',
    'state',
    'export',
    'function',
    'return',
    'const',
    'let',
    '{',
    '}',
    '=>',
    '\n',
  ];
  const rnd = prng(7);
  const parts = [];
  let n = 0;
  while (n < 8 * 1024 * 1024) {
    const w = words[Math.floor(rnd() * words.length)] + (rnd() < 0.1 ? String(Math.floor(rnd() * 100000)) : '') + ' ';
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, 8 * 1024 * 1024);
}

/**
 * Adds files to `dir` until it holds `targetBytes` of file data. Sizes: by bytes, ~10% in small files
 * (1-64 KiB), ~40% in medium ones (64 KiB-4 MiB), ~50% in large ones (8-48 MiB); every other file random.
 */
export function makeFiller(dir) {
  const rnd = prng(42);
  const pool = textPool();
  let bytes = 0;
  let files = 0;
  const buckets = [
    [0.1, 1024, 64 * 1024],
    [0.4, 64 * 1024, 4 * 1024 * 1024],
    [0.5, 8 * 1024 * 1024, 48 * 1024 * 1024],
  ];
  const inBucket = [0, 0, 0];
  const write = (path, size, random) => {
    const fd = openSync(path, 'w', 0o644);
    try {
      for (let left = size; left > 0;) {
        const n = Math.min(left, 1024 * 1024);
        if (random) writeSync(fd, randomBytes(n));
        else {
          const at = Math.floor(rnd() * (pool.length - n));
          writeSync(fd, pool, at, n);
        }
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
  };
  return {
    fillTo(targetBytes) {
      while (bytes < targetBytes) {
        // the bucket furthest below its share of the bytes written so far
        const b = buckets.map(([share], i) => share * (bytes + 1) - inBucket[i]).reduce((best, v, i, a) => (v > a[best] ? i : best), 0);
        const [, lo, hi] = buckets[b];
        const size = Math.min(targetBytes - bytes, Math.floor(lo + rnd() * (hi - lo)));
        const sub = join(dir, `d${String(Math.floor(files / 100)).padStart(3, '0')}`);
        if (files % 100 === 0) mkdirSync(sub, { recursive: true });
        write(join(sub, `f${files}.${files % 2 ? 'txt' : 'bin'}`), size, files % 2 === 0);
        inBucket[b] += size;
        bytes += size;
        files++;
      }
      return { bytes, files };
    },
  };
}

/**
 * Writes `files` files of `totalBytes` in all into `dir` (100 per folder), each 0.2-1.8× the mean size,
 * every other one random bytes, the rest text: many small files, where per-file costs show.
 */
export function fillSmallFiles(dir, totalBytes, files) {
  const rnd = prng(313);
  const pool = textPool();
  const mean = totalBytes / files;
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const size = i === files - 1 ? totalBytes - bytes : Math.min(totalBytes - bytes, Math.floor(mean * (0.2 + 1.6 * rnd())));
    const sub = join(dir, `s${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const fd = openSync(join(sub, `f${i}.${i % 2 ? 'txt' : 'bin'}`), 'w', 0o644);
    try {
      if (i % 2 === 0) writeSync(fd, randomBytes(size));
      else
        for (let left = size; left > 0;) {
          const n = Math.min(left, 1024 * 1024);
          writeSync(fd, pool, Math.floor(rnd() * (pool.length - n)), n);
          left -= n;
        }
    } finally {
      closeSync(fd);
    }
    bytes += size;
  }
  return { bytes, files };
}

/** Wall time and peak RSS (KiB, from GNU time) of a command. */
async function timed(cmd, args, opts = {}) {
  const tfile = join(opts.work, `time-${process.hrtime.bigint()}.txt`);
  const t = performance.now();
  await spawnQuiet('/usr/bin/time', ['-f', '%M', '-o', tfile, cmd, ...args], opts.env ? { env: opts.env } : {});
  const ms = performance.now() - t;
  const maxRssKb = Number(readFileSync(tfile, 'utf8').trim().split('\n').pop());
  rmSync(tfile, { force: true });
  return { ms, rssMb: maxRssKb / 1024 };
}

export async function benchBackup({ work, cli, quick, log }) {
  const sizes = quick ? [20e6, 50e6, 100e6] : [100e6, 500e6, 1000e6];
  // the last size is the headline (ours, peer and floor, interleaved); the smaller ones show how ours grows
  const repsAt = (i) => (quick ? [1, 1, 2] : [2, 1, 3])[i];
  const isLast = (i) => i === sizes.length - 1;
  const small = quick ? { bytes: 31.3e6, files: 300 } : { bytes: 313e6, files: 3000 };
  await buildImage(work);
  const volume = `pl-bench-${runId}-backup`;
  const smallVolume = `pl-bench-${runId}-backup-small`;
  await docker('volume', 'create', ...labelArgs, volume);
  await docker('volume', 'create', ...labelArgs, smallVolume);
  const mountpointOf = async (v) => (await docker('volume', 'inspect', '--format', '{{.Mountpoint}}', v)).trim();
  const mountpoint = await mountpointOf(volume);
  try {
    readdirSync(mountpoint);
  } catch (err) {
    throw new Error(
      `the floor reads the volume on the host, and ${mountpoint} cannot be read here (${err.code}): run as root on the engine's host`,
    );
  }
  const filler = makeFiller(mountpoint);
  const helperLabels = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const out = mkdtempSync(join(work, 'backup-out-'));
  const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

  /** One backup of `vol` by our CLI: its peak RSS (MB) and archive size; `into` collects them. */
  const ours = (vol, into) => async () => {
    const dir = mkdtempSync(join(out, 'ours-'));
    const r = await timed(process.execPath, [cli, 'backup', '--volume', vol, '--out', dir, '--keep', '0', '--level', String(LEVEL)], {
      work,
      env: { ...process.env, PERSISTENCE_LENS_HELPER_LABELS: helperLabels },
    });
    into.rss.push(r.rssMb);
    const archive = readdirSync(dir).find((f) => f.endsWith('.tar.gz'));
    into.archives.push(statSync(join(dir, archive)).size);
    rmSync(dir, { recursive: true, force: true });
    return r.rssMb;
  };
  const runLine = (label, bytes) => (name, r, ms, rssMb) =>
    log(
      `backup ${label} ${name} run ${r + 1}: ${(ms / 1000).toFixed(1)} s, ${mbps(bytes, ms).toFixed(1)} MB/s${rssMb !== undefined ? `, peak RSS ${rssMb.toFixed(1)} MB` : ''}`,
    );
  const stepOf = (content, times, rss, archives, label) => ({
    ...(label ? { label } : {}),
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
    // throughput of each run (its median is the throughput of the median run)
    throughput: Object.fromEntries(
      Object.entries(times).map(([k, v]) => [
        k,
        summary(
          v.map((ms) => mbps(content.bytes, ms)),
          'MB/s',
        ),
      ]),
    ),
    peakRss: {
      ours: summary(rss.ours, 'MB'),
      ...(rss.floor.length ? { floor: summary(rss.floor, 'MB') } : {}),
      peer: 'not measured: tar and gzip run inside the container',
    },
    archiveMb: Object.fromEntries(Object.entries(archives).map(([k, v]) => [k, v.length ? Math.round(median(v) / 1e5) / 10 : undefined])),
  });

  const steps = [];
  {
    // many small files first, on a volume of their own (removed before the large ones are written)
    const smallMount = await mountpointOf(smallVolume);
    const t = performance.now();
    const content = fillSmallFiles(smallMount, small.bytes, small.files);
    const label = `${(content.bytes / 1e6).toFixed(0)} MB in ${content.files} files`;
    log(`backup: small-files volume filled to ${label} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    await spawnQuiet('sync', []);
    const into = { rss: [], archives: [] };
    const times = await interleaved({ ours: ours(smallVolume, into) }, quick ? 1 : 2, { onRun: runLine(label, content.bytes) });
    steps.push(stepOf(content, times, { ours: into.rss, floor: [] }, { ours: into.archives }, label));
    await docker('volume', 'rm', smallVolume);
  }
  for (const [i, size] of sizes.entries()) {
    const t = performance.now();
    const content = filler.fillTo(size);
    log(
      `backup: volume filled to ${(content.bytes / 1e6).toFixed(0)} MB in ${content.files} files (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
    await spawnQuiet('sync', []);
    const archives = { ours: [], peer: [], floor: [] };
    const rss = { ours: [], floor: [] };
    const into = { rss: rss.ours, archives: archives.ours };
    const series = {
      ours: ours(volume, into),
      peer: async () => {
        const dir = mkdtempSync(join(out, 'peer-'));
        await spawnQuiet('docker', [
          'run',
          '--rm',
          ...labelArgs,
          '--network',
          'none',
          '-v',
          `${volume}:/data:ro`,
          '-v',
          `${dir}:/b`,
          BENCH_IMAGE,
          'tar',
          'czf',
          '/b/x.tar.gz',
          '-C',
          '/data',
          '.',
        ]);
        archives.peer.push(statSync(join(dir, 'x.tar.gz')).size);
        rmSync(dir, { recursive: true, force: true });
      },
      floor: async () => {
        const dir = mkdtempSync(join(out, 'floor-'));
        const r = await timed('sh', ['-c', `tar cf - -C "$1" . | gzip -${LEVEL} > "$2"`, 'sh', mountpoint, join(dir, 'x.tar.gz')], {
          work,
        });
        rss.floor.push(r.rssMb);
        archives.floor.push(statSync(join(dir, 'x.tar.gz')).size);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    const times = await interleaved(isLast(i) ? series : { ours: series.ours }, repsAt(i), {
      onRun: (name, r, ms, value) =>
        runLine(`${(size / 1e6).toFixed(0)} MB`, content.bytes)(name, r, ms, name === 'ours' ? value : undefined),
    });
    steps.push(stepOf(content, times, rss, archives));
  }
  return {
    gzipLevel: LEVEL,
    content: `first ${small.files} files of ${small.bytes / 1e6} MB in all (0.2-1.8x the mean size); then mixed sizes: ~10% of the bytes in 1-64 KiB files, ~40% in 64 KiB-4 MiB, ~50% in 8-48 MiB; every other file random bytes, the rest text; warm page cache`,
    steps,
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
