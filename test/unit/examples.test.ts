import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';

const EXAMPLES = resolve(__dirname, '../../examples');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('the examples', () => {
  it('every devcontainer.json is clean JSON with comments: no trailing comma for the editor to warn about', () => {
    const jsons = files(EXAMPLES).filter((f) => f.endsWith('devcontainer.json'));
    assert.ok(jsons.length > 0);
    for (const f of jsons) {
      const errors: ParseError[] = [];
      parse(readFileSync(f, 'utf8'), errors, { allowTrailingComma: false, disallowComments: false });
      assert.deepEqual(
        errors.map((e) => `${printParseErrorCode(e.error)} at ${e.offset}`),
        [],
        f,
      );
    }
  });
});
