// An untrusted workspace (package.json's capabilities.untrustedWorkspaces: "limited"): with workspace trust on
// and the folder opened in Restricted Mode, the Persistence view reads only this container's mount table even
// though the Docker socket is mounted, the compose file gets no diagnostic and no quick fix, and nothing offers
// to persist a path: not the view, not the save warning, not the status bar; the scan report reads only the mount
// table too, and "Don't warn for this folder" writes nothing into the workspace. Trusting the workspace (Manage
// Workspace Trust → Trust) brings the engine's containers and the diagnostics without a reload.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { ScenarioFactory } from '../harness/runner';
import type { Session } from '../harness/session';
import { HOME } from '../harness/container';
import {
  ANONYMOUS_VOLUME_LINE,
  COMPOSE_FILE,
  assertPaths,
  eventually,
  expectedPaths,
  pathsRow,
  rowActions,
  staysHidden,
  thisContainerPaths,
} from './common';

/** What our quick fixes for COMPOSE_FILE's anonymous volume say (they name the path). */
const OUR_FIX = /\/var\/lib\/postgresql\/data/;
const PERSIST = /^Persist Path/;
/** The Paths view's first row in Restricted Mode: why it shows so little, and a click to Manage Workspace Trust. */
const RESTRICTED = 'Restricted Mode: only the mount table is read';

/** Opens the quick fix menu (Ctrl+.) on the anonymous volume's line; returns its entries ([] when it says none). */
async function quickFixesOnVolumeLine(s: Session): Promise<string[]> {
  const wb = s.wb;
  await wb.escapeAll();
  await wb.focusEditor();
  await wb.goToLine(ANONYMOUS_VOLUME_LINE, 9);
  await wb.page.keyboard.press('Control+.');
  const menu = wb.page.locator('.action-widget .monaco-list-row.action');
  const none = wb.page.locator('.monaco-editor-overlaymessage', { hasText: /No code actions available/ });
  await menu.first().or(none).first().waitFor({ state: 'visible', timeout: 15_000 });
  const entries = (await menu.allInnerTexts()).map((t) => t.trim());
  await wb.page.keyboard.press('Escape');
  return entries;
}

export const untrustedWorkspace: ScenarioFactory = () => {
  let other = '';
  return {
    name: 'untrusted',
    title: 'an untrusted workspace (Restricted Mode) with the Docker socket mounted, then trusted',
    session: { socket: true, trusted: false, workspace: { 'compose.yaml': COMPOSE_FILE }, home: { 'notes/todo.md': '# To do\n\n' } },
    steps: [
      {
        title: "in Restricted Mode, the Paths view lists this container's paths with their statuses, read from the mount table",
        run: async ({ s }) => {
          // another container on the engine the socket leads to, which the view must not list before trust
          other = await s.startContainer('other');
          await eventually(async () => assertPaths(await thisContainerPaths(s), expectedPaths(s)), 30_000);
        },
      },
      {
        title:
          'with the socket mounted it lists no other container, nothing only the engine knows and no compose file, also after a Refresh',
        run: async ({ s }) => {
          const pane = s.wb.pane('Paths');
          const check = async () => {
            const rows = await s.wb.treeText(pane);
            const roots = rows.filter((r) => r.level === 1);
            assert.deepEqual(
              roots.map((r) => r.label),
              [RESTRICTED, 'This container'],
              `roots other than this container: ${JSON.stringify(roots)}`,
            );
            // no engine: the container is named by its hostname (the short id), not by the engine's name and image
            const self = roots[1]!;
            assert.ok(!self.description.includes(s.name), `"${self.description}" names the container: the engine was asked`);
            assert.ok(
              !rows.some((r) => r.label.startsWith('Writable layer holds')),
              "the writable layer's contents are listed: the engine was asked",
            );
            assert.ok(!rows.some((r) => r.label === other), `the other container ${other} is listed`);
          };
          await check();
          await s.wb.command('Persistence Lens: Refresh');
          await staysHidden(s.wb.row(pane, other), 5_000, `the other container ${other} in the Paths view`);
          await check();
        },
      },
      {
        title: 'the compose file with an anonymous volume on a database gets no diagnostic, and Ctrl+. offers none of our quick fixes',
        run: async ({ s }) => {
          await s.wb.openFile('/workspace/compose.yaml');
          await s.wb.page.keyboard.press('Control+Shift+m'); // View: Problems
          await staysHidden(s.wb.problems().filter({ hasText: /Persistence Lens/ }), 6_000, 'a Persistence Lens problem');
          assert.equal(await s.wb.page.locator('.monaco-editor .squiggly-warning').count(), 0, 'a warning squiggle in the compose file');
          const entries = await quickFixesOnVolumeLine(s);
          assert.deepEqual(
            entries.filter((e) => OUR_FIX.test(e)),
            [],
            `Ctrl+. offers our quick fixes: ${JSON.stringify(entries)}`,
          );
        },
      },
      {
        title: 'no Persist action: an at-risk path of this container offers Persist Path… neither inline nor in its context menu',
        run: async ({ s }) => {
          await thisContainerPaths(s);
          const { inline, menu } = await rowActions(s, s.wb.row(s.wb.pane('Paths'), /^\/home\/coder$/));
          assert.deepEqual(
            inline.filter((a) => PERSIST.test(a)),
            [],
            `inline actions: ${JSON.stringify(inline)}`,
          );
          assert.deepEqual(
            menu.filter((a) => PERSIST.test(a)),
            [],
            `context menu: ${JSON.stringify(menu)}`,
          );
          assert.ok(
            menu.some((a) => /^Copy Path/.test(a)),
            `the context menu is not the path's: ${JSON.stringify(menu)}`,
          );
        },
      },
      {
        title:
          'saving on the writable layer warns without offering to persist; "Don\'t warn for this folder" goes to the user settings, nothing into the workspace',
        run: async ({ s }) => {
          const wb = s.wb;
          await wb.openFile(`${HOME}/notes/todo.md`);
          await wb.appendAndSave('- trust this folder later\n');
          const toast = wb.toast(/will be lost/);
          await toast.waitFor({ state: 'visible', timeout: 15_000 });
          const buttons = (await toast.locator('.monaco-button').allInnerTexts()).map((b) => b.trim());
          assert.deepEqual(buttons, ['Show', "Don't Warn Here"], `the warning's buttons: ${JSON.stringify(buttons)}`);
          // the status bar's click has nothing to offer either: its tooltip says it only shows the file
          const status = wb.statusItem(/At risk: writable layer/).first();
          await status.waitFor({ state: 'visible', timeout: 10_000 });
          await wb.toastAction(toast, "Don't Warn Here");
          await toast.waitFor({ state: 'hidden', timeout: 10_000 });
          await eventually(async () => {
            const user = JSON.parse(String(await s.container.readFile(`${HOME}/.local/share/code-server/User/settings.json`))) as Record<
              string,
              unknown
            >;
            assert.deepEqual(user['persistenceLens.saveWarnings.ignoredFolders'], [`${HOME}/notes`]);
          }, 10_000);
          assert.equal(existsSync(`${s.hostWorkspace}/.vscode`), false, 'the untrusted workspace got a .vscode folder');
          await wb.page.keyboard.press('Control+w');
        },
      },
      {
        title: 'the scan report reads only the mount table too: no other container, no compose service',
        run: async ({ s }) => {
          await s.wb.command('Persistence Lens: Show Scan Report');
          // a read-only Markdown document shown in its rendered preview: the text of the preview's frame
          const report = await eventually(
            async () => {
              for (const frame of s.wb.page.frames()) {
                const text = await frame
                  .locator('body')
                  .innerText({ timeout: 1_000 })
                  .catch(() => '');
                if (/scan report/i.test(text) && text.includes(HOME)) return text;
              }
              throw new Error("no rendered scan report that lists this container's paths");
            },
            30_000,
            500,
          );
          assert.ok(!report.includes(other), `the report lists the other container ${other}:\n${report}`);
          assert.doesNotMatch(report, /compose service/, `the report reads the compose file:\n${report}`);
          assert.match(report, new RegExp(`${HOME}\\b`), `the report does not list this container's paths:\n${report}`);
        },
      },
      {
        title: "Manage Workspace Trust → Trust: without a reload, the engine's containers appear, this container by its name",
        timeoutSec: 90,
        run: async ({ s }) => {
          const wb = s.wb;
          // a marker in the page: a reload of the window would lose it
          await wb.page.evaluate(() => ((globalThis as Record<string, unknown>).plSameWindow = true));
          await wb.command('Workspaces: Manage Workspace Trust');
          // the "Trust" button of "In a Trusted Folder" (beside "Trust Parent")
          const trust = wb.page.locator('.workspace-trust-editor .workspace-trust-buttons a.monaco-button', { hasText: /^\s*Trust\s*$/ });
          await trust.waitFor({ state: 'visible', timeout: 15_000 });
          await trust.click();
          await wb
            .statusItem(/Restricted Mode/)
            .first()
            .waitFor({ state: 'hidden', timeout: 15_000 });
          await wb.showViewContainer('Persistence');
          const pane = wb.pane('Paths');
          // the engine's name and image for this container: the scan after the trust has used the engine
          const self = wb.row(pane, /^This container$/);
          await eventually(
            async () => assert.equal(await self.locator('.label-description').innerText(), `${s.name} · ${s.run.image}`),
            30_000,
            500,
          );
          const mine = await pathsRow(s, new RegExp(`^${other}$`));
          assert.match(await mine.locator('.label-description').innerText(), /^running\b/);
          assert.equal(await mine.getAttribute('aria-level'), '1', 'the other container is not a root of the tree');
          // and the workspace's compose file is read
          await pathsRow(s, /^compose\.yaml$/);
          // what only the engine knows: what this container's writable layer holds
          await pathsRow(s, /^Writable layer holds/);
          assert.equal(await wb.page.evaluate(() => (globalThis as Record<string, unknown>).plSameWindow), true, 'the window was reloaded');
          await staysHidden(wb.row(pane, RESTRICTED), 3_000, 'the Restricted Mode row after the trust');
        },
      },
      {
        title:
          'the diagnostic appears on the compose file with its quick fix, and the at-risk path offers Persist Path… inline and in its menu',
        run: async ({ s }) => {
          const wb = s.wb;
          // back to the compose file, still open in its tab behind the Workspace Trust editor
          await wb.page.locator('.tabs-container .tab', { hasText: 'compose.yaml' }).click();
          await wb.activeTab('compose.yaml').waitFor({ state: 'visible', timeout: 10_000 });
          await wb.page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'attached', timeout: 30_000 });
          await wb.page.keyboard.press('Control+Shift+m');
          const problem = wb.problem(/Anonymous volume at \/var\/lib\/postgresql\/data/);
          await problem.waitFor({ state: 'visible', timeout: 15_000 });
          assert.match(await problem.innerText(), new RegExp(`\\[Ln ${ANONYMOUS_VOLUME_LINE}, Col 9\\]`));
          const entries = await quickFixesOnVolumeLine(s);
          assert.ok(
            entries.some((e) => OUR_FIX.test(e) && /db-data/.test(e)),
            `Ctrl+. offers no quick fix of ours: ${JSON.stringify(entries)}`,
          );
          // the engine's containers make a long tree, which may have scrolled: back to its top
          await pathsRow(s, /^At risk \(\d+\)$/);
          await thisContainerPaths(s);
          const { inline, menu } = await rowActions(s, wb.row(wb.pane('Paths'), /^\/home\/coder$/));
          assert.ok(
            inline.some((a) => PERSIST.test(a)),
            `no inline Persist Path… once trusted: ${JSON.stringify(inline)}`,
          );
          assert.ok(
            menu.some((a) => PERSIST.test(a)),
            `no Persist Path… in the context menu once trusted: ${JSON.stringify(menu)}`,
          );
          assert.equal(await wb.page.evaluate(() => (globalThis as Record<string, unknown>).plSameWindow), true, 'the window was reloaded');
        },
      },
    ],
  };
};
