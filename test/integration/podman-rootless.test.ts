/**
 * The project on a real ROOTLESS Podman service (user persistence-lens-rootless, subordinate ids from
 * /etc/subuid; started by scripts/podman-up.sh), through its Docker-compatible API:
 *
 * - storage classified, with volumes under ~/.local/share/containers/storage/volumes;
 * - the ownership facts docs/podman.md states: container root is the host user, `:U` chowns a volume to the
 *   container user's mapped id (subuid start + uid - 1), `--userns=keep-id` runs as the host user's uid;
 * - backup and restore of a volume through never-started helpers, compared file by file.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { analyzeTarget } from '../../src/core/analyze';
import type { TargetInput } from '../../src/core/types';
import { runCli } from '../../src/cli/main';
import { connectDocker } from '../../src/sources/docker/client';
import { scanDocker } from '../../src/sources/docker/scan';
import { capture } from '../unit/helpers/cli';
import { watchUnhandledRejections } from './helpers/docker';
import { PODMAN_IMAGE, PODMAN_VOLUME_IMAGE, PodmanResources, assertPodmanAnswers, podmanAt, rootlessHost } from './helpers/podman';

const USER = 'persistence-lens-rootless';
const host = rootlessHost();
const res = new PodmanResources(host);
const rejections = watchUnhandledRejections();
const pm = (...args: string[]): Promise<string> => podmanAt(host, ...args);

const names = {
  all: res.name('pl-pmr-all'),
  owned: res.name('pl-pmr-owned'),
  keep: res.name('pl-pmr-keep'),
  vol: res.name('pl-pmr-vol'),
  data: res.name('pl-pmr-data'),
  restored: res.name('pl-pmr-restored'),
};

let scan: { targets: TargetInput[]; warnings: string[] };
let home: string;
let uid: number;
let subStart: number;
let bindDir: string;
let savedLabels: string | undefined;

const target = (name: string): TargetInput => {
  const t = scan.targets.find((x) => x.name === name);
  assert.ok(t, `no container ${name}`);
  return t;
};

before(async () => {
  await assertPodmanAnswers(host);
  home = execFileSync('getent', ['passwd', USER], { encoding: 'utf8' }).split(':')[5]!;
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  const sub = readFileSync('/etc/subuid', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${USER}:`));
  assert.ok(sub, `${USER} has no /etc/subuid range`);
  subStart = Number(sub.split(':')[1]);
  savedLabels = process.env.PERSISTENCE_LENS_HELPER_LABELS;
  process.env.PERSISTENCE_LENS_HELPER_LABELS = res.helperLabelsEnv;
  bindDir = res.tempDir('pl-pmr-bind-');
  execFileSync('chown', [`${USER}:`, bindDir]);

  await res.createVolume(names.vol);
  await res.run(
    names.all,
    ['-v', `${names.vol}:/srv/named`, '-v', '/srv/anon', '-v', `${bindDir}:/srv/bind`, '--tmpfs', '/srv/tmp'],
    PODMAN_VOLUME_IMAGE,
  );
  await pm('exec', '--user', '0', names.all, 'sh', '-c', 'echo root > /srv/named/by-root && echo root > /srv/bind/by-root');
  await res.run(names.owned, ['--user', '1000:1000', '-v', `${names.vol}:/srv/named:U`]);
  await pm('exec', names.owned, 'sh', '-c', 'echo u > /srv/named/by-1000');
  await res.run(names.keep, ['--userns=keep-id', '-v', `${names.vol}:/srv/named`]);
  const c = await connectDocker({ host });
  scan = await scanDocker(c, { containers: [names.all, names.owned, names.keep] });
});

after(async () => {
  if (savedLabels === undefined) delete process.env.PERSISTENCE_LENS_HELPER_LABELS;
  else process.env.PERSISTENCE_LENS_HELPER_LABELS = savedLabels;
  await res.cleanup();
  assert.deepEqual(rejections.stop(), []);
});

describe('rootless Podman through its Docker-compatible API', { timeout: 120_000 }, () => {
  it('classifies named, anonymous, bind, tmpfs and image VOLUME; volumes live under ~/.local/share/containers/storage/volumes', () => {
    assert.deepEqual(scan.warnings, []);
    const t = target(names.all);
    const r = analyzeTarget(t);
    const status = Object.fromEntries(
      r.paths.filter((p) => p.path.startsWith('/srv/') || p.path === '/data').map((p) => [p.path, p.status]),
    );
    assert.deepEqual(status, {
      '/srv/named': 'named-volume',
      '/srv/anon': 'anonymous-volume',
      '/srv/bind': 'bind-mount',
      '/srv/tmp': 'tmpfs',
      '/data': 'anonymous-volume',
    });
    assert.deepEqual(t.changes ?? [], [], "Podman's own /etc files are not data");
  });

  it('ownership: root in the container is the host user; :U chowns to the mapped container uid; keep-id runs as the host uid', async () => {
    const data = `${home}/.local/share/containers/storage/volumes/${names.vol}/_data`;
    assert.equal(statSync(`${bindDir}/by-root`).uid, uid, 'a bind written by container root belongs to the host user');
    // :U chowned the whole volume to container uid 1000 = host uid subStart + 999, by-root included
    assert.equal(statSync(`${data}/by-1000`).uid, subStart + 999);
    assert.equal(statSync(`${data}/by-root`).uid, subStart + 999, ':U chowns what was there before too');
    assert.equal(await pm('exec', names.keep, 'id', '-u'), String(uid), '--userns=keep-id: the container user is the host user');
    assert.equal(analyzeTarget(target(names.keep)).paths.find((p) => p.path === '/srv/named')?.status, 'named-volume');
    assert.equal(analyzeTarget(target(names.owned)).paths.find((p) => p.path === '/srv/named')?.status, 'named-volume');
  });

  it('backs up a volume and restores it into a new one through never-started helpers, content equal', async () => {
    await res.createVolume(names.data);
    res.trackVolume(names.restored);
    await pm(
      'run',
      '--rm',
      '--network',
      'none',
      ...res.labelArgs,
      '-v',
      `${names.data}:/v`,
      PODMAN_IMAGE,
      'sh',
      '-c',
      'echo hello > /v/a && mkdir -p /v/d && echo x > /v/d/b && ln -s a /v/l && chmod 600 /v/a',
    );
    const out = res.tempDir('pl-pmr-backup-');
    const b = capture();
    assert.equal(await runCli(['backup', '--volume', names.data, '--host', host, '--out', out, '--json'], b.io), 0, b.err.join(''));
    const archive = (JSON.parse(b.out.join('')) as { archive: string }).archive;
    const r = capture();
    assert.equal(
      await runCli(['restore', archive, '--volume', names.restored, '--host', host, '--out', out, '--json'], r.io),
      0,
      r.err.join(''),
    );
    assert.equal((JSON.parse(r.out.join('')) as { verified: boolean }).verified, true);
    const listing = (volume: string): Promise<string> =>
      pm(
        'run',
        '--rm',
        '--network',
        'none',
        ...res.labelArgs,
        '-v',
        `${volume}:/v:ro`,
        PODMAN_IMAGE,
        'sh',
        '-c',
        'cd /v && find . | sort | while read -r p; do if [ -f "$p" ] && [ ! -L "$p" ]; then h=$(sha256sum "$p" | cut -c1-64); else h=-; fi; echo "$p $(stat -c "%A %s" "$p") $h $(readlink "$p")"; done',
      );
    const [a, z] = await Promise.all([listing(names.data), listing(names.restored)]);
    assert.match(a, /\.\/a -rw------- 6 /);
    assert.equal(z, a);
    assert.equal(
      await pm('ps', '-aq', '--filter', 'label=persistence-lens.helper=1', '--filter', `label=persistence-lens.test.run=${res.runId}`),
      '',
      'no helper is left',
    );
  });
});
