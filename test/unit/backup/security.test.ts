/**
 * Security defects of issue 13 on local folders (no Docker): names that are not valid UTF-8 are archived and
 * restored byte for byte (3), the bytes restored are the bytes verified even when the archive is replaced in
 * between (4), an archive with no entries is refused (8). Every hostile input is built here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  symlinkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { backup, restore, BackupInputError } from '../../../src/backup';
import { restoreCommand } from '../../../src/cli/commands/backup';
import { decodeName, encodeName } from '../../../src/backup/names';
import { readTar } from '../../../src/backup/tar-read';
import { tarBuffer } from '../../../src/backup/tar-format';

const work = mkdtempSync(join(tmpdir(), 'pl-backup-security-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);

/** A path under `dir` whose last components are raw bytes. */
const raw = (dir: string, ...names: Buffer[]): Buffer => Buffer.concat([Buffer.from(dir), ...names.flatMap((x) => [Buffer.from('/'), x])]);
const BAD_DIR = Buffer.from([0x66, 0xff, 0x6f]); // "f\xffo"
const BAD_FILE = Buffer.from([0x62, 0xfe, 0x2e, 0x74, 0x78, 0x74]); // "b\xfe.txt"
const LATIN1 = Buffer.from('caf\xe9', 'latin1'); // "café" in ISO-8859-1: not UTF-8

/** A folder whose names are not valid UTF-8: a directory with a file inside, a file, a symlink to it. */
function makeBadTree(root: string): void {
  mkdirSync(root, { recursive: true });
  mkdirSync(raw(root, BAD_DIR));
  writeFileSync(raw(root, BAD_DIR, Buffer.from('inside')), 'inside a badly named folder\n');
  writeFileSync(raw(root, BAD_FILE), 'badly named\n');
  writeFileSync(raw(root, LATIN1), 'latin-1\n');
  symlinkSync(BAD_FILE, raw(root, Buffer.from('ok-link')));
  symlinkSync(LATIN1, raw(root, BAD_DIR, LATIN1));
  writeFileSync(join(root, 'plain.txt'), 'plain\n');
}

/** Every path below `root` as hex of its bytes, with the content of files. */
function byteTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: Buffer, rel: Buffer): void => {
    for (const name of readdirSync(dir, { encoding: 'buffer' })) {
      const abs = Buffer.concat([dir, Buffer.from('/'), name]);
      const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const st = lstatSync(abs);
      let what: string;
      if (st.isSymbolicLink()) what = `link:${readlinkSync(abs, { encoding: 'buffer' }).toString('hex')}`;
      else if (st.isDirectory()) {
        what = 'dir';
        walk(abs, r);
      } else what = `file:${readFileSync(abs).toString('hex')}`;
      out.set(r.toString('hex'), what);
    }
  };
  walk(Buffer.from(root), Buffer.alloc(0));
  return out;
}

describe('names that are not valid UTF-8 (issue 13, point 3)', () => {
  it('encodeName(decodeName(bytes)) gives the bytes back, and valid UTF-8 stays an ordinary string', () => {
    for (const b of [
      BAD_DIR,
      BAD_FILE,
      LATIN1,
      Buffer.from('ünïcødé – 文件 😀'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf0, 0x9f, 0x98]),
      Buffer.from([0xc0, 0xaf, 0x2f]),
    ]) {
      assert.deepEqual(encodeName(decodeName(b)), b, b.toString('hex'));
    }
    assert.equal(decodeName(Buffer.from('ünïcødé – 文件 😀')), 'ünïcødé – 文件 😀');
  });

  it('a local backup keeps them and a local restore writes them back byte for byte', async () => {
    const src = fresh('src');
    makeBadTree(src);
    const want = byteTree(src);
    const r = await backup({ kind: 'local', path: src }, { outDir: fresh('out') });
    // ./, f\xffo, f\xffo/inside, f\xffo/caf\xe9 (a link), b\xfe.txt, caf\xe9, ok-link, plain.txt
    assert.equal(r.manifest.entries, 8, 'no entry was dropped');

    const dest = fresh('dest');
    await restore(r.archive, { kind: 'local', path: dest });
    assert.deepEqual(byteTree(dest), want);

    // GNU tar reads the archive to the same bytes (PAX path records with the raw bytes)
    const gnu = fresh('gnu');
    mkdirSync(gnu);
    execFileSync('tar', ['-xzf', r.archive, '-C', gnu]);
    assert.deepEqual(byteTree(gnu), want);
  });

  it('restores such names from an archive GNU tar wrote, byte for byte', async () => {
    const src = fresh('src');
    makeBadTree(src);
    const file = join(fresh('gnu'), 'gnu.tar.gz');
    mkdirSync(join(file, '..'));
    execFileSync('tar', ['-czf', file, '-C', src, '.']);
    const dest = fresh('dest');
    const res = await restore(file, { kind: 'local', path: dest });
    assert.equal(res.entries, 8);
    assert.deepEqual(byteTree(dest), byteTree(src));
  });

  it('the tar reader and writer keep the bytes of names and link targets', async () => {
    const name = `./${decodeName(BAD_DIR)}/${decodeName(LATIN1)}`;
    const link = decodeName(BAD_FILE);
    const buf = await tarBuffer([
      { header: { name, type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000, linkname: link } },
    ]);
    const back = [];
    for await (const e of readTar(Readable.from([buf]))) back.push(e.header);
    assert.equal(back.length, 1);
    assert.deepEqual(encodeName(back[0]!.name), encodeName(name));
    assert.deepEqual(encodeName(back[0]!.linkname!), BAD_FILE);
  });
});

describe('verification protects the write (issue 13, point 4)', () => {
  for (const phase of ['validating', 'restoring'] as const) {
    it(`an archive replaced by another valid one at the "${phase}" phase: nothing of the replacement is written`, async () => {
      const good = fresh('good');
      mkdirSync(good);
      writeFileSync(join(good, 'good.txt'), 'verified\n');
      const evil = fresh('evil');
      mkdirSync(evil);
      writeFileSync(join(evil, 'evil.txt'), 'never verified\n');
      const out = fresh('out');
      const a = await backup({ kind: 'local', path: good }, { outDir: out });
      const b = await backup({ kind: 'local', path: evil }, { outDir: fresh('out-evil') });
      const dest = fresh('dest');
      let swapped = false;
      const result = await restore(
        a.archive,
        { kind: 'local', path: dest },
        {
          onProgress: (p) => {
            if (p.phase === phase && !swapped) {
              swapped = true;
              renameSync(b.archive, a.archive);
            }
          },
        },
      ).catch((err: Error) => err);
      assert.ok(swapped, 'the archive was replaced during the restore');
      assert.equal(existsSync(join(dest, 'evil.txt')), false, 'nothing of the replacement was written');
      // the verified bytes were restored (one open file), or the restore was refused before writing
      if (result instanceof Error) {
        assert.ok(result instanceof BackupInputError, result.message);
        assert.equal(existsSync(dest), false);
      } else {
        assert.equal(readFileSync(join(dest, 'good.txt'), 'utf8'), 'verified\n');
      }
    });
  }
});

describe('an archive with no entries is refused (issue 13, point 8)', () => {
  const cases: Array<[string, () => Buffer]> = [
    ['a 0-byte file', () => Buffer.alloc(0)],
    ['an empty gzip stream', () => gzipSync(Buffer.alloc(0))],
    ['a tar with only its end-of-archive blocks', () => gzipSync(Buffer.alloc(1024))],
  ];
  for (const [what, bytes] of cases) {
    it(what, async () => {
      const box = fresh('box');
      mkdirSync(box);
      const file = join(box, 'empty.tar.gz');
      writeFileSync(file, bytes());
      const dest = join(box, 'target');
      await assert.rejects(restore(file, { kind: 'local', path: dest }), (err: Error) => {
        assert.ok(err instanceof BackupInputError, err.message);
        assert.match(err.message, /empty|no entries/);
        assert.match(err.message, /nothing was restored/);
        return true;
      });
      assert.equal(existsSync(dest), false);
    });
  }

  it('the CLI exits 2 for a 0-byte archive and says why', async () => {
    const box = fresh('box');
    mkdirSync(box);
    const file = join(box, 'zero.tar.gz');
    writeFileSync(file, '');
    let err = '';
    const io = { out: (): void => undefined, err: (t: string): void => void (err += t), color: false };
    assert.equal(await restoreCommand([file, '--path', join(box, 'target')], io), 2);
    assert.match(err, /is empty \(0 bytes\).*nothing was restored/);
  });
});
