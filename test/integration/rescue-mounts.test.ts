/**
 * Rescue covers what a recreate loses besides the writable layer: an anonymous volume (a redis-like image
 * VOLUME /data) and a tmpfs, read while the container runs; after rm + recreate (a new empty volume, a new
 * empty tmpfs) the restore puts their files back (into the tmpfs with tar inside the container). A named volume is left out: it keeps its data by itself.
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type Dockerode from 'dockerode';
import { after, before, describe, it } from 'node:test';
import { rescue, restore } from '../../src/backup';
import { readTar } from '../../src/backup/tar-read';
import { TestRun, archiveDigest } from './helpers/backup/engine';

let run: TestRun;
let out: string;

before(async () => {
  run = await TestRun.start();
  out = mkdtempSync(join(tmpdir(), 'pl-rescue-mounts-'));
  process.env.PERSISTENCE_LENS_HELPER_LABELS = run.labelsEnv;
});

after(async () => {
  delete process.env.PERSISTENCE_LENS_HELPER_LABELS;
  await run?.cleanup();
  rmSync(out, { recursive: true, force: true });
});

async function exec(c: Dockerode.Container, script: string): Promise<void> {
  const e = await c.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true, User: '0' });
  const stream = await e.start({});
  await new Promise((resolve) => {
    stream.on('end', resolve);
    stream.resume();
  });
  assert.equal((await e.inspect()).ExitCode, 0, `${script} failed`);
}

async function archiveNames(file: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of readTar(createReadStream(file).pipe(createGunzip()))) names.push(e.header.name);
  return names;
}

describe('rescue of anonymous volumes and tmpfs mounts', { timeout: 300_000 }, () => {
  it('archives them with the writable layer, leaves named volumes out, and the restore puts them back after a recreate', async () => {
    const name = run.name('rescue-mounts');
    const named = await run.createVolume();
    const config: Dockerode.ContainerCreateOptions = {
      name,
      Image: 'persistence-test-volume:latest', // VOLUME /data: an anonymous volume at every run
      Cmd: ['sleep', '86400'],
      Labels: run.labels,
      HostConfig: { Binds: [`${named}:/keep`], Tmpfs: { '/scratch': 'rw,size=4m' } },
    };
    const c1 = await run.docker.createContainer(config);
    await c1.start();
    await exec(
      c1,
      'echo dump > /data/dump.rdb && mkdir -p /data/sub && echo x > /data/sub/y && chown -R 1000:1000 /data && echo warm > /scratch/cache && echo kept > /keep/k && echo w > /srv-written',
    );
    const dataBefore = await archiveDigest(c1, '/data/.');

    const r = await rescue({ container: name }, { outDir: out });
    assert.equal(r.archived, true);
    const roots = new Map(r.plan.roots.map((x) => [x.path, x.storage ?? 'writable-layer']));
    assert.equal(roots.get('/data'), 'anonymous-volume');
    assert.equal(roots.get('/scratch'), 'tmpfs');
    assert.equal(roots.get('/srv-written'), 'writable-layer');
    assert.ok(!roots.has('/keep'), 'a named volume keeps its data by itself');
    const names = await archiveNames(r.archive!);
    for (const n of ['data/dump.rdb', 'data/sub/y', 'scratch/cache', 'srv-written'])
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('keep')), names.join(', '));

    // recreate: a new empty anonymous volume at /data, a new empty tmpfs
    const oldAnonymous = (await c1.inspect()).Mounts.filter((m) => m.Destination === '/data').map((m) => m.Name!);
    await c1.remove({ force: true }); // without v: the old anonymous volume stays, orphaned (removed below)
    const c2 = await run.docker.createContainer(config);
    await c2.start();
    const restored = await restore(r.archive!, { kind: 'container', container: name }, { force: true, outDir: out });
    assert.ok(restored.entries > 0);
    const dataAfter = await archiveDigest(c2, '/data/.');
    for (const [k, v] of dataBefore) assert.deepEqual(dataAfter.get(k), v, `/data/${k}`);
    const written = await archiveDigest(c2, '/srv-written');
    assert.ok(written.get('srv-written'), 'the writable-layer file is back');
    await exec(c2, 'test "$(cat /scratch/cache)" = warm'); // written into the new tmpfs, inside the container
    await c2.remove({ force: true, v: true });
    for (const v of oldAnonymous) await run.docker.getVolume(v).remove();
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('says nothing is to rescue when the anonymous volume is empty and the container writes nothing', async () => {
    const name = run.name('rescue-empty-mounts');
    const c = await run.docker.createContainer({
      name,
      Image: 'persistence-test-volume:latest',
      Cmd: ['sleep', '86400'],
      Labels: run.labels,
    });
    await c.start();
    const r = await rescue({ container: name }, { outDir: out });
    assert.equal(r.archived, false, JSON.stringify(r.plan.roots));
    await c.remove({ force: true, v: true });
  });
});
