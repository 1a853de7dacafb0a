import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { RecoverResult } from '../../../src/backend';
import { COMMAND } from '../../../src/vscode/ids';
import type { OrphanNode } from '../../../src/vscode/tree/nodes';
import { TEST_HOOKS_COMMAND, type InputQuestion, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import { docker, IMAGE, inVolume, LABEL, removeQuietly } from './docker';
import { waitFor } from './harness';
import { extensionApi, treeDescendants } from './extension';

/**
 * Orphaned anonymous volumes: a container's anonymous volume is seen by a scan, the container is removed without
 * its volumes (`docker rm`, no -v), and the Paths view shows the volume under "Orphaned volumes" with the
 * container and path it belonged to; Recover Into… (its input box answered through the test hooks) copies it into
 * a named volume. The engine is real; everything made is labelled and removed.
 */
suite('Orphaned volumes: shown with where they were, Recover Into… (real engine)', function () {
  this.timeout(90_000);
  const tag = `pl-editor-orphan-${process.pid}-${Date.now().toString(36)}`;
  const runLabel = { 'persistence-lens.test': '1', 'persistence-lens.orphan-run': tag };
  const container = tag;
  let volume = '';
  const inputs: InputQuestion[] = [];
  const messages: { level: string; text: string }[] = [];

  suiteSetup(async () => {
    await extensionApi();
    docker(
      'run',
      '-d',
      '--name',
      container,
      '--label',
      LABEL,
      '--label',
      `persistence-lens.orphan-run=${tag}`,
      '-v',
      '/data',
      IMAGE,
      'sh',
      '-c',
      "trap 'exit 0' TERM; while true; do sleep 1; done",
    );
    docker('exec', container, 'sh', '-c', 'echo "kept by the orphan" > /data/note.txt && mkdir -p /data/sub && echo two > /data/sub/two');
    volume = docker('inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}', container);
    assert.match(volume, /^[0-9a-f]{64}$/);
    const hooks: UiTestHooks = {
      helperLabels: runLabel,
      input: (q) => {
        inputs.push(q);
        return q.value;
      },
      onMessage: (m) => messages.push(m),
    };
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, hooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    const made = docker('volume', 'ls', '-q', '--filter', `label=persistence-lens.orphan-run=${tag}`).split('\n').filter(Boolean);
    removeQuietly(
      [container, ...docker('ps', '-aq', '--filter', `label=persistence-lens.orphan-run=${tag}`).split('\n').filter(Boolean)],
      [volume, `${container}-data`, ...made].filter(Boolean),
    );
  });

  test('a scanned anonymous volume whose container is removed shows as an orphan, and Recover Into… makes a named volume with its files', async () => {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    // a scan sees the volume mounted, and remembers where
    await waitFor('the container /data in the Paths view', 20_000, async () => {
      await paths.model.refresh();
      return treeDescendants(paths).find(
        (n) => n.kind === 'path' && n.parent.target.name === container && n.path.path === '/data' && n.path.status === 'anonymous-volume',
      );
    });
    assert.equal(paths.model.sightings().volumes[volume]?.path, '/data');
    docker('rm', '-f', container); // no -v: the anonymous volume stays, used by no container

    const node = await waitFor('the orphaned volume in the Paths view', 20_000, async () => {
      await paths.model.refresh();
      return treeDescendants(paths).find((n): n is OrphanNode => n.kind === 'orphan' && n.orphan.name === volume);
    });
    const root = paths.view.provider.getParent(node)!;
    const rootItem = paths.view.provider.getTreeItem(root);
    assert.match(String(rootItem.label), /^Orphaned volumes \(\d+\)$/);
    const item = paths.view.provider.getTreeItem(node);
    assert.equal(item.label, volume.slice(0, 12));
    assert.equal(item.description, `was /data of ${container}`);
    assert.equal(item.contextValue, 'plOrphan');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.ok(tooltip.includes(volume), tooltip);
    assert.match(tooltip, /Last seen: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);

    const r = (await vscode.commands.executeCommand(COMMAND.recoverOrphan, node)) as RecoverResult | undefined;
    assert.equal(inputs.length, 1);
    assert.equal(inputs[0]!.value, `${container}-data`);
    assert.ok(r, JSON.stringify(messages));
    assert.equal(r.into, `${container}-data`);
    assert.equal(r.files, 2);
    assert.ok(
      messages.some(
        (m) => m.level === 'info' && m.text.startsWith(`Recovered 2 files (`) && m.text.includes(`into ${container}-data, verified`),
      ),
      JSON.stringify(messages),
    );
    assert.equal(inVolume(`${container}-data`, 'cat /d/note.txt /d/sub/two', true), 'kept by the orphan\ntwo');
    // the orphan itself is left as it was
    assert.equal(inVolume(volume, 'cat /d/note.txt', true), 'kept by the orphan');
  });
});
