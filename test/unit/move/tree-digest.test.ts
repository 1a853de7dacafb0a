import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArchiveEntry, EntryHeader } from '../../../src/backup/tar-format';
import { compareTrees, digestOf, relativeName } from '../../../src/move/tree-digest';

const h = (name: string, type: EntryHeader['type'], extra: Partial<EntryHeader> = {}): EntryHeader => ({
  name,
  type,
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 1,
  ...extra,
});
const file = (name: string, content: string, extra: Partial<EntryHeader> = {}): ArchiveEntry => ({
  header: h(name, 'file', { size: Buffer.byteLength(content), ...extra }),
  body: (async function* () {
    yield Buffer.from(content);
  })(),
});
async function* list(entries: ArchiveEntry[]): AsyncGenerator<ArchiveEntry> {
  yield* entries;
}

describe('tree digest', () => {
  it('names the root "" and strips ./ and trailing slashes', () => {
    assert.equal(relativeName('./'), '');
    assert.equal(relativeName('./a/b/'), 'a/b');
    assert.equal(relativeName('a'), 'a');
  });

  it('counts files and bytes, and finds no difference between the same trees read in another order', async () => {
    const a = await digestOf(
      list([
        { header: h('./', 'directory', { mode: 0o700, uid: 1000 }) },
        file('./x', 'hello'),
        { header: h('./l', 'symlink', { linkname: 'x', mode: 0o777 }) },
      ]),
    );
    const b = await digestOf(
      list([
        { header: h('./', 'directory', { mode: 0o700, uid: 1000 }) },
        { header: h('./l', 'symlink', { linkname: 'x', mode: 0o777 }) },
        file('./x', 'hello'),
      ]),
    );
    assert.equal(a.files, 1);
    assert.equal(a.bytes, 5);
    assert.deepEqual(compareTrees(a, b), []);
  });

  it('ignores modification times', async () => {
    const a = await digestOf(list([file('./x', 'same', { mtime: 1 })]));
    const b = await digestOf(list([file('./x', 'same', { mtime: 999 })]));
    assert.deepEqual(compareTrees(a, b), []);
  });

  it('names content, mode, owner, link target, missing and extra entries', async () => {
    const a = await digestOf(
      list([
        { header: h('./', 'directory', { mode: 0o755 }) },
        file('./c', 'one'),
        file('./m', 'x'),
        file('./o', 'x'),
        { header: h('./s', 'symlink', { linkname: 'a' }) },
        file('./gone', ''),
      ]),
    );
    const b = await digestOf(
      list([
        { header: h('./', 'directory', { mode: 0o700 }) },
        file('./c', 'two'),
        file('./m', 'x', { mode: 0o600 }),
        file('./o', 'x', { uid: 5 }),
        { header: h('./s', 'symlink', { linkname: 'b' }) },
        file('./new', ''),
      ]),
    );
    const d = compareTrees(a, b).join('\n');
    assert.match(d, /^\. \(the root\) differs: expected directory, mode 0755/m);
    assert.match(d, /^c differs: .*sha256/m);
    assert.match(d, /^m differs: expected file, mode 0644.*found file, mode 0600/m);
    assert.match(d, /^o differs: .*owner 0:0.*owner 5:0/m);
    assert.match(d, /^s differs: .*-> a.*-> b/m);
    assert.match(d, /^gone is missing/m);
    assert.match(d, /^new should not be there/m);
  });

  it('treats hard links as one group whichever member comes first', async () => {
    const a = await digestOf(list([file('./a', 'data'), { header: h('./b', 'link', { linkname: './a' }) }, file('./c', 'data')]));
    const b = await digestOf(list([file('./b', 'data'), { header: h('./a', 'link', { linkname: './b' }) }, file('./c', 'data')]));
    assert.deepEqual(compareTrees(a, b), []);
    const broken = await digestOf(list([file('./a', 'data'), file('./b', 'data'), file('./c', 'data')]));
    assert.match(compareTrees(a, broken).join('\n'), /hard-linked/);
  });
});
