import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { PersistenceLensExports } from '../../../src/extension';
import { TEST_HOOKS_COMMAND, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import { EXTENSION_ID, runnerEnv, waitFor } from './harness';
import { editAndSave } from './extension';

/**
 * The save warning offers only what works for the path, with labels that fit: a file on /dev/shm (a tmpfs the
 * engine makes for every container, which no volume can replace) gets no "Persist…", and "Show" only when the
 * Persistence view lists a path holding it; a file on an ordinary tmpfs gets "Persist…". "Don't Warn Here" for a
 * folder outside the workspace goes to the user settings, never into the workspace's.
 */
suite('save warning: short labels, only the actions that work', () => {
  const settings = () => vscode.workspace.getConfiguration('persistenceLens');
  const shm = `/dev/shm/pl-editor-save-${process.pid}`;
  const prompts: { message: string; actions: string[] }[] = [];
  const answers: (string | undefined)[] = [];
  let scratch: string;

  async function api(): Promise<PersistenceLensExports> {
    const ext = vscode.extensions.getExtension<PersistenceLensExports>(EXTENSION_ID)!;
    return ext.isActive ? ext.exports : ext.activate();
  }

  async function save(file: string, text: string): Promise<void> {
    writeFileSync(file, '\n');
    const editor = await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
    await editAndSave(editor, text);
  }

  suiteSetup(async () => {
    await api();
    mkdirSync(shm, { recursive: true });
    scratch = join(runnerEnv('PL_EDITOR_TMPFS'), `save-actions-${process.pid}`);
    mkdirSync(scratch, { recursive: true });
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, {
      // the save warnings are the only messages with buttons these tests click
      answer: (m) => {
        if (m.level !== 'warning' || !m.actions.includes("Don't Warn Here")) return undefined;
        prompts.push({ message: m.text, actions: m.actions });
        return answers.shift();
      },
    } satisfies UiTestHooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    await settings().update('saveWarnings.ignoredFolders', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('saveWarnings.ignoredFolders', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(shm, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  test("a file on /dev/shm is offered no Persist…, and Show only if the view lists it; Don't Warn Here goes to the user settings", async () => {
    const { paths } = await api();
    const file = join(shm, 'note.md');
    prompts.length = 0;
    answers.push("Don't Warn Here");
    await save(file, 'shm\n');
    const p = await waitFor('the save warning for /dev/shm', 20_000, () => prompts[0]);
    assert.match(p.message, /note\.md is saved in \/dev\/shm\/.*tmpfs.*Nothing can persist it: Docker makes \/dev/);
    assert.ok(!p.actions.includes('Persist…'), p.actions.join(', '));
    const listed = await paths.commands.canShowFile(file);
    assert.deepEqual(p.actions, listed ? ['Show', "Don't Warn Here"] : ["Don't Warn Here"]);
    assert.deepEqual(paths.saveGuard.offered.at(-1)?.actions, p.actions);
    const ignored = await waitFor('the folder in the user settings', 20_000, () => {
      const i = settings().inspect<string[]>('saveWarnings.ignoredFolders');
      return i?.globalValue?.includes(shm) ? i : undefined;
    });
    assert.ok(!(ignored.workspaceValue ?? []).includes(shm), 'not in the workspace settings');
    // the status bar offers the same: nothing to persist there
    assert.ok(!(await paths.statusBar.offered()).includes('persist'));
  });

  test('a file on an ordinary tmpfs is offered Persist…, with the short labels', async () => {
    const { paths } = await api();
    const file = join(scratch, 'todo.md');
    prompts.length = 0;
    answers.push(undefined);
    await save(file, 'tmpfs\n');
    const p = await waitFor('the save warning for the tmpfs', 20_000, () => prompts[0]);
    const listed = await paths.commands.canShowFile(file);
    assert.deepEqual(
      p.actions,
      vscode.workspace.isTrusted
        ? ['Persist…', ...(listed ? ['Show'] : []), "Don't Warn Here"]
        : [...(listed ? ['Show'] : []), "Don't Warn Here"],
    );
    assert.ok(
      p.actions.every((a) => a.length <= 15),
      p.actions.join(', '),
    );
  });
});
