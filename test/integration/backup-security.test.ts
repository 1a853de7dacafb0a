/**
 * Security defects of issue 13 on a real Docker Engine, with hostile archives built here:
 * (1) a restore never writes through a symlink the target already has (a container path, a volume, a rescue
 * into a container); (2) a rescue restore decides what it overwrites from the archive's entries, not from what
 * the manifest claims; (3) names that are not valid UTF-8 go through a volume byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type Dockerode from 'dockerode';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ArchiveRefusedError, BackupInputError, backup, restore } from '../../src/backup';
import { MANIFEST_FORMAT, manifestPathFor, type Manifest } from '../../src/backup/manifest';
import { tarBuffer, type ArchiveEntry, type EntryHeader } from '../../src/backup/tar-format';
import { restoreHooks } from '../../src/backup/restore';
import { TestRun, archiveDigest, IMAGE } from './helpers/backup/engine';

let run: TestRun;
let work: string;
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);

before(async () => {
  run = await TestRun.start();
  work = mkdtempSync(join(tmpdir(), 'pl-backup-security-'));
});

after(async () => {
  await run?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const T = 1_700_000_000;
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

/** Writes `entries` as a .tar.gz; with `manifest`, a manifest beside it whose sha256 and counts match (it "verifies"). */
async function hostile(entries: ArchiveEntry[], manifest?: Partial<Manifest>): Promise<string> {
  const box = fresh('archive');
  mkdirSync(box);
  const path = join(box, 'hostile.tar.gz');
  const files = entries.filter((e) => e.header.type === 'file');
  const gz = gzipSync(await tarBuffer(entries));
  writeFileSync(path, gz);
  if (manifest) {
    const m: Manifest = {
      format: MANIFEST_FORMAT,
      archive: basename(path),
      source: { kind: 'rescue', name: 'victim', container: 'victim' },
      purpose: 'backup',
      layout: 'root',
      createdAt: new Date().toISOString(),
      entries: entries.length,
      bytes: files.reduce((s, e) => s + e.header.size, 0),
      archiveBytes: gz.length,
      sha256: createHash('sha256').update(gz).digest('hex'),
      gzipLevel: 6,
      tool: { name: 'persistence-lens', version: 'test' },
      ...manifest,
    };
    writeFileSync(manifestPathFor(path), JSON.stringify(m));
  }
  return path;
}

async function exec(c: Dockerode.Container, script: string): Promise<string> {
  const e = await c.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  const chunks: Buffer[] = [];
  await new Promise((resolve) => {
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', resolve);
  });
  const info = await e.inspect();
  assert.equal(info.ExitCode, 0, `${script} failed`);
  // the multiplexed stream: 8-byte frame headers
  const buf = Buffer.concat(chunks);
  const out: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(out).toString('utf8');
}

async function container(setup: string): Promise<{ c: Dockerode.Container; name: string }> {
  const name = run.name('sec');
  const c = await run.docker.createContainer({ name, Image: IMAGE, Cmd: ['sleep', '86400'], Labels: run.labels });
  await c.start();
  await exec(c, setup);
  return { c, name };
}

const exists = async (c: Dockerode.Container, path: string): Promise<boolean> =>
  (await exec(c, `test -e ${path} && echo yes || echo no`)).trim() === 'yes';

function refusedNaming(link: string): (err: Error) => boolean {
  return (err: Error) => {
    assert.ok(err instanceof ArchiveRefusedError, `${err.name}: ${err.message}`);
    assert.match(err.message, new RegExp(`symlink at /?${link}`));
    assert.match(err.message, /nothing was restored/);
    return true;
  };
}

describe('a restore never writes through a symlink the target has (issue 13, point 1)', { timeout: 300_000 }, () => {
  it('a container path: /data/etclink -> /etc and an entry etclink/pwned (no directory entry before it)', async () => {
    const { c, name } = await container('mkdir -p /data && ln -s /etc /data/etclink && echo keep > /data/keep');
    const archive = await hostile([dir('./'), file('./etclink/pwned', 'pwned\n')]);
    await assert.rejects(
      restore(
        archive,
        { kind: 'container-path', container: name, path: '/data' },
        { force: true, outDir: fresh('out'), helperLabels: run.labels },
      ),
      refusedNaming('etclink'),
    );
    assert.equal(await exists(c, '/etc/pwned'), false, '/etc/pwned was never written');
    assert.equal((await exec(c, 'readlink /data/etclink; cat /data/keep')).trim(), '/etc\nkeep', 'the link and the data are as they were');
  });

  it('a container path: the same with a directory entry for etclink/ first', async () => {
    const { c, name } = await container('mkdir -p /data && ln -s /etc /data/etclink && echo keep > /data/keep');
    const archive = await hostile([dir('./'), dir('./etclink'), file('./etclink/pwned', 'pwned\n'), file('./keep', 'overwritten\n')]);
    await assert.rejects(
      restore(
        archive,
        { kind: 'container-path', container: name, path: '/data' },
        { force: true, outDir: fresh('out'), helperLabels: run.labels },
      ),
      (err: Error) => {
        assert.ok(err instanceof ArchiveRefusedError, `${err.name}: ${err.message}`);
        assert.match(err.message, /symlink at etclink/);
        return true;
      },
    );
    assert.equal(await exists(c, '/etc/pwned'), false);
    assert.equal((await exec(c, 'cat /data/keep')).trim(), 'keep', 'nothing was half-written');
  });

  it('a volume holding a symlink: etclink -> /etc and an entry etclink/pwned', async () => {
    const vol = await run.createVolume();
    await run.fillVolume(
      vol,
      (async function* () {
        yield dir('./');
        yield { header: { name: './etclink', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, size: 0, mtime: T, linkname: '/etc' } };
        yield { header: { name: './rootlink', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, size: 0, mtime: T, linkname: '/' } };
      })(),
    );
    const before = await run.volumeDigest(vol);
    for (const [link, entries] of [
      ['etclink', [dir('./'), file('./etclink/pwned', 'pwned\n')]],
      ['rootlink', [dir('./'), dir('./rootlink'), file('./rootlink/pwned', 'pwned\n')]],
    ] as const) {
      const archive = await hostile([...entries]);
      await assert.rejects(
        restore(archive, { kind: 'volume', volume: vol }, { force: true, outDir: fresh('out'), helperLabels: run.labels }),
        refusedNaming(link),
      );
    }
    assert.deepEqual(await run.volumeDigest(vol), before, 'the volume is as it was');
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('a link planted after the check (a process in the container racing the restore) stops the engine instead of being followed', async () => {
    const { c, name } = await container('mkdir -p /data && echo keep > /data/keep');
    const archive = await hostile([dir('./'), file('./a-first', 'first\n'), file('./sub/pwned', 'pwned\n')]);
    restoreHooks.beforeEngineWrite = async () => {
      await exec(c, 'ln -s /etc /data/sub');
    };
    try {
      await assert.rejects(
        restore(
          archive,
          { kind: 'container-path', container: name, path: '/data' },
          { force: true, outDir: fresh('out'), helperLabels: run.labels },
        ),
        /cannot overwrite non-directory "\/data\/sub" with directory/,
      );
    } finally {
      delete restoreHooks.beforeEngineWrite;
    }
    assert.equal(await exists(c, '/etc/pwned'), false, '/etc/pwned was never written');
  });

  it('a rescue into a container: /etclink -> /etc in the container and an entry etclink/pwned', async () => {
    const { c, name } = await container('ln -s /etc /etclink');
    const archive = await hostile([file('etclink/pwned', 'pwned\n')], { paths: ['/etclink/pwned'] });
    await assert.rejects(
      restore(archive, { kind: 'container', container: name }, { force: true, outDir: fresh('out'), helperLabels: run.labels }),
      refusedNaming('etclink'),
    );
    assert.equal(await exists(c, '/etc/pwned'), false);
  });
});

describe('a rescue restore decides from the archive, not from the manifest (issue 13, point 2)', { timeout: 300_000 }, () => {
  it('a manifest listing only /tmp/harmless over an archive holding etc/passwd: refused without force; with force a safety backup of /etc/passwd', async () => {
    const { c, name } = await container('true');
    const passwd = await exec(c, 'cat /etc/passwd');
    const archive = await hostile([file('etc/passwd', 'root::0:0::/root:/bin/sh\n'), dir('tmp/harmless'), file('tmp/harmless/x', 'x\n')], {
      paths: ['/tmp/harmless'],
    });

    await assert.rejects(
      restore(archive, { kind: 'container', container: name }, { outDir: fresh('out'), helperLabels: run.labels }),
      (err: Error) => {
        assert.ok(err instanceof BackupInputError, err.message);
        assert.match(err.message, /is not empty: 1 of the archive's paths exist there \(\/etc\/passwd\)/);
        assert.match(err.message, /nothing was restored/);
        return true;
      },
    );
    assert.equal(await exec(c, 'cat /etc/passwd'), passwd, '/etc/passwd is unchanged');
    assert.equal(await exists(c, '/tmp/harmless'), false, 'nothing was written');

    const out = fresh('out');
    const r = await restore(archive, { kind: 'container', container: name }, { force: true, outDir: out, helperLabels: run.labels });
    assert.ok(r.safetyBackup, 'a safety backup was taken');
    assert.deepEqual(r.safetyBackup.manifest.paths, ['/etc/passwd']);
    const names = [...(await archiveNamesOf(r.safetyBackup.archive))];
    assert.deepEqual(names, ['etc/passwd']);
    assert.equal(await exec(c, 'cat /etc/passwd'), 'root::0:0::/root:/bin/sh\n');
  });
});

async function archiveNamesOf(path: string): Promise<string[]> {
  const { readTar } = await import('../../src/backup/tar-read');
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const names: string[] = [];
  for await (const e of readTar(createReadStream(path).pipe(createGunzip()))) names.push(e.header.name);
  return names;
}

describe('names that are not valid UTF-8 through a volume (issue 13, point 3)', { timeout: 300_000 }, () => {
  const raw = (d: string, ...names: Buffer[]): Buffer => Buffer.concat([Buffer.from(d), ...names.flatMap((x) => [Buffer.from('/'), x])]);
  const BAD = Buffer.from([0x66, 0xff, 0x6f]);
  const LATIN1 = Buffer.from('caf\xe9', 'latin1');

  function byteTree(root: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (d: Buffer, rel: Buffer): void => {
      for (const name of readdirSync(d, { encoding: 'buffer' })) {
        const abs = Buffer.concat([d, Buffer.from('/'), name]);
        const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
        const st = lstatSync(abs);
        if (st.isSymbolicLink()) out.set(r.toString('hex'), `link:${readlinkSync(abs, { encoding: 'buffer' }).toString('hex')}`);
        else if (st.isDirectory()) {
          out.set(r.toString('hex'), 'dir');
          walk(abs, r);
        } else out.set(r.toString('hex'), `file:${readFileSync(abs).toString('hex')}`);
      }
    };
    walk(Buffer.from(root), Buffer.alloc(0));
    return out;
  }

  it('local folder → backup → restore into a volume → backup of the volume → restore into a folder: the same bytes', async () => {
    const src = fresh('src');
    mkdirSync(src);
    mkdirSync(raw(src, BAD));
    writeFileSync(raw(src, BAD, LATIN1), 'latin-1 name in a folder named f\\xffo\n');
    writeFileSync(raw(src, LATIN1), 'café\n');
    symlinkSync(LATIN1, raw(src, BAD, Buffer.from('link')));
    const want = byteTree(src);
    assert.equal(want.size, 4);

    const b1 = await backup({ kind: 'local', path: src }, { outDir: fresh('out') });
    assert.equal(b1.manifest.entries, 5);
    const vol = run.name('names');
    const r1 = await restore(b1.archive, { kind: 'volume', volume: vol }, { outDir: fresh('out'), helperLabels: run.labels });
    assert.equal(r1.entries, 5);

    // what the engine holds, read by a program in a container: the bytes
    const listing = await run.run(['sh', '-c', 'cd /v && find . | sort | od -An -tx1 | tr -d " \\n"'], [`${vol}:/v`]);
    assert.ok(listing.includes('66ff6f'), `the volume holds f\\xffo: ${listing}`);
    assert.ok(listing.includes('636166e9'), `the volume holds caf\\xe9: ${listing}`);

    const b2 = await backup({ kind: 'volume', volume: vol }, { outDir: fresh('out'), helperLabels: run.labels });
    assert.equal(b2.manifest.entries, 5);
    const dest = fresh('dest');
    await restore(b2.archive, { kind: 'local', path: dest });
    assert.deepEqual(byteTree(dest), want);
    void archiveDigest;
  });

  it('a rescue keeps such names under a rescued directory byte for byte, and fails (never a silent gap) for a top-level one the engine cannot name', async () => {
    const { c, name } = await container(`mkdir -p /home/x && printf a > "/home/x/f$(printf '\\377')o"`);
    const { rescue } = await import('../../src/backup');
    const out = fresh('out');
    const r = await rescue({ container: name }, { outDir: out, helperLabels: run.labels, checkDestination: false });
    assert.ok(r.archive);
    const { c: c2, name: name2 } = await container('true');
    await restore(r.archive, { kind: 'container', container: name2 }, { outDir: out, helperLabels: run.labels, checkDestination: false });
    // busybox ls shows such bytes as '?': print the names themselves
    assert.equal((await exec(c2, "cd /home/x && printf '%s' * | od -An -tx1")).replace(/\s+/g, ''), '66ff6f');
    void c2;

    await exec(c, `printf b > "/g$(printf '\\377')"`);
    const before = readdirSync(out).length;
    await assert.rejects(rescue({ container: name }, { outDir: out, helperLabels: run.labels, checkDestination: false }), (err: Error) => {
      assert.ok(err instanceof BackupInputError, err.message);
      assert.match(err.message, /not valid UTF-8 \(\/g\ufffd;/);
      assert.match(err.message, /nothing was written/);
      return true;
    });
    assert.equal(readdirSync(out).length, before, 'no archive was written');
  });
});
