// Scanning N containers (N = 1, 20, 100), each with 8 mounts of mixed kinds (2 named volumes, 2 anonymous
// volumes, 2 binds, 2 tmpfs), created with `docker create` and never started.
//   ours   scan({ docker: true, containers }) in-process, then the JSON that `scan --docker --json` prints:
//          connect (ping), list, inspect each, the image, the volumes' labels, each changes list;
//          beside it, as a diagnostic, the same without the changes lists (scanDocker includeChanges: false), and
//          the Paths view's refresh on an engine event (the stopped containers' changes lists kept: ChangesCache)
//   peer   the same information through the docker CLI, as a script or another extension gets it: `docker ps -aq`,
//          one `docker inspect` of all, `docker image inspect`, `docker volume ls`, and a `docker diff` per
//          container (all of them at once), parsed
//   floor  the same Engine API calls ours makes, raw over the unix socket with node:http, all in parallel after
//          the list: every inspect, the image, the volumes, every changes list, parsed
// The containers are created in steps (1, then 19 more, then 80 more) and the run's label selects them.
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { docker, interleaved, labelArgs, labels, RUN_LABEL, runId, summary } from './lib.mjs';

const IMAGE = 'persistence-test:latest';

function socketPath() {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) throw new Error(`the floor talks to a unix socket; DOCKER_HOST is ${host}`);
  return host ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/** GET on the Engine API, the body parsed; plain node:http (the global agent keeps connections alive, as dockerode's does). */
function engineGet(path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath: socketPath(), path, headers: { Host: 'docker' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function createContainers(count, offset, volumes, binds) {
  const ids = [];
  const one = async (i) => {
    const id = await docker(
      'create',
      ...labelArgs,
      '--name',
      `pl-bench-${runId}-${i}`,
      '-e',
      'HOME=/home/coder',
      '-v',
      `${volumes[0]}:/home/coder/.config`,
      '-v',
      `${volumes[1]}:/var/lib/app`,
      '--mount',
      `type=volume,dst=/home/coder/.cache,${Object.entries(labels)
        .map(([k, v]) => `volume-label=${k}=${v}`)
        .join(',')}`,
      '--mount',
      `type=volume,dst=/srv/anonymous,${Object.entries(labels)
        .map(([k, v]) => `volume-label=${k}=${v}`)
        .join(',')}`,
      '-v',
      `${binds[0]}:/home/coder/project`,
      '-v',
      `${binds[1]}:/etc/app:ro`,
      '--tmpfs',
      '/tmp',
      '--mount',
      'type=tmpfs,dst=/run/cache',
      IMAGE,
    );
    ids[i - offset] = id;
  };
  // four `docker create` at a time
  for (let i = offset; i < offset + count; i += 4)
    await Promise.all([...Array(Math.min(4, offset + count - i)).keys()].map((k) => one(i + k)));
  return ids;
}

/**
 * Where ours' time goes at one N: each step of the scan on its own (dockerode calls as scanDocker makes them,
 * then the analysis and the JSON), medians of `reps`. They overlap in a real scan (images, volumes and changes
 * run in parallel), so they do not add up to it exactly.
 */
async function phases(ours, ids, reps) {
  const conn = await ours.connectDocker();
  const d = conn.docker;
  const scanned = await ours.scanDocker(conn, { containers: ids });
  const steps = {
    'connect (ping)': () => ours.connectDocker(),
    'list all containers': () => d.listContainers({ all: true }),
    'inspect each (parallel)': () => Promise.all(ids.map((id) => d.getContainer(id).inspect())),
    'changes of each (parallel)': () => Promise.all(ids.map((id) => d.getContainer(id).changes())),
    'image + volumes': () => Promise.all([d.getImage(IMAGE).inspect(), d.listVolumes()]),
    'analyze + JSON': () => JSON.stringify(ours.scanJson({ targets: scanned.targets.map(ours.analyzeTarget), warnings: [] }), null, 2),
  };
  const times = await interleaved(steps, reps);
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summary(v, 'ms')]));
}

export async function benchScan({ ours, work, quick, log }) {
  const steps = quick ? [1, 5, 20] : [1, 20, 100];
  const reps = quick ? 5 : 11;
  const volumes = [`pl-bench-${runId}-config`, `pl-bench-${runId}-app`];
  for (const v of volumes) await docker('volume', 'create', ...labelArgs, v);
  const binds = [join(work, 'scan', 'project'), join(work, 'scan', 'etc-app')];
  for (const b of binds) mkdirSync(b, { recursive: true });
  const filter = `label=${RUN_LABEL}=${runId}`;

  const ids = [];
  const results = [];
  for (const n of steps) {
    ids.push(...(await createContainers(n - ids.length, ids.length, volumes, binds)));
    const everything = (await docker('ps', '-aq')).split('\n').filter(Boolean).length;

    // the Paths view's refresh on an engine event: the same scan with the changes lists of stopped containers
    // kept from the previous one (all of these are stopped: created, never started)
    const changesCache = new ours.ChangesCache();
    const series = {
      ours: async () => {
        const r = await ours.scan({ docker: true, containers: ids });
        const json = JSON.stringify(ours.scanJson(r), null, 2);
        return {
          targets: r.targets.length,
          mounts: r.targets.reduce((k, t) => k + t.paths.filter((p) => p.origin === 'mount').length, 0),
          warnings: r.warnings,
          bytes: json.length,
        };
      },
      // a diagnostic, not a target: the same scan without reading each container's changes list
      oursNoChanges: async () => {
        const conn = await ours.connectDocker();
        const r = await ours.scanDocker(conn, { containers: ids, includeChanges: false });
        const json = JSON.stringify(ours.scanJson({ targets: r.targets.map(ours.analyzeTarget), warnings: r.warnings }), null, 2);
        return { targets: r.targets.length, bytes: json.length };
      },
      oursEditorRefresh: async () => {
        const r = await ours.scan({ docker: true, containers: ids, changesCache });
        return { targets: r.targets.length };
      },
      peer: async () => {
        const listed = (await docker('ps', '-aq', '--no-trunc', '--filter', filter)).split('\n').filter(Boolean);
        const [inspected, image, vols, diffs] = await Promise.all([
          docker('inspect', ...listed).then(JSON.parse),
          docker('image', 'inspect', IMAGE).then(JSON.parse),
          docker('volume', 'ls', '--format', '{{json .}}'),
          Promise.all(listed.map((id) => docker('diff', id))),
        ]);
        if (!image.length || typeof vols !== 'string' || diffs.length !== listed.length) throw new Error('peer: incomplete');
        return { targets: inspected.length };
      },
      floor: async () => {
        const listed = await engineGet(
          `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] }))}`,
        );
        const [inspected] = await Promise.all([
          Promise.all(listed.map((c) => engineGet(`/containers/${c.Id}/json`))),
          engineGet(`/images/${encodeURIComponent(IMAGE)}/json`),
          engineGet('/volumes'),
          Promise.all(listed.map((c) => engineGet(`/containers/${c.Id}/changes`))),
        ]);
        return { targets: inspected.length };
      },
    };
    // one untimed call of each (the engine's and the process's caches), checked
    for (const [name, fn] of Object.entries(series)) {
      const r = await fn();
      if (r.targets !== n) throw new Error(`scan ${name}: ${r.targets} targets for ${n} containers`);
      if (name === 'ours' && r.warnings.length) throw new Error(`scan: warnings ${r.warnings.join('; ')}`);
      if (name === 'ours' && r.mounts !== n * 8) throw new Error(`scan: ${r.mounts} mount paths for ${n} containers of 8 mounts`);
    }
    const times = await interleaved(series, reps);
    const row = {
      containers: n,
      containersOnEngine: everything,
      ours: summary(times.ours, 'ms'),
      peer: summary(times.peer, 'ms'),
      floor: summary(times.floor, 'ms'),
      oursWithoutChanges: summary(times.oursNoChanges, 'ms'),
      oursEditorRefresh: summary(times.oursEditorRefresh, 'ms'),
    };
    results.push(row);
    log(
      `scan ${n}: ours ${row.ours.median.toFixed(1)} ms (${row.oursWithoutChanges.median.toFixed(1)} ms without changes lists, ${row.oursEditorRefresh.median.toFixed(1)} ms as the Paths view refreshes), peer ${row.peer.median.toFixed(1)} ms, floor ${row.floor.median.toFixed(1)} ms`,
    );
  }
  const breakdown = await phases(ours, ids, quick ? 3 : 5);
  log(
    `scan ${ids.length}: where ours' time goes: ${Object.entries(breakdown)
      .map(([k, v]) => `${k} ${v.median.toFixed(1)} ms`)
      .join(', ')}`,
  );
  const perContainer = Object.fromEntries(
    ['ours', 'oursWithoutChanges', 'oursEditorRefresh', 'peer', 'floor'].map((k) => [
      k,
      results.map((r) => ({ containers: r.containers, msPerContainer: r[k].median / r.containers })),
    ]),
  );
  const first = results[0];
  const last = results[results.length - 1];
  const marginal = Object.fromEntries(
    ['ours', 'oursWithoutChanges', 'oursEditorRefresh', 'peer', 'floor'].map((k) => [
      k,
      (last[k].median - first[k].median) / (last.containers - first.containers),
    ]),
  );
  return {
    breakdownAtLargestN: { containers: ids.length, ...breakdown },
    mountsPerContainer: 8,
    mountKinds: '2 named volumes, 2 anonymous volumes, 2 binds (1 read-only), 2 tmpfs',
    steps: results,
    perContainer,
    marginalMsPerContainer: marginal,
  };
}
