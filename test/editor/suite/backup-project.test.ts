import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { SetBackupResult } from '../../../src/backup';
import type { PersistenceLensExports } from '../../../src/extension';
import { COMMAND } from '../../../src/vscode/ids';
import type { PathsNode, ProjectNode } from '../../../src/vscode/tree/nodes';
import { TEST_HOOKS_COMMAND, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import { docker, IMAGE, removeQuietly } from './docker';
import { EXTENSION_ID, runnerEnv, waitFor } from './harness';

/**
 * Back Up Project… on a compose project node of the Paths view: a real project brought up with docker-compose,
 * a named volume holding a file; the set is written to a backup folder of the test, with one verified member per
 * volume, and the message names the set file with Reveal. Everything is labelled and removed.
 */
suite('Back Up Project… on a compose project node (real engine, docker-compose)', function () {
  this.timeout(120_000);
  const tag = `pl-editor-set-${process.pid}-${Date.now().toString(36)}`;
  const project = tag.replace(/[^a-z0-9-]/g, '');
  const runLabel = { 'persistence-lens.test': '1', 'persistence-lens.set-run': tag };
  const settings = () => vscode.workspace.getConfiguration('persistenceLens');
  const messages: { level: string; text: string; actions: string[] }[] = [];
  let dir: string;
  let file: string;
  let folder: string;

  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', project, '-f', file, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
      cwd: dir,
    });

  async function api(): Promise<PersistenceLensExports> {
    const ext = vscode.extensions.getExtension<PersistenceLensExports>(EXTENSION_ID)!;
    return ext.isActive ? ext.exports : ext.activate();
  }

  suiteSetup(async () => {
    await api();
    folder = mkdtempSync(join(tmpdir(), 'pl-editor-sets-'));
    await settings().update('backups.folder', folder, vscode.ConfigurationTarget.Global);
    dir = join(runnerEnv('PL_EDITOR_WORKSPACE'), `set-${project}`);
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'compose.yaml');
    writeFileSync(
      file,
      [
        'services:',
        '  db:',
        `    image: ${IMAGE}`,
        `    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`,
        '    labels:',
        '      persistence-lens.test: "1"',
        '    volumes:',
        '      - dbdata:/var/lib/db',
        'volumes:',
        '  dbdata:',
        '    labels:',
        '      persistence-lens.test: "1"',
        '',
      ].join('\n'),
    );
    compose('up', '-d');
    const id = docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`);
    docker('exec', id, 'sh', '-c', 'echo "rows" > /var/lib/db/table.dat');
    const hooks: UiTestHooks = { helperLabels: runLabel, onMessage: (m) => messages.push(m) };
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, hooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    await settings().update('backups.folder', undefined, vscode.ConfigurationTarget.Global);
    try {
      compose('down', '-v', '--remove-orphans');
    } catch {}
    removeQuietly(
      docker('ps', '-aq', '--filter', `label=persistence-lens.set-run=${tag}`).split('\n').filter(Boolean),
      docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`).split('\n').filter(Boolean),
    );
    rmSync(dir, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  });

  test('writes the set with its volume and says where, with Reveal', async () => {
    const { paths } = await api();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    const node = await waitFor(`project ${project} in the Paths view`, 20_000, async () => {
      await paths.model.refresh();
      return paths.view.provider.getChildren().find((n: PathsNode): n is ProjectNode => n.kind === 'project' && n.name === project);
    });
    assert.match(String(paths.view.provider.getTreeItem(node).contextValue), /\bcomposeProject\b/);

    const r = (await vscode.commands.executeCommand(COMMAND.backupProject, node)) as SetBackupResult | undefined;
    assert.ok(r, JSON.stringify(messages));
    assert.ok(r.setFile.startsWith(folder), r.setFile);
    assert.ok(existsSync(r.setFile));
    const volume = r.members.find((m) => m.member.kind === 'volume' && m.member.volume === `${project}_dbdata`);
    assert.ok(volume, JSON.stringify(r.members.map((m) => m.member)));
    assert.ok(existsSync(volume.result.archive));
    const done = messages.find((m) => m.level === 'info' && m.text.startsWith(`Backed up compose project "${project}"`));
    assert.ok(done, JSON.stringify(messages));
    assert.match(done.text, new RegExp(`${r.members.length} members?`));
    assert.ok(done.text.includes(folder));
    assert.deepEqual(done.actions, ['Reveal']);
  });
});
