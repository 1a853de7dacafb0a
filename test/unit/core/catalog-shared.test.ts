/**
 * What a scan shares between its targets (issue #14): resolved catalogs by home and environment, image data
 * paths by reference, the writable layer's sentence. Shared or not, the answers are the ones computed afresh.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import { nearestCatalogPath, resolveCatalog, sharedCatalog } from '../../../src/core/catalog';
import { wellKnownImageDataPaths } from '../../../src/core/images';
import type { TargetInput } from '../../../src/core/types';

const HOMES = [undefined, '/home/coder', '/root', '/', '/home/..', '/home/coder/'];
const ENVS: Array<Record<string, string>> = [
  {},
  { XDG_CONFIG_HOME: '/config', HISTFILE: '/commandhistory/.bash_history' },
  { XDG_CONFIG_HOME: 'relative', CLAUDE_CONFIG_DIR: '/claude' },
  { CODER_SCRIPT_DATA_DIR: '/tmp/coder-script-data', XDG_RUNTIME_DIR: '/run/user/1000', GOMODCACHE: '/go/mod' },
  { XDG_DATA_HOME: '/home/coder/.local/share/', UNRELATED: '/x' },
];
const PATHS = [
  '/',
  '',
  'relative/x',
  '/home',
  '/home/coder',
  '/home/coder/.ssh/id_ed25519',
  '/home/coder/.config/gh/hosts.yml',
  '/config/x',
  '/configs',
  '/tmp/coder-script-data/abc',
  '/run/user/1000/x',
  '/workspaces/p',
  '/nix/store/x',
  '/claude/.claude.json',
  '/home/coder/.local/share/code-server/User',
];

describe('sharedCatalog', () => {
  it('resolves as resolveCatalog does, for each home and environment, however often and in whatever order asked', () => {
    for (let round = 0; round < 2; round++)
      for (const home of HOMES)
        for (const env of ENVS)
          assert.deepEqual(sharedCatalog(home, env).paths, resolveCatalog(home, env), `home ${home}, env ${JSON.stringify(env)}`);
  });

  it('finds the nearest entry that nearestCatalogPath finds', () => {
    for (const home of HOMES)
      for (const env of ENVS) {
        const shared = sharedCatalog(home, env);
        for (const p of PATHS)
          assert.equal(shared.nearest(p), nearestCatalogPath(p, shared.paths), `${p} with home ${home}, env ${JSON.stringify(env)}`);
      }
  });

  it('tells environments apart whose values only differ in where a separator falls', () => {
    const a = sharedCatalog('/h', { XDG_CONFIG_HOME: '/a|1:/b' });
    const b = sharedCatalog('/h', { XDG_CONFIG_HOME: '/a', XDG_DATA_HOME: '/b' });
    assert.notEqual(a, b);
    assert.deepEqual(b.paths, resolveCatalog('/h', { XDG_CONFIG_HOME: '/a', XDG_DATA_HOME: '/b' }));
  });
});

describe('shared image data paths', () => {
  it('gives the same answer each time', () => {
    for (const image of ['postgres:16', 'postgres', 'mongo:7', 'redis', 'busybox', ''])
      assert.deepEqual(wellKnownImageDataPaths(image), wellKnownImageDataPaths(image));
    assert.deepEqual(
      wellKnownImageDataPaths('postgres:16').map((d) => d.path),
      ['/var/lib/postgresql/data'],
    );
    assert.deepEqual(
      wellKnownImageDataPaths('postgres:18').map((d) => d.path),
      ['/var/lib/postgresql'],
    );
  });
});

describe('the writable layer sentence, made once per combination', () => {
  it('still says when the root is read-only', () => {
    const input = (rootReadOnly: boolean): TargetInput => ({
      kind: 'container',
      name: 't',
      env: {},
      mounts: [],
      imageVolumes: [],
      rootStatus: 'writable-layer',
      rootReadOnly,
      workingDir: '/srv/app',
      changes: [{ directory: '/srv/app', added: 1, modified: 0, deleted: 0, examples: ['/srv/app/x'] }],
    });
    const writable = analyzeTarget(input(false)).paths.find((p) => p.path === '/srv/app')!;
    const readOnly = analyzeTarget(input(true)).paths.find((p) => p.path === '/srv/app')!;
    assert.match(writable.reason, /^No volume covers this path: .*\(recreate, compose up, down -v\)\.$/);
    assert.equal(readOnly.reason, `${writable.reason} It is mounted read-only: writes there fail, nothing written can be lost.`);
  });
});
