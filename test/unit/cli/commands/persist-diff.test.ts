import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../../src/cli/main';
import { unifiedDiff } from '../../../../src/cli/unified-diff';
import { applyEdits, type TextEdit } from '../../../../src/fixes/text';
import { capture } from '../../helpers/cli';

/** Applies a unified diff with GNU patch to a copy of `oldText`; returns the patched text. */
function patched(oldText: string, diff: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-diff-'));
  writeFileSync(join(dir, 'f'), oldText);
  writeFileSync(join(dir, 'p.diff'), diff);
  execFileSync('patch', ['--quiet', '--force', join(dir, 'f'), join(dir, 'p.diff')], { stdio: 'pipe' });
  return readFileSync(join(dir, 'f'), 'utf8');
}

describe('unified diffs of planned edits', () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const cases: Array<[string, string, TextEdit[]]> = [
    ['an insertion of whole lines', lines(20), [{ offset: lines(5).length, length: 0, text: 'new a\nnew b\n' }]],
    ['a change inside a line', lines(10), [{ offset: lines(3).length + 2, length: 2, text: 'NE' }]],
    [
      'two far apart (two hunks)',
      lines(40),
      [
        { offset: lines(2).length, length: 0, text: 'top\n' },
        { offset: lines(40).length, length: 0, text: 'end\n' },
      ],
    ],
    [
      'two close together (one hunk)',
      lines(12),
      [
        { offset: lines(4).length, length: 0, text: 'x\n' },
        { offset: lines(7).length, length: 0, text: 'y\n' },
      ],
    ],
    ['an append to a file without a final newline', 'a\nb\nc', [{ offset: 5, length: 0, text: '\nd\n' }]],
    ['at the very start', lines(3), [{ offset: 0, length: 0, text: '# head\n' }]],
    ['into an empty file', '', [{ offset: 0, length: 0, text: 'services: {}\n' }]],
  ];
  for (const [what, oldText, edits] of cases) {
    it(`patch applies it back: ${what}`, () => {
      const newText = applyEdits(oldText, edits);
      const diff = unifiedDiff(oldText, newText, edits, { old: 'a/f', new: 'b/f' });
      assert.equal(patched(oldText, diff), newText, diff);
    });
  }

  it('persist --diff prints a patch on stdout and a summary on stderr; without --diff the whole text, as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-persist-diff-'));
    const file = join(dir, 'compose.yaml');
    const original = ['# the app', 'services:', '  app:', '    image: nginx:1.27   # pinned', ''].join('\n');
    writeFileSync(file, original);
    const d = capture();
    assert.equal(await runCli(['persist', '--file', file, '--path', '/srv/data', '--diff'], d.io), 0, d.err.join(''));
    const diff = d.out.join('');
    assert.match(diff, /^--- a\/.*compose\.yaml\n\+\+\+ b\/.*compose\.yaml\n@@ /);
    assert.match(d.err.join(''), /nothing written/);
    const whole = capture();
    assert.equal(await runCli(['persist', '--file', file, '--path', '/srv/data'], whole.io), 0);
    assert.equal(patched(original, diff), whole.out.join(''), 'the patch gives exactly the text persist prints');
    assert.equal(readFileSync(file, 'utf8'), original, 'nothing written');
    assert.equal(await runCli(['persist', '--file', file, '--path', '/srv/data', '--diff', '--write'], capture().io), 2);
  });
});
