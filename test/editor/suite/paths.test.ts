import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { TargetNode } from '../../../src/vscode/tree/nodes';
import { TEST_HOOKS_COMMAND, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import { runnerEnv, waitFor } from './harness';
import { editAndSave, extensionApi, treeDescendants } from './extension';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim();
}

const settings = () => vscode.workspace.getConfiguration('persistenceLens');

suite('Paths view', () => {
  const tag = `pl-editor-kinds-${process.pid}-${Date.now().toString(36)}`;
  const volume = `${tag}-config`;
  let bindDir: string;

  suiteSetup(() => {
    bindDir = mkdtempSync(join(runnerEnv('PL_EDITOR_WORKSPACE'), 'bind-'));
    docker('volume', 'create', '--label', 'persistence-lens.test=1', volume);
    docker(
      'create',
      '--label',
      'persistence-lens.test=1',
      '--name',
      tag,
      '-v',
      `${volume}:/home/coder/.config`,
      '-v',
      '/srv/anonymous',
      '-v',
      `${bindDir}:/workspace`,
      '--tmpfs',
      '/scratch',
      'persistence-test:latest',
    );
  });

  suiteTeardown(async () => {
    try {
      docker('rm', '-f', '-v', tag);
    } catch {}
    try {
      docker('volume', 'rm', '-f', volume);
    } catch {}
    await settings().update('dockerHost', undefined, vscode.ConfigurationTarget.Global);
  });

  test('lists a real container with a named volume, an anonymous volume, a bind, a tmpfs and its writable layer', async () => {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    await vscode.commands.executeCommand('persistenceLens.refresh');
    const root = paths.view.provider.getChildren().find((n): n is TargetNode => n.kind === 'target' && n.target.name === tag);
    assert.ok(
      root,
      `no root for container ${tag}: ${paths.view.provider
        .getChildren()
        .map((n) => n.kind)
        .join(', ')}`,
    );
    const items = new Map(
      treeDescendants(paths, root)
        .filter((n) => n.kind === 'path')
        .map((n) => {
          const item = paths.view.provider.getTreeItem(n);
          return [String(item.label), item] as const;
        }),
    );
    const expect = (path: string, description: string, tokens: string[]) => {
      const item = items.get(path);
      assert.ok(item, `${path} is not listed; listed: ${[...items.keys()].join(', ')}`);
      assert.equal(item.description, description, path);
      for (const t of tokens)
        assert.match(String(item.contextValue), new RegExp(`\\b${t}\\b`), `${path}: contextValue "${item.contextValue}" lacks ${t}`);
      assert.ok(
        item.tooltip instanceof vscode.MarkdownString && /Survives/.test(item.tooltip.value),
        `${path}: tooltip says what it survives`,
      );
    };
    expect('/home/coder/.config', `named volume · ${volume}`, ['plPath', 'backupable']);
    const anonymous = docker('inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/srv/anonymous"}}{{.Name}}{{end}}{{end}}', tag);
    // 12 hex digits, as `docker volume ls` users know them; the whole id is in the tooltip
    expect('/srv/anonymous', `anonymous volume · ${anonymous.slice(0, 12)}`, ['atRisk']);
    const anonymousTooltip = items.get('/srv/anonymous')!.tooltip as vscode.MarkdownString;
    assert.ok(anonymousTooltip.value.includes(anonymous), 'the whole id in the tooltip');
    expect('/workspace', `bind mount · ${bindDir}`, ['reachable']);
    expect('/scratch', 'tmpfs', ['atRisk']);
    const groups = paths.view.provider.getChildren(root).map((n) => String(paths.view.provider.getTreeItem(n).label));
    assert.ok(groups.some((g) => /^At risk \(\d+\)$/.test(g)) && groups.some((g) => /^Persistent \(\d+\)$/.test(g)), groups.join(', '));
    assert.ok(
      [...items.values()].some((i) => i.description === 'writable layer'),
      `no path on the writable layer: ${[...items.values()].map((i) => `${i.label}=${i.description}`).join(', ')}`,
    );
  });

  test('a daemon that goes away is shown, and one that comes back is picked up', async () => {
    const { paths } = await extensionApi();
    await settings().update('dockerHost', 'unix:///nonexistent/persistence-lens.sock', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('persistenceLens.refresh');
    const gone = paths.model.snapshot;
    assert.equal(gone.scan?.docker?.reachable, false);
    const message = paths.view.provider.getChildren().find((n) => n.kind === 'message');
    assert.ok(
      message?.kind === 'message' && /nonexistent\/persistence-lens\.sock/.test(message.detail ?? ''),
      'the tree names the address tried',
    );
    assert.ok(
      !paths.view.provider.getChildren().some((n) => n.kind === 'target' && n.target.name === tag),
      'containers are not listed without a daemon',
    );

    await settings().update('dockerHost', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('persistenceLens.refresh');
    assert.equal(paths.model.snapshot.scan?.docker?.reachable, true);
    assert.ok(paths.view.provider.getChildren().some((n) => n.kind === 'target' && n.target.name === tag));
  });

  test('a container created while the view is visible appears without a manual refresh (Docker events)', async () => {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    const name = `${tag}-late`;
    const before = paths.model.snapshot.at;
    try {
      docker('create', '--label', 'persistence-lens.test=1', '--name', name, 'persistence-test:latest');
      await waitFor(`${name} in the tree`, 15_000, () =>
        paths.model.snapshot.at > before && paths.view.provider.getChildren().some((n) => n.kind === 'target' && n.target.name === name)
          ? true
          : undefined,
      );
    } finally {
      docker('rm', '-f', name);
    }
  });

  test('files copied into a stopped container (docker cp) show in its writable layer without a manual refresh', async () => {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    const name = `${tag}-copied`;
    const layerOf = () => {
      const node = paths.view.provider.getChildren().find((n) => n.kind === 'target' && n.target.name === name);
      return node?.kind === 'target' ? (node.target.changes ?? []).map((c) => c.directory) : undefined;
    };
    const dir = mkdtempSync(join(tmpdir(), 'pl-copied-'));
    try {
      docker('create', '--label', 'persistence-lens.test=1', '--name', name, 'persistence-test:latest');
      // seen through the `create` event while the events are followed: its (empty) changes list is kept
      await waitFor(`${name} in the tree`, 15_000, () => layerOf());
      mkdirSync(join(dir, 'notes'));
      writeFileSync(join(dir, 'notes', 'todo.md'), '# keep\n');
      docker('cp', join(dir, 'notes'), `${name}:/notes`);
      await waitFor(`/notes in the writable layer of ${name}`, 15_000, () =>
        layerOf()?.some((d) => d.startsWith('/notes')) ? true : undefined,
      );
    } finally {
      docker('rm', '-f', name);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

suite('status bar and save warnings', function () {
  // each test opens, edits and saves several files through the workbench: seconds each when the machine is busy
  this.timeout(90_000);
  let tmpfs: string;
  const answers: string[] = [];
  const prompts: string[] = [];

  suiteSetup(async () => {
    tmpfs = runnerEnv('PL_EDITOR_TMPFS');
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, {
      // the save warnings are the only messages with buttons these tests click
      answer: (m) => {
        if (m.level !== 'warning' || !m.actions.includes("Don't Warn Here")) return undefined;
        prompts.push(m.text);
        return answers.shift();
      },
    } satisfies UiTestHooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    await settings().update('saveWarnings.ignoredFolders', undefined, vscode.ConfigurationTarget.Workspace);
    await settings().update('saveWarnings.ignoredFolders', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  async function open(file: string): Promise<vscode.TextEditor> {
    return vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }

  test('a file on a real tmpfs shows at risk; a file in the workspace shows persistent', async () => {
    const { paths } = await extensionApi();
    const notes = join(tmpfs, 'notes');
    mkdirSync(notes, { recursive: true });
    writeFileSync(join(notes, 'todo.md'), 'todo\n');
    await open(join(notes, 'todo.md'));
    const atRisk = await waitFor('the status bar for the tmpfs file', 20_000, () =>
      paths.statusBar.text?.includes('tmpfs') ? paths.statusBar.text : undefined,
    );
    assert.equal(atRisk, '$(warning) At risk: tmpfs');
    assert.equal(paths.statusBar.current?.atRisk, true);

    await open(join(runnerEnv('PL_EDITOR_WORKSPACE'), 'compose.yaml'));
    const safe = await waitFor('the status bar for the workspace file', 20_000, () =>
      paths.statusBar.text?.startsWith('$(shield)') ? paths.statusBar.text : undefined,
    );
    assert.match(safe, /^\$\(shield\) Persistent: /);

    await vscode.commands.executeCommand('workbench.action.files.newUntitledFile');
    await waitFor('the status bar to hide for an untitled file', 20_000, () => (paths.statusBar.text === undefined ? true : undefined));
  });

  test('saving on the tmpfs warns once per folder, and "Don\'t Warn Here" is remembered', async () => {
    const journal = join(tmpfs, 'journal');
    const other = join(tmpfs, 'other');
    mkdirSync(journal, { recursive: true });
    mkdirSync(other, { recursive: true });
    for (const f of [join(journal, 'a.md'), join(journal, 'b.md'), join(other, 'c.md')]) writeFileSync(f, '\n');
    prompts.length = 0;

    answers.push("Don't Warn Here");
    await editAndSave(await open(join(journal, 'a.md')), 'first\n');
    await waitFor('the save warning', 20_000, () => (prompts.length === 1 ? true : undefined));
    assert.match(prompts[0]!, /a\.md is saved in .*journal, which is on a tmpfs: it will be lost when the container restarts\./);
    await waitFor('the folder to be remembered', 20_000, () =>
      (settings().get<string[]>('saveWarnings.ignoredFolders') ?? []).some((f) => f.endsWith('/journal')) ? true : undefined,
    );

    await editAndSave(await open(join(journal, 'b.md')), 'second\n');
    await editAndSave(await open(join(runnerEnv('PL_EDITOR_WORKSPACE'), 'compose.yaml')), '# persistent\n');
    // A save in another at-risk folder still warns: the ignored folder, not the guard, silenced the first.
    await editAndSave(await open(join(other, 'c.md')), 'third\n');
    await waitFor('the warning for the other folder', 20_000, () => (prompts.length >= 2 ? true : undefined));
    assert.equal(prompts.length, 2, prompts.join('\n'));
    assert.match(prompts[1]!, /c\.md is saved in .*other/);
  });
});
