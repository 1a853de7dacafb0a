/**
 * The recreate strategies on the real engine and the real tools: a plain container through the Engine API,
 * a compose service with docker-compose (v1 here: no v2 plugin is installable on this machine), a dev
 * container with the Dev Containers CLI (@devcontainers/cli, a devDependency; it runs offline on a local image).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { composeRefOf, composeUpCommand, detectCompose, runCompose } from '../../src/move/compose-recreate';
import { recreateWithMount } from '../../src/move/container-recreate';
import { devcontainerId, devcontainerIdLabels } from '../../src/move/devcontainer-id';
import { devcontainerUpCommand } from '../../src/move/devcontainer-recreate';
import { connectDocker, type DockerConnection } from '../../src/sources/docker/client';
import {
  IMAGE,
  RUN_LABEL,
  TEST_LABEL,
  TestResources,
  VOLUME_IMAGE,
  docker,
  readInContainer,
  runCommand,
  yamlLabels,
} from './helpers/docker';

interface Inspected {
  Id: string;
  Name: string;
  State: { Running: boolean };
  Config: { StopTimeout?: number; Env: string[]; Labels: Record<string, string>; User: string; WorkingDir: string; Hostname: string };
  HostConfig: { PortBindings: unknown; RestartPolicy: unknown; Tmpfs: Record<string, string>; NetworkMode: string };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
  Mounts: Array<{ Type: string; Name?: string; Destination: string; RW: boolean }>;
}
const inspect = async (c: string): Promise<Inspected> => JSON.parse(await docker('inspect', '--format', '{{json .}}', c)) as Inspected;
const mountAt = (i: Inspected, path: string) => i.Mounts.find((m) => m.Destination === path);
/** busybox sleep ignores SIGTERM: without this every stop waits the default 10 s. Also shows StopTimeout is kept. */
const FAST_STOP = ['--stop-timeout', '1'];
const isAnonymous = (name: string | undefined) => /^[0-9a-f]{64}$/.test(name ?? '');

describe('recreateWithMount: a plain docker run container through the Engine API', () => {
  const res = new TestResources();
  const network = res.name('pl-recreate-net');
  const network2 = res.name('pl-recreate-net2');
  let conn: DockerConnection;

  before(async () => {
    conn = await connectDocker();
    await docker('network', 'create', ...res.labelArgs, network);
    await docker('network', 'create', ...res.labelArgs, network2);
  });
  after(async () => {
    await res.cleanup();
    await docker('network', 'rm', network, network2).catch(() => undefined);
  });

  it('keeps name, env, labels, ports, restart policy, network and alias, user, workdir, hostname and every other mount, and gains the new one', async () => {
    const name = res.name('pl-recreate');
    const keep = res.name('pl-keep');
    const moved = res.name('pl-moved');
    await res.createVolume(keep);
    await res.createVolume(moved);
    await res.run(name, [
      ...FAST_STOP,
      '-e',
      'A=1',
      '-l',
      'k=v',
      '-p',
      '127.0.0.1:0:80',
      '--restart',
      'unless-stopped',
      '-v',
      `${keep}:/keep`,
      '-v',
      '/anon',
      '--tmpfs',
      '/t',
      '--network',
      network,
      '--network-alias',
      'al1',
      '-w',
      '/w',
      '-u',
      '1000',
    ]);
    // Anonymous volumes carry no label: remember them by name for the cleanup (the recreated container mounts
    // them by name, so `rm -v` would not remove them).
    await res.trackVolumesOf(name);
    await docker('network', 'connect', '--alias', 'al2', network2, name);
    await docker('exec', '-u', '0', name, 'sh', '-c', 'echo anon > /anon/m && echo keep > /keep/m');
    const before = await inspect(name);

    const result = await recreateWithMount(conn, name, { Type: 'volume', Source: moved, Target: '/moved' });

    assert.equal(result.name, name);
    const after = await inspect(name);
    assert.equal(after.Id, result.id);
    assert.notEqual(after.Id, before.Id, 'a new container');
    assert.equal(after.State.Running, true);
    assert.ok(after.Config.Env.includes('A=1'));
    assert.equal(after.Config.Labels.k, 'v');
    assert.equal(after.Config.Labels[RUN_LABEL], res.runId);
    assert.deepEqual(after.HostConfig.PortBindings, before.HostConfig.PortBindings);
    assert.deepEqual(after.HostConfig.RestartPolicy, { Name: 'unless-stopped', MaximumRetryCount: 0 });
    assert.deepEqual(after.HostConfig.Tmpfs, { '/t': '' });
    assert.equal(after.Config.User, '1000');
    assert.equal(after.Config.WorkingDir, '/w');
    assert.equal(after.Config.Hostname, before.Config.Hostname);
    assert.equal(after.Config.StopTimeout, 1);
    assert.equal(after.HostConfig.NetworkMode, network);
    assert.ok(
      after.NetworkSettings.Networks[network]?.Aliases?.includes('al1'),
      `alias al1 on ${network}: ${JSON.stringify(after.NetworkSettings.Networks)}`,
    );
    assert.ok(
      after.NetworkSettings.Networks[network2]?.Aliases?.includes('al2'),
      `alias al2 on ${network2}: ${JSON.stringify(after.NetworkSettings.Networks)}`,
    );
    assert.deepEqual(Object.keys(after.NetworkSettings.Networks).sort(), [network, network2].sort());
    assert.equal(mountAt(after, '/keep')?.Name, keep);
    assert.ok(isAnonymous(mountAt(before, '/anon')?.Name));
    assert.equal(mountAt(after, '/anon')?.Name, mountAt(before, '/anon')?.Name, 'the same anonymous volume at /anon');
    assert.equal(mountAt(after, '/moved')?.Name, moved);
    assert.equal(await readInContainer(name, '/anon/m'), 'anon');
    assert.equal(await readInContainer(name, '/keep/m'), 'keep');
    // The alias resolves on the network, from another container.
    await docker(
      'run',
      '--rm',
      ...res.labelArgs,
      '--network',
      network,
      IMAGE,
      'sh',
      '-c',
      'ping -c1 -W2 al1 >/dev/null || nslookup al1 >/dev/null',
    );
    // The old container is gone, and only it.
    const all = (await docker('ps', '-a', '--filter', `label=${RUN_LABEL}=${res.runId}`, '--format', '{{.Names}}'))
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(all, [name]);
  });

  it('replaces a mount at the same target (an anonymous volume becomes the named one) and keeps a stopped container stopped', async () => {
    const name = res.name('pl-recreate-stopped');
    const moved = res.name('pl-moved');
    await res.createVolume(moved);
    // The image's VOLUME /data (an anonymous volume no -v asked for), as redis's /data.
    await res.run(name, FAST_STOP, VOLUME_IMAGE);
    await res.trackVolumesOf(name);
    await docker('stop', '-t', '0', name);

    await recreateWithMount(conn, name, { Type: 'volume', Source: moved, Target: '/data' });

    const after = await inspect(name);
    assert.equal(after.State.Running, false);
    assert.deepEqual(
      after.Mounts.filter((m) => m.Destination === '/data').map((m) => m.Name),
      [moved],
    );
  });

  it("re-attaches the image VOLUME's anonymous volume by name (no -v given) when the new mount is elsewhere", async () => {
    const name = res.name('pl-recreate-imagevol');
    const moved = res.name('pl-moved');
    await res.createVolume(moved);
    await res.run(name, FAST_STOP, VOLUME_IMAGE);
    await res.trackVolumesOf(name);
    await docker('exec', '-u', '0', name, 'sh', '-c', 'echo image-volume > /data/m');
    const before = await inspect(name);
    assert.ok(isAnonymous(mountAt(before, '/data')?.Name));

    await recreateWithMount(conn, name, { Type: 'volume', Source: moved, Target: '/home/coder/.ssh' });

    const after = await inspect(name);
    assert.equal(mountAt(after, '/data')?.Name, mountAt(before, '/data')?.Name);
    assert.equal(await readInContainer(name, '/data/m'), 'image-volume');
    assert.equal(mountAt(after, '/home/coder/.ssh')?.Name, moved);
  });

  it('a failure (an invalid volume name) leaves the original container running under its name, and nothing else', async () => {
    const name = res.name('pl-recreate-fail');
    await res.run(name, [...FAST_STOP, '-v', '/anon']);
    await res.trackVolumesOf(name);
    const before = await inspect(name);

    await assert.rejects(recreateWithMount(conn, name, { Type: 'volume', Source: 'not/a valid name', Target: '/moved' }), (err: Error) => {
      assert.match(err.message, /creating container .* refused|invalid/i);
      return true;
    });

    const after = await inspect(name);
    assert.equal(after.Id, before.Id, 'the same container');
    assert.equal(after.Name, `/${name}`);
    assert.equal(after.State.Running, true);
    assert.equal(mountAt(after, '/anon')?.Name, mountAt(before, '/anon')?.Name);
    const leftovers = (await docker('ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}')).split('\n').filter(Boolean);
    assert.deepEqual(leftovers, [name]);
  });

  it('refuses a --rm container (stopping it would remove it and its anonymous volumes) and leaves it running', async () => {
    const name = res.name('pl-recreate-rm');
    await res.run(name, [...FAST_STOP, '--rm', '-v', '/anon']);
    await res.trackVolumesOf(name);
    const before = await inspect(name);
    await assert.rejects(recreateWithMount(conn, name, { Type: 'volume', Source: res.name('pl-unused'), Target: '/moved' }), /--rm/);
    const after = await inspect(name);
    assert.equal(after.Id, before.Id);
    assert.equal(after.State.Running, true);
  });

  it('a failure at start (a file bound over a directory) removes the new container and brings the old one back', async () => {
    const name = res.name('pl-recreate-failstart');
    const file = join(res.tempDir(), 'a-file');
    writeFileSync(file, 'x');
    await res.run(name, [...FAST_STOP, '-v', '/anon']);
    await res.trackVolumesOf(name);
    const before = await inspect(name);

    await assert.rejects(recreateWithMount(conn, name, { Type: 'bind', Source: file, Target: '/bin' }), /starting container/);

    const after = await inspect(name);
    assert.equal(after.Id, before.Id);
    assert.equal(after.State.Running, true);
    const leftovers = (
      await docker('ps', '-a', '--filter', `label=${RUN_LABEL}=${res.runId}`, '--filter', `name=${name}`, '--format', '{{.Names}}')
    )
      .split('\n')
      .filter(Boolean);
    assert.deepEqual(leftovers, [name]);
    const anon = mountAt(before, '/anon')!.Name!;
    assert.ok((await docker('volume', 'ls', '-q')).split('\n').includes(anon), 'the anonymous volume is still there');
  });
});

describe('compose v1: a service whose image VOLUME /data gains a named volume at /data', () => {
  const res = new TestResources();
  // docker-compose 1.29 reads the image's ContainerConfig.Volumes, which the classic builder fills (imports and
  // BuildKit leave it empty): the masking happens only with such an image, so one is built here, labelled.
  const image = `${res.name('pl-mask')}:test`;

  before(async () => {
    const dir = res.tempDir('pl-mask-image-');
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${VOLUME_IMAGE}\nLABEL ${TEST_LABEL}=1 ${RUN_LABEL}=${res.runId}\n`);
    await runCommand('docker', ['build', '-q', '-t', image, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const volumes = await docker('image', 'inspect', '--format', '{{json .ContainerConfig.Volumes}}', image);
    assert.match(volumes, /"\/data"/, 'the classic builder records VOLUME /data in ContainerConfig');
  });
  after(async () => {
    await res.cleanup();
    await docker('rmi', image).catch(() => undefined);
  });

  it('plain up -d keeps the old anonymous volume (masked); up -d --renew-anon-volumes mounts the named one, and a later up -d leaves it', async () => {
    const flavor = await detectCompose();
    assert.ok(flavor, 'docker-compose or the docker compose plugin is installed');
    // What is installed answers for itself: the plugin as ['docker','compose'], else the standalone binary.
    const plugin = await runCommand('docker', ['compose', 'version']).then(
      () => true,
      () => false,
    );
    assert.deepEqual(flavor.command, plugin ? ['docker', 'compose'] : ['docker-compose']);
    assert.match(flavor.version, /^\d+\.\d+\.\d+/);
    if (!plugin)
      assert.equal(flavor.kind, (await runCommand('docker-compose', ['version', '--short'])).stdout.trim().startsWith('1.') ? 'v1' : 'v2');
    // stop_grace_period: the image's sleep ignores SIGTERM, and each recreate would wait 10 s
    const service = (volumes: string) =>
      `services:\n  s:\n    image: ${image}\n    stop_grace_period: 1s\n    labels:\n${yamlLabels(res.labels, 6)}\n${volumes}`;
    const { project, dir, file } = res.composeProject('plmask', service(''));
    // As a user does: in the folder, no -f. Compose v1 then labels config_files relative ("compose.yml").
    await runCommand(flavor.command[0]!, [...flavor.command.slice(1), '-p', project, 'up', '-d'], { cwd: dir });
    const container = (await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`)).trim();
    await res.trackVolumesOf(container, { anonymousOnly: true });
    await docker('exec', '-u', '0', container, 'sh', '-c', 'echo old > /data/m');
    const labels = (await inspect(container)).Config.Labels;
    if (flavor.kind === 'v1') assert.equal(labels['com.docker.compose.project.config_files'], 'compose.yml', 'v1 writes it relative');
    const ref = composeRefOf(labels);
    assert.deepEqual(ref?.configFiles, [resolve(file)]);

    writeFileSync(file, service(`    volumes:\n      - data:/data\nvolumes:\n  data:\n    labels:\n${yamlLabels(res.labels, 6)}\n`));
    const output: string[] = [];
    const current = async () => inspect((await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`)).trim());

    // Without -V: v1 re-attaches the old anonymous volume at /data and warns that the named one "has no effect".
    await runCompose(composeUpCommand(ref!, flavor), { onOutput: (l) => output.push(l) });
    const masked = mountAt(await current(), '/data');
    if (flavor.kind === 'v1') {
      assert.ok(isAnonymous(masked?.Name), `v1 masks the named volume: ${JSON.stringify(masked)}`);
      assert.ok(
        output.some((l) => /using volume "\/data" from the previous container/.test(l)),
        output.join('\n'),
      );
    }

    await runCompose(composeUpCommand(ref!, flavor, { renewAnonVolumes: true }));
    const renewed = await current();
    assert.equal(mountAt(renewed, '/data')?.Name, `${project}_data`);
    await docker('exec', '-u', '0', renewed.Id, 'sh', '-c', 'echo new > /data/m');

    output.length = 0;
    await runCompose(composeUpCommand(ref!, flavor), { onOutput: (l) => output.push(l) });
    const later = await current();
    assert.equal(later.Id, renewed.Id, 'up -d afterwards leaves the container as it is');
    assert.equal(await readInContainer(later.Id, '/data/m'), 'new');
    assert.ok(!output.some((l) => /volume/i.test(l)), `no word about a volume: ${output.join('\n')}`);
  });
});

describe('dev container: the Dev Containers CLI, offline, on a local image', () => {
  const res = new TestResources();
  const cli = resolve('node_modules/.bin/devcontainer');

  after(() => res.cleanup());

  it('names the ${devcontainerId} volume as devcontainerId() does, and `up --remove-existing-container` keeps its data', async () => {
    assert.ok(existsSync(cli), `the Dev Containers CLI is missing at ${cli}: run npm install (it is the devDependency @devcontainers/cli)`);
    const ws = res.subDir(res.tempDir('pl-devcontainer-'), 'my ws');
    mkdirSync(join(ws, '.devcontainer'));
    const labelArgs = Object.entries(res.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    writeFileSync(
      join(ws, '.devcontainer', 'devcontainer.json'),
      `{\n  // JSONC, as users write it\n  "image": "${IMAGE}",\n  "runArgs": ${JSON.stringify(labelArgs)},\n  "mounts": ["source=x-\${devcontainerId},target=/x,type=volume"],\n}\n`,
    );
    const up = async (argv: string[]) => {
      const { stdout } = await runCommand(cli, argv.slice(1), { timeoutMs: 180_000 });
      const outcome = JSON.parse(stdout.trim().split('\n').pop()!) as { outcome: string; containerId: string };
      assert.equal(outcome.outcome, 'success', stdout);
      return outcome.containerId;
    };

    const first = await up(['devcontainer', 'up', '--workspace-folder', ws]);
    res.trackContainer(first);
    const labels = (await inspect(first)).Config.Labels;
    const idLabels = devcontainerIdLabels(labels);
    assert.deepEqual(idLabels, {
      'devcontainer.local_folder': ws,
      'devcontainer.config_file': join(ws, '.devcontainer', 'devcontainer.json'),
    });
    const volume = `x-${devcontainerId(idLabels!)}`;
    res.trackVolume(volume);
    assert.equal(mountAt(await inspect(first), '/x')?.Name, volume, 'the CLI named the volume as devcontainerId() does');

    await docker('exec', first, 'sh', '-c', 'echo marker > /x/m');
    const second = await up(devcontainerUpCommand(ws));
    res.trackContainer(second);
    assert.notEqual(second, first, 'a new container');
    assert.equal(mountAt(await inspect(second), '/x')?.Name, volume);
    assert.equal(await readInContainer(second, '/x/m'), 'marker');
    const left = await docker('ps', '-aq', '--filter', `id=${first}`);
    assert.equal(left, '', 'the old container was removed');

    // With --config given as the container's config_file label: the same id labels, so the same volume.
    const third = await up(devcontainerUpCommand(ws, labels['devcontainer.config_file']));
    res.trackContainer(third);
    assert.notEqual(third, second);
    assert.equal(mountAt(await inspect(third), '/x')?.Name, volume);
    assert.equal(await readInContainer(third, '/x/m'), 'marker');
  });
});
