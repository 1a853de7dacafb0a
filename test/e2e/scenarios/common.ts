// What the scenarios share: the Persistence view as a user reads it, polling assertions, fixtures.
import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import type { Session } from '../harness/session';

/** Polls fn until it stops throwing (returns its value), or rethrows its last error after timeoutMs. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 20_000, intervalMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Fails if `locator` becomes visible within ms (an absence that has been given time to be wrong). */
export async function staysHidden(locator: Locator, ms: number, what: string): Promise<void> {
  const shown = await locator
    .first()
    .waitFor({ state: 'visible', timeout: ms })
    .then(
      () => true,
      () => false,
    );
  assert.ok(
    !shown,
    `${what} appeared: ${
      shown
        ? await locator
            .first()
            .innerText()
            .catch(() => '')
        : ''
    }`,
  );
}

export interface PathRow {
  group: string;
  description: string;
}

/**
 * Opens the Persistence view and reads the rows under "This container": path → { group ("At risk" or
 * "Persistent"), description }. Expands what is collapsed, like a user reading the whole list.
 */
export async function thisContainerPaths(s: Session): Promise<Map<string, PathRow>> {
  const wb = s.wb;
  await wb.showViewContainer('Persistence');
  const pane = wb.pane('Paths');
  const root = wb.row(pane, /^This container$/);
  await root.waitFor({ state: 'visible', timeout: 45_000 });
  await wb.expand(root);
  for (const g of [/^At risk \(\d+\)$/, /^Persistent \(\d+\)$/]) {
    const row = wb.row(pane, g);
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await wb.expand(row);
  }
  const rows = await wb.treeText(pane);
  const start = rows.findIndex((r) => r.label === 'This container');
  const out = new Map<string, PathRow>();
  let group = '';
  for (const r of rows.slice(start + 1)) {
    if (r.level <= 1) break;
    if (r.level === 2) group = r.label.replace(/ \(\d+\)$/, '');
    else if (r.label.startsWith('/')) out.set(r.label, { group, description: r.description });
  }
  return out;
}

/** The statuses the container of every scenario has, as the Paths view words them. */
export function expectedPaths(s: Session): Record<string, PathRow> {
  return {
    '/workspace': { group: 'Persistent', description: `bind mount · ${s.hostWorkspace}` },
    '/home/coder/.config': { group: 'Persistent', description: `named volume · ${s.configVolume}` },
    // /tmp (a tmpfs, criticality none) is not asserted: it is never at risk, and whether the view lists it is the tree's choice
    '/home/coder': { group: 'At risk', description: 'writable layer' },
    '/home/coder/.local/share/code-server': { group: 'At risk', description: 'writable layer' },
  };
}

export function assertPaths(actual: Map<string, PathRow>, expected: Record<string, PathRow>): void {
  const seen = Object.fromEntries([...actual].map(([p, r]) => [p, `${r.group}: ${r.description}`]));
  for (const [path, want] of Object.entries(expected)) {
    assert.deepEqual(actual.get(path), want, `${path} in the Paths view; it shows ${JSON.stringify(seen, null, 2)}`);
  }
}

/** The status bar item that tells the active file's storage. */
export function fileStatus(s: Session): Locator {
  return s.wb.statusItem(/^\s*(At risk|Persistent|Read-only):/);
}

/** The file status as the status bar shows it now (its codicon is a glyph, not text). */
export async function fileStatusText(s: Session): Promise<string> {
  return (await fileStatus(s).innerText({ timeout: 2_000 })).trim();
}

export const COMPOSE_FILE = `# The demo app: a web server and its database.
services:
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
    volumes:
      - /var/lib/postgresql/data
`;

/** The line of COMPOSE_FILE (1-based) that declares the anonymous volume. */
export const ANONYMOUS_VOLUME_LINE = 12;

/** COMPOSE_FILE after the quick fix: the volume named in place, declared at the top level. */
export const COMPOSE_FILE_FIXED = `# The demo app: a web server and its database.
services:
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
    volumes:
      - db-data:/var/lib/postgresql/data

volumes:
  db-data:
`;

/**
 * The entries a tree row offers: its inline action buttons (shown on hover) and its context menu's items, read
 * without running any (the menu is closed again with Escape).
 */
export async function rowActions(s: Session, row: Locator): Promise<{ inline: string[]; menu: string[] }> {
  const wb = s.wb;
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.hover();
  const inline = await row
    .locator('.actions .action-label')
    .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent ?? ''));
  const menu = await wb.openContextMenu(row);
  const items = (await menu.locator('.action-item:not(.disabled) .action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  await wb.page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden', timeout: 5_000 });
  await wb.rest();
  return { inline, menu: items };
}

/**
 * A row of the Paths view that may be scrolled out of view (a tree renders only the rows on screen, and an
 * engine shared with other runs can hold many containers): with the keyboard, as a user would, the view is
 * focused, Home goes to its top, and PageDown pages down until the row shows or the focus stops moving.
 */
export async function pathsRow(s: Session, label: string | RegExp): Promise<Locator> {
  const wb = s.wb;
  const pane = wb.pane('Paths');
  const row = wb.row(pane, label);
  await wb.command('Persistence: Focus on Paths View');
  await wb.page.keyboard.press('Home');
  let last: string | null = null;
  for (;;) {
    await wb.page.waitForTimeout(200);
    if (await row.isVisible()) return row;
    const focused = await pane
      .locator('.monaco-list-row.focused')
      .first()
      .getAttribute('aria-label')
      .catch(() => null);
    if (focused === last) break;
    last = focused;
    await wb.page.keyboard.press('PageDown');
  }
  throw new Error(`no row ${label} in the Paths view (paged to its end)`);
}
