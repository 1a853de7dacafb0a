/**
 * Issue 13, points 5, 6, 7, 9, 10, 11, 12 on local folders (no Docker): privileges a restore does not hand out,
 * memory, time and disk bombs refused before anything is written, unknown and sparse entry types, retention
 * that never deletes the backup just made, a stale-partial sweep that touches only our own files, a backup
 * that goes on past an unreadable file, and a missing source that leaves no --out folder behind. Every hostile
 * and huge input is built here.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { backup, listBackups, restore, ArchiveRefusedError, BackupInputError } from '../../../src/backup';
import { removeStalePartials, partialPathFor } from '../../../src/backup/archive-file';
import { tarBuffer } from '../../../src/backup/tar-format';
import { bundleForAnyUser } from '../helpers/bundle';

const work = mkdtempSync(join(tmpdir(), 'pl-backup-limits-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(work, { recursive: true, force: true });
});
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);
const isRoot = process.getuid?.() === 0;

/** One raw 512-byte tar header (ustar), any typeflag, checksum computed. */
function rawHeader(h: { name: string; type: string; size?: number; mode?: number; linkname?: string }): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name.slice(0, 100), 0, 'latin1');
  b.write((h.mode ?? 0o644).toString(8).padStart(7, '0') + '\0', 100, 'ascii');
  b.write('0000000\0', 108, 'ascii');
  b.write('0000000\0', 116, 'ascii');
  b.write((h.size ?? 0).toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  b.write(
    Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0') + '\0',
    136,
    'ascii',
  );
  b.write(h.type, 156, 'latin1');
  if (h.linkname) b.write(h.linkname, 157, 'latin1');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return b;
}
const pad = (len: number): Buffer => Buffer.alloc((512 - (len % 512)) % 512);
/** A header and its body, padded. */
const rawEntry = (h: { name: string; type: string; mode?: number; linkname?: string }, body: Buffer = Buffer.alloc(0)): Buffer =>
  Buffer.concat([rawHeader({ ...h, size: body.length }), body, pad(body.length)]);
const END = Buffer.alloc(1024);
const rootDir = (): Buffer => rawEntry({ name: './', type: '5', mode: 0o755 });
const once = (text: string): AsyncIterable<Buffer> =>
  (async function* () {
    yield Buffer.from(text);
  })();
const file = (name: string, text: string): Buffer => rawEntry({ name, type: '0' }, Buffer.from(text));

async function refusal(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => assert.fail('the restore should have been refused'),
    (e: Error) => e,
  );
}

describe('privileges a restore does not hand out (issue 13, point 5)', () => {
  it('setuid/setgid bits and file capabilities are stripped unless keepPrivileges; kept with it', async () => {
    const archive = join(fresh('priv'), 'priv.tar.gz');
    mkdirSync(join(archive, '..'));
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex').toString('latin1'); // cap_net_bind_service
    writeFileSync(
      archive,
      gzipSync(
        await tarBuffer([
          { header: { name: './', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1 } },
          { header: { name: './suid', type: 'file', mode: 0o4755, uid: 0, gid: 0, size: 2, mtime: 1 }, body: once('x\n') },
          { header: { name: './sgid', type: 'file', mode: 0o2755, uid: 0, gid: 0, size: 2, mtime: 1 }, body: once('x\n') },
          {
            header: {
              name: './capped',
              type: 'file',
              mode: 0o755,
              uid: 0,
              gid: 0,
              size: 2,
              mtime: 1,
              xattrs: { 'security.capability': cap },
            },
            body: once('x\n'),
          },
          { header: { name: './shared', type: 'directory', mode: 0o2775, uid: 0, gid: 0, size: 0, mtime: 1 } },
        ]),
      ),
    );
    const dest = fresh('dest');
    const r = await restore(archive, { kind: 'local', path: dest });
    assert.equal(statSync(join(dest, 'suid')).mode & 0o7777, 0o755, 'setuid stripped');
    assert.equal(statSync(join(dest, 'sgid')).mode & 0o7777, 0o755, 'setgid stripped');
    assert.equal(statSync(join(dest, 'shared')).mode & 0o7777, 0o2775, 'a directory keeps its setgid (group inheritance, no privilege)');
    assert.ok(
      r.warnings.some((w) => /setuid|setgid/.test(w) && /--keep-privileges/.test(w) && /suid/.test(w)),
      r.warnings.join('\n'),
    );
    assert.ok(
      r.warnings.some((w) => /capabilit/.test(w) && /capped/.test(w)),
      r.warnings.join('\n'),
    );

    const kept = fresh('kept');
    await restore(archive, { kind: 'local', path: kept }, { keepPrivileges: true });
    assert.equal(statSync(join(kept, 'suid')).mode & 0o7777, 0o4755, 'kept when asked');
  });

  it(
    'a local restore as root does not give the target folder the archive root 7777 or its owner',
    { skip: !isRoot && 'needs root' },
    async () => {
      const archive = join(fresh('root7777'), 'r.tar.gz');
      mkdirSync(join(archive, '..'));
      writeFileSync(
        archive,
        gzipSync(
          await tarBuffer([
            { header: { name: './', type: 'directory', mode: 0o7777, uid: 1234, gid: 1234, size: 0, mtime: 1 } },
            { header: { name: './f', type: 'file', mode: 0o644, uid: 1234, gid: 1234, size: 2, mtime: 1 }, body: once('x\n') },
          ]),
        ),
      );
      const created = fresh('created');
      await restore(archive, { kind: 'local', path: created });
      const st = statSync(created);
      assert.equal(st.mode & 0o7000, 0, `no setuid/setgid/sticky on the target folder (${(st.mode & 0o7777).toString(8)})`);
      assert.equal(st.uid, 0, 'the target folder keeps the owner of whoever restores');
      assert.equal(statSync(join(created, 'f')).uid, 1234, 'the content keeps its recorded owner (as root)');

      const existing = fresh('existing');
      mkdirSync(existing, { mode: 0o750 });
      chmodSync(existing, 0o750);
      await restore(archive, { kind: 'local', path: existing });
      assert.equal(statSync(existing).mode & 0o7777, 0o750, 'an existing target folder keeps its mode');
      assert.equal(statSync(existing).uid, 0);
    },
  );
});

describe('memory, time and disk bombs (issue 13, point 6)', () => {
  it('GNU long names of 3 MB are refused while verifying, before anything is written', async () => {
    const name = 'n'.repeat(3 * 1024 * 1024);
    const long = (i: number): Buffer =>
      Buffer.concat([rawEntry({ name: '././@LongLink', type: 'L' }, Buffer.from(`${name}${i}\0`)), file('x', 'bomb\n').subarray(0)]);
    const archive = join(fresh('longname'), 'a.tar.gz');
    mkdirSync(join(archive, '..'));
    writeFileSync(archive, gzipSync(Buffer.concat([rootDir(), file('first.txt', 'first\n'), long(1), long(2), long(3), END])));
    const dest = fresh('dest');
    const err = await refusal(restore(archive, { kind: 'local', path: dest }));
    assert.ok(err instanceof BackupInputError, err.stack);
    assert.match(err.message, /4096|too long/);
    assert.match(err.message, /nothing was restored/);
    assert.equal(existsSync(dest), false, 'nothing was written');
  });

  it('a 3 MB PAX path is refused where the header is read', async () => {
    const rec = (k: string, v: string): string => {
      const body = ` ${k}=${v}\n`;
      let len = body.length + String(body.length).length;
      if (String(len).length !== String(body.length).length) len++;
      return `${len}${body}`;
    };
    const pax = Buffer.from(rec('path', 'p'.repeat(3 * 1024 * 1024)));
    const archive = join(fresh('paxname'), 'a.tar.gz');
    mkdirSync(join(archive, '..'));
    writeFileSync(
      archive,
      gzipSync(
        Buffer.concat([
          rootDir(),
          file('first.txt', 'first\n'),
          rawEntry({ name: 'PaxHeaders/x', type: 'x' }, pax),
          file('x', 'bomb\n'),
          END,
        ]),
      ),
    );
    const dest = fresh('dest');
    const err = await refusal(restore(archive, { kind: 'local', path: dest }));
    assert.ok(err instanceof BackupInputError, err.stack);
    assert.match(err.message, /header|too long/);
    assert.equal(existsSync(dest), false, 'nothing was written');
  });

  it('a 300-byte name segment is refused while verifying (not ENAMETOOLONG after earlier entries were written)', async () => {
    const archive = join(fresh('segment'), 'a.tar.gz');
    mkdirSync(join(archive, '..'));
    writeFileSync(
      archive,
      gzipSync(
        await tarBuffer([
          { header: { name: './', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1 } },
          { header: { name: './first.txt', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 2, mtime: 1 }, body: once('x\n') },
          { header: { name: `./dir/${'s'.repeat(300)}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 2, mtime: 1 }, body: once('x\n') },
        ]),
      ),
    );
    const dest = fresh('dest');
    const err = await refusal(restore(archive, { kind: 'local', path: dest }));
    assert.ok(err instanceof ArchiveRefusedError, err.stack);
    assert.match(err.message, /255/);
    assert.equal(existsSync(dest), false, 'nothing was written');
  });

  it('a 300 MB manifest is refused without being read', async () => {
    const dir = fresh('bigmanifest');
    mkdirSync(dir);
    const archive = join(dir, 'a.tar.gz');
    writeFileSync(archive, gzipSync(Buffer.concat([rootDir(), END])));
    const manifest = join(dir, 'a.manifest.json');
    writeFileSync(manifest, '');
    truncateSync(manifest, 300 * 1024 * 1024); // sparse: no disk used
    const before = process.memoryUsage().rss;
    const err = await refusal(restore(archive, { kind: 'local', path: fresh('dest') }));
    assert.ok(err instanceof BackupInputError, err.stack);
    assert.match(err.message, /too large|MB/);
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'it was not read into memory');
    const listed = await listBackups(dir);
    assert.equal(listed[0]?.status, 'invalid-manifest');
  });

  it(
    'a 3 MB gzip bomb that expands to 3 GiB is refused by the free space of the target, before anything is written',
    { skip: !isRoot && 'needs root to mount a small tmpfs' },
    async () => {
      const mnt = fresh('tmpfs');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
      mounts.push(mnt);
      const size = 3 * 1024 * 1024 * 1024;
      // consecutive gzip members: any gunzip reads them as one stream; 1 MiB of zeros compresses to ~1 KB
      const mib = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
      const parts: Buffer[] = [
        gzipSync(Buffer.concat([rootDir(), file('first.txt', 'first\n'), rawHeader({ name: 'zeros', type: '0', size })])),
      ];
      for (let i = 0; i < size / (1024 * 1024); i++) parts.push(mib);
      parts.push(gzipSync(END));
      const archive = join(fresh('bomb'), 'bomb.tar.gz');
      mkdirSync(join(archive, '..'));
      writeFileSync(archive, Buffer.concat(parts));
      assert.ok(statSync(archive).size < 4 * 1024 * 1024);
      const dest = join(mnt, 'dest');
      const t0 = Date.now();
      const err = await refusal(restore(archive, { kind: 'local', path: dest }));
      assert.ok(err instanceof BackupInputError, err.stack);
      assert.match(err.message, /free/);
      assert.match(err.message, /nothing was restored/);
      assert.equal(existsSync(dest), false, 'nothing was written');
      assert.ok(Date.now() - t0 < 15_000, `refused in ${Date.now() - t0} ms`);
    },
  );
});

describe('entry types (issue 13, point 7)', () => {
  it('an unknown type is refused, not restored as a regular file', async () => {
    const archive = join(fresh('unknown'), 'a.tar.gz');
    mkdirSync(join(archive, '..'));
    writeFileSync(archive, gzipSync(Buffer.concat([rootDir(), rawEntry({ name: 'odd', type: 'Z' }, Buffer.from('abc')), END])));
    const dest = fresh('dest');
    const err = await refusal(restore(archive, { kind: 'local', path: dest }));
    assert.ok(err instanceof ArchiveRefusedError, err.stack);
    assert.match(err.message, /unsupported type \("Z"\)|type "Z"/);
    assert.equal(existsSync(dest), false);
  });

  for (const [label, args] of [
    ['GNU tar -S (old GNU sparse, type S)', ['-S', '-cf']],
    ['GNU tar --format=posix -S (PAX sparse 1.0)', ['--format=posix', '-S', '-cf']],
    ['GNU tar --format=posix --sparse-version=0.1', ['--format=posix', '--sparse-version=0.1', '-S', '-cf']],
  ] as const) {
    it(`${label}: a 1 MiB file with holes comes back as 1 MiB with its data, or is refused clearly`, async () => {
      const src = fresh('sparse-src');
      mkdirSync(src);
      const f = join(src, 'holes');
      writeFileSync(f, '');
      truncateSync(f, 1024 * 1024);
      execFileSync('sh', [
        '-c',
        `printf abc | dd of=${f} bs=1 seek=4096 conv=notrunc status=none; printf xyz | dd of=${f} bs=1 seek=900000 conv=notrunc status=none`,
      ]);
      const archive = join(fresh('sparse'), 'a.tar');
      mkdirSync(join(archive, '..'));
      execFileSync('tar', [...args, archive, '-C', src, '.']);
      const dest = fresh('dest');
      const outcome = await restore(archive, { kind: 'local', path: dest }).then(
        () => undefined,
        (e: Error) => e,
      );
      if (outcome) {
        assert.ok(outcome instanceof ArchiveRefusedError, outcome.stack);
        assert.match(outcome.message, /sparse/);
        assert.equal(existsSync(dest), false);
      } else {
        assert.deepEqual(readFileSync(join(dest, 'holes')), readFileSync(f));
      }
    });
  }
});

describe('retention (issue 13, point 9)', () => {
  it('after backups made while the clock was ahead, the new backup is kept and the oldest ones go', async () => {
    const src = fresh('src');
    mkdirSync(src);
    writeFileSync(join(src, 'a'), 'a\n');
    const out = fresh('out');
    const future = [new Date('2099-01-01T00:00:00Z'), new Date('2099-01-02T00:00:00Z'), new Date('2099-01-03T00:00:00Z')];
    const made: string[] = [];
    for (const d of future) made.push((await backup({ kind: 'local', path: src }, { outDir: out, keep: 2, now: () => d })).archive);
    const r = await backup({ kind: 'local', path: src }, { outDir: out, keep: 2 });
    assert.ok(existsSync(r.archive), 'the backup just made is kept');
    assert.ok(!r.pruned.includes(r.archive.slice(out.length + 1)));
    const left = readdirSync(out)
      .filter((x) => x.endsWith('.tar.gz'))
      .sort();
    assert.deepEqual(left, [made[2]!, r.archive].map((p) => p.slice(out.length + 1)).sort(), 'the newest two by the order they were made');
  });
});

describe('the stale-partial sweep (issue 13, point 10)', () => {
  it('removes only old partials named the way this tool names them', async () => {
    const out = fresh('out');
    mkdirSync(out);
    const ours = join(out, 'volume-data-20240101T000000Z.tar.gz.otherhost-999999.partial');
    assert.match(
      partialPathFor(join(out, 'volume-data-20240101T000000Z.tar.gz')),
      /\.tar\.gz\.[A-Za-z0-9_-]+-\d+\.partial$/,
      'the naming the sweep matches',
    );
    const oursManifest = join(out, 'pre-restore-volume-data-20240101T000000Z-2.manifest.json.otherhost-12.partial');
    const theirs = ['movie.mkv.partial', 'download.partial', 'notes.tar.gz.partial', 'x.tar.gz.host-1.partial'].map((x) => join(out, x));
    for (const p of [ours, oursManifest, ...theirs]) {
      writeFileSync(p, 'x');
      const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
      utimesSync(p, old, old);
    }
    const removed = await removeStalePartials(out);
    assert.deepEqual(removed.sort(), [ours, oursManifest].map((p) => p.slice(out.length + 1)).sort());
    for (const p of theirs) assert.ok(existsSync(p), `${p} is not ours and stays`);
  });
});

describe('a missing source leaves no --out folder (issue 13, point 12)', () => {
  it('a local path that does not exist', async () => {
    const out = fresh('out');
    const err = await backup({ kind: 'local', path: fresh('missing') }, { outDir: out }).then(
      () => assert.fail('should fail'),
      (e: Error) => e,
    );
    assert.ok(err instanceof BackupInputError, err.stack);
    assert.equal(existsSync(out), false, 'the --out folder was not created');
  });
});

describe(
  'an unreadable file does not abort the backup (issue 13, point 11)',
  { skip: !isRoot && 'needs root to run the CLI as nobody' },
  () => {
    it('the CLI as uid 65534 backs up the rest, lists what it could not read, and exits 3', () => {
      const dir = mkdtempSync(join(tmpdir(), 'pl-unreadable-'));
      try {
        chmodSync(dir, 0o755);
        const bundle = bundleForAnyUser(resolve(__dirname, '../../integration/helpers/backup/cli.ts'), dir, 'cli.cjs');
        const src = join(dir, 'src');
        mkdirSync(join(src, 'sub'), { recursive: true });
        mkdirSync(join(src, 'locked-dir'));
        writeFileSync(join(src, 'readable.txt'), 'ok\n');
        writeFileSync(join(src, 'sub', 'also.txt'), 'ok too\n');
        writeFileSync(join(src, 'secret'), 'no\n');
        writeFileSync(join(src, 'locked-dir', 'inside'), 'no\n');
        execFileSync('chown', ['-R', '65534:65534', src]);
        chmodSync(join(src, 'secret'), 0o000);
        chmodSync(join(src, 'locked-dir'), 0o000);
        const out = join(dir, 'out');
        mkdirSync(out);
        chownSync(out, 65534, 65534);
        const r = spawnSync(process.execPath, [bundle, 'backup', '--path', src, '--out', out, '--json'], {
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
          cwd: dir,
          env: { PATH: process.env.PATH, HOME: dir },
        });
        assert.equal(r.status, 3, r.stderr + r.stdout);
        assert.match(r.stderr, /could not be read/);
        assert.match(r.stderr, /secret/);
        const manifest = JSON.parse(r.stdout).manifest as { unreadable?: string[]; entries: number };
        assert.deepEqual(manifest.unreadable?.sort(), ['locked-dir', 'secret'], JSON.stringify(manifest));
        const list = execFileSync('tar', ['tzf', JSON.parse(r.stdout).archive], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean)
          .sort();
        assert.ok(list.includes('./readable.txt') && list.includes('./sub/also.txt'), list.join(' '));
        assert.ok(!list.includes('./secret'), 'an unreadable file is not archived as if it were empty');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
