import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/main';
import { capture } from '../helpers/cli';

describe('persist --move-data: arguments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-move-cli-'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, 'services:\n  app:\n    image: x\n    volumes:\n      - data:/data\nvolumes:\n  data:\n');
  const run = async (...args: string[]): Promise<{ code: number; err: string; out: string }> => {
    const c = capture();
    const code = await runCli(['persist', '--file', file, ...args], c.io);
    return { code, err: c.err.join(''), out: c.out.join('') };
  };

  it('needs --write', async () => {
    const r = await run('--path', '/x', '--move-data');
    assert.equal(r.code, 2);
    assert.match(r.err, /--move-data needs --write/);
  });
  it('does not go with --bind', async () => {
    const r = await run('--path', '/x', '--bind', '/h', '--write', '--move-data');
    assert.equal(r.code, 2);
    assert.match(r.err, /does not go with --bind/);
  });
  it('--recreate, --live and --container need --move-data', async () => {
    for (const flag of ['--recreate', '--live']) {
      const r = await run('--path', '/x', '--write', flag);
      assert.equal(r.code, 2);
      assert.match(r.err, new RegExp(`${flag} goes with --move-data`));
    }
  });
  it('an already persisted path: nothing to move, exit 0, before any engine is asked', async () => {
    const r = await run('--path', '/data/sub', '--write', '--move-data', '--container', 'no-such-container');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /already persisted .*nothing to change and no data to move/);
    assert.equal(r.out, '');
  });
  it('a single file moved by a variable: refused before any engine is asked, saying how', async () => {
    const r = await run('--path', '/root/.bash_history', '--write', '--move-data', '--container', 'no-such-container');
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      /HISTFILE=\/commandhistory\/\.bash_history.*not done automatically yet.*docker cp OLD_CONTAINER:\/root\/\.bash_history .*NEW_CONTAINER:\/commandhistory\/\.bash_history\)\. Nothing was changed/,
    );
    assert.equal(r.out, '');
  });
});
