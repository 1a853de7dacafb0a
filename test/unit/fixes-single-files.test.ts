import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnoseConfigFile } from '../../src/fixes/diagnose/index';
import { planPersist } from '../../src/fixes/persist';
import { singleFileFix } from '../../src/fixes/single-files';
import { FixRefusal } from '../../src/fixes/types';

function compose(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-single-'));
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, text);
  return file;
}

describe('single files never get a volume on their path', () => {
  it('says which fix works for each', () => {
    assert.deepEqual(singleFileFix('/home/u/.docker/config.json'), { kind: 'folder', folder: '/home/u/.docker', why: '/home/u/.docker/config.json is a single file: the volume goes on its folder /home/u/.docker' });
    assert.match((singleFileFix('/root/.bash_history') as { advice: string }).advice, /HISTFILE=\/commandhistory\/\.bash_history .* persist \/commandhistory/);
    assert.match((singleFileFix('/home/node/.claude.json') as { advice: string }).advice, /CLAUDE_CONFIG_DIR=\/home\/node\/\.claude/);
    assert.match((singleFileFix('/home/u/.gitconfig') as { advice: string }).advice, /GIT_CONFIG_GLOBAL=\/home\/u\/\.config\/git\/config/);
    assert.match((singleFileFix('/home/u/.git-credentials') as { advice: string }).advice, /create it on the host first, or Docker makes a folder there/);
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

  it('persist refuses a volume on a history file, saying what works; a bind of a host file is kept as asked', async () => {
    const file = compose('services:\n  app:\n    image: node:22\n');
    await assert.rejects(planPersist({ file, path: '/root/.bash_history' }), (err: Error) => err instanceof FixRefusal && /HISTFILE=\/commandhistory\/\.bash_history/.test(err.message));
    const bound = await planPersist({ file, path: '/root/.gitconfig', bindSource: './gitconfig' });
    assert.equal(bound.status, 'planned');
    if (bound.status === 'planned') assert.match(bound.plan.newText, /\.\/gitconfig:\/root\/\.gitconfig/);
  });

  it('the diagnostics offer no volume on a file, and say why', async () => {
    const file = compose(['services:', '  shell:', '    image: node:22', '    environment:', '      HISTFILE: /root/.zsh_history', ''].join('\n'));
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    const findings = await diagnoseConfigFile({ file, text });
    const history = findings.find((f) => f.path === '/root/.zsh_history');
    assert.ok(history, JSON.stringify(findings.map((f) => [f.code, f.path])));
    const planned = await history.planFixes();
    assert.deepEqual(planned.fixes, []);
    assert.match(planned.noFixReason ?? '', /single file.*HISTFILE=\/commandhistory\/\.zsh_history/);
  });
});
