import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { INTERNAL_COMMAND } from '../../../src/vscode/ids';
import { TEST_HOOKS_COMMAND, type PickQuestion, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import { docker, IMAGE, inVolume } from './docker';
import { EXTENSION_ID, runnerEnv, waitFor } from './harness';

/**
 * Persist Path… with the data on a dev container (a container carrying the Dev Containers CLI's labels, as
 * `devcontainer up` makes them): the volume gets the `${devcontainerId}` name the CLI will use, the manifest the
 * editor checks after the rebuild, and "Recreate now" asks for Rebuild Container — which the test editor does
 * not have, so the exact `devcontainer up … --remove-existing-container` command is given instead.
 */
suite('Persist Path… with the data on a dev container: Rebuild Container, or the devcontainer up command', function () {
  this.timeout(90_000);
  const tag = `pl-editor-devc-${process.pid}-${Date.now().toString(36)}`;
  const runLabel = { 'persistence-lens.test': '1', 'persistence-lens.devc-run': tag };
  let folder: string;
  let file: string;
  let originalText: string;
  const messages: { level: string; text: string; actions: string[] }[] = [];
  const commandsAsked: string[] = [];

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    folder = join(runnerEnv('PL_EDITOR_WORKSPACE'), tag);
    mkdirSync(join(folder, '.devcontainer'), { recursive: true });
    file = join(folder, '.devcontainer', 'devcontainer.json');
    originalText = `{\n  "name": "demo",\n  "image": "${IMAGE}"\n}\n`;
    writeFileSync(file, originalText);
    docker(
      'run',
      '-d',
      '--name',
      tag,
      '--label',
      'persistence-lens.test=1',
      '--label',
      `persistence-lens.devc-run=${tag}`,
      '--label',
      `devcontainer.local_folder=${folder}`,
      '--label',
      `devcontainer.config_file=${file}`,
      IMAGE,
      'sh',
      '-c',
      "trap 'exit 0' TERM; while true; do sleep 1; done",
    );
    docker('exec', tag, 'sh', '-c', 'mkdir -p /home/coder/.ssh && echo "ssh-ed25519 AAAA demo" > /home/coder/.ssh/id_ed25519.pub');
    const hooks: UiTestHooks = {
      helperLabels: runLabel,
      onMessage: (m) => messages.push(m),
      pick: (q: PickQuestion) => q.items.find((i) => i.value === 'move'),
      answer: (m) => (m.actions.includes('Recreate now') ? 'Recreate now' : undefined),
      runCommand: (id) => {
        commandsAsked.push(id);
        return false; // the Dev Containers extension is not installed in the test editor
      },
    };
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, hooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const id of docker('ps', '-aq', '--filter', `label=persistence-lens.devc-run=${tag}`).split('\n').filter(Boolean))
      docker('rm', '-f', '-v', id);
    for (const v of docker('volume', 'ls', '-q', '--filter', `label=persistence-lens.devc-run=${tag}`).split('\n').filter(Boolean))
      docker('volume', 'rm', '-f', v);
    rmSync(folder, { recursive: true, force: true });
  });

  test('Move current data → the ${devcontainerId} volume holds the data and the manifest, devcontainer.json declares it, Recreate now names the devcontainer up command', async () => {
    const done = await vscode.commands.executeCommand<boolean>(INTERNAL_COMMAND.persistFromFile, { file, path: '/home/coder/.ssh' });
    assert.equal(done, true, JSON.stringify(messages));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /"mounts"/);
    assert.match(text, /\$\{devcontainerId\}/);
    const [volume] = docker('volume', 'ls', '-q', '--filter', `label=persistence-lens.devc-run=${tag}`).split('\n').filter(Boolean);
    assert.ok(volume && /-[0-9a-v]{52}$/.test(volume), `the volume is named with the dev container's id: ${volume}`);
    assert.equal(inVolume(volume, 'cat /d/id_ed25519.pub', true), 'ssh-ed25519 AAAA demo');
    const manifest = JSON.parse(inVolume(volume, 'cat /d/.persistence-lens-move.json', true));
    assert.deepEqual([manifest.tool, manifest.path, manifest.volume, manifest.files], ['persistence-lens', '/home/coder/.ssh', volume, 1]);
    assert.equal(docker('inspect', '-f', '{{.State.Running}}', tag), 'false', 'stopped for the copy, until the rebuild');

    const told = await waitFor('the rebuild instructions', 15_000, () => messages.find((m) => /^Rebuild the dev container/.test(m.text)));
    assert.deepEqual(commandsAsked, ['remote-containers.rebuildContainer']);
    assert.ok(told.text.includes(`devcontainer up --workspace-folder ${folder} --config ${file} --remove-existing-container`), told.text);
  });
});
