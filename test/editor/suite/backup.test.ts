import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { BackupResult, Progress, RestoreResult } from '../../../src/backup';
import type { Confirmation } from '../../../src/vscode/backup/describe';
import { TEST_HOOKS_COMMAND, type BackupTestHooks } from '../../../src/vscode/ui/test-hooks';
import type { PathNode } from '../../../src/vscode/tree/nodes';
import { digest, docker, inVolume, LABEL, removeQuietly } from './docker';
import { EXTENSION_ID, recordMetric, waitFor } from './harness';

/**
 * Backups from the editor, on the real Docker Engine: the commands as the Paths view and the palette run
 * them, the engine in the extension host, the progress notification, the Backups view's listing. Only the
 * modal confirmations and the Cancel button are answered through the test hooks (a modal cannot be clicked
 * from the extension host); everything the tests create is labelled persistence-lens.test=1 and removed.
 */

const settings = () => vscode.workspace.getConfiguration('persistenceLens');

/** A PathNode as the Paths view passes it: a named volume mounted at /data of a container. */
function volumeNode(volume: string): PathNode {
  return {
    kind: 'path',
    parent: {
      kind: 'target',
      rootKind: 'container',
      dockerReachable: true,
      target: { kind: 'container', name: 'app', role: 'service', roleReason: 'a test stand-in', paths: [] },
    },
    path: {
      path: '/data',
      status: 'named-volume',
      source: volume,
      mountPoint: '/data',
      readOnly: false,
      criticality: 'critical',
      category: 'database',
      survives: { restart: true, recreate: true, composeUp: true, composeDownVolumes: false, reboot: true },
      atRisk: false,
      reason: `Kept in the named volume "${volume}"`,
      origin: 'mount',
    },
  };
}

suite('Backups: back up, restore, cancel, retention and the schedule on a real Docker Engine', function () {
  this.timeout(90_000);
  const tag = `pl-editor-backup-${process.pid}-${Date.now().toString(36)}`;
  const source = `${tag}-src`;
  const restored = `${tag}-restored`;
  const big = `${tag}-big`;
  const volumes = [source, restored, big, `${tag}-missing`];
  let folder: string;
  const messages: { level: string; text: string; actions: string[] }[] = [];
  const asked: Confirmation[] = [];
  let answers: boolean[] = [];
  let hooks: BackupTestHooks;

  const files = (): string[] => readdirSync(folder).sort();
  const setHooks = (extra: Partial<BackupTestHooks> = {}) => vscode.commands.executeCommand(TEST_HOOKS_COMMAND, { ...hooks, ...extra });

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    folder = mkdtempSync(join(tmpdir(), 'pl-editor-backups-'));
    await settings().update('backups.folder', folder, vscode.ConfigurationTarget.Global);
    await settings().update('backups.keep', 2, vscode.ConfigurationTarget.Global);
    docker('volume', 'create', '--label', LABEL, source);
    inVolume(
      source,
      [
        'mkdir -p /d/sub/deeper /d/empty',
        'echo hello > /d/a.txt',
        'echo secret > /d/sub/secret && chmod 600 /d/sub/secret',
        'echo tool > /d/sub/tool.sh && chmod 755 /d/sub/tool.sh',
        'ln -s ../a.txt /d/sub/link',
        'echo ünï > "/d/with space ü.txt"',
        'dd if=/dev/urandom of=/d/sub/deeper/blob bs=1024 count=300 2>/dev/null',
      ].join(' && '),
    );
    hooks = {
      helperLabels: { 'persistence-lens.test': '1' },
      onMessage: (m) => messages.push(m),
      confirm: (c) => {
        asked.push(c);
        return answers.shift() ?? false;
      },
    };
    await setHooks();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
    for (const key of ['backups.folder', 'backups.keep', 'backups.scheduleHours', 'backups.scheduledSources'])
      await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
    removeQuietly([], volumes);
    rmSync(folder, { recursive: true, force: true });
  });

  let first: BackupResult;

  test('Back Up… on a volume node writes the archive and its manifest into the configured folder, names it with Reveal, and lists it', async () => {
    messages.length = 0;
    const started = performance.now();
    const r = await vscode.commands.executeCommand<BackupResult | undefined>('persistenceLens.backup', volumeNode(source));
    recordMetric('backup of a 300 kB volume from the editor (ms)', performance.now() - started);
    assert.ok(r, `the backup did not complete: ${JSON.stringify(messages)}`);
    first = r;
    assert.equal(r.archive, join(folder, basename(r.archive)), 'written into the configured folder');
    assert.match(basename(r.archive), new RegExp(`^volume-${source}-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
    assert.ok(existsSync(r.archive) && existsSync(r.manifestPath));
    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
    assert.deepEqual([manifest.source.kind, manifest.source.name, manifest.purpose, manifest.entries], ['volume', source, 'backup', 10]);
    assert.equal(manifest.sha256, r.manifest.sha256);
    const done = messages.find((m) => m.level === 'info' && m.text.startsWith(`Backed up volume "${source}"`));
    assert.ok(done, `no final message: ${JSON.stringify(messages)}`);
    assert.ok(done.text.includes(basename(r.archive)), done.text);
    assert.deepEqual(done.actions, ['Reveal']);
    const listed =
      await vscode.commands.executeCommand<{ file: string; label: string; description: string; contextValue: string }[]>(
        'persistenceLens.refreshBackups',
      );
    const item = listed.find((i) => i.file === r.archive);
    assert.ok(item, `the Backups view does not list it: ${JSON.stringify(listed)}`);
    assert.equal(item.label, `volume "${source}"`);
    assert.match(item.description, /^[\d.]+ kB · \d{4}-\d\d-\d\d \d\d:\d\d · manifest ✓$/);
    assert.match(item.contextValue, /\bplBackup\b/);

    // Reveal, in a browser (no OS file manager here) and outside the workspace: the manifest opens, full path in its title.
    if (vscode.env.uiKind === vscode.UIKind.Web) {
      await vscode.commands.executeCommand('persistenceLens.revealBackup', r.archive);
      await waitFor('the manifest opened by Reveal', 10_000, () =>
        vscode.window.activeTextEditor?.document.uri.fsPath === r.manifestPath ? true : undefined,
      );
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });

  test('Restore… into a new volume brings back every file, mode and link; nothing is asked', async () => {
    asked.length = 0;
    const r = await vscode.commands.executeCommand<RestoreResult | undefined>('persistenceLens.restore', {
      archive: first.archive,
      target: { kind: 'volume', volume: restored },
    });
    assert.ok(r, `the restore did not complete: ${JSON.stringify(messages.slice(-2))}`);
    assert.equal(r.createdVolume, true);
    assert.equal(asked.length, 0, 'an empty target needs no confirmation');
    assert.deepEqual(digest(restored), digest(source));
    assert.ok(messages.some((m) => m.text.startsWith(`Restored ${basename(first.archive)} into volume "${restored}" (created)`)));
  });

  test('Restore… into a volume that is not empty asks first, naming it; No leaves it untouched, Yes takes a safety backup', async () => {
    inVolume(restored, 'echo extra > /d/extra.txt && echo changed > /d/a.txt');
    const before = digest(restored);
    const archivesBefore = files();

    asked.length = 0;
    answers = [false];
    messages.length = 0;
    const declined = await vscode.commands.executeCommand<RestoreResult | undefined>('persistenceLens.restore', {
      archive: first.archive,
      target: { kind: 'volume', volume: restored },
    });
    assert.equal(declined, undefined);
    assert.equal(asked.length, 1, 'asked once');
    assert.equal(asked[0]!.kind, 'overwrite');
    assert.equal(asked[0]!.message, `Replace what volume "${restored}" holds with ${basename(first.archive)}?`);
    assert.match(asked[0]!.detail, /A safety backup of what is there now is taken first/);
    assert.ok(asked[0]!.detail.includes(folder), 'names where the safety backup goes');
    assert.deepEqual(digest(restored), before, 'No wrote nothing');
    assert.deepEqual(files(), archivesBefore, 'No took no safety backup');
    assert.ok(
      messages.some((m) => m.text === `Nothing was restored: volume "${restored}" was left as it was.`),
      JSON.stringify(messages),
    );
    assert.ok(!messages.some((m) => m.level === 'error'), 'declining is not an error');

    answers = [true];
    const r = await vscode.commands.executeCommand<RestoreResult | undefined>('persistenceLens.restore', {
      archive: first.archive,
      target: { kind: 'volume', volume: restored },
    });
    assert.ok(r?.safetyBackup, 'a safety backup was taken');
    assert.equal(r.safetyBackup.manifest.purpose, 'safety');
    assert.equal(r.safetyBackup.manifest.source.name, restored);
    assert.ok(existsSync(r.safetyBackup.archive));
    const after = digest(restored);
    assert.deepEqual(
      after.filter((l) => !l.includes('./extra.txt')),
      digest(source),
      "the archive's files are back",
    );
    assert.ok(
      after.some((l) => l.startsWith('./extra.txt|')),
      'what the archive does not hold stays',
    );
  });

  test('Cancel during a backup stops it and leaves no archive, partial file or manifest behind', async () => {
    docker('volume', 'create', '--label', LABEL, big);
    inVolume(big, 'dd if=/dev/urandom of=/d/big bs=1048576 count=64 2>/dev/null');
    const before = files();
    const cancel = new vscode.CancellationTokenSource();
    let cancelledAt: Progress | undefined;
    await setHooks({
      cancellation: cancel.token,
      onProgress: (p) => {
        // Cancel once bytes are flowing: the archive is being written.
        if (!cancelledAt && p.phase === 'archiving' && p.compressedBytes > 0) {
          cancelledAt = p;
          cancel.cancel();
        }
      },
    });
    messages.length = 0;
    try {
      const r = await vscode.commands.executeCommand<BackupResult | undefined>('persistenceLens.backup', volumeNode(big));
      assert.equal(r, undefined, `the backup finished before it was cancelled: ${r?.archive}`);
    } finally {
      await setHooks();
      cancel.dispose();
    }
    assert.ok(cancelledAt, 'it was cancelled mid-way');
    recordMetric('cancelled a 64 MB volume backup after (bytes)', cancelledAt.bytes);
    assert.deepEqual(files(), before, 'nothing new in the backup folder');
    const told = messages.find((m) => /cancelled/.test(m.text));
    assert.ok(told, JSON.stringify(messages));
    assert.equal(told.level, 'info');
    assert.match(told.text, /nothing was written/);
    const helpers = docker('ps', '-a', '--filter', 'label=persistence-lens.helper=1', '--filter', `volume=${big}`, '--format', '{{.ID}}');
    assert.equal(helpers, '', 'the helper container was removed');
  });

  test('retention keeps the newest backups.keep (2) of the volume after each backup', async () => {
    const a = await vscode.commands.executeCommand<BackupResult | undefined>('persistenceLens.backup', volumeNode(source));
    const b = await vscode.commands.executeCommand<BackupResult | undefined>('persistenceLens.backup', volumeNode(source));
    assert.ok(a && b);
    assert.deepEqual(b.pruned, [basename(first.archive)]);
    const ours = files().filter((f) => f.startsWith(`volume-${source}-`));
    assert.deepEqual(ours, [a.archive, a.manifestPath, b.archive, b.manifestPath].map((f) => basename(f)).sort());
    assert.ok(messages.some((m) => m.text.includes('Kept the newest 2 of this source; deleted 1 older backup.')));
    first = b;
  });

  test('Delete Backup… asks first; No keeps it, Yes deletes the archive and its manifest', async () => {
    asked.length = 0;
    answers = [false];
    assert.equal(await vscode.commands.executeCommand('persistenceLens.deleteBackup', first.archive), false);
    assert.equal(asked[0]?.kind, 'delete');
    assert.match(asked[0]!.detail, /This cannot be undone\.$/);
    assert.ok(existsSync(first.archive));
    answers = [true];
    assert.equal(await vscode.commands.executeCommand('persistenceLens.deleteBackup', first.archive), true);
    assert.ok(!existsSync(first.archive) && !existsSync(first.manifestPath));
  });

  test("a volume that does not exist: the engine's error, as it says it", async () => {
    messages.length = 0;
    const missing = `${tag}-missing`;
    assert.equal(await vscode.commands.executeCommand('persistenceLens.backup', volumeNode(missing)), undefined);
    const err = messages.find((m) => m.level === 'error');
    assert.ok(err, JSON.stringify(messages));
    assert.match(err.text, new RegExp(`^No volume "${missing}" on the Docker Engine at `));
  });

  test('the schedule backs up a due source while the window is open', async () => {
    await setHooks({ scheduleDelayMs: 300 });
    try {
      await settings().update('backups.scheduledSources', [`volume:${restored}`], vscode.ConfigurationTarget.Global);
      await settings().update('backups.scheduleHours', 24, vscode.ConfigurationTarget.Global);
      // The restored volume has only a safety backup: no backup, so it is due.
      const archive = await waitFor('a scheduled backup of the restored volume', 30_000, () =>
        files().find((f) => f.startsWith(`volume-${restored}-`) && f.endsWith('.manifest.json')),
      );
      const manifest = JSON.parse(readFileSync(join(folder, archive), 'utf8'));
      assert.equal(manifest.purpose, 'backup');
      assert.equal(manifest.source.name, restored);
    } finally {
      await settings().update('backups.scheduleHours', undefined, vscode.ConfigurationTarget.Global);
      await setHooks();
    }
  });
});
