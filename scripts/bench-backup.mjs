#!/usr/bin/env node
// Throughput and peak memory of `persistence-lens backup --volume` against the usual recipe
//   docker run --rm -v VOL:/data:ro -v $PWD:/backup IMAGE tar czf /backup/x.tar.gz -C /data .
// on a volume of about 1 GB (half incompressible random bytes, half compressible text, 1,024 files).
//
//   node --import tsx scripts/bench-backup.mjs [--size-mb 1024] [--runs 2] [--parallelism N]
//
// Needs a Docker Engine and the local busybox image persistence-test:latest (scripts/docker-up.sh). Nothing is
// pulled. Ours runs as a separate plain-node process (an esbuild bundle, no tsx) whose peak RSS is its own
// getrusage maxRSS. The busybox image has no `gzip` link, and busybox `tar z` executes `gzip`: the recipe
// gets one in a temporary PATH directory (busybox gzip has no -1..-9: it is built without level support and
// compresses like gzip -6). Runs alternate (ours, recipe, ours, recipe...) so a noisy machine hurts both.
// Everything created is labelled persistence-lens.test=1 and removed at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import Docker from 'dockerode';
import { tarBytes } from '../src/backup/tar-format.ts';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, runs: { type: 'string', default: '2' }, parallelism: { type: 'string' } } });
const sizeMb = Number(values['size-mb']);
const runs = Number(values.runs);
const IMAGE = 'persistence-test:latest';
const labels = { 'persistence-lens.test': '1', 'persistence-lens.bench': randomBytes(4).toString('hex') };
const docker = new Docker();
const work = mkdtempSync(join(tmpdir(), 'pl-bench-'));
const volume = `pl-bench-${labels['persistence-lens.bench']}`;

/** ~1 MiB of text-like bytes that compress about 3:1, different every call. */
function textChunk(size) {
  const words = ['persistence', 'volume', 'container', 'backup', 'restore', 'layer', 'mount', 'survive', 'recreate', 'data', 'the', 'a', 'of', 'and'];
  const salt = randomBytes(size / 8);
  const parts = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const w = `${words[salt[i % salt.length] % words.length]}${salt[(i * 7) % salt.length] % 10 === 0 ? salt.readUInt16LE((i * 2) % (salt.length - 2)) : ''} `;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

async function* content() {
  const mib = 1024 * 1024;
  yield { header: { name: './', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 } };
  for (let i = 0; i < sizeMb; i++) {
    const dir = `./d${String(Math.floor(i / 64)).padStart(3, '0')}`;
    if (i % 64 === 0) yield { header: { name: dir, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 } };
    const random = i % 2 === 0;
    yield {
      header: { name: `${dir}/f${i}.${random ? 'bin' : 'txt'}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: mib, mtime: 1_700_000_000 },
      body: (async function* () {
        yield random ? randomBytes(mib) : textChunk(mib);
      })(),
    };
  }
}

async function fill() {
  await docker.createVolume({ Name: volume, Labels: labels });
  const c = await docker.createContainer({ Image: IMAGE, Cmd: ['true'], Labels: labels, HostConfig: { Binds: [`${volume}:/v`] } });
  try {
    await c.putArchive(Readable.from(tarBytes(content(), { entries: 0, bytes: 0 }), { objectMode: false }), { path: '/v' });
  } finally {
    await c.remove({ force: true, v: true });
  }
}

async function bundle() {
  // inside the repository (.cache is git-ignored) so that the external dockerode resolves from node_modules
  const outfile = join(root, '.cache', 'bench', 'bench-backup.cjs');
  await esbuild.build({
    stdin: {
      contents: `
        const { backup } = require('./src/backup');
        const { writeFileSync } = require('node:fs');
        const [volume, out, rssFile, parallelism] = process.argv.slice(2);
        backup({ kind: 'volume', volume }, { outDir: out, keep: 0, helperLabels: ${JSON.stringify(labels)}, ...(parallelism ? { parallelism: Number(parallelism) } : {}) })
          .then((r) => { writeFileSync(rssFile, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS, archiveBytes: r.manifest.archiveBytes, bytes: r.manifest.bytes })); })
          .catch((e) => { console.error(e); process.exitCode = 1; });
      `,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['cpu-features', 'dockerode'],
    logLevel: 'error',
  });
  return outfile;
}

function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const p = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e9) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function ours(cli, parallelism) {
  const out = mkdtempSync(join(work, 'ours-'));
  const rssFile = join(work, 'rss.json');
  const seconds = await timed(process.execPath, [cli, volume, out, rssFile, ...(parallelism ? [String(parallelism)] : [])]);
  const r = JSON.parse(readFileSync(rssFile, 'utf8'));
  rmSync(out, { recursive: true, force: true });
  return { seconds, rssMb: r.maxRSS / 1024, archiveBytes: r.archiveBytes, bytes: r.bytes };
}

async function recipe() {
  const out = mkdtempSync(join(work, 'recipe-'));
  const script = 'mkdir -p /tmp/bin && ln -s /bin/busybox /tmp/bin/gzip && PATH=/tmp/bin:$PATH tar czf /backup/x.tar.gz -C /data .';
  const seconds = await timed('docker', ['run', '--rm', '--label', 'persistence-lens.test=1', '-v', `${volume}:/data:ro`, '-v', `${out}:/backup`, IMAGE, 'sh', '-c', script]);
  const archiveBytes = statSync(join(out, 'x.tar.gz')).size;
  rmSync(out, { recursive: true, force: true });
  return { seconds, archiveBytes };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes, s) => bytes / 1e6 / s;

try {
  process.stdout.write(`filling volume ${volume} with ${sizeMb} MiB...\n`);
  await fill();
  const cli = await bundle();
  const totalBytes = sizeMb * 1024 * 1024;
  const a = [];
  const b = [];
  const parallelism = values.parallelism ? Number(values.parallelism) : undefined;
  for (let i = 0; i < runs; i++) {
    const o = await ours(cli, parallelism);
    a.push(o);
    process.stdout.write(`ours    run ${i + 1}: ${o.seconds.toFixed(1)} s, ${mbps(totalBytes, o.seconds).toFixed(1)} MB/s, peak RSS ${o.rssMb.toFixed(0)} MB, archive ${(o.archiveBytes / 1e6).toFixed(0)} MB\n`);
    const r = await recipe();
    b.push(r);
    process.stdout.write(`recipe  run ${i + 1}: ${r.seconds.toFixed(1)} s, ${mbps(totalBytes, r.seconds).toFixed(1)} MB/s, archive ${(r.archiveBytes / 1e6).toFixed(0)} MB\n`);
  }
  const oursS = median(a.map((x) => x.seconds));
  const recipeS = median(b.map((x) => x.seconds));
  const peak = Math.max(...a.map((x) => x.rssMb));
  process.stdout.write(
    `\nvolume ${(totalBytes / 1e6).toFixed(0)} MB of file data (${sizeMb} files), median of ${runs}:\n` +
      `  persistence-lens backup: ${mbps(totalBytes, oursS).toFixed(1)} MB/s (${oursS.toFixed(1)} s), peak RSS ${peak.toFixed(0)} MB, gzip -6${parallelism ? `, parallelism ${parallelism}` : ''}\n` +
      `  docker run ... tar czf : ${mbps(totalBytes, recipeS).toFixed(1)} MB/s (${recipeS.toFixed(1)} s, including the container's start)\n` +
      `  target: ours >= recipe (${oursS <= recipeS ? 'met' : 'NOT met'}), peak RSS < 150 MB (${peak < 150 ? 'met' : 'NOT met'})\n`,
  );
} finally {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`persistence-lens.bench=${labels['persistence-lens.bench']}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  await docker.getVolume(volume).remove().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
