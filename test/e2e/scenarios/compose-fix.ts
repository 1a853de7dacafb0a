// Step 4 of issue #6: a compose file's diagnostic is on the right line, its quick fix changes the file as
// planned (compared as text, read from the host through the bind mount), and the diagnostic goes away.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ScenarioFactory } from '../harness/runner';
import { ANONYMOUS_VOLUME_LINE, COMPOSE_FILE, COMPOSE_FILE_FIXED, eventually } from './common';

export const composeQuickFix: ScenarioFactory = () => ({
  name: 'compose-quick-fix',
  title: 'a compose file with an anonymous volume on a database',
  session: { socket: false, workspace: { 'compose.yaml': COMPOSE_FILE } },
  steps: [
    {
      title: 'open the compose file: the warning is on the line of the anonymous volume',
      run: async ({ s }) => {
        await s.wb.openFile('/workspace/compose.yaml');
        await s.wb.page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'attached', timeout: 30_000 });
        await s.wb.page.keyboard.press('Control+Shift+m'); // View: Problems
        const row = s.wb.problem(/Anonymous volume at \/var\/lib\/postgresql\/data/);
        await row.waitFor({ state: 'visible', timeout: 15_000 });
        const text = await row.innerText();
        assert.match(
          text,
          new RegExp(`\\[Ln ${ANONYMOUS_VOLUME_LINE}, Col 9\\]`),
          `the problem is not on line ${ANONYMOUS_VOLUME_LINE}: ${text}`,
        );
        assert.match(text, /Persistence Lens/, text);
        assert.equal(await s.wb.problems().count(), 1, 'more than one problem in a file with one risk');
      },
    },
    {
      title: 'Ctrl+. on that line offers the quick fix; applying it and saving changes the file as planned',
      run: async ({ s, docShot, log }) => {
        await s.wb.focusEditor();
        await s.wb.goToLine(ANONYMOUS_VOLUME_LINE, 9);
        const fix = s.wb.quickFix(/db-data/);
        // Once, on a loaded machine, the first Ctrl+. showed "No code actions available" while the lightbulb of
        // the same line offered the fix a moment later: pressed again then, and said so in the log.
        let presses = 0;
        await eventually(async () => {
          presses++;
          await s.wb.page.keyboard.press('Control+.');
          await fix.waitFor({ state: 'visible', timeout: 5_000 }).catch(async (err: unknown) => {
            // what the editor showed instead ("No code actions available", an empty menu, a lightbulb only)
            const message = await s.wb.page
              .locator('.monaco-editor-overlaymessage')
              .first()
              .innerText({ timeout: 500 })
              .catch(() => 'no message');
            const menu = await s.wb.page.locator('.action-widget').count();
            log(`compose-quick-fix: press ${presses} of Ctrl+. showed no quick fix in 5 s (message: ${message.trim()}; menus: ${menu})`);
            await s.wb.page.keyboard.press('Escape');
            throw err;
          });
        }, 20_000);
        if (presses > 1) log(`compose-quick-fix: the quick fix showed after ${presses} presses of Ctrl+.`);
        assert.match(await fix.innerText(), /\/var\/lib\/postgresql\/data/);
        await docShot('quick-fix');
        await s.wb.applyQuickFix(fix);
        await s.wb.page.keyboard.press('Control+s');
        const file = `${s.hostWorkspace}/compose.yaml`;
        await eventually(async () => assert.equal(readFileSync(file, 'utf8'), COMPOSE_FILE_FIXED), 15_000);
      },
    },
    {
      title: 'the diagnostic goes away',
      run: async ({ s }) => {
        await eventually(async () => {
          assert.equal(await s.wb.problems().count(), 0, 'the problem is still listed');
          assert.equal(await s.wb.page.locator('.monaco-editor .squiggly-warning').count(), 0, 'the squiggle is still there');
        }, 15_000);
      },
    },
  ],
});
