/**
 * Issue 13 on a real Docker Engine: (5) restores into a volume or a container keep recorded owners and modes but
 * strip setuid/setgid bits of files and file capabilities unless asked, and a container path the restore creates
 * gets plain parents; (12) a backup of a missing volume or container path leaves no --out folder behind.
 * Archives are built here.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BackupInputError, backup, restore } from '../../src/backup';
import { readTar } from '../../src/backup/tar-read';
import { tarBuffer, type ArchiveEntry, type EntryHeader } from '../../src/backup/tar-format';
import { TestRun, IMAGE } from './helpers/backup/engine';

let run: TestRun;
let work: string;
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);

before(async () => {
  run = await TestRun.start();
  work = mkdtempSync(join(tmpdir(), 'pl-backup-privileges-'));
});

after(async () => {
  await run?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const T = 1_700_000_000;
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex').toString('latin1'); // cap_net_bind_service, effective
const dir = (name: string, extra: Partial<EntryHeader> = {}): ArchiveEntry => ({
  header: { name, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: T, ...extra },
});
const file = (name: string, content: string, extra: Partial<EntryHeader> = {}): ArchiveEntry => {
  const data = Buffer.from(content);
  return {
    header: { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: T, ...extra },
    body: (async function* () {
      yield data;
    })(),
  };
};

async function archiveOf(entries: () => ArchiveEntry[]): Promise<string> {
  const box = fresh('archive');
  mkdirSync(box);
  const path = join(box, 'privileged.tar.gz');
  writeFileSync(path, gzipSync(await tarBuffer(entries())));
  return path;
}

/** What the engine gives back for each entry under `path`: mode, owner, xattr names. */
async function headers(
  c: Dockerode.Container,
  path: string,
): Promise<Map<string, { mode: number; uid: number; gid: number; xattrs: string[] }>> {
  const res = (await c.getArchive({ path })) as unknown as Readable;
  const out = new Map<string, { mode: number; uid: number; gid: number; xattrs: string[] }>();
  for await (const e of readTar(res)) {
    const name = e.header.name.replace(/^\.\/?/, '').replace(/\/$/, '') || '.';
    out.set(name, { mode: e.header.mode, uid: e.header.uid, gid: e.header.gid, xattrs: Object.keys(e.header.xattrs ?? {}) });
    if (e.body) for await (const _ of e.body) void _;
  }
  return out;
}

const privileged = (): ArchiveEntry[] => [
  dir('./', { mode: 0o755, uid: 999, gid: 999 }),
  file('./suid-root', '#!/bin/sh\n', { mode: 0o4755 }),
  file('./sgid', 'x\n', { mode: 0o2755, gid: 50 }),
  file('./capped', 'x\n', { mode: 0o755, xattrs: { 'security.capability': CAP } }),
  file('./pgdata', 'data\n', { mode: 0o600, uid: 999, gid: 999 }),
  dir('./shared', { mode: 0o2775, uid: 1000, gid: 1000 }),
];

describe('privileges a restore into the engine does not hand out (issue 13, point 5)', { timeout: 300_000 }, () => {
  it('a volume: owners and modes as recorded, setuid/setgid of files and capabilities stripped; kept with keepPrivileges', async () => {
    const archive = await archiveOf(privileged);
    const vol = run.name('priv');
    const r = await restore(archive, { kind: 'volume', volume: vol }, { outDir: fresh('out'), helperLabels: run.labels });
    await run.docker.getVolume(vol).inspect(); // created with the run's labels: cleaned up with the run
    assert.ok(
      r.warnings.some((w) => /setuid\/setgid/.test(w) && /suid-root/.test(w) && /sgid/.test(w)),
      r.warnings.join('\n'),
    );
    assert.ok(
      r.warnings.some((w) => /capabilities/.test(w) && /capped/.test(w)),
      r.warnings.join('\n'),
    );
    const c = await run.helperFor(vol);
    try {
      const got = await headers(c, '/v/.');
      assert.equal(got.get('suid-root')?.mode, 0o755, 'setuid stripped');
      assert.equal(got.get('sgid')?.mode, 0o755, 'setgid stripped');
      assert.equal(got.get('sgid')?.gid, 50, 'its group kept');
      assert.deepEqual(got.get('capped')?.xattrs, [], 'no file capability');
      assert.deepEqual(
        [got.get('pgdata')?.mode, got.get('pgdata')?.uid, got.get('pgdata')?.gid],
        [0o600, 999, 999],
        'a recorded owner and mode are kept',
      );
      assert.equal(got.get('shared')?.mode, 0o2775, 'a directory keeps its setgid');
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }

    // what the engine does when asked to keep them (and so what it did before they were stripped)
    const kept = run.name('priv-kept');
    await restore(archive, { kind: 'volume', volume: kept }, { outDir: fresh('out'), helperLabels: run.labels, keepPrivileges: true });
    const k = await run.helperFor(kept);
    try {
      const got = await headers(k, '/v/.');
      assert.equal(got.get('suid-root')?.mode, 0o4755, 'kept when asked');
      assert.deepEqual(got.get('capped')?.xattrs, ['security.capability'], 'kept when asked');
    } finally {
      await k.remove({ force: true }).catch(() => undefined);
    }
  });

  it('a container path the restore creates: plain parents, the folder itself without setuid; files stripped', async () => {
    const name = run.name('priv-c');
    const c = await run.docker.createContainer({ name, Image: IMAGE, Cmd: ['sleep', '86400'], Labels: run.labels, StopTimeout: 1 });
    await c.start();
    const archive = await archiveOf(() => [
      dir('./', { mode: 0o7777, uid: 1234, gid: 1234 }),
      file('./suid-root', 'x\n', { mode: 0o4755 }),
    ]);
    await restore(
      archive,
      { kind: 'container-path', container: name, path: '/restored/deep/data' },
      { outDir: fresh('out'), helperLabels: run.labels },
    );
    const top = await headers(c, '/restored');
    assert.deepEqual(
      [top.get('restored')?.mode, top.get('restored')?.uid],
      [0o755, 0],
      'a parent the restore made is 0755 root, not the archive root 7777/1234',
    );
    assert.deepEqual([top.get('restored/deep')?.mode, top.get('restored/deep')?.uid], [0o755, 0]);
    assert.equal((top.get('restored/deep/data')?.mode ?? 0) & 0o4000, 0, 'no setuid on the folder');
    assert.equal(top.get('restored/deep/data/suid-root')?.mode, 0o755);
  });
});

describe('a missing source leaves no --out folder (issue 13, point 12)', { timeout: 120_000 }, () => {
  it('a volume that does not exist, and a path a container does not have', async () => {
    const out = fresh('out');
    await assert.rejects(
      backup({ kind: 'volume', volume: run.name('missing') }, { outDir: out, helperLabels: run.labels }),
      (e: Error) => e instanceof BackupInputError && /no volume/.test(e.message),
    );
    assert.equal(existsSync(out), false, 'no --out folder for a missing volume');

    const name = run.name('nopath');
    await run.docker.createContainer({ name, Image: IMAGE, Cmd: ['true'], Labels: run.labels });
    await assert.rejects(
      backup({ kind: 'container-path', container: name, path: '/no/such/dir' }, { outDir: out, helperLabels: run.labels }),
      (e: Error) => e instanceof BackupInputError && /there is no/.test(e.message),
    );
    assert.equal(existsSync(out), false, 'no --out folder for a missing container path');
    assert.deepEqual(await run.helpersLeft(), []);
  });
});
