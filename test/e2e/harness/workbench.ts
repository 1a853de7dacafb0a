// Driving VS Code's workbench (code-server 4.100.3, VS Code 1.100) the way a user does: clicks, keys, the
// command palette. Selectors are the workbench's own (see ../shared/notes/offline-testing.md); Monaco's menus
// live in shadow roots, which Playwright's CSS engine pierces.
import type { Locator, Page } from 'playwright-core';

const MOD = 'Control';

export class Workbench {
  constructor(readonly page: Page) {}

  async load(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await this.page.waitForSelector('#workbench\\.parts\\.statusbar', { timeout: 30_000 });
  }

  /** Reloads the window, as "Developer: Reload Window" or F5 in the browser: a new extension host. */
  async reload(): Promise<void> {
    await this.page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await this.page.waitForSelector('#workbench\\.parts\\.statusbar', { timeout: 30_000 });
  }

  // ---- the command palette and quick inputs ------------------------------------------------------------
  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  quickRows(): Locator {
    return this.quickInput.locator('.quick-input-list .monaco-list-row');
  }

  /** Runs a command from the palette by its title as the palette shows it ("Persistence Lens: Refresh"). */
  async command(title: string): Promise<void> {
    await this.escapeAll();
    await this.page.keyboard.press('F1');
    const input = this.quickInput.locator('input');
    // With the focus in a webview (a Markdown preview) F1 goes to its frame and opens nothing: the title bar's
    // command center opens the same quick input, where '>' makes it the command palette.
    const opened = await input.waitFor({ state: 'visible', timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    if (!opened) {
      await this.page.locator('.command-center .search-label, .command-center-center').first().click();
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    }
    await input.fill(`>${title}`);
    const row = this.quickRows()
      .filter({ has: this.page.locator('.label-name', { hasText: exact(title) }) })
      .first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
  }

  /** Picks an item of the open quick pick by (part of) its label. */
  async pick(label: string | RegExp, timeout = 15_000): Promise<void> {
    const row = this.quickRows().filter({ hasText: label }).first();
    await row.waitFor({ state: 'visible', timeout });
    await row.click();
  }

  /** Types into the open quick input (an input box or a quick pick's filter) and presses Enter. */
  async answer(text: string, timeout = 15_000, prompt?: string | RegExp): Promise<void> {
    // A quick pick that was just accepted stays on screen until the extension host hides it: typing before the
    // asked input box replaces it would answer the old pick. With a prompt, wait for the box that shows it.
    const message = prompt === undefined ? undefined : this.quickInput.locator('.quick-input-message', { hasText: prompt });
    if (message) await message.waitFor({ state: 'visible', timeout });
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
    if (message) await message.waitFor({ state: 'hidden', timeout });
  }

  async escapeAll(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      if (
        !(await this.quickInput.isVisible().catch(() => false)) &&
        !(await this.page
          .locator('.context-view .monaco-menu')
          .isVisible()
          .catch(() => false))
      )
        return;
      await this.page.keyboard.press('Escape');
    }
  }

  /** Moves the mouse to the middle of the editor area, so no hover (tooltip) is left over what comes next. */
  async rest(): Promise<void> {
    const v = this.page.viewportSize() ?? { width: 1280, height: 800 };
    await this.page.mouse.move(Math.round(v.width * 0.7), Math.round(v.height * 0.6));
  }

  /** Drags the side bar's edge so that it is `width` pixels wide (long paths then fit on a row). */
  async sidebarWidth(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
    await this.rest();
  }

  // ---- views -------------------------------------------------------------------------------------------
  /** Shows a view container of the activity bar by its title ("Persistence"), without toggling it closed. */
  async showViewContainer(title: string): Promise<void> {
    const item = this.page
      .locator('.activitybar li.action-item')
      .filter({ has: this.page.locator(`a.action-label[aria-label^="${title}"]`) })
      .first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    if ((await item.getAttribute('class'))?.split(/\s+/).includes('checked')) return;
    await item.click();
    await this.rest();
    await this.page
      .locator('.activitybar li.action-item.checked')
      .filter({ has: this.page.locator(`a.action-label[aria-label^="${title}"]`) })
      .waitFor({ timeout: 10_000 });
  }

  /** The pane of a view in the side bar, by its name ("Paths"). */
  pane(name: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator('.pane-header h3.title', { hasText: exact(name) }) });
  }

  /** Expands a collapsed pane (a view that starts collapsed, like Backups). */
  async expandPane(name: string): Promise<Locator> {
    const pane = this.pane(name);
    const header = pane.locator('.pane-header');
    await header.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane;
  }

  /** The rows of a pane's tree. */
  rows(pane: Locator): Locator {
    return pane.locator('.monaco-list-row');
  }

  /** The tree row whose label (not description) matches. */
  row(pane: Locator, label: string | RegExp): Locator {
    return this.rows(pane)
      .filter({ has: this.page.locator('.label-name', { hasText: label }) })
      .first();
  }

  async expand(row: Locator): Promise<void> {
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.locator('.monaco-tl-twistie').click();
      await this.rest();
    }
    await this.page.waitForFunction((el) => el?.getAttribute('aria-expanded') !== 'false', await row.elementHandle(), { timeout: 10_000 });
  }

  /** Label and description of each visible row of a pane, with the tree depth. */
  async treeText(pane: Locator): Promise<{ level: number; label: string; description: string; expanded: string | null }[]> {
    return this.rows(pane).evaluateAll((els) =>
      els.map((el) => ({
        level: Number(el.getAttribute('aria-level') ?? 0),
        label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
        description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
        expanded: el.getAttribute('aria-expanded'),
      })),
    );
  }

  /** Opens a row's context menu (the menu of that very row) and returns it. */
  async openContextMenu(row: Locator): Promise<Locator> {
    const menu = this.page.locator('.context-view .monaco-menu');
    // A tree that refreshes (the Paths view does when the writable layer changes) can move its rows between
    // finding one and clicking it: the right-clicked row is the focused one, so check that it is ours.
    for (let attempt = 1; ; attempt++) {
      await row.click({ button: 'right' });
      await menu.waitFor({ state: 'visible', timeout: 10_000 });
      if (await row.evaluate((el) => el.classList.contains('focused')).catch(() => false)) return menu;
      await this.page.keyboard.press('Escape');
      if (attempt === 3) throw new Error(`the context menu kept opening on another row than ${row}`);
      await this.page.waitForTimeout(500);
    }
  }

  /** Opens a row's context menu and runs one of its items. */
  async contextMenu(row: Locator, item: string | RegExp): Promise<void> {
    const menu = await this.openContextMenu(row);
    const entry = menu.locator('.action-item:not(.disabled) .action-label', { hasText: item }).first();
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    await entry.click();
    // A click that lands while the menu is still settling leaves it open with the entry highlighted: Enter runs it.
    if (
      !(await menu.waitFor({ state: 'hidden', timeout: 2_000 }).then(
        () => true,
        () => false,
      ))
    ) {
      await entry.hover();
      await this.page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 5_000 });
    }
    await this.rest();
  }

  // ---- notifications, dialogs, status bar ------------------------------------------------------------
  toast(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  }

  async toastAction(toast: Locator, label: string | RegExp): Promise<void> {
    await toast.locator('.monaco-button', { hasText: label }).first().click();
  }

  /**
   * The text of a notification, whether it shows as a toast or is already in the notification center: toasts
   * hide after a while, and while the center is open new notifications go only there. Waits up to timeout;
   * leaves the center closed.
   */
  async notification(text: string | RegExp, timeout = 30_000): Promise<string> {
    const toast = this.toast(text).first();
    const center = this.page.locator('.notifications-center');
    const listed = center.locator('.notification-list-item').filter({ hasText: text }).first();
    const until = Date.now() + timeout;
    for (;;) {
      if (await toast.isVisible()) return toast.innerText();
      if (!(await center.isVisible())) await this.command('Notifications: Show Notifications');
      if (await listed.isVisible()) {
        const found = await listed.innerText();
        await center.locator('.action-label[aria-label^="Hide Notifications"]').click();
        await center.waitFor({ state: 'hidden', timeout: 5_000 });
        return found;
      }
      if (Date.now() > until) throw new Error(`no notification ${text} within ${timeout / 1000} s`);
      await this.page.waitForTimeout(500);
    }
  }

  /** Closes every toast with its own close button (×), as a user clears what is in the way. */
  async clearNotifications(): Promise<void> {
    const toasts = this.page.locator('.notifications-toasts .notification-toast');
    for (let i = 0; i < 10 && (await toasts.count()) > 0; i++) {
      const toast = toasts.first();
      await toast.hover();
      await toast
        .locator('.action-label[aria-label^="Clear Notification"]')
        .first()
        .click({ timeout: 5_000 })
        .catch(() => {});
      await this.page.waitForTimeout(200);
    }
    await this.rest();
  }

  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  async dialogButton(label: string | RegExp): Promise<void> {
    const b = this.dialog().locator('.dialog-buttons .monaco-button', { hasText: label }).first();
    await b.waitFor({ state: 'visible', timeout: 15_000 });
    await b.click();
  }

  statusItem(text: string | RegExp): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').filter({ hasText: text });
  }

  /**
   * Types a value into a setting of the open Settings editor (opened on that setting, e.g. by a notification's
   * button). A machine-scoped setting is listed only on the "Remote" tab of a remote window such as code-server,
   * so the extension must open that tab: a Settings editor that says "No Settings Found" fails here.
   */
  async setSetting(key: string, value: string): Promise<void> {
    const editor = this.page.locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 15_000 });
    const input = editor.locator(`.setting-item-contents input[aria-label="${key}"]`);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.click();
    await input.fill(value);
    await this.page.keyboard.press('Enter');
    // the Settings editor writes after a short debounce
    await this.page.waitForTimeout(1_000);
  }

  // ---- editors -----------------------------------------------------------------------------------------
  /** Opens a file by its absolute path through Quick Open (Ctrl+P), as a user types it. */
  async openFile(path: string): Promise<void> {
    await this.escapeAll();
    await this.page.keyboard.press(`${MOD}+p`);
    const input = this.quickInput.locator('input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(path);
    const name = path.split('/').pop()!;
    await this.quickRows().filter({ hasText: name }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.activeTab(name).waitFor({ state: 'visible', timeout: 15_000 });
    await this.focusEditor();
  }

  activeTab(name: string): Locator {
    return this.page.locator('.tabs-container .tab.active', { hasText: name });
  }

  async focusEditor(): Promise<void> {
    await this.page
      .locator('.editor-group-container.active .monaco-editor .view-lines')
      .first()
      .click({ position: { x: 5, y: 5 } });
  }

  /** Types at the end of the active editor and saves with Ctrl+S. */
  async appendAndSave(text: string): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press(`${MOD}+End`);
    await this.page.keyboard.type(text);
    await this.page.keyboard.press(`${MOD}+s`);
  }

  /** The rows of the Problems panel that are problems (not the file rows). */
  problems(): Locator {
    return this.page.locator('.markers-panel .monaco-list-row').filter({ has: this.page.locator('.marker-message-details, .marker-line') });
  }

  problem(message: string | RegExp): Locator {
    return this.problems().filter({ hasText: message }).first();
  }

  /** An entry of the editor's quick fix menu (Ctrl+. or the light bulb). */
  quickFix(title: string | RegExp): Locator {
    return this.page.locator('.action-widget .monaco-list-row.action').filter({ hasText: title }).first();
  }

  /**
   * Applies an entry of the open quick fix menu with the keyboard, as its "Enter to Apply" says (the menu sits
   * under a pointer block that takes clicks while it opens).
   */
  async applyQuickFix(entry: Locator): Promise<void> {
    await entry.waitFor({ state: 'visible', timeout: 15_000 });
    const rows = await this.page.locator('.action-widget .monaco-list-row.action').count();
    for (let i = 0; i <= rows; i++) {
      if ((await entry.getAttribute('class'))?.split(/\s+/).includes('focused')) {
        await this.page.keyboard.press('Enter');
        await entry.waitFor({ state: 'hidden', timeout: 10_000 });
        return;
      }
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`could not move the quick fix menu's focus to ${await entry.innerText()}`);
  }

  /** Moves the cursor to a line with Ctrl+G. */
  async goToLine(line: number, column = 1): Promise<void> {
    await this.page.keyboard.press(`${MOD}+g`);
    await this.answer(`:${line}:${column}`);
  }
}

function exact(s: string): RegExp {
  return new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}
