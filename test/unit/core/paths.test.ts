import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basenamePosix, isWithin, joinPosix, normalizePosix, parentPosix } from '../../../src/core/paths';

describe('POSIX paths', () => {
  it('normalizes separators, dots and trailing slashes', () => {
    assert.equal(normalizePosix('/a//b/./c/'), '/a/b/c');
    assert.equal(normalizePosix('/a/b/../c'), '/a/c');
    assert.equal(normalizePosix('/../..'), '/');
    assert.equal(normalizePosix('a/../../b'), '../b');
    assert.equal(normalizePosix('/'), '/');
  });

  it('compares whole components: /data2 is not under /data', () => {
    assert.equal(isWithin('/data2', '/data'), false);
    assert.equal(isWithin('/data/x', '/data'), true);
    assert.equal(isWithin('/data', '/data'), true);
    assert.equal(isWithin('/anything', '/'), true);
  });

  it('joins like a shell: an absolute segment restarts', () => {
    assert.equal(joinPosix('/home/u', '.config'), '/home/u/.config');
    assert.equal(joinPosix('/home/u', '/etc'), '/etc');
  });

  it('walks up', () => {
    assert.equal(parentPosix('/a/b'), '/a');
    assert.equal(parentPosix('/a'), '/');
    assert.equal(parentPosix('/'), undefined);
    assert.equal(basenamePosix('/a/b/'), 'b');
  });
});

describe('normalizePosix, fast path and slow path agree', () => {
  it('returns normal paths as they are and normalizes the rest', () => {
    const cases: Array<[string, string]> = [
      ['/', '/'],
      ['/a/b', '/a/b'],
      ['/a/.hidden/x', '/a/.hidden/x'],
      ['/a/..b', '/a/..b'],
      ['/a/', '/a'],
      ['//a//b/', '/a/b'],
      ['/a/./b', '/a/b'],
      ['/a/b/..', '/a'],
      ['/a/b/.', '/a/b'],
      ['/..', '/'],
      ['a/../..', '..'],
      ['', '.'],
    ];
    for (const [input, expected] of cases) assert.equal(normalizePosix(input), expected, input);
  });
});

describe('isWithin, by its definition', () => {
  it('agrees with "the same path, or the path then a /" on every pair, edge cases included', () => {
    // The definition isWithin had before its length and separator tests came first (issue #14).
    const reference = (path: string, ancestor: string): boolean =>
      ancestor === '/' ? path.startsWith('/') : path === ancestor || (path.startsWith(ancestor) && path.charCodeAt(ancestor.length) === 47);
    const paths = [
      '',
      '/',
      '//',
      '/a',
      '/a/',
      '/a/b',
      '/ab',
      '/a//b',
      'a',
      'a/b',
      '/home/coder/.config',
      '/home/coder/.config2',
      '/home/coder',
    ];
    for (const path of paths)
      for (const ancestor of paths)
        assert.equal(isWithin(path, ancestor), reference(path, ancestor), `isWithin(${JSON.stringify(path)}, ${JSON.stringify(ancestor)})`);
  });
});
