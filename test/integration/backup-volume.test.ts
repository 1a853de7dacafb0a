/**
 * Backup and restore of Docker volumes on a real engine: a round trip of a volume with over 10,000 files and a
 * 300 MB file into a NEW volume, equal entry for entry (content hash, mode, owner, mtime, link target); a
 * non-empty target needs force and gets a safety backup; a container path round trip.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backup, isRestoreRefusal, listBackups, restore, BackupInputError } from '../../src/backup';
import { TestRun, archiveDigest, type EntryDigest } from './helpers/backup/engine';
import { countEntries, dataset } from './helpers/backup/dataset';

let run: TestRun;
let out: string;

before(async () => {
  run = await TestRun.start();
  out = mkdtempSync(join(tmpdir(), 'pl-backup-vol-'));
});

after(async () => {
  await run?.cleanup();
  rmSync(out, { recursive: true, force: true });
});

function diff(a: Map<string, EntryDigest>, b: Map<string, EntryDigest>, ignoreRootTime = true): string[] {
  const problems: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) {
      problems.push(`missing ${k}`);
      continue;
    }
    const vv = ignoreRootTime && k === '.' ? { ...v, mtime: 0 } : v;
    const ww = ignoreRootTime && k === '.' ? { ...w, mtime: 0 } : w;
    try {
      assert.deepEqual(ww, vv);
    } catch {
      problems.push(`${k}: ${JSON.stringify(vv)} != ${JSON.stringify(ww)}`);
    }
  }
  for (const k of b.keys()) if (!a.has(k)) problems.push(`extra ${k}`);
  return problems;
}

describe('volume backup and restore', { timeout: 600_000 }, () => {
  it('round-trips a volume of 10,000+ files and a 300 MB file into a new volume, losing nothing', async () => {
    const source = await run.createVolume();
    const t0 = Date.now();
    await run.fillVolume(source, dataset());
    const tFill = Date.now();

    const progress: number[] = [];
    const r = await backup(
      { kind: 'volume', volume: source },
      { outDir: out, helperLabels: run.labels, onProgress: (p) => progress.push(p.bytes) },
    );
    const tBackup = Date.now();
    assert.match(r.archive, new RegExp(`/volume-${source}-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
    assert.equal(r.manifest.entries, await countEntries());
    assert.ok(r.manifest.entries > 10_000);
    assert.ok(r.manifest.bytes > 300 * 1024 * 1024);
    assert.equal(statSync(r.archive).mode & 0o777, 0o600);
    assert.equal(statSync(r.manifestPath).mode & 0o777, 0o600);
    assert.equal(statSync(out).mode & 0o777, 0o700);
    assert.ok(progress.length > 1, 'progress was reported');
    assert.deepEqual(await run.helpersLeft(), []);

    const target = run.name('restored');
    const rr = await restore(r.archive, { kind: 'volume', volume: target }, { outDir: out, helperLabels: run.labels });
    const tRestore = Date.now();
    assert.equal(rr.createdVolume, true);
    assert.equal(rr.check.verified, true);
    assert.equal(rr.entries, r.manifest.entries);
    assert.equal(rr.safetyBackup, undefined);

    const [a, b] = await Promise.all([run.volumeDigest(source), run.volumeDigest(target)]);
    assert.ok(a.size > 10_000);
    assert.deepEqual(diff(a, b), []);
    // spot checks of what matters most
    assert.equal(b.get('links/abs')?.linkname, '/etc/passwd');
    assert.equal(b.get('links/dangling')?.linkname, '../does/not/exist');
    assert.equal(b.get('Ordner mit Ümlaut/ünïcødé – 文件.txt')?.mode, 0o600);
    assert.equal(b.get('big/random.bin')?.size, 300 * 1024 * 1024);
    assert.equal(b.get('big/random.bin')?.uid, 1000);
    assert.equal([...b.values()].filter((e) => e.type === 'link').length, 2);
    assert.deepEqual(await run.helpersLeft(), []);
    console.log(
      `fill ${(tFill - t0) / 1000}s, backup ${(tBackup - tFill) / 1000}s (${(r.manifest.bytes / 1e6 / ((tBackup - tFill) / 1000)).toFixed(0)} MB/s, archive ${(r.manifest.archiveBytes / 1e6).toFixed(0)} MB), restore ${(tRestore - tBackup) / 1000}s`,
    );
  });

  it('refuses a non-empty volume without force, and takes a safety backup with it', async () => {
    const a = await run.createVolume();
    await run.fillVolume(a, dataset({ files: 20, bigFileBytes: 0 }));
    const b = await run.createVolume();
    await run.fillVolume(b, dataset({ files: 5, bigFileBytes: 0 }));
    const before = await run.volumeDigest(b);
    const r = await backup({ kind: 'volume', volume: a }, { outDir: out, helperLabels: run.labels });

    await assert.rejects(restore(r.archive, { kind: 'volume', volume: b }, { outDir: out, helperLabels: run.labels }), (err: Error) => {
      assert.ok(err instanceof BackupInputError);
      assert.match(err.message, /is not empty/);
      assert.ok(isRestoreRefusal(err) && err.kind === 'needs-force', 'the CLI words it as "Pass --force"');
      return true;
    });
    assert.deepEqual(diff(before, await run.volumeDigest(b), false), [], 'nothing was written');

    const rr = await restore(r.archive, { kind: 'volume', volume: b }, { outDir: out, helperLabels: run.labels, force: true });
    assert.ok(rr.safetyBackup);
    assert.match(rr.safetyBackup.archive, /\/pre-restore-volume-.*\.tar\.gz$/);
    assert.equal(rr.safetyBackup.manifest.purpose, 'safety');
    assert.equal(rr.safetyBackup.manifest.entries, before.size);
    const listed = await listBackups(out);
    assert.ok(listed.some((l) => l.file === rr.safetyBackup!.archive && l.status === 'ok'));
    // the safety backup restores what was there
    const c = run.name('from-safety');
    await restore(rr.safetyBackup.archive, { kind: 'volume', volume: c }, { outDir: out, helperLabels: run.labels });
    assert.deepEqual(diff(before, await run.volumeDigest(c)), []);
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('backs up and restores a directory of a container, creating the destination directory', async () => {
    const vol = await run.createVolume();
    await run.fillVolume(vol, dataset({ files: 30, bigFileBytes: 0 }));
    const name = run.name('ctr');
    const c = await run.docker.createContainer({
      name,
      Image: 'persistence-test:latest',
      Labels: run.labels,
      HostConfig: { Binds: [`${vol}:/srv/data`] },
    });
    const r = await backup({ kind: 'container-path', container: name, path: '/srv/data/' }, { outDir: out });
    assert.equal(r.manifest.source.kind, 'container-path');
    assert.equal(r.manifest.source.container, name);
    assert.match(r.archive, new RegExp(`container-${name}-srv-data-`));

    const other = run.name('ctr2');
    const c2 = await run.docker.createContainer({ name: other, Image: 'persistence-test:latest', Labels: run.labels });
    await c2.start();
    await restore(r.archive, { kind: 'container-path', container: other, path: '/restored/here' }, { outDir: out });
    const [a, b] = await Promise.all([archiveDigest(c, '/srv/data/.'), archiveDigest(c2, '/restored/here/.')]);
    assert.deepEqual(diff(a, b), []);
    await c2.remove({ force: true });
    await c.remove({ force: true });
  });

  it('names a missing volume, container or path as an input error', async () => {
    await assert.rejects(backup({ kind: 'volume', volume: run.name('nope') }, { outDir: out }), /no volume "pl-test-nope/);
    await assert.rejects(
      backup({ kind: 'container-path', container: run.name('nope'), path: '/x' }, { outDir: out }),
      /no container "pl-test-nope/,
    );
    const name = run.name('ctr3');
    await run.docker.createContainer({ name, Image: 'persistence-test:latest', Labels: run.labels });
    await assert.rejects(
      backup({ kind: 'container-path', container: name, path: '/no/such/dir' }, { outDir: out }),
      /there is no \/no\/such\/dir in container/,
    );
    await assert.rejects(backup({ kind: 'container-path', container: name, path: '/bin/busybox' }, { outDir: out }), /is a file/);
    assert.equal(readdirSync(out).filter((n) => n.endsWith('.partial')).length, 0);
  });
});
