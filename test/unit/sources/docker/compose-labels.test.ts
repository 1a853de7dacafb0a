import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetReport } from '../../../../src/core/types';
import { composeConfigFiles } from '../../../../src/sources/docker/compose-labels';
import { declaringFiles } from '../../../../src/vscode/tree/build';

const WD = 'com.docker.compose.project.working_dir';
const FILES = 'com.docker.compose.project.config_files';

describe('composeConfigFiles', () => {
  it('keeps the absolute paths Compose v2 writes', () => {
    assert.deepEqual(composeConfigFiles({ [WD]: '/p', [FILES]: '/p/compose.yaml,/q/override.yaml' }), [
      '/p/compose.yaml',
      '/q/override.yaml',
    ]);
  });
  it("resolves Compose v1's relative entries against the working dir (as v1 1.29 labels after `up` in the folder)", () => {
    assert.deepEqual(composeConfigFiles({ [WD]: '/srv/demo', [FILES]: 'compose.yaml, sub/more.yml,../x.yml' }), [
      '/srv/demo/compose.yaml',
      '/srv/demo/sub/more.yml',
      '/srv/x.yml',
    ]);
  });
  it('keeps a relative entry as it is when there is no working dir, and gives nothing without the label', () => {
    assert.deepEqual(composeConfigFiles({ [FILES]: 'compose.yaml' }), ['compose.yaml']);
    assert.deepEqual(composeConfigFiles({}), []);
    assert.deepEqual(composeConfigFiles(undefined), []);
  });
});

describe('declaringFiles (the Paths tree)', () => {
  const target = (labels: Record<string, string>) => ({ labels }) as unknown as TargetReport;
  it("finds the compose file of a container Compose v1 recreated (relative label), after the devcontainer's file", () => {
    assert.deepEqual(declaringFiles(target({ [WD]: '/srv/demo', [FILES]: 'compose.yaml' })), ['/srv/demo/compose.yaml']);
    assert.deepEqual(
      declaringFiles(
        target({ [WD]: '/w/.devcontainer', [FILES]: 'compose.yml', 'devcontainer.config_file': '/w/.devcontainer/devcontainer.json' }),
      ),
      ['/w/.devcontainer/devcontainer.json', '/w/.devcontainer/compose.yml'],
    );
  });
});
