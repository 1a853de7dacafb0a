import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, type SourceLocation } from '../../../../src/core/types';
import { parseDotenv } from '../../../../src/sources/compose/dotenv';
import { interpolate } from '../../../../src/sources/compose/interpolate';

const LOC: SourceLocation = { file: '/p/compose.yaml', line: 7, column: 12 };

function run(text: string, vars: Record<string, string | undefined> = {}): { value: string; unset: string[] } {
  const unset: string[] = [];
  const value = interpolate(text, { lookup: (k) => vars[k], onUnset: (k) => unset.push(k) }, LOC);
  return { value, unset };
}

describe('interpolate', () => {
  it('substitutes $VAR and ${VAR}', () => {
    assert.equal(run('$A-${B}', { A: 'x', B: 'y' }).value, 'x-y');
    assert.equal(run('${A}${A}', { A: 'ab' }).value, 'abab');
    assert.equal(run('$A_B.c', { A_B: '1' }).value, '1.c');
  });

  it('gives "" for an unset variable and reports it', () => {
    assert.deepEqual(run('a${NOPE}b$ALSO'), { value: 'ab', unset: ['NOPE', 'ALSO'] });
  });

  it('keeps an empty value (set but empty is not unset)', () => {
    assert.deepEqual(run('[${E}]', { E: '' }), { value: '[]', unset: [] });
  });

  it('applies :- and - defaults', () => {
    assert.equal(run('${U:-d}').value, 'd');
    assert.equal(run('${E:-d}', { E: '' }).value, 'd');
    assert.equal(run('${E-d}', { E: '' }).value, '');
    assert.equal(run('${U-d}').value, 'd');
    assert.equal(run('${S:-d}', { S: 's' }).value, 's');
    assert.equal(run('${U:-}').value, '');
  });

  it('applies :+ and + replacements', () => {
    assert.equal(run('${S:+yes}', { S: 's' }).value, 'yes');
    assert.equal(run('${E:+yes}', { E: '' }).value, '');
    assert.equal(run('${E+yes}', { E: '' }).value, 'yes');
    assert.equal(run('${U+yes}').value, '');
  });

  it('interpolates nested defaults', () => {
    assert.equal(run('${A:-${B}}', { B: 'b' }).value, 'b');
    assert.equal(run('${A:-${B:-${C}}/x}', { C: 'c' }).value, 'c/x');
    assert.equal(run('${A:-pre-${B}-post}', { A: 'a', B: 'b' }).value, 'a');
  });

  it('reads $$ as a literal $, also before a brace', () => {
    assert.equal(run('$$HOME and $${X} cost $$5').value, '$HOME and ${X} cost $5');
    assert.deepEqual(run('$$NOPE').unset, []);
  });

  it('keeps a $ that starts no variable', () => {
    assert.equal(run('echo $1 $ $- 100$').value, 'echo $1 $ $- 100$');
  });

  it('fails on ${VAR:?msg} when unset or empty, naming the message and the location', () => {
    assert.throws(
      () => run('${DB_PASSWORD:?set the database password}'),
      (e: unknown) =>
        e instanceof InputError &&
        e.location?.line === 7 &&
        e.location.column === 12 &&
        e.message === '/p/compose.yaml:7:12: required variable DB_PASSWORD is missing a value: set the database password',
    );
    assert.throws(() => run('${E:?empty}', { E: '' }), /required variable E is missing a value: empty/);
    assert.equal(run('${S:?x}', { S: 'ok' }).value, 'ok');
  });

  it('fails on ${VAR?msg} only when unset', () => {
    assert.equal(run('${E?x}', { E: '' }).value, '');
    assert.throws(() => run('${U?needed}'), /required variable U is missing a value: needed/);
    assert.throws(() => run('${U?}'), /required variable U is missing a value$/);
  });

  it('rejects invalid ${...} templates with the location', () => {
    for (const bad of ['${}', '${1A}', '${A B}', '${A!}', '${A', 'x ${A:-${B}']) {
      assert.throws(
        () => run(bad, { A: 'a' }),
        (e: unknown) => e instanceof InputError && e.location?.file === '/p/compose.yaml',
        bad,
      );
    }
  });
});

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines, export, comments and quotes', () => {
    const vars = parseDotenv(
      [
        '# comment',
        '',
        'A=1',
        'export B=two words',
        'C="quoted # not a comment"',
        "D='single $A'",
        'E=unquoted # trailing comment',
        'F="line1\\nline2"',
        'G=',
        'H: colon',
        '  I = spaced ',
        'J="multi',
        'line"',
        'K=after',
      ].join('\n'),
      '/p/.env',
    );
    assert.deepEqual(vars, {
      A: '1',
      B: 'two words',
      C: 'quoted # not a comment',
      D: 'single $A',
      E: 'unquoted',
      F: 'line1\nline2',
      G: '',
      H: 'colon',
      I: 'spaced',
      J: 'multi\nline',
      K: 'after',
    });
  });

  it('expands variables from earlier lines and the environment, not in single quotes', () => {
    const vars = parseDotenv('A=a\nB=${A}-$OUTER\nC="${A:-x}"\nD=\'${A}\'\n', '/p/.env', (k) => (k === 'OUTER' ? 'o' : undefined));
    assert.deepEqual(vars, { A: 'a', B: 'a-o', C: 'a', D: '${A}' });
  });

  it('takes a bare KEY from the environment', () => {
    assert.deepEqual(
      parseDotenv('FROM_ENV\nMISSING\n', '/p/.env', (k) => (k === 'FROM_ENV' ? 'v' : undefined)),
      { FROM_ENV: 'v' },
    );
  });

  it('handles CRLF line endings and a BOM', () => {
    assert.deepEqual(parseDotenv('\ufeffA=1\r\nB=2\r\n', '/p/.env'), { A: '1', B: '2' });
  });

  it('fails with a location on an unterminated quote and on a malformed line', () => {
    assert.throws(
      () => parseDotenv('A=1\nB="open\n', '/p/.env'),
      (e: unknown) => e instanceof InputError && e.location?.line === 2 && e.location.column === 3,
    );
    assert.throws(
      () => parseDotenv('A=1\nnot a valid line\n', '/p/.env'),
      (e: unknown) => e instanceof InputError && e.location?.line === 2,
    );
  });
});
