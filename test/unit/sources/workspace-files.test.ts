import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scan } from '../../../src/scan';
import { groupWorkspaceConfigFiles, isKubernetesManifest, WORKSPACE_CONFIG_GLOB } from '../../../src/sources/workspace-files';

describe('the workspace config files, at any depth', () => {
  it('takes the compose file docker compose would pick in each folder, and the devcontainer.json VS Code offers', () => {
    const found = groupWorkspaceConfigFiles([
      '/w/a/docker-compose.yml',
      '/w/a/compose.yaml',
      '/w/b/docker-compose.yaml',
      '/w/b/docker-compose.yml',
      '/w/c/compose.override.yml',
      '/w/.devcontainer/devcontainer.json',
      '/w/.devcontainer/python/devcontainer.json',
      '/w/apps/x/.devcontainer.json',
      '/w/config/devcontainer.json',
      '/w/a/compose.yaml',
    ]);
    assert.deepEqual(found.compose, ['/w/a/compose.yaml', '/w/b/docker-compose.yaml']);
    assert.deepEqual(found.devcontainers, [
      '/w/.devcontainer/devcontainer.json',
      '/w/.devcontainer/python/devcontainer.json',
      '/w/apps/x/.devcontainer.json',
    ]);
  });

  it('has one glob for findFiles and the watchers', () => {
    assert.equal(
      WORKSPACE_CONFIG_GLOB,
      '**/{compose.yaml,compose.yml,docker-compose.yaml,docker-compose.yml,devcontainer.json,.devcontainer.json}',
    );
  });

  it('scans each file as its own project; a broken one is a warning naming it, the others still show', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pl-ws-files-'));
    for (const [sub, text] of [
      ['one', 'services:\n  web:\n    image: nginx:1.27\n'],
      ['two', 'services:\n  db:\n    image: postgres:17\n'],
      ['broken', 'services:\n  x: [\n'],
    ] as const) {
      mkdirSync(join(dir, sub));
      writeFileSync(join(dir, sub, 'compose.yaml'), text);
    }
    const result = await scan({
      cwd: dir,
      docker: false,
      workspaceFiles: { compose: ['one', 'two', 'broken'].map((s) => join(dir, s, 'compose.yaml')), devcontainers: [] },
    });
    assert.deepEqual(result.targets.map((t) => t.name).sort(), ['db', 'web']);
    assert.ok(
      result.warnings.some((w) => w.includes(join(dir, 'broken', 'compose.yaml'))),
      result.warnings.join('\n'),
    );
  });

  it('Kubernetes manifests: told by a top-level apiVersion and kind, each read with the pod table; a broken one a warning', async () => {
    assert.equal(isKubernetesManifest('apiVersion: apps/v1\nkind: Deployment\n'), true);
    assert.equal(isKubernetesManifest('# values\npersistence:\n  enabled: true\n'), false);
    const dir = mkdtempSync(join(tmpdir(), 'pl-ws-k8s-'));
    mkdirSync(join(dir, 'k8s'));
    const good = join(dir, 'k8s', 'pod.yaml');
    writeFileSync(
      good,
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: web',
        'spec:',
        '  containers:',
        '    - name: app',
        '      image: nginx:1.27',
        '      volumeMounts:',
        '        - name: scratch',
        '          mountPath: /data',
        '  volumes:',
        '    - name: scratch',
        '      emptyDir: {}',
        '',
      ].join('\n'),
    );
    const bad = join(dir, 'k8s', 'broken.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nspec: [\n');
    const result = await scan({ cwd: dir, docker: false, workspaceFiles: { compose: [], devcontainers: [], kubernetes: [good, bad] } });
    const t = result.targets.find((x) => x.kind === 'kubernetes-container');
    assert.ok(t, JSON.stringify(result.targets.map((x) => [x.kind, x.name])));
    assert.equal(t.name, 'Pod/web/app');
    assert.equal(t.paths.find((p) => p.path === '/data')?.pod?.status, 'empty-dir');
    assert.ok(
      result.warnings.some((w) => w.includes('broken.yaml')),
      result.warnings.join('\n'),
    );
  });
});
