import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND, CONTEXT, SETTING, VIEW } from '../../../src/vscode/ids';

const root = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

function sources(dir: string): string {
  return readdirSync(dir)
    .map((n) => join(dir, n))
    .map((p) => (statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? readFileSync(p, 'utf8') : ''))
    .join('\n');
}

describe('package.json contributions and the code agree', () => {
  const contributed: string[] = contributes.commands.map((c: { command: string }) => c.command);

  it('every command id the code knows is contributed, with a title, a category and an icon', () => {
    for (const id of Object.values(COMMAND)) assert.ok(contributed.includes(id), `${id} is not contributed`);
    for (const c of contributes.commands) {
      assert.ok(
        c.title && c.category === 'Persistence Lens' && /^\$\([a-z-]+\)$/.test(c.icon ?? ''),
        `${c.command}: title, category and icon`,
      );
    }
  });

  it('every contributed command is registered by the extension', () => {
    const code = sources(join(root, 'src/vscode'));
    const registered = new Set<string>();
    for (const [key, id] of Object.entries(COMMAND)) if (code.includes(`COMMAND.${key}`) || code.includes(`'${id}'`)) registered.add(id);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is contributed but nothing in src/vscode refers to it`);
  });

  it('menus and views name only contributed commands and declared views', () => {
    const views = Object.values(contributes.views).flat() as { id: string }[];
    assert.deepEqual(views.map((v) => v.id).sort(), Object.values(VIEW).sort());
    for (const [menu, items] of Object.entries(contributes.menus) as [string, { command: string; when?: string }[]][]) {
      for (const item of items) {
        assert.ok(contributed.includes(item.command), `${menu}: ${item.command} is not a contributed command`);
        for (const m of (item.when ?? '').matchAll(/view == ([\w.]+)/g))
          assert.ok(Object.values(VIEW).includes(m[1] as never), `${menu}: unknown view ${m[1]}`);
      }
    }
  });

  it('destructive actions sit in their own group, and item commands are hidden from the palette', () => {
    const item = contributes.menus['view/item/context'] as { command: string; group: string }[];
    for (const i of item.filter((x) => /delete/i.test(x.command))) assert.match(i.group, /^9_destructive/);
    const palette = new Map((contributes.menus.commandPalette as { command: string; when: string }[]).map((p) => [p.command, p.when]));
    for (const id of [COMMAND.persistPath, COMMAND.copyPath, COMMAND.revealDeclaration, COMMAND.deleteBackup])
      assert.equal(palette.get(id), 'false', id);
  });

  it('every setting the code reads is declared, with a description and a scope', () => {
    const props = contributes.configuration.properties;
    for (const [k, key] of Object.entries(SETTING)) {
      if (k === 'section') continue;
      const p = props[`${SETTING.section}.${key}`];
      assert.ok(p, `${key} is not declared`);
      assert.ok((p.markdownDescription || p.description) && p.scope && 'default' in p, `${key}: description, scope and default`);
    }
  });

  it('context keys used in when clauses are the ones the code sets', () => {
    const clauses = [...Object.values(contributes.menus).flat(), ...contributes.viewsWelcome].map(
      (x) => (x as { when?: string }).when ?? '',
    );
    const whens = clauses.flatMap((w) => w.match(/persistenceLens\.[a-zA-Z]+/g) ?? []);
    const keys = new Set<string>(Object.values(CONTEXT));
    for (const w of new Set(whens)) {
      if (contributed.includes(w) || Object.values(VIEW).includes(w as never)) continue;
      assert.ok(keys.has(w), `${w} is used in a when clause but no code sets it`);
    }
  });

  it('runs where the files are, limits itself in untrusted workspaces, and activates cheaply', () => {
    assert.deepEqual(pkg.extensionKind, ['workspace']);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
    // the first file opened activates it (before startup has finished): a save right away is warned about
    assert.ok(pkg.activationEvents.includes('onLanguage'));
    assert.ok(!pkg.activationEvents.includes('*'), 'never activate on "*"');
  });
});
describe('icons', () => {
  it('name codicons that exist (a made-up name shows nothing)', () => {
    // Codicons this extension may use; checked against the codicon font's names where code-server is installed.
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8'));
    const used = new Set<string>();
    for (const c of pkg.contributes.commands) if (typeof c.icon === 'string') used.add(c.icon.replace(/^\$\((.*)\)$/, '$1'));
    // the Backups view's icon per source kind
    const describe = readFileSync(resolve(__dirname, '../../../src/vscode/backup/describe.ts'), 'utf8');
    for (const m of /SOURCE_ICON[^=]*=\s*\{([^}]*)\}/.exec(describe)![1]!.matchAll(/'([a-z0-9-]+)'\s*(?:,|$)/g)) used.add(m[1]!);
    assert.ok(used.has('database'), [...used].join(', '));
    const css = resolve(
      __dirname,
      '../../../.cache/code-server/node_modules/code-server/lib/vscode/extensions/simple-browser/media/codicon.css',
    );
    const known = existsSync(css)
      ? new Set([...readFileSync(css, 'utf8').matchAll(/\.codicon-([a-z0-9-]+):before/g)].map((m) => m[1]!))
      : undefined;
    assert.ok(!used.has('lifebuoy'), 'lifebuoy is not a codicon');
    if (known) for (const name of used) assert.ok(known.has(name), `$(${name}) is not a codicon`);
  });
});
