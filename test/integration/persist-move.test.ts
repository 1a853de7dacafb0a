/**
 * `persist --write --move-data` on a real engine with real docker-compose (v1): the data a container holds at a
 * path ends up in the new volume, verified, the file is edited, and (with --recreate) the new container sees it.
 * Faults leave the file unedited, the data where it was and the container running.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { moveTestHooks } from '../../src/move/index';
import { capture } from '../unit/helpers/cli';
import { compose, docker, IMAGE, runCommand, TestResources, VOLUME_IMAGE, yamlLabels } from './helpers/docker';
import { devcontainerId, devcontainerIdLabels } from '../../src/move/devcontainer-id';

const res = new TestResources();

async function persist(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const { io, out, err } = capture();
  const code = await runCli(['persist', ...args], io);
  return { code, err: err.join(''), out: out.join('') };
}

/** A compose project with one service `app` brought up with docker-compose; returns its names. */
async function upProject(
  prefix: string,
  service: string,
): Promise<{ project: string; file: string; dir: string; container: string; original: string }> {
  // the test image's sleep ignores SIGTERM: without a short grace period every stop and recreate waits 10 s
  const text = `services:\n  app:\n${service}\n    stop_grace_period: 1s\n    labels:\n${yamlLabels(res.labels, 6)}\n`;
  const p = res.composeProject(prefix, text);
  await compose(p.project, p.file, 'up', '-d');
  const container = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${p.project}`);
  assert.ok(container, 'the service runs');
  return { ...p, container, original: text };
}

const state = (c: string): Promise<string> => docker('inspect', '--format', '{{.State.Status}}', c);
const exec = (c: string, ...cmd: string[]): Promise<string> => docker('exec', c, ...cmd);
const newContainer = (project: string): Promise<string> => docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`);

describe('persist --move-data on a real engine with docker-compose v1', { timeout: 600_000 }, () => {
  before(async () => {
    await docker('image', 'inspect', IMAGE);
  });
  after(async () => {
    delete moveTestHooks.afterCopy;
    await res.cleanup();
  });

  it('moves an ssh key from the writable layer of a uid-1000 service, recreates, and a later up -d leaves the volume alone', async () => {
    const p = await upProject('mvssh', `    image: ${IMAGE}\n    user: "1000:1000"\n    command: ["sleep", "86400"]`);
    // root makes the home (the image has none), the user writes the key
    await docker(
      'exec',
      '-u',
      '0',
      p.container,
      'sh',
      '-c',
      'mkdir -p /home/coder/.ssh && chown -R 1000:1000 /home/coder && chmod 700 /home/coder/.ssh',
    );
    await exec(
      p.container,
      'sh',
      '-c',
      'printf "key-bytes\\n" > /home/coder/.ssh/id_ed25519 && chmod 600 /home/coder/.ssh/id_ed25519 && ln -s id_ed25519 /home/coder/.ssh/link && mkdir /home/coder/.ssh/empty',
    );
    const r = await persist(['--file', p.file, '--service', 'app', '--path', '/home/coder/.ssh', '--write', '--move-data', '--recreate']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '', 'stdout stays empty with --move-data');
    const volume = `${p.project}_app-ssh`;
    assert.match(r.err, new RegExp(`moved 1 files \\([0-9.]+ MB\\) into volume ${volume}, verified in the recreated container`));
    assert.match(readFileSync(p.file, 'utf8'), /app-ssh:\/home\/coder\/\.ssh/);

    const c = await newContainer(p.project);
    assert.notEqual(c, p.container, 'a new container');
    assert.equal(await exec(c, 'cat', '/home/coder/.ssh/id_ed25519'), 'key-bytes');
    assert.equal(await exec(c, 'stat', '-c', '%a %u:%g', '/home/coder/.ssh/id_ed25519'), '600 1000:1000');
    assert.equal(await exec(c, 'stat', '-c', '%a %u:%g', '/home/coder/.ssh'), '700 1000:1000');
    assert.match(await exec(c, 'ls', '-l', '/home/coder/.ssh/link'), /link -> id_ed25519$/);
    assert.equal(await exec(c, 'stat', '-c', '%F', '/home/coder/.ssh/empty'), 'directory');
    const labels = JSON.parse(await docker('volume', 'inspect', '--format', '{{json .Labels}}', volume)) as Record<string, string>;
    assert.equal(labels['com.docker.compose.project'], p.project);
    assert.equal(labels['com.docker.compose.volume'], 'app-ssh');
    assert.match(labels['com.docker.compose.version'] ?? '', /^1\./);

    // A later up -d: nothing recreated, no volume warning, the same volume with the key.
    const { runCommand } = await import('./helpers/docker');
    const again = await runCommand('docker-compose', ['--ansi', 'never', '-p', p.project, '-f', p.file, 'up', '-d']);
    assert.doesNotMatch(again.stderr + again.stdout, /volume|warning/i);
    assert.equal(await newContainer(p.project), c, 'up -d left the container as it was');
    assert.equal(await exec(c, 'cat', '/home/coder/.ssh/id_ed25519'), 'key-bytes');
  });

  it('names an anonymous volume (/data of an image VOLUME) and moves its data', async () => {
    const p = await upProject('mvanon', `    image: ${VOLUME_IMAGE}\n    user: "0:0"`);
    await res.trackVolumesOf(p.container, { anonymousOnly: true });
    await exec(
      p.container,
      'sh',
      '-c',
      'mkdir -p /data/sub && echo redis-dump > /data/dump.rdb && ln /data/dump.rdb /data/sub/hard && chown -R 1000:1000 /data/sub',
    );
    const r = await persist(['--file', p.file, '--path', '/data', '--write', '--move-data', '--recreate']);
    assert.equal(r.code, 0, r.err);
    const c = await newContainer(p.project);
    assert.equal(await exec(c, 'cat', '/data/dump.rdb'), 'redis-dump');
    assert.equal(await exec(c, 'stat', '-c', '%h %u', '/data/sub/hard'), '2 1000');
    const mounts = await docker('inspect', '--format', '{{range .Mounts}}{{.Name}}={{.Destination}} {{end}}', c);
    assert.match(mounts, new RegExp(`${p.project}_app-data=/data`));
  });

  it('names a tmpfs and moves what it holds (copied while the container runs)', async () => {
    const p = await upProject('mvtmpfs', `    image: ${IMAGE}\n    tmpfs:\n      - /cache`);
    await exec(p.container, 'sh', '-c', 'echo warm > /cache/entry && mkdir /cache/d && chmod 1777 /cache/d');
    const r = await persist(['--file', p.file, '--path', '/cache', '--write', '--move-data', '--recreate']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /tmpfs exists only while its container runs/);
    const c = await newContainer(p.project);
    assert.equal(await exec(c, 'cat', '/cache/entry'), 'warm');
    assert.equal(await exec(c, 'stat', '-c', '%a', '/cache/d'), '1777');
  });

  it('gives a path absent from the image a volume root owned by the user (uid 1000 can write there)', async () => {
    const p = await upProject('mvabsent', `    image: ${IMAGE}\n    user: "1000:1000"`);
    const r = await persist(['--file', p.file, '--path', '/srv/state', '--write', '--move-data', '--recreate']);
    assert.equal(r.code, 0, r.err);
    const c = await newContainer(p.project);
    assert.equal(await exec(c, 'stat', '-c', '%u:%g', '/srv/state'), '1000:1000');
    await docker('exec', '-u', '1000', c, 'touch', '/srv/state/written-by-user');
  });

  it('without --recreate: verified in the volume, prints the exact docker-compose command, the container stays stopped', async () => {
    const p = await upProject('mvnorec', `    image: ${IMAGE}`);
    await exec(p.container, 'sh', '-c', 'mkdir -p /srv/data && echo v > /srv/data/f');
    const r = await persist(['--file', p.file, '--path', '/srv/data', '--write', '--move-data']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /verified in the volume/);
    assert.match(r.err, new RegExp(`docker-compose -p ${p.project} -f ${p.file} --project-directory \\S+ up -d --no-deps app`));
    assert.equal(await state(p.container), 'exited');
    await compose(p.project, p.file, 'up', '-d');
    assert.equal(await exec(await newContainer(p.project), 'cat', '/srv/data/f'), 'v');
  });

  it('--live copies without stopping the container and says what that risks', async () => {
    const p = await upProject('mvlive', `    image: ${IMAGE}`);
    await exec(p.container, 'sh', '-c', 'mkdir -p /srv/data && echo live > /srv/data/f');
    const r = await persist(['--file', p.file, '--path', '/srv/data', '--write', '--move-data', '--live']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /copied while \S+ ran \(--live\): what is written there during and after the copy is not in the volume/);
    assert.doesNotMatch(r.err, /stopping/);
    assert.equal(await state(p.container), 'running');
  });

  it('a verification mismatch edits nothing, removes the new volume and starts the container again', async () => {
    const p = await upProject('mvbad', `    image: ${IMAGE}`);
    await exec(p.container, 'sh', '-c', 'mkdir -p /srv/data && echo original > /srv/data/f');
    moveTestHooks.afterCopy = async (_conn, volume) => {
      // a real change in the volume between the copy and the read-back
      await docker('run', '--rm', ...res.labelArgs, '-v', `${volume}:/v`, IMAGE, 'sh', '-c', 'echo tampered > /v/f');
    };
    try {
      const r = await persist(['--file', p.file, '--path', '/srv/data', '--write', '--move-data', '--recreate']);
      assert.equal(r.code, 2);
      assert.match(r.err, /does not hold what \/srv\/data of container \S+ held: f differs/);
      assert.match(r.err, /new volume "[^"]+" was removed; container \S+ is running again/);
    } finally {
      delete moveTestHooks.afterCopy;
    }
    assert.equal(readFileSync(p.file, 'utf8'), p.original, 'the file is not edited');
    assert.equal(await state(p.container), 'running');
    assert.equal(await exec(p.container, 'cat', '/srv/data/f'), 'original');
    assert.equal(await docker('volume', 'ls', '-q', '--filter', `name=^${p.project}_app-data$`), '');
  });

  it('a target volume that fills up (1 MB tmpfs) edits nothing, leaves the volume empty again and the container running', async () => {
    const p = await upProject('mvfull', `    image: ${IMAGE}`);
    await exec(p.container, 'sh', '-c', 'mkdir -p /srv/data && dd if=/dev/urandom of=/srv/data/big bs=1024 count=3072 2>/dev/null');
    const volume = `${p.project}_app-data`;
    res.trackVolume(volume);
    await docker('volume', 'create', ...res.labelArgs, '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m', volume);
    const r = await persist(['--file', p.file, '--path', '/srv/data', '--write', '--move-data']);
    assert.equal(r.code, 2);
    assert.match(r.err, /copying \/srv\/data of container \S+ into volume "[^"]+" failed: .*no space left/i);
    assert.match(r.err, /is empty again, as it was before; container \S+ is running again/);
    assert.equal(readFileSync(p.file, 'utf8'), p.original);
    assert.equal(await state(p.container), 'running');
    assert.equal(await exec(p.container, 'sh', '-c', 'wc -c < /srv/data/big'), '3145728');
    const opts = await docker('volume', 'inspect', '--format', '{{json .Options}}', volume);
    assert.match(opts, /size=1m/);
  });

  it('refuses a target volume that already holds data, and a service with no container', async () => {
    const p = await upProject('mvtaken', `    image: ${IMAGE}`);
    await exec(p.container, 'sh', '-c', 'mkdir -p /srv/data && echo mine > /srv/data/f');
    const volume = `${p.project}_app-data`;
    await res.createVolume(volume);
    await docker('run', '--rm', ...res.labelArgs, '-v', `${volume}:/v`, IMAGE, 'sh', '-c', 'echo someone-else > /v/theirs');
    const r = await persist(['--file', p.file, '--path', '/srv/data', '--write', '--move-data']);
    assert.equal(r.code, 2);
    assert.match(r.err, /exists already and holds data/);
    assert.equal(readFileSync(p.file, 'utf8'), p.original);
    assert.equal(await state(p.container), 'running');

    // A read-only compose file is refused before anything is stopped or copied.
    chmodSync(p.file, 0o444);
    const started = await docker('inspect', '-f', '{{.State.StartedAt}}', p.container);
    const ro = await persist(['--file', p.file, '--path', '/srv/data', '--write', '--move-data', '--volume', 'other-data']);
    chmodSync(p.file, 0o644);
    assert.equal(ro.code, 2);
    assert.match(ro.err, /is read-only .*nothing was written/);
    assert.equal(await docker('inspect', '-f', '{{.State.StartedAt}}', p.container), started, 'the container was not stopped');
    assert.equal(await docker('volume', 'ls', '-q', '--filter', `name=^${p.project}_other-data$`), '', 'no volume was made');

    const lonely = res.composeProject('mvnone', `services:\n  app:\n    image: ${IMAGE}\n`);
    const r2 = await persist(['--file', lonely.file, '--path', '/srv/data', '--write', '--move-data']);
    assert.equal(r2.code, 2);
    assert.match(r2.err, /no container of service .* made from .*without a container there is no data to move/);
    writeFileSync(lonely.file, readFileSync(lonely.file, 'utf8'));
  });

  it('a dev container made by the Dev Containers CLI: the ${devcontainerId} volume gets the data, `devcontainer up --remove-existing-container` mounts it', async () => {
    const cli = resolve('node_modules/.bin/devcontainer');
    assert.ok(existsSync(cli), `the Dev Containers CLI is missing at ${cli}: run npm install (devDependency @devcontainers/cli)`);
    const ws = res.subDir(res.tempDir('pl-mvdev-'), 'ws');
    mkdirSync(join(ws, '.devcontainer'));
    const file = join(ws, '.devcontainer', 'devcontainer.json');
    const labelArgs = Object.entries(res.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const original = `{\n  // JSONC\n  "image": "${IMAGE}",\n  "runArgs": ${JSON.stringify(labelArgs)},\n}\n`;
    writeFileSync(file, original);
    const { stdout } = await runCommand(cli, ['up', '--workspace-folder', ws], { timeoutMs: 180_000 });
    const first = (JSON.parse(stdout.trim().split('\n').pop()!) as { containerId: string }).containerId;
    res.trackContainer(first);
    await exec(first, 'sh', '-c', 'mkdir -p /srv/notes && echo dev-note > /srv/notes/n');
    const labels = JSON.parse(await docker('inspect', '--format', '{{json .Config.Labels}}', first)) as Record<string, string>;
    const volume = `notes-${devcontainerId(devcontainerIdLabels(labels)!)}`;
    res.trackVolume(volume);

    // the recreate runs `devcontainer` from PATH, as a user's shell would
    const path = process.env.PATH;
    process.env.PATH = `${resolve('node_modules/.bin')}${delimiter}${path ?? ''}`;
    let r;
    try {
      r = await persist(['--file', file, '--path', '/srv/notes', '--write', '--move-data', '--recreate']);
    } finally {
      process.env.PATH = path;
    }
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`into volume ${volume}, verified in the recreated container`));
    assert.match(readFileSync(file, 'utf8'), /notes-\$\{devcontainerId\}/);
    const now = (await docker('ps', '-q', '--filter', `label=devcontainer.local_folder=${ws}`)).split('\n')[0]!;
    res.trackContainer(now);
    assert.notEqual(now, first.slice(0, 12));
    assert.equal(await exec(now, 'cat', '/srv/notes/n'), 'dev-note');
  });
});
