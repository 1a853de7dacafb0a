import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseConfigFile } from '../../../src/fixes/diagnose/index';
import { planPersist } from '../../../src/fixes/persist';
import { singleFileFix } from '../../../src/fixes/single-files';
import { FixRefusal } from '../../../src/fixes/types';

function compose(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-single-'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, text);
  return file;
}

describe('single files never get a volume on their path', () => {
  it('says which fix works for each', () => {
    assert.deepEqual(singleFileFix('/home/u/.docker/config.json'), {
      kind: 'folder',
      folder: '/home/u/.docker',
      why: '/home/u/.docker/config.json is a single file: the volume goes on its folder /home/u/.docker',
    });
    const redirect = (p: string) => (singleFileFix(p) as { redirect: { variable: string; value: string; folder: string } }).redirect;
    assert.deepEqual(
      [redirect('/root/.bash_history').variable, redirect('/root/.bash_history').value, redirect('/root/.bash_history').folder],
      ['HISTFILE', '/commandhistory/.bash_history', '/commandhistory'],
    );
    assert.equal(redirect('/home/node/.claude.json').value, '/home/node/.claude');
    assert.equal(redirect('/home/u/.gitconfig').value, '/home/u/.config/git/config');
    assert.match(
      (singleFileFix('/home/u/.git-credentials') as { advice: string }).advice,
      /create it on the host first, or Docker makes a folder there/,
    );
    assert.equal(singleFileFix('/home/u/.ssh'), undefined);
    assert.equal(singleFileFix('/home/u/.config'), undefined);
  });

  it('persist puts the volume on ~/.docker for ~/.docker/config.json', async () => {
    const file = compose('services:\n  app:\n    image: node:22\n');
    const o = await planPersist({ file, path: '/root/.docker/config.json' });
    assert.equal(o.status, 'planned');
    if (o.status !== 'planned') return;
    assert.match(o.plan.newText, /- app-docker:\/root\/\.docker\n/);
  });

  it('persist moves a history file into /commandhistory by HISTFILE; refuses a volume on credentials; a bind of a host file is kept as asked', async () => {
    const file = compose('services:\n  app:\n    image: node:22\n');
    const o = await planPersist({ file, path: '/root/.bash_history' });
    assert.equal(o.status, 'planned');
    if (o.status === 'planned') {
      assert.equal(o.plan.kind, 'redirect-file');
      assert.equal(
        o.plan.newText,
        'services:\n  app:\n    image: node:22\n    volumes:\n      - app-commandhistory:/commandhistory\n    environment:\n      HISTFILE: /commandhistory/.bash_history\n\nvolumes:\n  app-commandhistory:\n',
      );
    }
    await assert.rejects(
      planPersist({ file, path: '/root/.git-credentials' }),
      (err: Error) => err instanceof FixRefusal && /Bind a host file/.test(err.message),
    );
    const bound = await planPersist({ file, path: '/root/.gitconfig', bindSource: './gitconfig' });
    assert.equal(bound.status, 'planned');
    if (bound.status === 'planned') assert.match(bound.plan.newText, /\.\/gitconfig:\/root\/\.gitconfig/);
  });

  it('the diagnostics offer the redirect for a history file, never a volume on it', async () => {
    const file = compose(
      ['services:', '  shell:', '    image: node:22', '    environment:', '      HISTFILE: /root/.zsh_history', ''].join('\n'),
    );
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    const findings = await diagnoseConfigFile({ file, text });
    const history = findings.find((f) => f.path === '/root/.zsh_history');
    assert.ok(history, JSON.stringify(findings.map((f) => [f.code, f.path])));
    const planned = await history.planFixes();
    assert.equal(planned.fixes.length, 1);
    const plan = planned.fixes[0]!.plan;
    assert.equal(plan.kind, 'redirect-file');
    assert.match(plan.newText, /HISTFILE: \/commandhistory\/\.zsh_history\n/);
    assert.match(plan.newText, /- shell-commandhistory:\/commandhistory\n/);
    assert.doesNotMatch(plan.newText, /:\/root\/\.zsh_history/);
  });
});
