// Steps 2 and 3 of issue #6: what a user sees when saving on the writable layer (the warning, the status bar,
// "Don't warn for this folder") and on the bind-mounted workspace (persistent, with the host path).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ScenarioFactory } from '../harness/runner';
import { HOME } from '../harness/container';
import { eventually, fileStatusText, staysHidden } from './common';

// src/vscode/save/policy.ts SAVE_ACTION_LABELS
const SAVE_ACTIONS = ['Persist…', 'Show', "Don't Warn Here"];

export const saveWarning: ScenarioFactory = () => ({
  name: 'save-warning',
  title: 'saving a file on the writable layer',
  session: {
    socket: false,
    home: {
      'notes/todo.md': '# To do\n\n',
      'notes/ideas.md': '# Ideas\n\n',
      'drafts/plan.md': '# Plan\n\n',
    },
  },
  steps: [
    {
      title: 'open a file on the writable layer, edit, save: the warning names the folder, the status bar shows at risk',
      run: async ({ s, docShot }) => {
        await s.wb.openFile(`${HOME}/notes/todo.md`);
        await eventually(async () => assert.equal(await fileStatusText(s), 'At risk: writable layer'));
        await s.wb.appendAndSave('- back up the database\n');
        const toast = s.wb.toast(/will be lost/);
        await toast.waitFor({ state: 'visible', timeout: 15_000 });
        const text = await toast.locator('.notification-list-item-message').innerText();
        assert.ok(text.includes(`${HOME}/notes`), `the warning does not name the folder: ${text}`);
        for (const action of SAVE_ACTIONS) {
          assert.ok(await toast.locator('.monaco-button', { hasText: action }).isVisible(), `no "${action}" button`);
        }
        assert.equal(
          String(await s.container.readFile(`${HOME}/notes/todo.md`)),
          '# To do\n\n- back up the database\n',
          'the save did not reach the disk',
        );
        await docShot('save-warning');
      },
    },
    {
      title:
        '"Don\'t Warn Here": no warning for that folder in a new window (remembered in the user settings), while another folder still warns',
      run: async ({ s }) => {
        const toast = s.wb.toast(/will be lost/);
        await s.wb.toastAction(toast, "Don't Warn Here");
        await toast.waitFor({ state: 'hidden', timeout: 10_000 });
        // a folder outside the workspace is remembered in the user settings (in the container's writable layer)
        await eventually(async () => {
          const settings = JSON.parse(String(await s.container.readFile(`${HOME}/.local/share/code-server/User/settings.json`))) as Record<
            string,
            unknown
          >;
          assert.deepEqual(settings['persistenceLens.saveWarnings.ignoredFolders'], [`${HOME}/notes`]);
        }, 10_000);
        // A new window: the "once per folder per window" memory starts empty, only the setting is left.
        await s.wb.reload();
        await s.wb.openFile(`${HOME}/notes/ideas.md`);
        await eventually(async () => assert.equal(await fileStatusText(s), 'At risk: writable layer'));
        await s.wb.appendAndSave('- a tree of backups\n');
        await eventually(async () =>
          assert.equal(String(await s.container.readFile(`${HOME}/notes/ideas.md`)), '# Ideas\n\n- a tree of backups\n'),
        );
        await staysHidden(s.wb.toast(/will be lost/), 5_000, 'a save warning for the ignored folder');
        // the control: warnings as such are still on
        await s.wb.openFile(`${HOME}/drafts/plan.md`);
        await s.wb.appendAndSave('- ship it\n');
        const other = s.wb.toast(/will be lost/);
        await other.waitFor({ state: 'visible', timeout: 15_000 });
        assert.ok((await other.innerText()).includes(`${HOME}/drafts`), 'the warning for the other folder does not name it');
      },
    },
  ],
});

export const bindStatus: ScenarioFactory = () => ({
  name: 'bind-status',
  title: 'a file in the bind-mounted workspace',
  session: {
    socket: false,
    workspace: { 'src/app.js': "console.log('hello');\n" },
  },
  steps: [
    {
      title: 'open a file in the workspace: the status bar shows persistent and names the host path',
      run: async ({ s }) => {
        await s.wb.openFile('/workspace/src/app.js');
        await eventually(async () => assert.equal(await fileStatusText(s), `Persistent: bind mount ${s.hostWorkspace}`));
      },
    },
    {
      title: 'edit and save: the file is on the host, and no warning appears',
      run: async ({ s }) => {
        await s.wb.appendAndSave("console.log('saved');\n");
        await eventually(async () =>
          assert.equal(readFileSync(`${s.hostWorkspace}/src/app.js`, 'utf8'), "console.log('hello');\nconsole.log('saved');\n"),
        );
        await staysHidden(s.wb.toast(/will be lost/), 3_000, 'a save warning for the workspace');
      },
    },
  ],
});
