import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { COMMAND } from '../../../src/vscode/ids';
import type { Choice, Confirmation } from '../../../src/vscode/ui/ui';
import type { RemovalOutcome } from '../../../src/vscode/volumes/commands';
import type { VolumeNode } from '../../../src/vscode/volumes/volumes-view';
import { volumeOf } from '../../../src/vscode/browse/commands';
import { TEST_HOOKS_COMMAND, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import { docker, IMAGE, LABEL, removeQuietly } from './docker';
import { waitFor } from './harness';
import { extensionApi } from './extension';

/**
 * The Volumes view on the real engine: every volume with who uses it; an anonymous volume seen mounted, then
 * orphaned, shown by its short id with where it was; Remove refused for a volume in use and done after the modal
 * for an unused one; Prune Unused (limited to this run's volumes through the test hooks: the engine is shared)
 * removes the unused volumes that hold nothing that matters and asks about the orphan, which stays when the
 * question is cancelled. Show Sizes asks /system/df once.
 */
suite('Volumes view: inventory, Remove with the modal, Prune Unused (real engine)', function () {
  this.timeout(120_000);
  const tag = `pl-editor-vol-${process.pid}-${Date.now().toString(36)}`;
  const runLabel = `persistence-lens.volumes-run=${tag}`;
  const user = `${tag}-user`;
  const holder = `${tag}-holder`;
  const used = `${tag}-used`;
  const spares = [`${tag}-spare1`, `${tag}-spare2`, `${tag}-spare3`];
  let anon = '';
  const confirms: Confirmation[] = [];
  const choices: Choice[] = [];
  const messages: { level: string; text: string }[] = [];
  let confirmAnswer = true;

  let api: Awaited<ReturnType<typeof extensionApi>>;
  const volumesApi = () => api.volumes;
  const find = (name: string): VolumeNode | undefined =>
    volumesApi()
      .view.provider.getChildren()
      .find((n) => n.volume.name === name);

  suiteSetup(async () => {
    api = await extensionApi();
    for (const v of [used, ...spares]) docker('volume', 'create', '--label', LABEL, '--label', runLabel, v);
    const loop = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];
    docker('run', '-d', '--name', user, '--label', LABEL, '-v', `${used}:/srv/data`, IMAGE, ...loop);
    docker(
      'run',
      '-d',
      '--name',
      holder,
      '--label',
      LABEL,
      '--mount',
      `type=volume,dst=/var/lib/app,volume-label=${LABEL},volume-label=${runLabel}`,
      IMAGE,
      ...loop,
    );
    docker('exec', holder, 'sh', '-c', 'echo state > /var/lib/app/db');
    anon = docker('inspect', '-f', '{{range .Mounts}}{{if eq .Destination "/var/lib/app"}}{{.Name}}{{end}}{{end}}', holder);
    assert.match(anon, /^[0-9a-f]{64}$/);
    const hooks: UiTestHooks = {
      pruneScope: { 'persistence-lens.volumes-run': tag },
      confirm: (c) => {
        confirms.push(c);
        return confirmAnswer;
      },
      choose: (c) => {
        choices.push(c);
        return undefined; // Cancel: the volume that held data stays
      },
      onMessage: (m) => messages.push(m),
    };
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, hooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    removeQuietly([user, holder], [used, ...spares, anon].filter(Boolean));
  });

  test('shows every volume with who uses it; an orphaned anonymous volume by its short id, with where it was', async () => {
    await vscode.commands.executeCommand('persistenceLens.volumes.focus');
    const { model, view } = volumesApi();
    await waitFor('the anonymous volume in use in the Volumes view', 30_000, async () => {
      await model.refresh();
      return find(anon)?.volume.users.length === 1 ? true : undefined;
    });
    const usedItem = view.provider.getTreeItem(find(used)!);
    assert.equal(usedItem.label, used);
    assert.equal(usedItem.contextValue, 'plVolume inUse');
    assert.match(String(usedItem.description), new RegExp(`^${user}:/srv/data`));

    docker('rm', '-f', holder); // without -v: the anonymous volume stays, used by no container
    const orphan = await waitFor('the orphan in the Volumes view', 30_000, async () => {
      await model.refresh();
      const n = find(anon);
      return n && n.volume.users.length === 0 ? n : undefined;
    });
    const item = view.provider.getTreeItem(orphan);
    assert.equal(item.label, anon.slice(0, 12));
    assert.equal(item.contextValue, 'plVolume unused orphan holdsData');
    assert.equal(item.description, `unused, was /var/lib/app of ${holder} · high`);
    assert.ok((item.tooltip as vscode.MarkdownString).value.includes(anon), 'the full id in the tooltip');
    assert.equal(volumeOf(orphan), anon, 'Browse Volume (its menu matches plVolume) gets the volume of a Volumes view node');
    assert.equal(view.treeView.description?.startsWith(`${view.provider.getChildren().length} volumes`), true);
  });

  test('Show Sizes asks the engine once and says how long it took', async () => {
    const { model, view } = volumesApi();
    const ms = (await vscode.commands.executeCommand(COMMAND.showVolumeSizes)) as number | undefined;
    assert.equal(typeof ms, 'number', JSON.stringify(messages));
    assert.equal(model.snapshot.sizes?.ms, ms);
    assert.ok((find(anon)?.volume.size ?? 0) > 0, 'the orphan holds a file');
    assert.match((view.provider.getTreeItem(find(anon)!).tooltip as vscode.MarkdownString).value, /\/system\/df took \d+ ms/);
    assert.ok(messages.some((m) => m.text.startsWith(`Volume sizes counted by the engine in ${ms} ms`)));
  });

  test('Remove: refused for a volume in use; for an unused one only after the modal', async () => {
    const r1 = (await vscode.commands.executeCommand(COMMAND.removeVolume, find(used))) as RemovalOutcome;
    assert.deepEqual(r1.removed, []);
    assert.ok(
      messages.some((m) => m.level === 'error' && m.text.includes(`in use by ${user}:/srv/data`)),
      JSON.stringify(messages),
    );
    assert.ok(docker('volume', 'ls', '-q').split('\n').includes(used));

    confirmAnswer = false;
    const r2 = (await vscode.commands.executeCommand(COMMAND.removeVolume, find(spares[0]!))) as RemovalOutcome;
    assert.deepEqual(r2.kept, [spares[0]]);
    assert.equal(confirms.at(-1)?.kind, 'remove-volume');
    assert.equal(confirms.at(-1)?.message, `Remove volume ${spares[0]}?`);
    assert.ok(docker('volume', 'ls', '-q').split('\n').includes(spares[0]!), 'Cancel keeps it');

    confirmAnswer = true;
    const r3 = (await vscode.commands.executeCommand(COMMAND.removeVolume, find(spares[0]!))) as RemovalOutcome;
    assert.deepEqual(r3.removed, [spares[0]]);
    assert.ok(!docker('volume', 'ls', '-q').split('\n').includes(spares[0]!));
  });

  test('Prune Unused removes the unused volumes that hold nothing that matters and asks about the orphan', async () => {
    const asked = choices.length;
    confirmAnswer = true;
    const r = (await vscode.commands.executeCommand(COMMAND.pruneVolumes)) as RemovalOutcome;
    assert.deepEqual([...r.removed].sort(), spares.slice(1).sort(), JSON.stringify(r));
    assert.deepEqual(r.kept, [anon]);
    const prune = confirms.at(-1)!;
    assert.equal(prune.kind, 'prune-volumes');
    assert.equal(prune.message, 'Remove 2 unused volumes?');
    assert.equal(choices.length, asked + 1);
    const q = choices.at(-1)!;
    assert.equal(q.kind, 'remove-volume-data');
    assert.match(
      q.message,
      new RegExp(`^Volume ${anon.slice(0, 12)} holds .*\\(high\\), last mounted at /var/lib/app of ${holder}\\. Remove it\\?$`),
    );
    assert.deepEqual(q.actions, ['Recover Into…', 'Back Up First', 'Remove']);
    const left = docker('volume', 'ls', '-q').split('\n');
    assert.ok(left.includes(anon) && left.includes(used));
    for (const s of spares) assert.ok(!left.includes(s), `${s} pruned`);
  });
});
