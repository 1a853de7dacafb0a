/**
 * Issue 13 point 20: the CLI formats its counts without Intl (which would map ICU data at a backup's peak); the
 * text must stay what `toLocaleString('en-US')` printed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCount } from '../../../src/core/count';

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    for (const n of [0, 1, 12, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 123_456_789, 2 ** 53 - 1, -1, -1234, -1_000_000]) {
      assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
    }
  });
  it('keeps a fraction as it is', () => {
    assert.equal(formatCount(1234.5), '1,234.5');
    assert.equal(formatCount(Number.NaN), 'NaN');
  });
});
