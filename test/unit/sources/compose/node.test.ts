import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { get, isAbsent, parseYaml } from '../../../../src/sources/compose/node';

const parse = (text: string) => parseYaml(text, '/p/compose.yaml', '/p', (t) => t);

describe('isAbsent', () => {
  it('a missing key, null, ~ and nothing written are absent; whatever else is written is not', () => {
    const map = parse(['missing_not_here: 1', 'a: null', 'b: ~', 'c:', 'd: ""', 'e: 0', 'f: false', 'g: []', 'h: {}', 'i: x'].join('\n'));
    assert.equal(isAbsent(get(map, 'nowhere')), true);
    for (const key of ['a', 'b', 'c']) assert.equal(isAbsent(get(map, key)), true, key);
    for (const key of ['d', 'e', 'f', 'g', 'h', 'i']) assert.equal(isAbsent(get(map, key)), false, key);
  });

  it('inside a flow mapping too; a ~ tagged as a string is a value', () => {
    const map = parse('x: {a: ~, b: "", c: null}\ny: !!str ~\n');
    const x = get(map, 'x');
    assert.ok(x?.kind === 'map');
    assert.equal(isAbsent(get(x, 'a')), true);
    assert.equal(isAbsent(get(x, 'b')), false);
    assert.equal(isAbsent(get(x, 'c')), true);
    assert.equal(isAbsent(get(map, 'y')), false, 'a ~ tagged as a string is the string "~"');
  });
});
