import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { findWorkspaceConfigFiles } from '../../../src/vscode/scan-request';
import { recordMetric, runnerEnv, waitFor } from './harness';
import { extensionApi } from './extension';

const compose = (service: string) =>
  ['services:', `  ${service}:`, '    image: persistence-test:latest', '    volumes:', '      - /srv/data', ''].join('\n');

/**
 * Compose files and devcontainer.json found at any depth of the workspace, through vscode.workspace.findFiles
 * with the user's excludes: a generated monorepo of 2,000 folders, 50 of them with a compose file.
 */
suite('Config files at any depth', () => {
  const root = join(runnerEnv('PL_EDITOR_WORKSPACE'), `monorepo-${process.pid}`);
  const search = () => vscode.workspace.getConfiguration('search');

  suiteSetup(async () => {
    for (let i = 0; i < 2000; i++) {
      const dir = join(root, 'packages', `pkg-${String(i).padStart(4, '0')}`, 'src');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.ts'), `export const n = ${i};\n`);
      if (i % 40 === 0) {
        writeFileSync(join(dir, '..', 'compose.yaml'), compose(`svc${i}`));
        // docker compose takes compose.yaml over docker-compose.yml in the same folder: only one project
        writeFileSync(join(dir, '..', 'docker-compose.yml'), compose(`legacy${i}`));
      }
    }
    mkdirSync(join(root, 'apps', 'web', '.devcontainer'), { recursive: true });
    writeFileSync(join(root, 'apps', 'web', '.devcontainer', 'devcontainer.json'), '{ "image": "persistence-test:latest" }\n');
    // never the user's own: node_modules, and a folder the user excludes from search
    mkdirSync(join(root, 'node_modules', 'some-lib'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'some-lib', 'compose.yaml'), compose('vendored'));
    mkdirSync(join(root, 'third_party', 'tool'), { recursive: true });
    writeFileSync(join(root, 'third_party', 'tool', 'compose.yaml'), compose('excluded'));
    // a Kubernetes manifest in a k8s folder, and a chart's values there that is not one
    mkdirSync(join(root, 'k8s'), { recursive: true });
    writeFileSync(
      join(root, 'k8s', 'web.yaml'),
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: web',
        'spec:',
        '  containers:',
        '    - name: app',
        '      image: nginx:1.27',
        '',
      ].join('\n'),
    );
    writeFileSync(join(root, 'k8s', 'values.yaml'), 'replicaCount: 1\n');
    await search().update('exclude', { '**/third_party': true }, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    await search().update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    rmSync(root, { recursive: true, force: true });
  });

  test('finds every compose file and devcontainer.json below the workspace, and none the user excludes', async () => {
    const started = Date.now();
    const found = await findWorkspaceConfigFiles();
    const ms = Date.now() - started;
    recordMetric('discovery: 2,000 folders, 50 compose files (ms)', ms);
    const ours = found.compose.filter((f) => f.startsWith(root));
    assert.equal(ours.length, 50, ours.join('\n'));
    assert.ok(
      ours.every((f) => f.endsWith('/compose.yaml')),
      'compose.yaml wins over docker-compose.yml in its folder',
    );
    assert.ok(!found.compose.some((f) => f.includes('/node_modules/') || f.includes('/third_party/')), found.compose.join('\n'));
    assert.deepEqual(
      found.devcontainers.filter((f) => f.startsWith(root)),
      [join(root, 'apps', 'web', '.devcontainer', 'devcontainer.json')],
    );
    assert.deepEqual(
      (found.kubernetes ?? []).filter((f) => f.startsWith(root)),
      [join(root, 'k8s', 'web.yaml')],
      'a manifest, not the chart values',
    );
  });

  test('the Paths view shows a nested compose file, a nested devcontainer.json and a Kubernetes manifest', async () => {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    await vscode.commands.executeCommand('persistenceLens.refresh');
    const names = await waitFor('the nested files in the tree', 30_000, () => {
      const labels = paths.view.provider.getChildren().map((n) => String(paths.view.provider.getTreeItem(n).label));
      const nested = labels.filter((l) => l.includes(`monorepo-${process.pid}/`));
      return nested.length >= 52 ? nested : undefined;
    });
    assert.ok(names.includes(`monorepo-${process.pid}/packages/pkg-0040/compose.yaml`), names.join('\n'));
    assert.ok(names.includes(`monorepo-${process.pid}/apps/web/.devcontainer/devcontainer.json`), names.join('\n'));
    assert.ok(names.includes(`monorepo-${process.pid}/k8s/web.yaml`), names.join('\n'));
  });
});
