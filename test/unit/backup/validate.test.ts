import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArchiveRefusedError } from '../../../src/backup/errors';
import type { EntryHeader } from '../../../src/backup/tar-format';
import { ArchiveValidator, normalizeEntryName } from '../../../src/backup/validate';

const h = (name: string, type: EntryHeader['type'] = 'file', extra: Partial<EntryHeader> = {}): EntryHeader => ({
  name,
  type,
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 0,
  ...extra,
});

function refuses(entries: EntryHeader[], pattern: RegExp): void {
  const v = new ArchiveValidator();
  assert.throws(
    () => entries.forEach((e) => v.check(e)),
    (err: Error) => err instanceof ArchiveRefusedError && pattern.test(err.message),
  );
}

function accepts(entries: EntryHeader[]): ArchiveValidator {
  const v = new ArchiveValidator();
  for (const e of entries) v.check(e);
  return v;
}

describe('archive validation', () => {
  it('normalizes names: ./ prefixes, doubled and trailing slashes; the root is empty', () => {
    assert.equal(normalizeEntryName('./a//b/'), 'a/b');
    assert.equal(normalizeEntryName('./'), '');
    assert.equal(normalizeEntryName('.'), '');
    assert.equal(normalizeEntryName('home/coder/.ssh/id'), 'home/coder/.ssh/id');
    assert.equal(normalizeEntryName('a/./b'), 'a/b');
  });

  it('refuses absolute paths and .. anywhere', () => {
    refuses([h('/etc/passwd')], /absolute path/);
    refuses([h('../x')], /contains "\.\."/);
    refuses([h('./a/../../x')], /contains "\.\."/);
    refuses([h('a/..')], /contains "\.\."/);
  });

  it('refuses device files and fifos, and unknown types', () => {
    refuses([h('./null', 'character-device')], /device file \(character-device\)/);
    refuses([h('./sda', 'block-device')], /device file \(block-device\)/);
    refuses([h('./pipe', 'fifo')], /fifo/);
    refuses([h('./x', 'other', { rawType: 'gnu-sparse' })], /unsupported type \(gnu-sparse\)/);
  });

  it('never writes through a symlink of the archive', () => {
    refuses([h('./link', 'symlink', { linkname: '/etc' }), h('./link/passwd')], /through the symlink "link"/);
    refuses(
      [h('./d', 'directory'), h('./d/link', 'symlink', { linkname: '../../..' }), h('./d/link/x/y', 'directory')],
      /through the symlink "d\/link"/,
    );
    refuses([h('./f'), h('./f/x')], /made a file/);
  });

  it('accepts symlinks wherever they point: absolute, relative, dangling, upward', () => {
    const v = accepts([
      h('./', 'directory'),
      h('./abs', 'symlink', { linkname: '/etc/passwd' }),
      h('./up', 'symlink', { linkname: '../../../x' }),
      h('./dangling', 'symlink', { linkname: 'nope' }),
    ]);
    assert.equal(v.entries, 4);
  });

  it('hard links must point to a file earlier in the archive', () => {
    refuses([h('./hl', 'link', { linkname: '/etc/passwd' })], /points outside the archive/);
    refuses([h('./hl', 'link', { linkname: '../x' })], /points outside the archive/);
    refuses([h('./hl', 'link', { linkname: './later' }), h('./later')], /not a file earlier in the archive/);
    refuses([h('./d', 'directory'), h('./hl', 'link', { linkname: './d' })], /not a file earlier/);
    refuses([h('./s', 'symlink', { linkname: '/etc/shadow' }), h('./hl', 'link', { linkname: './s' })], /not a file earlier/);
    const v = accepts([h('./f', 'file', { size: 3 }), h('./hl', 'link', { linkname: './f' }), h('./hl2', 'link', { linkname: 'f' })]);
    assert.equal(v.bytes, 3);
  });

  it('refuses a path that changes between directory and non-directory', () => {
    refuses([h('./x', 'directory'), h('./x')], /turns a directory/);
    refuses([h('./x'), h('./x', 'directory')], /turns a non-directory/);
    accepts([h('./x'), h('./x'), h('./s', 'symlink', { linkname: 'a' }), h('./s')]);
  });

  it('the root must be a directory', () => {
    refuses([h('./', 'file')], /root entry/);
  });
});
