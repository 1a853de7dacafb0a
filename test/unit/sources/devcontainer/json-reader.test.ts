import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../../src/core/types';
import { keyOf, parseJsonc, prop, typeName } from '../../../../src/sources/devcontainer/json-reader';

const FILE = '/p/.devcontainer/devcontainer.json';

function parsed(text: string) {
  const { doc, root } = parseJsonc(FILE, text);
  assert.ok(root);
  return { doc, root };
}

describe('devcontainer.json as a located tree', () => {
  it('reads JSONC: comments and trailing commas', () => {
    const { doc, root } = parsed('// a comment\n{\n  /* block */ "image": "x", // trailing\n  "mounts": [1, 2,],\n}\n');
    assert.equal(prop(root, 'image')!.value, 'x');
    assert.deepEqual(doc.at(prop(root, 'mounts')!), { file: FILE, line: 4, column: 13 });
  });

  it('drops a BOM, so columns on the first line count from the first real character', () => {
    const { doc, root } = parsed('\ufeff{"image": "x"}');
    assert.deepEqual(doc.at(keyOf(prop(root, 'image')!)!), { file: FILE, line: 1, column: 2 });
  });

  it('counts columns after CRLF line breaks from the start of the line', () => {
    const { doc, root } = parsed('{\r\n  "image": "x"\r\n}');
    assert.deepEqual(doc.at(keyOf(prop(root, 'image')!)!), { file: FILE, line: 2, column: 3 });
  });

  it('takes the later of duplicate properties, as JSON.parse does', () => {
    const { root } = parsed('{"image": "a", "image": "b"}');
    assert.equal(prop(root, 'image')!.value, 'b');
    assert.equal(prop(prop(root, 'image')!, 'x'), undefined, 'a string has no properties');
  });

  it('names types for messages', () => {
    const { root } = parsed('{"o": {}, "a": [], "s": "", "n": 1, "b": true, "z": null}');
    assert.deepEqual(
      ['o', 'a', 's', 'n', 'b', 'z'].map((k) => typeName(prop(root, k)!)),
      ['an object', 'an array', 'a string', 'a number', 'a boolean', 'null'],
    );
  });

  it('refuses a syntax error at its place, and has no root for an empty text', () => {
    assert.throws(
      () => parseJsonc(FILE, '{\n  "image": "x"\n  "mounts": []\n}'),
      (e: unknown) => e instanceof InputError && e.message === `${FILE}:3:3: invalid JSON: comma expected`,
    );
    assert.throws(
      () => parseJsonc(FILE, ''),
      (e: unknown) => e instanceof InputError && /invalid JSON: value expected/.test(e.message),
    );
  });
});
