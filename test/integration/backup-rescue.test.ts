/**
 * Rescue on a real engine: files in a container's writable layer are archived (not its mounts, not the
 * engine's /etc/hosts), the container is removed and recreated, the archive restored: the files are back.
 * Through the CLI commands, so the output (the paths grouped by directory) is checked too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { after, before, describe, it } from 'node:test';
import { rescueCommand, restoreCommand } from '../../src/cli/commands/backup';
import { rescue, restore, BackupInputError } from '../../src/backup';
import { readTar } from '../../src/backup/tar-read';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { TestRun, archiveDigest } from './helpers/backup/engine';

let run: TestRun;
let out: string;

before(async () => {
  run = await TestRun.start();
  out = mkdtempSync(join(tmpdir(), 'pl-backup-rescue-'));
  process.env.PERSISTENCE_LENS_HELPER_LABELS = run.labelsEnv;
});

after(async () => {
  delete process.env.PERSISTENCE_LENS_HELPER_LABELS;
  await run?.cleanup();
  rmSync(out, { recursive: true, force: true });
});

async function exec(c: Dockerode.Container, script: string): Promise<void> {
  const e = await c.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  await new Promise((resolve) => {
    stream.on('end', resolve);
    stream.resume();
  });
  const info = await e.inspect();
  assert.equal(info.ExitCode, 0, `${script} failed`);
}

function captureIo(): { io: { out: (t: string) => void; err: (t: string) => void; color: boolean }; out: () => string; err: () => string } {
  let o = '';
  let e = '';
  return { io: { out: (t) => (o += t), err: (t) => (e += t), color: false }, out: () => o, err: () => e };
}

async function archiveNames(file: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of readTar(createReadStream(file).pipe(createGunzip()))) names.push(e.header.name);
  return names;
}

const WRITES = [
  'mkdir -p /home/coder/.ssh /home/coder/notes/deep/er /opt/app',
  'echo secret > /home/coder/.ssh/id && chmod 600 /home/coder/.ssh/id && chmod 700 /home/coder/.ssh',
  'echo "my notes" > "/home/coder/notes/deep/er/a file.txt"',
  'ln -s ../.ssh/id /home/coder/notes/key-link',
  'echo app > /opt/app/state && ln /opt/app/state /opt/app/state-hardlink',
  'chown -R 1000:1000 /home/coder',
  'echo data-in-volume > /data/in-volume',
  'echo "extra:x:1001:1001::/tmp:/bin/sh" >> /etc/passwd',
].join(' && ');

describe('rescue', { timeout: 300_000 }, () => {
  it('rescues the writable layer, and after rm + recreate the restore puts every file back', async () => {
    const name = run.name('rescue');
    const vol = await run.createVolume();
    const config: Dockerode.ContainerCreateOptions = {
      name,
      Image: 'persistence-test:latest',
      Cmd: ['sleep', '86400'],
      Env: ['HOME=/home/coder'],
      Labels: run.labels,
      HostConfig: { Binds: [`${vol}:/data`] },
    };
    const c1 = await run.docker.createContainer(config);
    await c1.start();
    await exec(c1, WRITES);
    const before = await archiveDigest(c1, '/home/coder/.');
    const passwdBefore = await archiveDigest(c1, '/etc/passwd');

    const cap = captureIo();
    assert.equal(await rescueCommand(['--container', name, '--out', out], cap.io), 0, cap.err());
    const text = cap.out();
    assert.match(text, /Rescued the writable layer of container/);
    assert.match(text, /persist their directories/);
    assert.match(text, /\n  \/home\/coder\/\.ssh\n      \/home\/coder\/\.ssh \(added, 2 paths\)/);
    assert.match(text, /\n  \/home\/coder\/notes\n/);
    assert.match(text, /\n  \/opt\n      \/opt \(added, \d+ paths\)/);
    assert.match(text, /\n  \/etc\n      \/etc\/passwd \(modified\)/);
    assert.match(text, /Skipped \(mounts and engine files, not in the writable layer\): .*\/data/);
    const archive = /archive {3}(\S+\.tar\.gz)/.exec(text)?.[1];
    assert.ok(archive, text);
    const names = await archiveNames(archive);
    assert.ok(names.includes('home/coder/.ssh/id'), names.join('\n'));
    assert.ok(names.includes('home/coder/notes/deep/er/a file.txt'));
    assert.ok(names.includes('etc/passwd'));
    assert.ok(!names.some((n) => n.startsWith('data')), 'mounts are not in the writable layer');
    assert.ok(!names.some((n) => /etc\/(hosts|hostname|resolv\.conf)$/.test(n)), 'engine files are not rescued');

    // recreate: the files are gone
    await c1.remove({ force: true });
    const c2 = await run.docker.createContainer(config);
    await c2.start();
    await assert.rejects(c2.getArchive({ path: '/home/coder/.ssh/id' }), /no such file|not found|404/i);

    // /etc/passwd exists in the new container (from the image): restoring over it needs --force
    const cap2 = captureIo();
    assert.equal(await restoreCommand([archive, '--container', name, '--out', out], cap2.io), 2);
    assert.match(cap2.err(), /container "pl-test-rescue-.*" is not empty: 1 of the archive's paths exist there \(\/etc\/passwd\)/);
    await assert.rejects(c2.getArchive({ path: '/home/coder/.ssh/id' }), /no such file|not found|404/i, 'nothing was written');

    const cap3 = captureIo();
    assert.equal(await restoreCommand([archive, '--container', name, '--out', out, '--force'], cap3.io), 0, cap3.err());
    assert.match(cap3.out(), /Restored \d+ entries .* into container "pl-test-rescue-/);
    assert.match(cap3.out(), /safety backup of what was there: .*pre-restore-rescue-/);

    const afterHome = await archiveDigest(c2, '/home/coder/.');
    for (const [k, v] of before) {
      if (k === '.') continue; // /home/coder itself comes from the image
      assert.deepEqual(afterHome.get(k), v, k);
    }
    assert.deepEqual((await archiveDigest(c2, '/etc/passwd')).get('passwd')?.sha256, passwdBefore.get('passwd')?.sha256);
    const app = await archiveDigest(c2, '/opt/app/.');
    assert.equal(
      app.get('state-hardlink')?.type === 'link' || app.get('state')?.type === 'link',
      true,
      'the hard link is a hard link again',
    );
    await c2.remove({ force: true });
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('says so when there is nothing to rescue, and refuses a content backup as a rescue archive', async () => {
    const name = run.name('empty');
    const c = await run.docker.createContainer({ name, Image: 'persistence-test:latest', Labels: run.labels });
    const r = await rescue({ container: name }, { outDir: out });
    assert.equal(r.archived, false);
    assert.equal(r.plan.roots.length, 0);
    const cap = captureIo();
    assert.equal(await rescueCommand(['--container', name, '--out', out], cap.io), 0);
    assert.match(cap.out(), /Nothing to rescue/);

    const vol = await run.createVolume();
    await run.fillVolume(
      vol,
      (async function* () {
        yield { header: { name: './', type: 'directory' as const, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 } };
      })(),
    );
    const { backup } = await import('../../src/backup');
    const b = await backup({ kind: 'volume', volume: vol }, { outDir: out, helperLabels: run.labels });
    await assert.rejects(restore(b.archive, { kind: 'container', container: name }), (err: Error) => {
      assert.ok(err instanceof BackupInputError);
      assert.match(err.message, /not a rescue archive/);
      return true;
    });
    await c.remove({ force: true });
  });
});
