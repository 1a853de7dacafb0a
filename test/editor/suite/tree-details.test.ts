import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { COMMAND } from '../../../src/vscode/ids';
import type { PathNode, PathsNode, TargetNode } from '../../../src/vscode/tree/nodes';
import { DETAILS_SCHEME } from '../../../src/vscode/ui/documents';
import { docker, IMAGE, removeQuietly } from './docker';
import { runnerEnv, waitFor } from './harness';
import { extensionApi, treeDescendants } from './extension';

/**
 * The Paths view's niceties on a real compose project: a click (or Enter) on a path opens its survival details as
 * a read-only document (never an untitled buffer that asks to be saved), and a container's menu reveals the
 * service in its compose file.
 */
suite('Paths view: click opens read-only survival details, Reveal Declaration on a container (real engine)', function () {
  this.timeout(120_000);
  const tag = `pl-editor-tree-${process.pid}-${Date.now().toString(36)}`;
  const project = tag.replace(/[^a-z0-9-]/g, '');
  let dir: string;
  let file: string;
  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', project, '-f', file, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
      cwd: dir,
    });

  suiteSetup(async () => {
    await extensionApi();
    dir = join(runnerEnv('PL_EDITOR_WORKSPACE'), `tree-${project}`);
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'compose.yaml');
    const stop = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`;
    writeFileSync(
      file,
      [
        'services:',
        '  side:',
        `    image: ${IMAGE}`,
        `    command: ${stop}`,
        '    labels:',
        '      persistence-lens.test: "1"',
        '  web:',
        `    image: ${IMAGE}`,
        `    command: ${stop}`,
        '    labels:',
        '      persistence-lens.test: "1"',
        '    volumes:',
        '      - /data',
        '',
      ].join('\n'),
    );
    compose('up', '-d');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    try {
      compose('down', '-v', '--remove-orphans');
    } catch {}
    removeQuietly(docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`).split('\n').filter(Boolean), []);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a path opens its details read-only; the container reveals its service line', async () => {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    const inProject = (n: PathsNode): boolean =>
      (n.kind === 'target' || n.kind === 'path') &&
      (n.kind === 'target' ? n : n.parent).target.labels?.['com.docker.compose.project'] === project;
    const pathNode = await waitFor('/data of web in the Paths view', 20_000, async () => {
      await paths.model.refresh();
      return treeDescendants(paths).find((n): n is PathNode => n.kind === 'path' && inProject(n) && n.path.path === '/data');
    });
    const item = paths.view.provider.getTreeItem(pathNode);
    assert.equal(item.command?.command, COMMAND.showSurvivalDetails);
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    const doc = await waitFor('the details document', 10_000, () => {
      const d = vscode.window.activeTextEditor?.document;
      return d?.uri.scheme === DETAILS_SCHEME ? d : undefined;
    });
    assert.equal(doc.isUntitled, false);
    assert.equal(doc.isDirty, false);
    assert.equal(doc.languageId, 'markdown');
    assert.match(doc.getText(), /\*\*\/data\*\*/);
    assert.match(doc.getText(), /Lost on:/);

    const target = pathNode.parent as TargetNode;
    assert.equal(target.target.labels?.['com.docker.compose.service'], 'web');
    assert.match(paths.view.provider.getTreeItem(target).contextValue ?? '', /\bdeclared\b/);
    await vscode.commands.executeCommand(COMMAND.revealDeclaration, target);
    const editor = await waitFor('the compose file in an editor', 10_000, () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.scheme === 'file' && realpathSync(e.document.uri.fsPath) === realpathSync(file) ? e : undefined;
    });
    assert.equal(editor.selection.active.line, 6, 'the cursor is on "  web:"');
  });
});
