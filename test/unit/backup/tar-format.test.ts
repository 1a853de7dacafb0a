import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { encodeHeader, tarBuffer, type ArchiveEntry, type EntryHeader } from '../../../src/backup/tar-format';
import { readTar } from '../../../src/backup/tar-read';
import { ParallelGzip } from '../../../src/backup/parallel-gzip';

const base = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 } as const;

function file(name: string, content: string, extra: Partial<EntryHeader> = {}): ArchiveEntry {
  const data = Buffer.from(content);
  return { header: { ...base, name, type: 'file', size: data.length, ...extra }, body: Readable.from([data]) };
}

async function readBack(buf: Buffer): Promise<Array<{ header: EntryHeader; data: string }>> {
  const out: Array<{ header: EntryHeader; data: string }> = [];
  for await (const e of readTar(Readable.from([buf]))) {
    let data = '';
    if (e.body) for await (const c of e.body) data += c.toString();
    out.push({ header: e.header, data });
  }
  return out;
}

describe('tar writer', () => {
  const longDir = `${'deep-directory-'.repeat(8)}x`;
  const entries = (): ArchiveEntry[] => [
    { header: { ...base, name: './', type: 'directory', mode: 0o755 } },
    file('./plain.txt', 'hello\n', { mode: 0o600, uid: 1000, gid: 1000 }),
    { header: { ...base, name: `./${longDir}`, type: 'directory', mode: 0o700 } },
    file(`./${longDir}/${'n'.repeat(90)}.txt`, 'long path\n'),
    file(`./${'z'.repeat(120)}`, 'a name over 100 bytes with no slash to split at\n'),
    file('./ünïcødé – 文件.txt', 'non-ascii\n'),
    { header: { ...base, name: './rel', type: 'symlink', mode: 0o777, linkname: '../outside/target' } },
    { header: { ...base, name: './long-target', type: 'symlink', mode: 0o777, linkname: `/${'t'.repeat(150)}` } },
    { header: { ...base, name: './ünï-link', type: 'symlink', mode: 0o777, linkname: 'ünïcødé – 文件.txt' } },
    { header: { ...base, name: './hard', type: 'link', linkname: './plain.txt' } },
    file('./big-ids', 'ids\n', { uid: 3_000_000, gid: 4_000_000, mode: 0o4755 }),
  ];

  it('round-trips names, link targets, modes, owners and times through tar-stream', async () => {
    const back = await readBack(await tarBuffer(entries()));
    const want = entries();
    assert.equal(back.length, want.length);
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!.header;
      const b = back[i]!.header;
      assert.equal(b.name.replace(/\/$/, ''), w.name.replace(/\/$/, '') || '.', `name of ${w.name}`);
      assert.equal(b.type, w.type, w.name);
      assert.equal(b.mode, w.mode, w.name);
      assert.equal(b.uid, w.uid, w.name);
      assert.equal(b.gid, w.gid, w.name);
      assert.equal(b.mtime, w.mtime, w.name);
      assert.equal(b.linkname ?? undefined, w.linkname, w.name);
      assert.equal(b.size, w.size, w.name);
    }
    assert.equal(back[1]!.data, 'hello\n');
    assert.equal(back[5]!.data, 'non-ascii\n');
  });

  it('writes archives GNU tar reads, including PAX names and owners', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-tar-'));
    try {
      writeFileSync(join(dir, 'a.tar'), await tarBuffer(entries()));
      const list = execFileSync('tar', ['--numeric-owner', '-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      assert.match(list, /ünïcødé – 文件\.txt/);
      assert.match(list, /-rwsr-xr-x 3000000\/4000000/);
      assert.match(list, new RegExp(`${longDir}/n{90}\\.txt`));
      assert.match(list, /z{120}/);
      assert.match(list, /long-target -> \/t{150}/);
      assert.match(list, /hard link to \.\/plain\.txt/);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write device entries', () => {
    assert.throws(() => encodeHeader({ ...base, name: './dev', type: 'character-device' }), /cannot write/);
  });

  it('a body that does not match its size is an error, not a corrupt archive', async () => {
    await assert.rejects(
      tarBuffer([{ header: { ...base, name: './x', type: 'file', size: 10 }, body: Readable.from([Buffer.from('short')]) }]),
      /5 bytes of data where its header says 10/,
    );
    await assert.rejects(
      tarBuffer([{ header: { ...base, name: './x', type: 'file', size: 2 }, body: Readable.from([Buffer.from('longer')]) }]),
      /more data than its size/,
    );
  });
});

describe('parallel gzip', () => {
  it('writes concatenated members that gunzip reads as one stream, in order', async () => {
    const input = Buffer.concat(Array.from({ length: 50 }, (_, i) => Buffer.from(`block ${i} `.repeat(20_000))));
    for (const parallelism of [1, 2, 4]) {
      const chunks: Buffer[] = [];
      await pipeline(
        Readable.from(
          (function* () {
            for (let o = 0; o < input.length; o += 70_000) yield input.subarray(o, o + 70_000);
          })(),
          { objectMode: false },
        ),
        new ParallelGzip({ level: 6, parallelism, blockSize: 256 * 1024 }),
        new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }),
      );
      const gz = Buffer.concat(chunks);
      assert.ok(gz.length < input.length / 20, 'it compresses');
      assert.ok(gunzipSync(gz).equals(input), `parallelism ${parallelism}`);
    }
  });

  it('an empty input is still a valid gzip file', async () => {
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([], { objectMode: false }),
      new ParallelGzip({ level: 6 }),
      new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }),
    );
    assert.equal(gunzipSync(Buffer.concat(chunks)).length, 0);
  });
});
