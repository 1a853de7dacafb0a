/**
 * scanDocker + analyzeTarget on a real Docker Engine: every kind of storage a container can have, the states a
 * container can be in, compose and dev container labels, the writable layer's changes, and the errors a user
 * sees when no daemon answers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { analyzeTarget } from '../../src/core/analyze';
import { survivalOf } from '../../src/core/survival';
import type { PathReport, Status, TargetInput, TargetReport } from '../../src/core/types';
import { connectDocker, DockerUnavailableError, type DockerConnection } from '../../src/sources/docker/client';
import { ChangesCache } from '../../src/sources/docker/changes-cache';
import { scanDocker } from '../../src/sources/docker/scan';
import { bundleForAnyUser } from '../unit/helpers/bundle';
import { compose, docker, IMAGE, TestResources, VOLUME_IMAGE, watchUnhandledRejections, yamlLabels } from './helpers/docker';

const res = new TestResources();
const rejections = watchUnhandledRejections();

const names = {
  all: res.name('pl-scan-all'),
  created: res.name('pl-scan-created'),
  stopped: res.name('pl-scan-stopped'),
  devcontainer: res.name('pl-scan-devc'),
  volume: res.name('pl-scan-vol'),
  createdVolume: res.name('pl-scan-cvol'),
};

let conn: DockerConnection;
let scan: { targets: TargetInput[]; warnings: string[] };
let hostDir: string;
let bindWithSpace: string;
let roDir: string;
let project: { project: string; file: string; dir: string };

function target(name: string): TargetInput {
  const t = scan.targets.find((x) => x.name === name);
  assert.ok(t, `scanDocker found no container named ${name}; it found ${scan.targets.map((x) => x.name).join(', ')}`);
  return t;
}

function pathOf(report: TargetReport, path: string): PathReport {
  const p = report.paths.find((x) => x.path === path);
  assert.ok(p, `${report.name}: no path ${path} in the report; it has ${report.paths.map((x) => `${x.path} (${x.status})`).join(', ')}`);
  return p;
}

/** The path's status, and that what it survives is the table's row for that status. */
function assertStatus(report: TargetReport, path: string, status: Status, extra: Partial<PathReport> = {}): PathReport {
  const p = pathOf(report, path);
  assert.equal(p.status, status, `${path}: status`);
  assert.deepEqual(p.survives, survivalOf(status), `${path}: survival`);
  for (const [k, v] of Object.entries(extra)) assert.deepEqual(p[k as keyof PathReport], v, `${path}: ${k}`);
  return p;
}

before(async () => {
  conn = await connectDocker();
  hostDir = res.tempDir('pl-scan-');
  bindWithSpace = res.subDir(hostDir, 'host dir with space');
  roDir = res.subDir(hostDir, 'read only');
  const devFolder = res.subDir(hostDir, 'proj');

  project = res.composeProject(
    'plscan',
    `version: "2.4"
services:
  app:
    image: ${IMAGE}
    command: ["sleep", "86400"]
    labels:
${yamlLabels(res.labels, 6)}
    volumes:
      - appdata:/srv/named
      - /srv/anon
    tmpfs:
      - /srv/tmp
volumes:
  appdata:
    labels:
${yamlLabels(res.labels, 6)}
`,
  );

  await Promise.all([res.createVolume(names.volume), res.createVolume(names.createdVolume)]);
  await Promise.all([
    res.run(
      names.all,
      [
        '-v',
        `${names.volume}:/home/coder/.config`,
        '-v',
        '/anon',
        '-v',
        `${bindWithSpace}:/work/bind`,
        '-v',
        `${roDir}:/ro:ro`,
        '--tmpfs',
        '/t',
        '--mount',
        'type=tmpfs,destination=/mt',
        '-w',
        '/workspace',
      ],
      VOLUME_IMAGE,
    ),
    res.create(names.created, ['-v', `${names.createdVolume}:/srv/data`, '-v', '/srv/anon']),
    res.run(names.stopped, ['-v', '/srv/anon', '--tmpfs', '/srv/tmp:ro,size=1m']).then(() => docker('stop', '-t', '0', names.stopped)),
    res.run(names.devcontainer, [
      '--label',
      `devcontainer.local_folder=${devFolder}`,
      '--label',
      `devcontainer.config_file=${join(devFolder, '.devcontainer', 'devcontainer.json')}`,
      '-v',
      `${devFolder}:/workspaces/proj`,
      '-e',
      'HOME=/home/coder',
    ]),
    compose(project.project, project.file, 'up', '-d'),
  ]);
  // Writes into the writable layer (as root: the image's /home/coder belongs to root), into a volume and a tmpfs.
  await docker(
    'exec',
    '-u',
    '0',
    names.all,
    'sh',
    '-c',
    'mkdir -p /home/coder/.ssh && echo k > /home/coder/.ssh/id && mkdir -p /var/lib/app && echo x > /var/lib/app/db && echo y > /data/in-volume && echo z > /t/in-tmpfs && echo w > /home/coder/.config/in-volume',
  );
  scan = await scanDocker(conn);
});

after(async () => {
  await res.cleanup();
});

describe('connectDocker on the running engine', () => {
  it('reaches the daemon, which answers through the connection it returns', async () => {
    assert.ok(conn.endpoint.description.length > 0);
    const version = await conn.docker.version();
    assert.match(String(version.ApiVersion), /^1\.\d+$/);
  });
});

describe('scanDocker: one container with every kind of storage', () => {
  it('reads the container facts', () => {
    const t = target(names.all);
    assert.equal(t.kind, 'container');
    assert.match(t.id ?? '', /^[0-9a-f]{64}$/);
    assert.equal(t.image, VOLUME_IMAGE);
    assert.equal(t.state, 'running');
    assert.equal(t.user, 'coder');
    assert.equal(t.home, '/home/coder');
    assert.equal(t.env.HOME, '/home/coder');
    assert.equal(t.workingDir, '/workspace');
    assert.equal(t.rootStatus, 'writable-layer');
    assert.equal(t.rootReadOnly, false);
    assert.ok(t.imageVolumes.includes('/data'), 'the image VOLUME');
    assert.ok(t.imageVolumes.includes('/anon'), 'Config.Volumes has -v /anon');
    assert.equal(t.labels?.['persistence-lens.test'], '1');
    for (const generated of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) {
      assert.ok(!t.mounts.some((m) => m.target === generated), `${generated} is engine-generated, not a mount to report`);
    }
  });

  it('classifies every mount', () => {
    const t = target(names.all);
    const r = analyzeTarget(t);
    assertStatus(r, '/home/coder/.config', 'named-volume', { source: names.volume, readOnly: false, atRisk: false, origin: 'mount' });
    const anon = assertStatus(r, '/anon', 'anonymous-volume', { readOnly: false, atRisk: true, origin: 'mount' });
    assert.match(anon.source ?? '', /^[0-9a-f]{64}$/, 'an anonymous volume is named by 64 hex digits on Engine 20.10');
    const data = assertStatus(r, '/data', 'anonymous-volume', { atRisk: true, origin: 'image-volume' });
    assert.match(data.source ?? '', /^[0-9a-f]{64}$/, 'the engine made an anonymous volume for the uncovered image VOLUME');
    assertStatus(r, '/work/bind', 'bind-mount', { source: bindWithSpace, readOnly: false, atRisk: false });
    assert.ok(bindWithSpace.includes(' '), 'the host path has a space');
    assertStatus(r, '/ro', 'bind-mount', { source: roDir, readOnly: true, atRisk: false });
    assertStatus(r, '/t', 'tmpfs', { readOnly: false, atRisk: true });
    assertStatus(r, '/mt', 'tmpfs', { readOnly: false, atRisk: true });
    assert.equal(t.mounts.find((m) => m.target === '/t')?.origin, 'HostConfig.Tmpfs', '--tmpfs is only in HostConfig.Tmpfs');
    assert.notEqual(t.mounts.find((m) => m.target === '/mt')?.origin, 'HostConfig.Tmpfs', '--mount type=tmpfs is in .Mounts');
    assertStatus(r, '/workspace', 'writable-layer', { criticality: 'critical', atRisk: true });
  });

  it('summarizes the writable layer: the file written there, nothing from inside mounts', () => {
    const t = target(names.all);
    const ssh = t.changes?.find((c) => c.directory === '/home/coder/.ssh');
    assert.ok(ssh, `changes: ${JSON.stringify(t.changes)}`);
    assert.equal(ssh.added, 1);
    assert.deepEqual(ssh.examples, ['/home/coder/.ssh/id']);
    const varLib = t.changes?.find((c) => c.directory === '/var/lib');
    assert.deepEqual(varLib?.examples, ['/var/lib/app/db']);
    for (const c of t.changes ?? []) {
      for (const e of c.examples) {
        for (const mountPoint of ['/data', '/t', '/mt', '/anon', '/home/coder/.config', '/work/bind', '/ro']) {
          assert.ok(!(e === mountPoint || e.startsWith(`${mountPoint}/`)), `${e} is a mount point or inside one`);
        }
      }
    }
    assert.ok(t.existingPaths?.has('/home/coder/.ssh'));
    assert.ok(t.existingPaths?.has('/home/coder/.ssh/id'));
  });

  it('reports ~/.ssh as an at-risk critical path because the writable layer holds it', () => {
    const r = analyzeTarget(target(names.all));
    const ssh = assertStatus(r, '/home/coder/.ssh', 'writable-layer', { criticality: 'critical', category: 'credentials', atRisk: true });
    assert.equal(ssh.readOnly, false);
    assert.ok(r.paths.indexOf(ssh) < r.paths.findIndex((p) => !p.atRisk), 'at-risk paths sort first');
    const layer = assertStatus(r, '/var/lib', 'writable-layer', { origin: 'writable-layer', atRisk: true });
    assert.equal(layer.label, 'written in the writable layer');
  });

  it('lists ~/.ssh of a workstation when the changes are not read, without claiming it holds data', async () => {
    const only = await scanDocker(conn, { containers: [names.all], includeChanges: false });
    assert.equal(only.targets.length, 1);
    assert.equal(only.targets[0]!.changes, undefined);
    assert.equal(only.targets[0]!.existingPaths, undefined);
    const r = analyzeTarget(only.targets[0]!);
    assert.equal(r.role, 'workstation', r.roleReason);
    const ssh = r.paths.find((p) => p.path === '/home/coder/.ssh');
    assert.ok(ssh?.atRisk, 'listed before anything is known of it: the day keys are created there they are at risk');
    assert.equal(ssh.holdsData, undefined);
    const withChanges = analyzeTarget(target(names.all));
    assert.equal(withChanges.paths.find((p) => p.path === '/home/coder/.ssh')?.holdsData, true, 'the writable layer holds the key');
  });
});

describe('scanDocker: container states, compose and dev container labels', () => {
  it('reads a created-but-never-started container: its mounts exist already', () => {
    const t = target(names.created);
    assert.equal(t.state, 'created');
    assert.equal(t.user, 'root');
    assert.equal(t.home, '/root');
    assert.deepEqual(t.changes, [], 'the engine answers null for a layer never used');
    const r = analyzeTarget(t);
    assertStatus(r, '/srv/data', 'named-volume', { source: names.createdVolume });
    assertStatus(r, '/srv/anon', 'anonymous-volume');
  });

  it('reads a stopped container, with its read-only --tmpfs', () => {
    const t = target(names.stopped);
    assert.equal(t.state, 'exited');
    const r = analyzeTarget(t);
    assertStatus(r, '/srv/anon', 'anonymous-volume');
    assertStatus(r, '/srv/tmp', 'tmpfs', { readOnly: true, atRisk: false });
  });

  it('reads a compose service: its labels lead back to the compose file; named, anonymous and tmpfs storage', () => {
    const t = scan.targets.find((x) => x.labels?.['com.docker.compose.project'] === project.project);
    assert.ok(t, 'the compose container');
    assert.equal(t.labels?.['com.docker.compose.service'], 'app');
    assert.deepEqual(t.labels?.['com.docker.compose.project.config_files']?.split(','), [project.file]);
    assert.equal(t.labels?.['com.docker.compose.project.working_dir'], project.dir);
    assert.equal(t.image, IMAGE);
    const r = analyzeTarget(t);
    assertStatus(r, '/srv/named', 'named-volume', { source: `${project.project}_appdata` });
    assertStatus(r, '/srv/anon', 'anonymous-volume', { atRisk: true });
    assertStatus(r, '/srv/tmp', 'tmpfs');
    assert.equal(t.mounts.find((m) => m.target === '/srv/named')?.external, undefined, 'external is not visible on the engine');
  });

  it('reads the dev container labels and classifies its workspace bind as critical and safe', () => {
    const t = target(names.devcontainer);
    const folder = join(hostDir, 'proj');
    assert.equal(t.labels?.['devcontainer.local_folder'], folder);
    assert.equal(t.labels?.['devcontainer.config_file'], join(folder, '.devcontainer', 'devcontainer.json'));
    const r = analyzeTarget(t);
    assertStatus(r, '/workspaces/proj', 'bind-mount', { source: folder, criticality: 'critical', atRisk: false });
  });

  it('scans only the containers asked for, by name or id prefix, and warns about unknown ones', async () => {
    const createdId = target(names.created).id!;
    const some = await scanDocker(conn, { containers: [names.all, createdId.slice(0, 12), 'pl-no-such-container-xyz'] });
    assert.deepEqual(some.targets.map((x) => x.name).sort(), [names.all, names.created].sort());
    assert.ok(
      some.warnings.some((w) => w.includes('pl-no-such-container-xyz')),
      some.warnings.join('\n'),
    );
  });

  it('has no warnings about the containers of this run', () => {
    const ours = Object.values(names);
    assert.deepEqual(
      scan.warnings.filter((w) => ours.some((n) => w.includes(n))),
      [],
    );
  });
});

describe('scanDocker with a ChangesCache (the editor, following the engine events)', () => {
  it("keeps a stopped container's changes list until it starts again or the owner forgets it; never a running one's", async () => {
    const name = res.name('pl-scan-cache');
    await res.run(name);
    await docker('exec', '-u', '0', name, 'sh', '-c', 'mkdir -p /srv/first && echo 1 > /srv/first/a');
    await docker('stop', '-t', '0', name);
    const cache = new ChangesCache();
    const scanOne = async (): Promise<ReadonlySet<string>> => {
      const r = await scanDocker(conn, { containers: [name], changesCache: cache });
      assert.equal(r.targets.length, 1, r.warnings.join('\n'));
      return r.targets[0]!.existingPaths ?? new Set();
    };
    assert.ok((await scanOne()).has('/srv/first/a'));
    assert.equal(cache.size, 1, 'the stopped container was not kept');

    // Copied in while stopped: the engine's list changes, the kept one does not until the owner forgets it
    // (on the extract-to-dir event).
    const local = join(res.tempDir('pl-scan-cache-'), 'copied-in');
    writeFileSync(local, 'c');
    await docker('cp', local, `${name}:/srv/copied-in`);
    assert.ok(!(await scanOne()).has('/srv/copied-in'), 'the list was asked again: nothing was kept');
    const id = (await docker('inspect', '-f', '{{.Id}}', name)).trim();
    cache.forget(id.slice(0, 12));
    assert.ok((await scanOne()).has('/srv/copied-in'), 'forget() did not drop the kept list');

    // Started again (StartedAt moves): asked again without being told.
    await docker('start', name);
    await docker('exec', '-u', '0', name, 'sh', '-c', 'echo 3 > /srv/third');
    await docker('stop', '-t', '0', name);
    assert.ok((await scanOne()).has('/srv/third'), 'a container that ran since kept its old list');

    // A running container's list is never kept.
    const before = cache.size;
    await scanDocker(conn, { containers: [names.all], changesCache: cache });
    assert.equal(cache.size, before);
  });
});

describe('scanDocker when things vanish mid-scan', () => {
  it('skips a container removed between list and inspect, with a warning', async () => {
    const name = res.name('pl-scan-gone');
    const id = await res.create(name);
    const stale = await conn.docker.listContainers({ all: true });
    await docker('rm', '-f', '-v', name);
    // The real daemon answers 404 for the container the stale list still names.
    const docker2 = Object.assign(Object.create(conn.docker) as Dockerode, { listContainers: async () => stale });
    const result = await scanDocker({ ...conn, docker: docker2 });
    assert.ok(!result.targets.some((t) => t.id === id));
    assert.ok(
      result.warnings.some((w) => w.includes(name) && /removed/.test(w)),
      result.warnings.join('\n'),
    );
    assert.ok(
      result.targets.some((t) => t.name === names.all),
      'the others are still scanned',
    );
  });

  it('keeps a container whose image cannot be inspected, with a warning', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const real = conn.docker;
    const docker2 = Object.assign(Object.create(real) as Dockerode, { getImage: () => real.getImage(missing) });
    const result = await scanDocker({ ...conn, docker: docker2 }, { containers: [names.all] });
    assert.equal(result.targets.length, 1);
    assert.ok(
      result.warnings.some((w) => w.includes(VOLUME_IMAGE) && w.includes(names.all)),
      result.warnings.join('\n'),
    );
    // Still classified from .Mounts: the engine made the anonymous volume for /data.
    assertStatus(analyzeTarget(result.targets[0]!), '/data', 'anonymous-volume');
  });
});

describe('connectDocker when no daemon answers', () => {
  it('names a socket path that does not exist (ENOENT)', async () => {
    const path = join(res.tempDir('pl-sock-'), 'no', 'such', 'docker.sock');
    await assert.rejects(connectDocker({ host: `unix://${path}`, timeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof DockerUnavailableError, String(err));
      assert.equal(err.code, 'ENOENT');
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /no socket at/);
      assert.equal(err.endpoint.modemOptions.socketPath, path);
      return true;
    });
  });

  it('says the socket refuses when its daemon is dead (ECONNREFUSED)', async () => {
    const path = join(res.tempDir('pl-sock-'), 'dead.sock');
    // A process that listened and died leaves the socket file behind, as a killed dockerd does.
    const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    assert.equal(r.status, 0, String(r.stderr));
    assert.ok(existsSync(path), 'the socket file remains');
    await assert.rejects(connectDocker({ host: path, timeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof DockerUnavailableError, String(err));
      assert.equal(err.code, 'ECONNREFUSED');
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /refused/);
      return true;
    });
  });

  it('gives up after the timeout when something listens but never answers', async () => {
    const path = join(res.tempDir('pl-sock-'), 'silent.sock');
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const started = Date.now();
      await assert.rejects(connectDocker({ host: `unix://${path}`, timeoutMs: 300 }), (err: unknown) => {
        assert.ok(err instanceof DockerUnavailableError, String(err));
        assert.equal(err.code, 'ETIMEDOUT');
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, /300 ms/);
        return true;
      });
      assert.ok(Date.now() - started < 2000, 'it did not wait much beyond the timeout');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says when what answers speaks HTTP but is not a Docker Engine', async () => {
    const path = join(res.tempDir('pl-sock-'), 'web.sock');
    const server = createHttpServer((_req, reply) => reply.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such page'));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      await assert.rejects(connectDocker({ host: `unix://${path}`, timeoutMs: 2000 }), (err: unknown) => {
        assert.ok(err instanceof DockerUnavailableError, String(err));
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, /answered GET \/_ping with HTTP 404: it is not a Docker Engine API/);
        return true;
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says permission denied on a socket the user may not open (EACCES)', async () => {
    const dir = res.tempDir('pl-sock-');
    chmodSync(dir, 0o755);
    const path = join(dir, 'locked.sock');
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      chmodSync(path, 0o600);
      let outcome: { name?: string; code?: string; message?: string };
      if (process.getuid?.() === 0) {
        // Root opens any socket: ask as an unprivileged user (nobody), in a child process. The client is
        // bundled into this test's own world-readable folder first: nobody may not be able to traverse the
        // clone's parents (a clone inside a 0700 temporary folder), so nothing may be loaded from there.
        const bundle = bundleForAnyUser(resolve(__dirname, '../../src/sources/docker/client.ts'), dir, 'client.cjs');
        const script = join(dir, 'connect.cjs');
        const scratch = res.subDir(dir, 'scratch');
        chownSync(scratch, 65534, 65534);
        writeFileSync(
          script,
          `const { connectDocker } = require(${JSON.stringify(bundle)});
connectDocker({ host: process.argv[2], timeoutMs: 2000 }).then(
  () => console.log('{}'),
  (e) => console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })),
);`,
        );
        chmodSync(script, 0o644);
        const r = spawnSync(process.execPath, [script, path], {
          uid: 65534,
          gid: 65534,
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, HOME: scratch, TMPDIR: scratch },
          timeout: 20_000,
        });
        assert.equal(r.status, 0, r.stderr);
        outcome = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
      } else {
        outcome = await connectDocker({ host: path, timeoutMs: 2000 }).then(
          () => ({}),
          (e: DockerUnavailableError) => ({ name: e.name, code: e.code, message: e.message }),
        );
      }
      assert.equal(outcome.name, 'DockerUnavailableError', JSON.stringify(outcome));
      assert.equal(outcome.code, 'EACCES');
      assert.ok(outcome.message?.includes(path), outcome.message);
      assert.match(outcome.message ?? '', /permission denied/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('unhandled rejections', () => {
  it('none happened in this file', async () => {
    // Give late timers (a losing timeout, a destroyed request) a chance to fire.
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(rejections.stop(), []);
  });
});
