import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../../src/core/types';
import { parseYamlFast, resolvePlain } from '../../../../src/sources/compose/yaml-fast-path';
import { parseYaml, parseYamlWithLibrary, type LNode } from '../../../../src/sources/compose/node';
import { CORPUS_DIR } from '../../helpers/corpus';

const root = resolve(__dirname, '../../../..');
const corpus = CORPUS_DIR;
const fixtures = resolve(root, 'test/fixtures');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** A comparable picture of a node tree: kinds, values, tags and every position. */
function picture(n: LNode): unknown {
  const at = `${n.loc.line}:${n.loc.column}`;
  if (n.kind === 'scalar') return { at, v: Number.isNaN(n.value) ? 'NaN' : n.value, ...(n.tag ? { tag: n.tag } : {}) };
  if (n.kind === 'seq') return { at, seq: n.items.map(picture), ...(n.tag ? { tag: n.tag } : {}) };
  return {
    at,
    map: [...n.entries.values()].map((e) => [e.key, `${e.keyLoc.line}:${e.keyLoc.column}`, picture(e.value)]),
    ...(n.tag ? { tag: n.tag } : {}),
  };
}

const id = (s: string): string => s;

/** Whether the fast reader took the text; when it did, it must agree with the library exactly. */
function agree(text: string, label: string): boolean {
  const fast = parseYamlFast(text, '/f.yaml', '/', id);
  if (fast === undefined) return false;
  let lib;
  try {
    lib = parseYamlWithLibrary(text, '/f.yaml', '/', id);
  } catch (e) {
    assert.fail(`${label}: the fast reader accepted what the library refuses (${(e as Error).message})`);
  }
  if (fast === null) assert.equal(lib.entries.size, 0, label);
  else assert.deepEqual(picture(fast), picture(lib), label);
  return true;
}

const SNIPPETS = [
  'a:\n- x\n- y\nb: 1\n',
  'a:\n  - x\n  -\n  - # c\n  - \n',
  'x-a: &a\n  image: foo\n  v: [a, b]\ns:\n  <<: *a\n  image: bar\nt:\n  <<: [*a]\n',
  'k: |\n  line1\n\n  line3\n\nz: 1\n',
  'k: >\n  a\n  b\n\n  c\nz: 2\n',
  'k: |-\n  a\n  b\n',
  'k: |+\n  a\n\n\nz: 1\n',
  'a: >+\n  x\n\n',
  'a: |+\n  x\n',
  'a: |-\n  x\n\n\n',
  'a: |\n  keep trailing spaces   \n',
  'a: >\n  one\n  \n  two\n',
  'key  : v\n',
  'x: !override &a\n  - 1\n',
  'x: 12:30\ny: 1_000\nz: 0b11\n',
  '\n\na: 1',
  'k: >-\n  folded\n  text\n',
  "k: \"a\\tb\\u00e9\\\\\"\nq: 'it''s'\n",
  'k: {a: 1, b: [x, "y"], c: {d: e}}\n',
  'k: []\nj: {}\n',
  'k: ~\nn: null\nt: true\nf: False\ni: 0x1F\no: 0o17\nfl: 1.5\ne: 1e3\ninf: .inf\nnan: .NaN\ns: 1.2.3\nneg: -1\npos: +2\n',
  '"quoted key": 1\n\'single\': 2\n1: one\ntrue: t\n',
  'a: b # comment\nc: "d" # comment\ne: f#nocomment\n',
  '---\na: 1\n',
  '# only comment\n',
  '',
  'a: 1\r\nb:\r\n  - x\r\n',
  'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n',
  'services:\n  s:\n    command: !reset\n    volumes: !override\n      - a:/b\n',
  'list:\n- a: 1\n  b: 2\n- c: 3\n',
  'k: &anc val\nr: *anc\n',
  'e:\n',
  'e: # c\n',
  'e: &x\nf: *x\n',
  'k: [a, {b: c}]\n',
  'k: "\\x41\\U0001F600"\n',
  'k: |\n  a\n # a comment after the scalar\nz: 1\n',
  'v:\n  - "a:b"\n  - \'c\'\n  - ./x:/y:ro\n',
  'k: [ "CMD", "curl", "-f", "http://localhost" ]\n',
  'x: >\n  a\n\n\n  b\n',
  'x:\n  y: |\n    a\n  z: 1\n',
  'a: [1, 2, ]\n',
  'seq:\n - a\n - b\n',
  'deep:\n    - a\n    - b:\n        c: 1\n',
  'url: http://host:80/path\nwin: C:\\dir\n',
];

// YAML the fast reader leaves to the library (it must give up, not guess).
const LEFT_TO_LIBRARY = [
  'k: multi\n  line plain\n',
  'k: "multi\n  line"\n',
  'k: [a,\n  b]\n',
  'k: !custom x\n',
  'k: |2\n   x\n',
  'k: >\n  a\n    more\n  b\n',
  '- top\n- seq\n',
  '? complex\n: key\n',
  'a: 1\n---\nb: 2\n',
  '%YAML 1.2\n---\na: 1\n',
  'k:\n\tx: 1\n',
  'a: 1\na: 2\n',
  'k: a: b\n',
];

describe('fast YAML reader', () => {
  it('agrees with the yaml library on every snippet it takes', () => {
    let taken = 0;
    for (const s of SNIPPETS) if (agree(s, JSON.stringify(s))) taken++;
    assert.equal(taken, SNIPPETS.length, 'the fast reader should take all these snippets');
  });

  it('gives up on what it does not read', () => {
    for (const s of LEFT_TO_LIBRARY) assert.equal(parseYamlFast(s, '/f.yaml', '/', id), undefined, JSON.stringify(s));
  });

  it('agrees with the library on the fixtures and on every corpus YAML file', () => {
    assert.ok(existsSync(corpus), `the shared corpus of real files is missing: expected it at ${corpus}`);
    const files = [...walk(join(fixtures, 'compose')), ...walk(join(fixtures, 'devcontainer')), ...walk(corpus)].filter((f) =>
      /\.ya?ml$/.test(f),
    );
    assert.ok(files.length > 40, `expected the corpus YAML files under ${corpus}`);
    let taken = 0;
    for (const f of files) if (agree(readFileSync(f, 'utf8'), f)) taken++;
    // All of them are in the subset; a regression that sends them to the slow path shows here.
    assert.equal(taken, files.length);
  });

  it('agrees with the library on damaged copies of the fixtures (it never accepts what the library refuses)', () => {
    const sources = walk(join(fixtures, 'compose'))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => readFileSync(f, 'utf8'));
    const bits = [' ', '\n', ':', '- ', '#', '"', "'", '[', ']', '{', '}', ',', '&a', '*a', '!reset', '|', '>', '\t', '  ', ': ', '---\n'];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 1500; i++) {
      let t = sources[rnd(sources.length)]!;
      const p = rnd(t.length + 1);
      t = rnd(2) ? t.slice(0, p) + t.slice(p + 1 + rnd(3)) : t.slice(0, p) + bits[rnd(bits.length)]! + t.slice(p);
      agree(t, JSON.stringify(t));
    }
  });

  it('resolves plain scalars with the core schema', () => {
    assert.equal(resolvePlain('~'), null);
    assert.equal(resolvePlain('True'), true);
    assert.equal(resolvePlain('yes'), 'yes');
    assert.equal(resolvePlain('0x10'), 16);
    assert.equal(resolvePlain('0o10'), 8);
    assert.equal(resolvePlain('010'), 10);
    assert.equal(resolvePlain('1.50'), 1.5);
    assert.equal(resolvePlain('-.inf'), Number.NEGATIVE_INFINITY);
    assert.equal(resolvePlain('8000:8000'), '8000:8000');
    assert.equal(resolvePlain('1.2.3'), '1.2.3');
  });

  it('interpolates only after the whole document was read', () => {
    const seen: string[] = [];
    const spy = (s: string): string => {
      seen.push(s);
      return s;
    };
    assert.equal(parseYamlFast('a: one\nb: two\n  three\n', '/f.yaml', '/', spy), undefined);
    assert.deepEqual(seen, []);
  });
});

describe('YAML errors', () => {
  const cases: Array<[string, string, number, number]> = [
    ['unclosed flow', 'services:\n  a:\n    volumes: [a:/b\n', 4, 1],
    ['bad indentation', 'services:\n  a:\n    image: x\n   bad: y\n', 4, 1],
    ['duplicate key', 'services:\n  a:\n    image: x\n    image: y\n', 4, 5],
    ['tab indentation', 'services:\n\ta: 1\n', 2, 1],
    ['nested mapping on one line', 'services:\n  a: b: c\n', 2, 6],
    ['unterminated quote', 'a: "open\n', 2, 1],
  ];
  for (const [name, text, line, column] of cases) {
    it(`names file:line:column for ${name}`, () => {
      assert.throws(
        () => parseYaml(text, '/p/compose.yaml', '/p', id),
        (e: unknown) => {
          assert.ok(e instanceof InputError, String(e));
          assert.equal(e.location?.file, '/p/compose.yaml');
          assert.deepEqual([e.location?.line, e.location?.column], [line, column]);
          assert.match(e.message, /^\/p\/compose\.yaml:\d+:\d+: invalid YAML: /);
          return true;
        },
      );
    });
  }

  it('refuses a document that is not a mapping', () => {
    assert.throws(() => parseYaml('- a\n- b\n', '/p/c.yaml', '/p', id), /c\.yaml:1:1: the top level of a compose file must be a mapping/);
    assert.throws(() => parseYaml('just text\n', '/p/c.yaml', '/p', id), /must be a mapping/);
  });

  it('refuses absurdly deep nesting and bad escapes with an InputError, not a RangeError', () => {
    const deep = [
      `a: ${'['.repeat(50000)}${']'.repeat(50000)}\n`,
      `a:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`,
      'a: "\\UFFFFFFFF"\n',
    ];
    for (const text of deep) assert.throws(() => parseYaml(text, '/p/c.yaml', '/p', id), InputError);
  });

  it('reads an empty file as an empty mapping', () => {
    assert.equal(parseYaml('', '/p/c.yaml', '/p', id).entries.size, 0);
    assert.equal(parseYaml('# nothing\n', '/p/c.yaml', '/p', id).entries.size, 0);
  });
});
