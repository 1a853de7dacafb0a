import assert from 'node:assert/strict';

/**
 * Every line of `before` is still in `after`, in order and byte for byte (CR included); `after` only has
 * extra lines between them. This is what "only what the fix adds moves" means for a pure insertion.
 */
export function assertOnlyInsertedLines(before: string, after: string): void {
  const a = before.split('\n');
  const b = after.split('\n');
  let j = 0;
  for (const line of a) {
    while (j < b.length && b[j] !== line) j++;
    assert.ok(j < b.length, `original line ${JSON.stringify(line)} is missing or changed`);
    j++;
  }
}
