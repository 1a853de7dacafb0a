/** Browse URIs (every source, names that are not UTF-8, hostile URIs), link resolution inside a root, and an archive listed and read from its file. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { tarBuffer, type ArchiveEntry, type EntryHeader } from '../../../src/backup/tar-format';
import { BrowseError, fromUriName, fromUriParts, openBrowseSession, toUriName, toUriParts, type BrowseSource } from '../../../src/browse';
import { resolveInRoot } from '../../../src/browse/resolve';
import type { RawEntry } from '../../../src/browse/entry';

describe('browse URIs', () => {
  const sources: BrowseSource[] = [
    { kind: 'volume', volume: 'app_db-data' },
    { kind: 'container', container: 'web', root: '/srv/my data' },
    { kind: 'container', container: '0123abcd', root: '/' },
    { kind: 'archive', file: '/home/u/.local/share/persistence-lens/backups/volume-x-20260101T000000Z.tar.gz' },
  ];
  for (const source of sources) {
    it(`round-trips ${source.kind} ${JSON.stringify(source)} and paths in it`, () => {
      for (const rel of ['', 'a', 'a/b c/#?%.txt', 'caf\udce9/x', 'real\ufffdname']) {
        const parts = toUriParts(source, rel);
        assert.equal(parts.authority, source.kind);
        assert.deepEqual(fromUriParts(parts), { source, rel });
      }
    });
  }

  it('keeps names that are not UTF-8 as one reversible segment, and tells them from a real U+FFFD', () => {
    assert.equal(toUriName('caf\udce9'), 'caf\ufffde9');
    assert.equal(toUriName('a\ufffdb'), 'a\ufffd\ufffdb');
    assert.equal(toUriName('😀'), '😀'); // a real surrogate pair is a character
    for (const n of ['caf\udce9', 'a\ufffdb', '\ufffde9', '\udcff\udc80', 'plain']) assert.equal(fromUriName(toUriName(n)), n);
    assert.doesNotThrow(() => encodeURIComponent(toUriName('caf\udce9')), 'a segment must be encodable in a URI');
    assert.throws(() => fromUriName('x\ufffdzz'), /not a name/);
  });

  it('refuses URIs it did not make, with a sentence', () => {
    assert.throws(() => fromUriParts({ authority: 'host', path: '/x' }), /not something Persistence Lens browses/);
    assert.throws(() => fromUriParts({ authority: 'volume', path: '/' }), /names no volume/);
    assert.throws(() => fromUriParts({ authority: 'volume', path: '/v/../etc' }), /".." segment/);
    assert.throws(() => fromUriParts({ authority: 'container', path: '/web/not base64!' }), /not base64url/);
    assert.throws(
      () => fromUriParts({ authority: 'archive', path: `/${Buffer.from('relative.tar').toString('base64url')}` }),
      /not an absolute path/,
    );
    assert.throws(() => toUriParts({ kind: 'volume', volume: '../x' }), /not a volume name/);
  });
});

describe('links resolved inside the root', () => {
  const tree: Record<string, Partial<RawEntry>> = {
    a: { kind: 'directory' },
    'a/f': { kind: 'file' },
    in: { kind: 'symlink', linkTarget: 'a/f' },
    'a/up': { kind: 'symlink', linkTarget: '../in' },
    abs: { kind: 'symlink', linkTarget: '/srv/a' },
    out: { kind: 'symlink', linkTarget: '../../etc' },
    loop: { kind: 'symlink', linkTarget: 'loop' },
    f2: { kind: 'file' },
  };
  const ctx = (absRoot?: string) => ({
    lstat: async (rel: string) => (tree[rel] ? ({ name: rel, size: 0, mtimeMs: 0, mode: 0, ...tree[rel] } as RawEntry) : undefined),
    absoluteToRel: (t: string) => (absRoot && t.startsWith(`${absRoot}/`) ? t.slice(absRoot.length + 1) : undefined),
    rootLabel: 'the root',
  });
  const code = (c: string) => (e: unknown) => e instanceof BrowseError && e.code === c;

  it('follows links that stay in, hop by hop', async () => {
    assert.equal(await resolveInRoot('in', ctx(), true), 'a/f');
    assert.equal(await resolveInRoot('in', ctx(), false), 'in');
    assert.equal(await resolveInRoot('a/up', ctx(), true), 'a/f');
    assert.equal(await resolveInRoot('abs/f', ctx('/srv'), true), 'a/f');
    assert.equal(await resolveInRoot('a/missing', ctx(), true), 'a/missing');
  });

  it('refuses links that leave, loops, and paths through files', async () => {
    await assert.rejects(resolveInRoot('out', ctx(), true), code('refused'));
    await assert.rejects(resolveInRoot('abs/f', ctx(), true), code('refused'));
    await assert.rejects(resolveInRoot('loop', ctx(), true), code('refused'));
    await assert.rejects(resolveInRoot('f2/x', ctx(), true), code('not-directory'));
    await assert.rejects(resolveInRoot('nope/x', ctx(), true), code('not-found'));
  });
});

describe('a backup archive, browsed from its file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-browse-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const h = (name: string, type: EntryHeader['type'], extra: Partial<EntryHeader> = {}): EntryHeader => ({
    name,
    type,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 1_700_000_000,
    ...extra,
  });
  const file = (name: string, text: string): ArchiveEntry => ({
    header: h(name, 'file', { size: Buffer.byteLength(text) }),
    body: (async function* () {
      yield Buffer.from(text);
    })(),
  });

  it('lists folders (implied ones too), reads files and hard links, and shows symlinks as links', async () => {
    const tar = await tarBuffer([
      { header: h('./', 'directory') },
      file('./a/b/deep.txt', 'deep\n'),
      file('./caf\udce9', 'latin\n'),
      { header: h('./hard', 'link', { linkname: './a/b/deep.txt' }) },
      { header: h('./ln', 'symlink', { linkname: 'a/b' }) },
      { header: h('./esc', 'symlink', { linkname: '/etc/passwd' }) },
    ]);
    const archive = join(dir, 'x.tar.gz');
    writeFileSync(archive, gzipSync(tar));
    const s = await openBrowseSession({ kind: 'archive', file: archive });
    try {
      const root = new Map((await s.list('')).map((e) => [e.name, e]));
      assert.deepEqual([...root.keys()].sort(), ['a', 'caf\udce9', 'esc', 'hard', 'ln']);
      assert.equal(root.get('a')?.kind, 'directory');
      assert.equal(root.get('hard')?.size, 5);
      assert.equal(root.get('ln')?.target?.kind, 'directory');
      assert.equal(root.get('esc')?.target, undefined);
      assert.deepEqual(
        (await s.list('ln')).map((e) => e.name),
        ['deep.txt'],
      );
      assert.equal((await s.read('a/b/deep.txt')).toString(), 'deep\n');
      assert.equal((await s.read('hard')).toString(), 'deep\n');
      assert.equal((await s.read('caf\udce9')).toString(), 'latin\n');
      await assert.rejects(s.read('esc'), /outside/);
      await assert.rejects(s.list('a/b/deep.txt'), /not a folder/);
    } finally {
      await s.close();
    }
  });

  it('refuses an archive the restore would refuse, naming the entry', async () => {
    const archive = join(dir, 'evil.tar');
    writeFileSync(archive, await tarBuffer([{ header: h('./', 'directory') }, file('../escape', 'x')]));
    await assert.rejects(
      openBrowseSession({ kind: 'archive', file: archive }),
      (e: unknown) => e instanceof BrowseError && e.code === 'refused' && /\.\./.test(e.message),
    );
    writeFileSync(join(dir, 'junk.tar.gz'), 'not an archive at all, long enough to be read as one block of something'.repeat(20));
    await assert.rejects(
      openBrowseSession({ kind: 'archive', file: join(dir, 'junk.tar.gz') }),
      (e: unknown) => e instanceof BrowseError && /damaged|not a tar|no entries/.test(e.message),
    );
  });
});
