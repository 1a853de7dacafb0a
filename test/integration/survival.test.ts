/**
 * THE SURVIVAL TABLE, PROVEN ON A REAL DOCKER ENGINE.
 *
 * For each lifecycle event: a container gets one directory per kind of storage; the product classifies each
 * directory (scanDocker + the core's MountTable) and reads from its survival table (src/core/survival.ts) whether
 * that storage survives the event; the test writes a marker into every directory, performs the event for real,
 * and checks which markers are still there. Expectations come from the code's table, never from this file, so
 * changing a cell of the table makes this file fail.
 *
 * Not performed here:
 * - reboot (a host reboot): a test cannot reboot the machine it runs on. The table's reboot column is NOT proven
 *   by this file.
 * - a daemon restart (part of "restart" by the table's definition): the daemon is shared with the other test
 *   files, so this file restarts containers (docker restart, docker stop + start) but not dockerd.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { effectiveMounts } from '../../src/core/analyze';
import { MountTable } from '../../src/core/mount-table';
import { survivalOf } from '../../src/core/survival';
import { LIFECYCLE_EVENTS, STATUSES, type LifecycleEvent, type Status, type TargetInput } from '../../src/core/types';
import { connectDocker, type DockerConnection } from '../../src/sources/docker/client';
import { scanDocker } from '../../src/sources/docker/scan';
import { compose, docker, IMAGE, randomSuffix, TestResources, yamlLabels } from './helpers/docker';

const res = new TestResources();
let conn: DockerConnection;

/** One directory of the test container and the storage it is meant to be on. */
interface Storage {
  dir: string;
  status: Status;
  /** Declared `external: true` in the compose file (the compose source marks the mount so). */
  external?: boolean;
}

const NAMED: Storage = { dir: '/st/named', status: 'named-volume' };
const ANON: Storage = { dir: '/st/anon', status: 'anonymous-volume' };
const BIND: Storage = { dir: '/st/bind', status: 'bind-mount' };
const TMPFS: Storage = { dir: '/st/tmpfs', status: 'tmpfs' };
const LAYER: Storage = { dir: '/st/layer', status: 'writable-layer' };
const EXTERNAL: Storage = { dir: '/st/external', status: 'named-volume', external: true };
const FIVE = [NAMED, ANON, BIND, TMPFS, LAYER];

/** Which (status, event) cells a test has proven, to check at the end that none was left out. */
const proven = new Set<string>();
const cell = (status: Status, event: LifecycleEvent, external = false): string => `${status}${external ? ' (external)' : ''} × ${event}`;

before(async () => {
  conn = await connectDocker();
});

after(async () => {
  await res.cleanup();
});

/** The product's view of a container: its TargetInput as scanDocker reads it, and the mount table the core builds. */
async function classify(container: string, storages: Storage[]): Promise<{ target: TargetInput; table: MountTable }> {
  const { targets, warnings } = await scanDocker(conn, { containers: [container], includeChanges: false });
  assert.equal(targets.length, 1, `scanDocker found ${container}: ${warnings.join('; ')}`);
  const target = targets[0]!;
  // The engine does not know about `external: true`; the compose file does, and the compose source marks it.
  for (const s of storages) {
    if (!s.external) continue;
    const m = target.mounts.find((x) => x.target === s.dir);
    assert.ok(m, `${s.dir} is mounted`);
    m.external = true;
  }
  return { target, table: new MountTable(effectiveMounts(target), target.rootStatus, target.rootReadOnly ?? false) };
}

async function writeMarkers(container: string, token: string, storages: Storage[]): Promise<void> {
  const dirs = storages.map((s) => s.dir).join(' ');
  await docker('exec', container, 'sh', '-c', `set -e; mkdir -p ${LAYER.dir}; for d in ${dirs}; do echo ${token} > $d/marker; done`);
}

/** The directories whose marker is there with this run's token. */
async function markersPresent(container: string, token: string, storages: Storage[]): Promise<Set<string>> {
  const dirs = storages.map((s) => s.dir).join(' ');
  const out = await docker(
    'exec',
    container,
    'sh',
    '-c',
    `for d in ${dirs}; do if [ "$(cat $d/marker 2>/dev/null)" = "${token}" ]; then echo $d; fi; done`,
  );
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

/**
 * Classifies the storages with the product's code, writes the markers, performs the event, then compares what
 * survived with the code's survival table. `perform` returns the container to look into afterwards.
 */
async function prove(event: LifecycleEvent, container: string, storages: Storage[], perform: () => Promise<string>): Promise<void> {
  const { table } = await classify(container, storages);
  const expected: Record<string, boolean> = {};
  for (const s of storages) {
    const c = table.classify(`${s.dir}/marker`);
    assert.equal(c.status, s.status, `the product classifies ${s.dir} as ${s.status}`);
    assert.deepEqual(
      c.survives,
      survivalOf(s.status, { external: s.external ?? false }),
      `${s.dir}: the classification carries the table's row`,
    );
    expected[s.dir] = c.survives[event];
  }

  const token = `m-${randomSuffix(6)}`;
  await writeMarkers(container, token, storages);
  assert.deepEqual(
    [...(await markersPresent(container, token, storages))].sort(),
    storages.map((s) => s.dir).sort(),
    'every marker is there before the event',
  );

  const afterEvent = await perform();

  const present = await markersPresent(afterEvent, token, storages);
  const actual = Object.fromEntries(storages.map((s) => [s.dir, present.has(s.dir)]));
  const describeCells = (m: Record<string, boolean>): string[] =>
    storages.map((s) => `${cell(s.status, event, s.external)}: ${m[s.dir] ? 'survives' : 'lost'}`);
  assert.deepEqual(
    describeCells(actual),
    describeCells(expected),
    `after ${event}: what the engine kept (actual) vs the survival table (expected)`,
  );
  for (const s of storages) proven.add(cell(s.status, event, s.external));
}

/** `docker run` arguments that give a container the five storages (the bind from a fresh host dir). */
function runArgs(hostDir: string, volume: string): string[] {
  return ['--init', '-v', `${volume}:${NAMED.dir}`, '-v', ANON.dir, '-v', `${hostDir}:${BIND.dir}`, '--tmpfs', TMPFS.dir];
}

async function startContainer(prefix: string): Promise<{ name: string; args: string[] }> {
  const name = res.name(prefix);
  const volume = res.name(`${prefix}-vol`);
  await res.createVolume(volume);
  const args = runArgs(res.tempDir('pl-surv-bind-'), volume);
  await res.run(name, args, IMAGE, ['sleep', '86400']);
  return { name, args };
}

async function anonymousVolumeOf(container: string): Promise<string> {
  const name = await docker(
    'inspect',
    '--format',
    `{{range .Mounts}}{{if eq .Destination "${ANON.dir}"}}{{.Name}}{{end}}{{end}}`,
    container,
  );
  assert.match(name, /^[0-9a-f]{64}$/, `the anonymous volume of ${container}`);
  res.trackVolume(name);
  return name;
}

/** A compose project whose service `app` has the five storages (and an external volume when given). */
function composeFile(hostDir: string, env: string, external?: string): string {
  return `version: "2.4"
services:
  app:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    init: true
    environment:
      PL_CONFIG: "${env}"
    labels:
${yamlLabels(res.labels, 6)}
    volumes:
      - named:${NAMED.dir}
      - ${ANON.dir}
      - ${JSON.stringify(`${hostDir}:${BIND.dir}`)}
${external ? `      - ${external}:${EXTERNAL.dir}\n` : ''}    tmpfs:
      - ${TMPFS.dir}
volumes:
  named:
    labels:
${yamlLabels(res.labels, 6)}
${external ? `  ${external}:\n    external: true\n` : ''}`;
}

async function composeContainer(project: string): Promise<string> {
  const ids = (
    await docker(
      'ps',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'label=com.docker.compose.service=app',
    )
  )
    .split('\n')
    .filter(Boolean);
  assert.equal(ids.length, 1, `one running container in compose project ${project}`);
  res.trackContainer(ids[0]!);
  return ids[0]!;
}

describe('the survival table, proven on a real Docker Engine', () => {
  it('restart (docker restart): volumes, binds and the writable layer survive; tmpfs is wiped', async () => {
    const { name } = await startContainer('pl-surv-restart');
    await prove('restart', name, FIVE, async () => {
      await docker('restart', name);
      return name;
    });
  });

  it('restart (docker stop + docker start): same as docker restart', async () => {
    const { name } = await startContainer('pl-surv-stopstart');
    await prove('restart', name, FIVE, async () => {
      await docker('stop', name);
      assert.equal(await docker('inspect', '--format', '{{.State.Status}}', name), 'exited');
      await docker('start', name);
      return name;
    });
  });

  it('recreate (docker rm + docker run with the same mounts): -v /anon gives a NEW anonymous volume', async () => {
    const { name, args } = await startContainer('pl-surv-recreate');
    const oldAnon = await anonymousVolumeOf(name);
    await prove('recreate', name, FIVE, async () => {
      // rm without -v, as users do: the old anonymous volume is orphaned (cleanup removes it by name).
      await docker('rm', '-f', name);
      await res.run(name, args, IMAGE, ['sleep', '86400']);
      return name;
    });
    const newAnon = await anonymousVolumeOf(name);
    assert.notEqual(newAnon, oldAnon, 'the recreated container got another anonymous volume');
    const orphan = await docker('volume', 'inspect', '--format', '{{.Name}}', oldAnon);
    assert.equal(orphan, oldAnon, 'the old anonymous volume is still on disk, orphaned');
  });

  it('recreate (docker-compose down + up): the same as docker rm + run', async () => {
    const hostDir = res.tempDir('pl-surv-bind-');
    const p = res.composeProject('plsurvdownup', composeFile(hostDir, 'a'));
    await compose(p.project, p.file, 'up', '-d');
    const before = await composeContainer(p.project);
    const oldAnon = await anonymousVolumeOf(before);
    await prove('recreate', before, FIVE, async () => {
      await compose(p.project, p.file, 'down');
      await compose(p.project, p.file, 'up', '-d');
      return composeContainer(p.project);
    });
    const after = await composeContainer(p.project);
    assert.notEqual(after, before, 'down + up made a new container');
    assert.notEqual(await anonymousVolumeOf(after), oldAnon, 'and a new anonymous volume');
  });

  it('composeUp (docker-compose up recreating a changed service): the anonymous volume is carried over', async () => {
    const hostDir = res.tempDir('pl-surv-bind-');
    const p = res.composeProject('plsurvup', composeFile(hostDir, 'first'));
    await compose(p.project, p.file, 'up', '-d');
    const before = await composeContainer(p.project);
    const oldAnon = await anonymousVolumeOf(before);
    await prove('composeUp', before, FIVE, async () => {
      // Change the service's configuration so that `up` recreates it.
      writeFileSync(p.file, composeFile(hostDir, 'second'));
      await compose(p.project, p.file, 'up', '-d');
      return composeContainer(p.project);
    });
    const after = await composeContainer(p.project);
    assert.notEqual(after, before, 'the changed service was recreated');
    assert.equal(
      await docker('inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', after).then((e) => e.includes('PL_CONFIG=second')),
      true,
    );
    assert.equal(await anonymousVolumeOf(after), oldAnon, 'the same anonymous volume is mounted again');
  });

  it('composeDownVolumes (docker-compose down -v, then up): volumes are removed, except an external one', async () => {
    const hostDir = res.tempDir('pl-surv-bind-');
    const external = res.name('pl-surv-ext');
    await res.createVolume(external);
    const p = res.composeProject('plsurvdownv', composeFile(hostDir, 'a', external));
    await compose(p.project, p.file, 'up', '-d');
    const before = await composeContainer(p.project);
    await prove('composeDownVolumes', before, [...FIVE, EXTERNAL], async () => {
      await compose(p.project, p.file, 'down', '-v');
      await compose(p.project, p.file, 'up', '-d');
      return composeContainer(p.project);
    });
    assert.equal(await docker('volume', 'inspect', '--format', '{{.Name}}', external), external, 'down -v left the external volume alone');
  });

  it.skip('reboot: NOT PROVEN here. A test cannot reboot the host it runs on; the reboot column rests on the documented facts only', () => {});

  it.skip('restart (a daemon restart): not performed, the daemon is shared with the other test files', () => {});

  it('every cell of the table except reboot was checked against the engine', () => {
    const missing: string[] = [];
    for (const status of STATUSES) {
      for (const event of LIFECYCLE_EVENTS) {
        if (event === 'reboot') continue;
        if (!proven.has(cell(status, event))) missing.push(cell(status, event));
      }
    }
    if (!proven.has(cell('named-volume', 'composeDownVolumes', true))) missing.push(cell('named-volume', 'composeDownVolumes', true));
    assert.deepEqual(missing, [], 'cells no test proved (did a test above fail?)');
  });
});
