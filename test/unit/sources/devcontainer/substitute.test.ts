import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { substitute, type SubstitutionContext } from '../../../../src/sources/devcontainer/substitute';

const vars: SubstitutionContext = {
  localWorkspaceFolder: '/src/my-app',
  containerWorkspaceFolder: '/workspaces/my-app',
  localEnv: { HOME: '/home/me', EMPTY: '' },
};

describe('devcontainer.json variables', () => {
  it('replaces the workspace folders and their base names', () => {
    assert.equal(substitute('${localWorkspaceFolder}|${localWorkspaceFolderBasename}', vars), '/src/my-app|my-app');
    assert.equal(substitute('${containerWorkspaceFolder}|${containerWorkspaceFolderBasename}', vars), '/workspaces/my-app|my-app');
  });

  it('keeps ${containerWorkspaceFolder} as written until it is known', () => {
    const early = { ...vars, containerWorkspaceFolder: undefined };
    assert.equal(
      substitute('${containerWorkspaceFolder}/x:${containerWorkspaceFolderBasename}', early),
      '${containerWorkspaceFolder}/x:${containerWorkspaceFolderBasename}',
    );
  });

  it('reads the local environment, with a default that may hold colons', () => {
    assert.equal(substitute('${localEnv:HOME}/.kube', vars), '/home/me/.kube');
    assert.equal(substitute('${env:HOME}', vars), '/home/me', 'env is the older name');
    assert.equal(substitute('${localEnv:NOPE}', vars), '');
    assert.equal(substitute('${localEnv:NOPE:C:\\data}', vars), 'C:\\data');
    assert.equal(substitute('${localEnv:EMPTY:fallback}', vars), '', 'a set but empty variable is no default');
  });

  it('reads ${containerEnv:X} from the environment given', () => {
    assert.equal(substitute('${containerEnv:XDG}/bin', vars, { XDG: '/home/dev/.config' }), '/home/dev/.config/bin');
    assert.equal(substitute('${containerEnv:XDG:/etc}', vars), '/etc');
  });

  it('keeps ${devcontainerId}, unknown variables and malformed ones as written', () => {
    for (const s of [
      'cache-${devcontainerId}',
      '${unknown}',
      '${localEnv}',
      '${localWorkspaceFolder:x}',
      '${containerEnv:}',
      'no variables',
      '${unclosed',
    ]) {
      assert.equal(substitute(s, vars), s);
    }
  });
});
