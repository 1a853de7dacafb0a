import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type * as Backend from '../../../src/backend';
import type { MoveProgress } from '../../../src/move/index';
import { INTERNAL_COMMAND } from '../../../src/vscode/ids';
import type { PathNode } from '../../../src/vscode/tree/nodes';
import { TEST_HOOKS_COMMAND, type PickQuestion, type UiTestHooks } from '../../../src/vscode/ui/test-hooks';
import type { PickItem } from '../../../src/vscode/ui/ui';
import { docker, IMAGE, inVolume } from './docker';
import { EXTENSION_ID, recordMetric, runnerEnv, waitFor } from './harness';
import { extensionApi, treeDescendants } from './extension';

/**
 * Persist Path… with the data, on a real compose project brought up with docker-compose (v1 here): the questions
 * are answered through the test hooks (which see exactly what the quick pick offers); the engine, the containers,
 * the volumes, the compose file in the editor and the recreate are real. Everything is labelled and removed.
 */

const STOP_FAST = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`;

suite('Persist Path… with the data: move, recreate, verify (real engine, docker-compose)', function () {
  this.timeout(120_000);
  const tag = `pl-editor-move-${process.pid}-${Date.now().toString(36)}`;
  const project = tag.replace(/[^a-z0-9-]/g, '');
  const redisImage = `${tag}/redis:7`;
  const runLabel = { 'persistence-lens.test': '1', 'persistence-lens.move-run': tag };
  let dir: string;
  let file: string;
  let originalText: string;
  const messages: { level: string; text: string; actions: string[] }[] = [];
  const asked: PickQuestion[] = [];
  const terminalLines: string[] = [];
  const progress: MoveProgress[] = [];
  /** Answers of the quick picks in order: a function choosing an item, or undefined for Escape. */
  let picks: ((q: PickQuestion) => PickItem<unknown> | undefined)[] = [];
  let inputs: (string | undefined)[] = [];
  let clickRecreate = false;
  let cancel: vscode.CancellationTokenSource | undefined;

  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-p', project, '-f', file, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 90_000,
      cwd: dir,
    });
  const containerOf = (service: string): string =>
    docker(
      'ps',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    );
  const running = (id: string): string => docker('inspect', '-f', '{{.State.Running}}', id);
  const projectVolumes = (): string[] =>
    docker('volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`).split('\n').filter(Boolean).sort();
  const mode = (value: string) => (q: PickQuestion) => q.items.find((i) => i.value === value);

  /** The Paths view's node of `path` in the compose service's container, as the tree shows it after a refresh. */
  async function pathNode(service: string, path: string): Promise<PathNode> {
    const { paths } = await extensionApi();
    await vscode.commands.executeCommand('persistenceLens.paths.focus');
    return waitFor(`${path} of service ${service} in the Paths view`, 20_000, async () => {
      await vscode.commands.executeCommand('persistenceLens.refresh');
      return treeDescendants(paths).find(
        (n): n is PathNode =>
          n.kind === 'path' &&
          n.path.path === path &&
          n.parent.target.labels?.['com.docker.compose.project'] === project &&
          n.parent.target.labels?.['com.docker.compose.service'] === service,
      );
    });
  }

  function reset(): void {
    messages.length = 0;
    asked.length = 0;
    terminalLines.length = 0;
    progress.length = 0;
    picks = [];
    inputs = [];
    clickRecreate = false;
    cancel = undefined;
  }

  suiteSetup(async () => {
    await extensionApi();
    docker('tag', IMAGE, redisImage);
    dir = join(runnerEnv('PL_EDITOR_WORKSPACE'), `move-${project}`);
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'compose.yaml');
    originalText = [
      'services:',
      '  cache:',
      `    image: ${redisImage}`,
      `    command: ${STOP_FAST}`,
      '    labels:',
      '      persistence-lens.test: "1"',
      '  app:',
      `    image: ${IMAGE}`,
      `    command: ${STOP_FAST}`,
      '    labels:',
      '      persistence-lens.test: "1"',
      '',
    ].join('\n');
    writeFileSync(file, originalText);
    compose('up', '-d');
    docker(
      'exec',
      containerOf('cache'),
      'sh',
      '-c',
      'mkdir -p /data && echo "REDIS0011 the cache" > /data/dump.rdb && chmod 600 /data/dump.rdb',
    );
    // big enough that the move is still copying when the test cancels it
    docker(
      'exec',
      containerOf('app'),
      'sh',
      '-c',
      'mkdir -p /srv/big && dd if=/dev/urandom of=/srv/big/blob bs=1M count=48 2>/dev/null && echo note > /srv/note',
    );
    const hooks: UiTestHooks = {
      helperLabels: runLabel,
      onMessage: (m) => messages.push(m),
      onTerminalLine: (t) => terminalLines.push(`${t.terminal}: ${t.text}`),
      onMoveProgress: (p) => {
        progress.push(p);
        if (cancel && p.phase === 'copying' && p.bytes > 0) cancel.cancel();
      },
      pick: (q) => {
        asked.push(q);
        const next = picks.shift();
        return next ? next(q) : undefined;
      },
      input: () => inputs.shift(),
      answer: (m) => (clickRecreate && m.actions.includes('Recreate now') ? 'Recreate now' : undefined),
      get cancellation() {
        return cancel?.token;
      },
    };
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, hooks);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    try {
      compose('down', '-v', '--remove-orphans');
    } catch {}
    for (const v of projectVolumes()) {
      try {
        docker('volume', 'rm', '-f', v);
      } catch {}
    }
    for (const id of docker('ps', '-aq', '--filter', `label=persistence-lens.move-run=${tag}`).split('\n').filter(Boolean))
      docker('rm', '-f', '-v', id);
    for (const v of docker('volume', 'ls', '-q', '--filter', `label=persistence-lens.move-run=${tag}`).split('\n').filter(Boolean))
      docker('volume', 'rm', '-f', v);
    try {
      docker('rmi', redisImage);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  });

  test('a database path offers no bind choice, and Escape there changes nothing', async () => {
    reset();
    const node = await pathNode('cache', '/data');
    assert.equal(node.path.category, 'database');
    const before = containerOf('cache');
    picks = [() => undefined];
    const done = await vscode.commands.executeCommand<boolean>('persistenceLens.persistPath', node);
    assert.equal(done, false);
    assert.equal(asked.length, 1, asked.map((q) => q.title).join(', '));
    assert.deepEqual(
      asked[0]!.items.map((i) => i.value),
      ['move', 'volume'],
      'move first, no bind for a database',
    );
    assert.equal(asked[0]!.items[0]!.label, '$(arrow-right) Move current data (recommended)');
    assert.match(
      asked[0]!.items[0]!.detail ?? '',
      /is stopped, \/data is copied into a new volume and verified, .*compose\.yaml is edited, then the container is recreated/,
    );
    assert.match(asked[0]!.items[1]!.detail ?? '', /stays behind/);
    assert.equal(readFileSync(file, 'utf8'), originalText);
    assert.equal(containerOf('cache'), before);
    assert.equal(running(before), 'true');
    assert.deepEqual(projectVolumes(), []);
  });

  test('Escape on the bind folder question changes nothing (the quick-fix entry, a path that is not a database)', async () => {
    reset();
    picks = [mode('bind')];
    inputs = [undefined];
    const done = await vscode.commands.executeCommand<boolean>(INTERNAL_COMMAND.persistFromFile, {
      file,
      service: 'app',
      path: '/srv/big',
    });
    assert.equal(done, false);
    assert.deepEqual(
      asked[0]!.items.map((i) => i.value),
      ['move', 'volume', 'bind'],
    );
    assert.equal(readFileSync(file, 'utf8'), originalText);
    assert.equal(running(containerOf('app')), 'true');
  });

  test('Cancel while the data is copied: the file is not edited, the new volume is removed, the container runs again', async () => {
    reset();
    const before = containerOf('app');
    picks = [mode('move')];
    cancel = new vscode.CancellationTokenSource();
    const t0 = Date.now();
    const done = await vscode.commands.executeCommand<boolean>(INTERNAL_COMMAND.persistFromFile, {
      file,
      service: 'app',
      path: '/srv/big',
    });
    recordMetric('move: Cancel mid-copy to the command returning (ms)', Date.now() - t0);
    assert.equal(done, false);
    assert.ok(
      progress.some((p) => p.phase === 'copying' && p.bytes > 0),
      'it was copying when cancelled',
    );
    assert.ok(!progress.some((p) => p.phase === 'committing'), 'the edit was never reached');
    const said = messages.find((m) => /cancelled/.test(m.text));
    assert.ok(said, JSON.stringify(messages));
    assert.match(said.text, /running again/);
    assert.equal(readFileSync(file, 'utf8'), originalText);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    assert.ok(!doc || (!doc.isDirty && doc.getText() === originalText), 'no edit in the editor either');
    assert.equal(containerOf('app'), before);
    assert.equal(running(before), 'true');
    assert.deepEqual(projectVolumes(), []);
    assert.equal(docker('ps', '-aq', '--filter', `label=persistence-lens.move-run=${tag}`), '', 'no helper container left');
  });

  test("the quick fix on the compose file offers the move first where the container holds data at the path, and runs Persist Path…'s questions", async () => {
    reset();
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri, { preview: false });
    const finding = await waitFor('the warning on the redis service', 20_000, () =>
      vscode.languages.getDiagnostics(uri).find((d) => d.source === 'Persistence Lens' && /\/data/.test(d.message)),
    );
    const actions = await waitFor('the quick fixes', 10_000, async () => {
      const all =
        (await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          finding.range,
          vscode.CodeActionKind.QuickFix.value,
        )) ?? [];
      return all.some((a) => a.command?.command === INTERNAL_COMMAND.persistFromFile) ? all : undefined;
    });
    const move = actions[0]!;
    assert.equal(move.title, 'Move the data of /data into a volume and persist it…', actions.map((a) => a.title).join(' | '));
    assert.ok(!move.edit, 'no edit before the data is moved');
    assert.ok(
      actions.slice(1).some((a) => a.edit),
      'the edit-only fixes are still offered',
    );
    picks = [() => undefined];
    assert.equal(await vscode.commands.executeCommand(move.command!.command, ...(move.command!.arguments ?? [])), false);
    assert.deepEqual(
      asked[0]!.items.map((i) => i.value),
      ['move', 'volume'],
      'the same questions as Persist Path…',
    );
    assert.equal(readFileSync(file, 'utf8'), originalText);
  });

  test('Persist Path… → Move current data: the volume holds the data, the file declares it, Recreate now runs docker-compose in the Persistence Lens terminal and verifies in the new container', async () => {
    reset();
    const node = await pathNode('cache', '/data');
    const old = containerOf('cache');
    picks = [mode('move')];
    clickRecreate = true;
    const t0 = Date.now();
    const done = await vscode.commands.executeCommand<boolean>('persistenceLens.persistPath', node);
    recordMetric('move: Persist Path… → Move current data, to the edit saved (ms)', Date.now() - t0);
    assert.equal(done, true, JSON.stringify(messages));
    assert.deepEqual(
      progress.map((p) => p.phase).filter((p, i, a) => a.indexOf(p) === i),
      ['preparing', 'stopping', 'copying', 'verifying', 'committing'],
    );

    // the file: edited through the editor and saved (one undo step), the volume declared
    const text = readFileSync(file, 'utf8');
    assert.notEqual(text, originalText);
    assert.match(text, /\/data/);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    assert.ok(doc && !doc.isDirty && doc.getText() === text, 'the editor holds the saved edit');
    // the volume: named as compose will name it, labelled for compose, holding the file with its mode
    const [volume] = projectVolumes();
    assert.ok(volume, 'a volume of the project');
    assert.ok(text.includes(volume.slice(project.length + 1)), `${file} declares ${volume}`);
    assert.equal(inVolume(volume, 'cat /d/dump.rdb && stat -c %a /d/dump.rdb', true), 'REDIS0011 the cache\n600');

    const moved = messages.find((m) => m.actions.includes('Recreate now'));
    assert.ok(moved, JSON.stringify(messages));
    assert.match(
      moved.text,
      new RegExp(`^Moved 1 file \\(\\d+ B\\) into volume ${volume}, verified in the volume; .*compose\\.yaml declares it\\.`),
    );

    // Recreate now (clicked by the hooks): the exact compose command in the terminal, then the verification
    const verified = await waitFor('the verification in the recreated container', 90_000, () =>
      messages.find((m) => /verified in the recreated container/.test(m.text) || m.level === 'error'),
    );
    recordMetric('move: Persist Path… → verified in the recreated container (ms)', Date.now() - t0);
    assert.equal(verified.level, 'info', verified.text);
    assert.match(verified.text, new RegExp(`^Moved 1 file \\(\\d+ B\\) into volume ${volume}, verified in the recreated container `));
    const command = terminalLines.find((l) => l.startsWith('Persistence Lens: running: '));
    assert.ok(command, terminalLines.join('\n'));
    assert.match(command, new RegExp(`docker-compose -p ${project} -f \\S*compose\\.yaml .*up -d .*cache$`));
    assert.ok(
      vscode.window.terminals.some((t) => t.name === 'Persistence Lens'),
      'the terminal is open',
    );

    const fresh = containerOf('cache');
    assert.notEqual(fresh, old);
    assert.equal(running(fresh), 'true');
    assert.equal(docker('inspect', '-f', `{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}`, fresh), volume);
    assert.equal(docker('exec', fresh, 'cat', '/data/dump.rdb'), 'REDIS0011 the cache');

    // The check the editor makes at startup in a recreated container reads the path from inside it: the same
    // summary as the engine's digest of the new container's path (here the volume's folder on this host).
    const backend = backendBundle();
    const conn = await backend.connectDocker({});
    const engineSide = backend.digestSummary((await backend.containerPathDigest(conn, fresh, '/data')).digest);
    const mountpoint = docker('volume', 'inspect', '-f', '{{.Mountpoint}}', volume);
    assert.deepEqual(backend.digestSummary(await backend.localTreeDigest(mountpoint)), engineSide);
  });

  /** The backend bundle the extension loads (dockerode cannot be bundled into a test file). */
  const backendBundle = (): typeof Backend =>
    require(join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'backend.js')) as typeof Backend;

  test("Copy Again (this container's live copy): only a volume with our manifest for that path is refilled, with what the path holds now; the container keeps running", async () => {
    const backend = backendBundle();
    const app = containerOf('app');
    const labels = ['--label', 'persistence-lens.test=1', '--label', `persistence-lens.move-run=${tag}`];
    const theirs = `${tag}-theirs`;
    const live = `${tag}-live`;
    docker('volume', 'create', ...labels, theirs);
    docker('volume', 'create', ...labels, live);
    docker('exec', app, 'sh', '-c', 'mkdir -p /srv/live/sub && echo one > /srv/live/a && echo two > /srv/live/sub/b');

    inVolume(theirs, 'echo keep > /d/mine');
    await assert.rejects(
      backend.copyAgainIntoVolume({ container: app, path: '/srv/live', volume: theirs }, { helperLabels: runLabel }),
      /holds no copy of \/srv\/live made by Persistence Lens/,
    );
    assert.equal(inVolume(theirs, 'ls -A /d', true), 'mine', 'a volume without our manifest is left as it is');

    // the state after a first live copy: our manifest for /srv/live (and whatever that copy held)
    await backend.writeMoveManifest(
      {
        tool: 'persistence-lens',
        kind: 'live-move',
        version: 1,
        path: '/srv/live',
        volume: live,
        container: app,
        files: 0,
        bytes: 0,
        entries: 1,
        digest: '0'.repeat(64),
        copiedAt: new Date(0).toISOString(),
      },
      { helperLabels: runLabel },
    );
    inVolume(live, 'echo stale > /d/stale');
    const t0 = Date.now();
    const { move, manifest } = await backend.copyAgainIntoVolume(
      { container: app, path: '/srv/live', volume: live },
      { helperLabels: runLabel },
    );
    recordMetric('move: Copy Again of a small path (ms)', Date.now() - t0);
    assert.equal(move.copiedLive, true);
    assert.equal(running(app), 'true', 'this container is never stopped');
    assert.deepEqual(inVolume(live, 'cd /d && find . | sort', true).split('\n'), [
      '.',
      './.persistence-lens-move.json',
      './a',
      './sub',
      './sub/b',
    ]);
    assert.equal(manifest.files, 2);
    const conn = await backend.connectDocker({});
    assert.equal(
      manifest.digest,
      backend.digestSummary((await backend.containerPathDigest(conn, app, '/srv/live')).digest).digest,
      'the manifest describes the path as it is now',
    );
    assert.ok(new Date(manifest.copiedAt).getTime() > 0);
    for (const v of [theirs, live]) docker('volume', 'rm', '-f', v);
  });

  test('the editor started in a recreated container: a path with our manifest is verified, reported once, and the manifest removed', async () => {
    reset();
    const { paths } = await extensionApi();
    const backend = backendBundle();
    const moved = mkdtempSync(join(tmpdir(), 'pl-moved-'));
    try {
      mkdirSync(join(moved, 'keys'));
      writeFileSync(join(moved, 'keys', 'id_ed25519'), 'secret\n', { mode: 0o600 });
      const summary = backend.digestSummary(await backend.localTreeDigest(moved));
      const manifest = join(moved, backend.MOVE_MANIFEST);
      writeFileSync(
        manifest,
        JSON.stringify({
          tool: 'persistence-lens',
          kind: 'live-move',
          version: 1,
          path: moved,
          volume: 'demo_ssh',
          container: 'demo-app-1',
          copiedAt: new Date().toISOString(),
          ...summary,
        }),
      );
      const t0 = Date.now();
      const [result] = await paths.movedPathCheck.run([moved]);
      recordMetric('move: startup check of a moved path (ms)', Date.now() - t0);
      assert.equal(result?.check?.status, 'verified');
      assert.equal(existsSync(manifest), false, 'the manifest is removed');
      assert.ok(
        messages.some(
          (m) =>
            m.level === 'info' &&
            m.text ===
              `${moved} holds what was copied into volume demo_ssh before the recreate: 1 file (7 B), verified in the recreated container.`,
        ),
        JSON.stringify(messages),
      );
      messages.length = 0;
      await paths.movedPathCheck.run([moved]);
      assert.deepEqual(messages, [], 'reported once');
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  test('"Only edit the file" on a path holding data: the edit as before, a warning that the data stays behind, the container left alone', async () => {
    reset();
    const app = containerOf('app');
    const before = readFileSync(file, 'utf8');
    picks = [mode('volume')];
    const done = await vscode.commands.executeCommand<boolean>(INTERNAL_COMMAND.persistFromFile, {
      file,
      service: 'app',
      path: '/srv/big',
    });
    assert.equal(done, true, JSON.stringify(messages));
    assert.equal(asked[0]!.items.find((i) => i.value === 'volume')?.label, '$(edit) Only edit the file');
    assert.notEqual(readFileSync(file, 'utf8'), before);
    assert.match(readFileSync(file, 'utf8'), /\/srv\/big/);
    const warned = messages.find((m) => m.level === 'warning');
    assert.ok(
      warned && /What \/srv\/big holds now in .* stays behind: the recreated container starts with it empty\./.test(warned.text),
      JSON.stringify(messages),
    );
    assert.equal(containerOf('app'), app);
    assert.equal(running(app), 'true');
    assert.ok(!progress.length, 'nothing was moved');
  });
});
