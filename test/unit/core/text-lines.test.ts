import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { positionOf, TextLines } from '../../../src/core/text-lines';

describe('offsets as lines and columns', () => {
  const text = 'ab\ncd\r\n\nef';

  it('gives the 1-based line and column of every offset, a line break on the line it ends', () => {
    const lines = new TextLines(text);
    const all = [...text, ''].map((_, offset) => lines.position(offset));
    assert.deepEqual(all, [
      { line: 1, column: 1 },
      { line: 1, column: 2 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 2, column: 2 },
      { line: 2, column: 3 },
      { line: 2, column: 4 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
      { line: 4, column: 2 },
      { line: 4, column: 3 },
    ]);
  });

  it('answers one offset the same way', () => {
    for (let offset = 0; offset <= text.length; offset++) assert.deepEqual(positionOf(text, offset), new TextLines(text).position(offset));
    assert.deepEqual(positionOf('', 0), { line: 1, column: 1 });
  });

  it('gives a 0-based line without its line break, CR included', () => {
    const lines = new TextLines(text);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((n) => lines.line(n)),
      ['ab', 'cd', '', 'ef', undefined],
    );
  });
});
