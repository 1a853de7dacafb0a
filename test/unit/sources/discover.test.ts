import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { discoverConfigFiles } from '../../../src/sources/discover';

const FIX = resolve(__dirname, '../../fixtures/devcontainer');

function folder(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pl-discover-'));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), f.endsWith('.json') ? '{}' : 'services: {}\n');
  }
  return dir;
}

describe('discoverConfigFiles', () => {
  it('takes the compose file docker compose would pick, and every devcontainer.json', async () => {
    const dir = join(FIX, 'multi');
    assert.deepEqual(await discoverConfigFiles(dir), {
      compose: [join(dir, 'compose.yaml')],
      devcontainers: [
        join(dir, '.devcontainer/devcontainer.json'),
        join(dir, '.devcontainer/node/devcontainer.json'),
        join(dir, '.devcontainer/python/devcontainer.json'),
      ],
    });
  });

  it("follows compose's order of names", async () => {
    const order = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
    for (let i = 0; i < order.length; i++) {
      const dir = folder(order.slice(i));
      assert.deepEqual((await discoverConfigFiles(dir)).compose, [join(dir, order[i]!)]);
    }
  });

  it('finds .devcontainer.json at the root, ignores other files and deeper folders', async () => {
    const dir = folder([
      '.devcontainer.json',
      '.devcontainer/a/b/devcontainer.json',
      '.devcontainer/x/other.json',
      'sub/compose.yaml',
      'compose.override.yml',
    ]);
    assert.deepEqual(await discoverConfigFiles(dir), { compose: [], devcontainers: [join(dir, '.devcontainer.json')] });
  });

  it('finds nothing in an empty or missing folder', async () => {
    assert.deepEqual(await discoverConfigFiles(folder([])), { compose: [], devcontainers: [] });
    assert.deepEqual(await discoverConfigFiles('/nonexistent/folder'), { compose: [], devcontainers: [] });
  });
});
