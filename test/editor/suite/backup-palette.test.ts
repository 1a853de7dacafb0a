import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { BackupListing, BackupResult, RescueResult, RestoreResult } from '../../../src/backup';
import type { Confirmation } from '../../../src/vscode/backup/describe';
import type { ContainerChoice } from '../../../src/vscode/backup/docker-choices';
import {
  TEST_HOOKS_COMMAND,
  type BackupTestHooks,
  type FolderQuestion,
  type InputQuestion,
  type PickQuestion,
} from '../../../src/vscode/ui/test-hooks';
import type { PickItem } from '../../../src/vscode/ui/ui';
import { DIGEST, digest, digestLines, docker, IMAGE, inVolume, LABEL, removeQuietly } from './docker';
import { EXTENSION_ID } from './harness';

/**
 * The backup commands as the command palette runs them: no argument, so they ask with quick picks, input
 * boxes and folder dialogs. The questions are answered through the test hooks (the extension host cannot click
 * a quick pick or a native dialog), which see exactly what the real widget would offer and must answer with one
 * of its items (a folder that exists, for a dialog); everything else is real: the commands, the Docker Engine's
 * volumes and containers in the pickers, the engine, the files in the backup folder, the volumes, containers
 * and local folders restored into. Everything created is labelled persistence-lens.test=1 (and this run's
 * label) and removed, and every temporary folder is deleted.
 */

/** What the rescued container writes into its writable layer (relative to /). */
const RESCUED = 'pl-rescue home/me';

const settings = () => vscode.workspace.getConfiguration('persistenceLens');

/**
 * Everything under a local folder as sorted lines that two copies of the same files share: every entry's path
 * and type, every directory's and file's mode, every file's size and sha256, every symlink's target.
 */
function localDigest(root: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    const abs = rel ? join(root, rel) : root;
    const st = lstatSync(abs);
    const name = rel || '.';
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) lines.push(`${name}|symlink|${readlinkSync(abs)}`);
    else if (st.isDirectory()) {
      lines.push(`${name}|directory|${mode}`);
      for (const n of readdirSync(abs)) walk(rel ? `${rel}/${n}` : n);
    } else if (st.isFile()) lines.push(`${name}|file|${mode}|${st.size}|${createHash('sha256').update(readFileSync(abs)).digest('hex')}`);
    else lines.push(`${name}|other`);
  };
  walk('');
  return lines.sort();
}

/** One question of a palette flow and how the test answers it. */
type Step =
  | { kind: 'pick'; what: string; answer: (q: PickQuestion) => PickItem<unknown> | undefined }
  | { kind: 'input'; what: string; answer: (q: InputQuestion) => string | undefined }
  | { kind: 'folder'; what: string; answer: (q: FolderQuestion) => string | undefined };

/** What was asked, as the user would have seen it. */
interface Asked {
  kind: 'pick' | 'input' | 'folder';
  title: string;
  /** The placeholder of a quick pick, the prompt of an input box, the open button of a folder dialog. */
  text: string | undefined;
  labels: string[];
}

suite(
  'Backups from the command palette: quick picks of Back Up…, Restore… and Rescue Writable Layer… on a real Docker Engine',
  function () {
    this.timeout(90_000);
    const tag = `pl-editor-palette-${process.pid}-${Date.now().toString(36)}`;
    const runLabel = { key: 'persistence-lens.palette-run', value: tag };
    const source = `${tag}-src`;
    const restored = `${tag}-restored`;
    const original = `${tag}-rescued`;
    const fresh = `${tag}-fresh`;
    const volumes = [source, restored];
    const containers = [original, fresh];
    let folder: string;
    /** Folders on this machine the tests back up and restore into (removed at the end). */
    const localFolders: string[] = [];
    let hooks: BackupTestHooks;
    const messages: { level: string; text: string; actions: string[] }[] = [];
    const confirmations: Confirmation[] = [];
    const asked: Asked[] = [];
    /** Questions that did not match the script: asked when none was expected, or of another kind. */
    const problems: string[] = [];
    let script: Step[] = [];
    /** The digest of the rescued container's files, as its own command printed it. */
    let rescuedDigest: string[];

    const files = (): string[] => readdirSync(folder).sort();
    const ourVolumes = (): string[] => docker('volume', 'ls', '-q', '--filter', `name=${tag}`).split('\n').filter(Boolean).sort();
    const ourHelpers = (): string =>
      docker('ps', '-a', '-q', '--filter', `label=${runLabel.key}=${runLabel.value}`, '--filter', 'label=persistence-lens.helper=1');

    /** The next step, if it is of this kind; otherwise the mismatch is recorded and the question backed out of. */
    function next<K extends Step['kind']>(kind: K, title: string): Extract<Step, { kind: K }> | undefined {
      const step = script.shift();
      if (!step) problems.push(`an unexpected ${kind} "${title}" after the script ended`);
      else if (step.kind !== kind) problems.push(`a ${kind} "${title}" where the script expected a ${step.kind} (${step.what})`);
      else return step as Extract<Step, { kind: K }>;
      return undefined;
    }

    function answering<T>(title: string, answer: () => T | undefined): T | undefined {
      try {
        return answer();
      } catch (err) {
        problems.push(`answering "${title}": ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }

    /**
     * Runs a command as the palette does (no argument), answering its questions with `steps` in order. Every
     * step must be asked, and nothing else.
     */
    async function palette<T>(command: string, ...steps: Step[]): Promise<T | undefined> {
      script = [...steps];
      asked.length = 0;
      problems.length = 0;
      messages.length = 0;
      confirmations.length = 0;
      const result = await vscode.commands.executeCommand<T | undefined>(command);
      assert.deepEqual(problems, [], `the questions did not go as scripted; asked: ${JSON.stringify(asked, null, 1)}`);
      assert.equal(script.length, 0, `not asked: ${script.map((s) => s.what).join(', ')}; asked: ${JSON.stringify(asked, null, 1)}`);
      return result;
    }

    /** Chooses the one item that `match` finds (there must be exactly one). */
    const choose = (what: string, match: (item: PickItem<unknown>) => boolean, check?: (q: PickQuestion) => void): Step => ({
      kind: 'pick',
      what,
      answer: (q) => {
        check?.(q);
        const found = q.items.filter(match);
        if (found.length !== 1)
          throw new Error(`"${q.title}" offers ${found.length} items for ${what}: ${q.items.map((i) => i.label).join(' | ')}`);
        return found[0];
      },
    });
    /** Escape on a quick pick. */
    const escapePick = (what: string, check?: (q: PickQuestion) => void): Step => ({
      kind: 'pick',
      what,
      answer: (q) => (check?.(q), undefined),
    });
    const type = (what: string, text: string | undefined, check?: (q: InputQuestion) => void): Step => ({
      kind: 'input',
      what,
      answer: (q) => (check?.(q), text),
    });
    /** A folder chosen in the folder dialog, or Cancel (undefined). */
    const openFolder = (what: string, path: string | undefined, check?: (q: FolderQuestion) => void): Step => ({
      kind: 'folder',
      what,
      answer: (q) => (check?.(q), path),
    });

    const kindItem = (value: string) => (i: PickItem<unknown>) => i.value === value;
    const volumeItem = (name: string) => (i: PickItem<unknown>) => i.value === name;
    const newVolumeItem = (i: PickItem<unknown>) => i.value === null;
    const backupItem = (archive: string) => (i: PickItem<unknown>) => (i.value as BackupListing | undefined)?.file === archive;
    const containerItem = (name: string) => (i: PickItem<unknown>) => (i.value as ContainerChoice | undefined)?.name === name;

    /** A new empty folder on this machine, removed at the end. */
    const localFolder = (prefix: string): string => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      localFolders.push(dir);
      return dir;
    };

    suiteSetup(async () => {
      await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
      folder = mkdtempSync(join(tmpdir(), 'pl-editor-palette-backups-'));
      await settings().update('backups.folder', folder, vscode.ConfigurationTarget.Global);
      docker('volume', 'create', '--label', LABEL, source);
      inVolume(
        source,
        [
          'mkdir -p /d/conf/empty',
          'echo "listen 5432" > /d/conf/db.conf',
          'echo secret > /d/conf/key && chmod 600 /d/conf/key',
          'ln -s conf/db.conf /d/current',
          'dd if=/dev/urandom of=/d/blob bs=1024 count=64 2>/dev/null',
        ].join(' && '),
      );
      // A container that wrote into its writable layer and exited: what Rescue Writable Layer… is for. Its
      // command prints what it wrote, to compare with what a restore of the rescue puts back.
      rescuedDigest = digestLines(
        docker(
          'run',
          '--name',
          original,
          '--label',
          LABEL,
          IMAGE,
          'sh',
          '-c',
          [
            'mkdir -p /pl-rescue/notes /home/me/.config/app',
            'echo "remember the milk" > /pl-rescue/notes/todo.txt',
            'echo token > /home/me/.config/app/token && chmod 600 /home/me/.config/app/token',
            'ln -s notes/todo.txt /pl-rescue/todo',
            'dd if=/dev/urandom of=/pl-rescue/state.bin bs=1024 count=32 2>/dev/null',
            DIGEST('/', RESCUED),
          ].join(' && '),
        ),
      );
      assert.ok(
        rescuedDigest.some((l) => l.startsWith('pl-rescue/notes/todo.txt|')),
        `the container wrote nothing: ${rescuedDigest.join('\n')}`,
      );
      hooks = {
        helperLabels: { 'persistence-lens.test': '1', [runLabel.key]: runLabel.value },
        onMessage: (m) => messages.push(m),
        confirm: (c) => {
          confirmations.push(c);
          return false;
        },
        // A failed check inside an answer is recorded, not thrown: the command would report it as its own error.
        pick: (q) => {
          asked.push({ kind: 'pick', title: q.title, text: q.placeholder, labels: q.items.map((i) => i.label) });
          return answering(q.title, () => next('pick', q.title)?.answer(q));
        },
        input: (q) => {
          asked.push({ kind: 'input', title: q.title, text: q.prompt, labels: [] });
          return answering(q.title, () => next('input', q.title)?.answer(q));
        },
        folder: (q) => {
          asked.push({ kind: 'folder', title: q.title, text: q.action, labels: [] });
          return answering(q.title, () => next('folder', q.title)?.answer(q));
        },
      };
      await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, hooks);
    });

    suiteTeardown(async () => {
      await vscode.commands.executeCommand(TEST_HOOKS_COMMAND, undefined);
      await settings().update('backups.folder', undefined, vscode.ConfigurationTarget.Global);
      removeQuietly(containers, volumes);
      rmSync(folder, { recursive: true, force: true });
      for (const dir of localFolders) rmSync(dir, { recursive: true, force: true });
    });

    let backup: BackupResult;

    test('Back Up… → "A Docker volume…" → the volume: the archive and its manifest are in the backup folder, and the Backups view lists it', async () => {
      const r = await palette<BackupResult>(
        'persistenceLens.backup',
        choose('a Docker volume', kindItem('volume'), (q) => {
          assert.equal(q.title, 'Back Up');
          assert.deepEqual(
            q.items.map((i) => i.value),
            ['volume', 'container', 'local'],
          );
        }),
        choose(`the volume ${source}`, volumeItem(source), (q) => {
          assert.match(q.placeholder ?? '', /^Volumes of the Docker Engine at /);
          const mine = q.items.findIndex(volumeItem(source));
          assert.equal(q.items[mine]?.label, `$(database) ${source}`);
          assert.equal(q.items[mine]?.detail, 'used by no container');
          const firstAnonymous = q.items.findIndex((i) => i.description === 'anonymous');
          assert.ok(firstAnonymous < 0 || firstAnonymous > mine, 'named volumes are offered before anonymous ones');
        }),
      );
      assert.ok(r, `the backup did not complete: ${JSON.stringify(messages)}`);
      backup = r;
      assert.equal(r.archive, join(folder, basename(r.archive)), 'written into the configured folder');
      assert.match(basename(r.archive), new RegExp(`^volume-${source}-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
      assert.deepEqual(files(), [basename(r.archive), basename(r.manifestPath)].sort(), 'the archive and its manifest, nothing else');
      const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
      assert.deepEqual(
        [manifest.source.kind, manifest.source.name, manifest.purpose, manifest.layout],
        ['volume', source, 'backup', 'content'],
      );
      // ., conf, conf/empty, conf/db.conf, conf/key, current, blob
      assert.equal(manifest.entries, 7);
      assert.equal(manifest.sha256, r.manifest.sha256);
      assert.ok(!messages.some((m) => m.level !== 'info'), JSON.stringify(messages));
      assert.ok(
        messages.some((m) => m.text.startsWith(`Backed up volume "${source}"`) && m.text.includes(basename(r.archive))),
        JSON.stringify(messages),
      );
      assert.equal(ourHelpers(), '', 'the helper container was removed');

      const listed =
        await vscode.commands.executeCommand<{ file: string; label: string; description: string }[]>('persistenceLens.refreshBackups');
      assert.deepEqual(
        listed.map((i) => [i.file, i.label]),
        [[r.archive, `volume "${source}"`]],
      );
      assert.match(listed[0]!.description, / · manifest ✓$/);
    });

    test('Restore… → the backup → "A Docker volume…" → "New volume…" → a name: the new volume holds the same files', async () => {
      assert.ok(backup, 'needs the backup of the previous test');
      const r = await palette<RestoreResult>(
        'persistenceLens.restore',
        choose('the backup', backupItem(backup.archive), (q) => {
          assert.equal(q.title, 'Restore');
          assert.equal(q.items.length, 1, 'the one archive in the backup folder');
          assert.equal(q.items[0]!.label, `$(archive) volume "${source}"`);
          assert.equal(q.items[0]!.detail, basename(backup.archive));
        }),
        choose('a Docker volume', kindItem('volume'), (q) => {
          assert.equal(q.title, `Restore ${basename(backup.archive)}`);
          assert.deepEqual(
            q.items.map((i) => i.value),
            ['original', 'volume', 'container', 'local'],
          );
          assert.equal(q.items[0]!.label, `$(history) Where it came from: volume "${source}"`);
        }),
        choose('a new volume', newVolumeItem, (q) => {
          assert.equal(q.items[0]!.label, '$(add) New volume…', 'a new volume is offered first');
          assert.ok(q.items.some(volumeItem(source)), 'existing volumes are offered too');
        }),
        type("the new volume's name", restored, (q) => {
          assert.equal(q.prompt, 'Name of the new volume');
          assert.equal(q.validate?.(restored), undefined);
          assert.match(q.validate?.('x') ?? '', /at least two characters/, 'a one-letter name is refused');
          assert.ok(q.validate?.('no/slash'), 'a name with a slash is refused');
        }),
      );
      assert.ok(r, `the restore did not complete: ${JSON.stringify(messages)}`);
      assert.equal(r.createdVolume, true);
      assert.deepEqual(confirmations, [], 'a new volume is empty: nothing to confirm');
      assert.equal(
        docker('volume', 'inspect', '-f', `{{index .Labels "${runLabel.key}"}}`, restored),
        tag,
        'the volume was created by this restore',
      );
      assert.deepEqual(digest(restored), digest(source), 'every file, mode, size and link');
      assert.ok(
        messages.some(
          (m) => m.level === 'info' && m.text.startsWith(`Restored ${basename(backup.archive)} into volume "${restored}" (created)`),
        ),
        JSON.stringify(messages),
      );
      assert.deepEqual(files(), [basename(backup.archive), basename(backup.manifestPath)].sort(), 'an empty target needs no safety backup');
    });

    test('Restore… → the backup → "Where it came from": the source volume is not empty, so it asks first; No leaves it as it was', async () => {
      assert.ok(backup, 'needs the backup of the first test');
      inVolume(source, 'echo changed > /d/conf/db.conf');
      const before = digest(source);
      const r = await palette<RestoreResult>(
        'persistenceLens.restore',
        choose('the backup', backupItem(backup.archive)),
        choose('where it came from', kindItem('original')),
      );
      assert.equal(r, undefined);
      assert.equal(confirmations.length, 1, 'asked once');
      assert.equal(confirmations[0]!.message, `Replace what volume "${source}" holds with ${basename(backup.archive)}?`);
      assert.deepEqual(digest(source), before, 'No wrote nothing');
      assert.deepEqual(files(), [basename(backup.archive), basename(backup.manifestPath)].sort(), 'No took no safety backup');
      assert.ok(!messages.some((m) => m.level === 'error'), JSON.stringify(messages));
    });

    test('Escape at any question of Back Up… writes nothing, creates nothing and shows nothing', async () => {
      const folderBefore = files();
      const volumesBefore = ourVolumes();
      const flows: [string, Step[]][] = [
        ['what to back up', [escapePick('what to back up')]],
        [
          'which volume',
          [choose('a Docker volume', kindItem('volume')), escapePick('which volume', (q) => assert.ok(q.items.some(volumeItem(source))))],
        ],
        [
          'which container',
          [
            choose('a folder of a container', kindItem('container')),
            escapePick('which container', (q) => assert.ok(q.items.some(containerItem(original)))),
          ],
        ],
        [
          'which folder of the container',
          [
            choose('a folder of a container', kindItem('container')),
            choose(`the container ${original}`, containerItem(original)),
            type('the folder', undefined, (q) => {
              assert.equal(q.value, '/');
              assert.match(q.prompt, new RegExp(`The folder of container "${original}" to back up`));
            }),
          ],
        ],
        [
          'which folder on this machine (Cancel in the folder dialog)',
          [
            choose('a folder on this machine', kindItem('local')),
            openFolder('the folder', undefined, (q) => assert.deepEqual([q.title, q.action], ['Back Up', 'Back Up'])),
          ],
        ],
      ];
      for (const [at, steps] of flows) {
        const r = await palette<BackupResult>('persistenceLens.backup', ...steps);
        assert.equal(r, undefined, `Escape at ${at}: the command did something`);
        assert.deepEqual(messages, [], `Escape at ${at}: a message was shown`);
        assert.deepEqual(files(), folderBefore, `Escape at ${at}: the backup folder changed`);
        assert.deepEqual(ourVolumes(), volumesBefore, `Escape at ${at}: a volume appeared or went`);
        assert.equal(ourHelpers(), '', `Escape at ${at}: a helper container was made`);
      }
    });

    test('Escape at any question of Restore… writes nothing, creates no volume and shows nothing', async () => {
      assert.ok(backup, 'needs the backup of the first test');
      const folderBefore = files();
      const volumesBefore = ourVolumes();
      const sourceBefore = digest(source);
      const theBackup = choose('the backup', backupItem(backup.archive));
      const toVolume = choose('a Docker volume', kindItem('volume'));
      const flows: [string, Step[]][] = [
        ['which backup', [escapePick('which backup')]],
        ['where to restore it', [theBackup, escapePick('where to restore it')]],
        ['which volume', [theBackup, toVolume, escapePick('which volume')]],
        ["the new volume's name", [theBackup, toVolume, choose('a new volume', newVolumeItem), type('the name', undefined)]],
        ['which container', [theBackup, choose('a folder of a container', kindItem('container')), escapePick('which container')]],
        [
          'which folder on this machine (Cancel in the folder dialog)',
          [
            theBackup,
            choose('a folder on this machine', kindItem('local')),
            openFolder('the folder', undefined, (q) =>
              assert.deepEqual([q.title, q.action], [`Restore ${basename(backup.archive)}`, 'Restore Here']),
            ),
          ],
        ],
      ];
      for (const [at, steps] of flows) {
        const r = await palette<RestoreResult>('persistenceLens.restore', ...steps);
        assert.equal(r, undefined, `Escape at ${at}: the command did something`);
        assert.deepEqual(messages, [], `Escape at ${at}: a message was shown`);
        assert.deepEqual(confirmations, [], `Escape at ${at}: a confirmation was asked`);
        assert.deepEqual(files(), folderBefore, `Escape at ${at}: the backup folder changed`);
        assert.deepEqual(ourVolumes(), volumesBefore, `Escape at ${at}: a volume appeared or went`);
        assert.equal(ourHelpers(), '', `Escape at ${at}: a helper container was made`);
      }
      assert.deepEqual(digest(source), sourceBefore, 'the source volume is untouched');
    });

    test("Escape at Rescue Writable Layer…'s container writes nothing and shows nothing", async () => {
      const folderBefore = files();
      const r = await palette<RescueResult>(
        'persistenceLens.rescue',
        escapePick('which container', (q) => assert.equal(q.title, 'Rescue Writable Layer')),
      );
      assert.equal(r, undefined);
      assert.deepEqual(messages, []);
      assert.deepEqual(files(), folderBefore);
    });

    let rescue: RescueResult;

    test('Rescue Writable Layer… → a container: its writable layer is archived, and the Backups view lists it', async () => {
      const folderBefore = files();
      const r = await palette<RescueResult>(
        'persistenceLens.rescue',
        choose(`the container ${original}`, containerItem(original), (q) => {
          assert.equal(q.title, 'Rescue Writable Layer');
          assert.match(q.placeholder ?? '', /^Containers of the Docker Engine at /);
          const item = q.items.find(containerItem(original))!;
          assert.equal(item.label, `$(vm) ${original}`);
          assert.equal(item.description, `${IMAGE} · exited`);
        }),
      );
      assert.ok(r?.archived && r.archive && r.manifestPath, `the rescue wrote no archive: ${JSON.stringify(messages)}`);
      rescue = r;
      assert.equal(r.container, original);
      assert.deepEqual(r.plan.roots.map((x) => x.path).sort(), ['/home/me', '/pl-rescue']);
      assert.equal(r.archive, join(folder, basename(r.archive)));
      assert.deepEqual(
        files(),
        [...folderBefore, basename(r.archive), basename(r.manifestPath)].sort(),
        'the archive and its manifest are new',
      );
      const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
      assert.deepEqual([manifest.source.kind, manifest.source.name, manifest.layout], ['rescue', original, 'root']);
      assert.ok(
        messages.some((m) => m.level === 'info' && m.text.startsWith(`Rescued 2 paths of container "${original}"`)),
        JSON.stringify(messages),
      );
      const listed = await vscode.commands.executeCommand<{ file: string; label: string }[]>('persistenceLens.refreshBackups');
      assert.ok(
        listed.some((i) => i.file === r.archive && i.label === `writable layer of container "${original}"`),
        `the Backups view does not list it: ${JSON.stringify(listed)}`,
      );
    });

    test('Restore… → the rescue archive → a container (where it came from is offered first): the new container has the same files', async () => {
      assert.ok(rescue?.archive, 'needs the rescue of the previous test');
      docker('create', '--name', fresh, '--label', LABEL, IMAGE, 'sh', '-c', DIGEST('/', RESCUED));
      const r = await palette<RestoreResult>(
        'persistenceLens.restore',
        choose('the rescue archive', backupItem(rescue.archive), (q) => {
          assert.equal((q.items[0]!.value as BackupListing).file, rescue.archive, 'newest first');
        }),
        choose(`the new container ${fresh}`, containerItem(fresh), (q) => {
          assert.equal(q.title, `Restore ${basename(rescue.archive!)}`);
          assert.equal((q.items[0]!.value as ContainerChoice).name, original, 'where it came from, first');
          assert.match(q.items[0]!.description ?? '', / · where it came from$/);
        }),
      );
      assert.ok(r, `the restore did not complete: ${JSON.stringify(messages)}`);
      assert.deepEqual(confirmations, [], 'nothing was there to replace');
      assert.deepEqual(
        digestLines(docker('start', '-a', fresh)),
        rescuedDigest,
        'the rescued files, modes and sizes, in the new container',
      );
    });

    /** The folder on this machine that is backed up, and its backup. */
    let localSource: string;
    let localBackup: BackupResult;

    test('Back Up… → "A folder on this machine…" → a folder: the archive and its manifest are in the backup folder, and the Backups view lists it', async () => {
      localSource = localFolder('pl-editor-palette-local ü-');
      mkdirSync(join(localSource, 'conf/nested/deep'), { recursive: true });
      mkdirSync(join(localSource, 'conf/empty'));
      writeFileSync(join(localSource, 'conf/nested/deep/db.conf'), 'listen 5432\n');
      writeFileSync(join(localSource, 'conf/key'), 'secret\n');
      chmodSync(join(localSource, 'conf/key'), 0o600);
      mkdirSync(join(localSource, 'bin'));
      writeFileSync(join(localSource, 'bin/run.sh'), '#!/bin/sh\necho hello\n');
      chmodSync(join(localSource, 'bin/run.sh'), 0o755);
      mkdirSync(join(localSource, 'notes with spaces'));
      writeFileSync(join(localSource, 'notes with spaces/café – 日本語.txt'), 'crème brûlée\n');
      symlinkSync('conf/nested/deep/db.conf', join(localSource, 'current'));
      writeFileSync(join(localSource, 'blob'), randomBytes(64 * 1024));
      const tree = localDigest(localSource);
      for (const line of [
        'conf/key|file|600|7|',
        'bin/run.sh|file|755|',
        'current|symlink|conf/nested/deep/db.conf',
        'notes with spaces/café – 日本語.txt|file|',
        'conf/empty|directory|',
      ]) {
        assert.ok(
          tree.some((l) => l.startsWith(line)),
          `the folder to back up is not as meant (${line}): ${tree.join('\n')}`,
        );
      }
      const folderBefore = files();
      const r = await palette<BackupResult>(
        'persistenceLens.backup',
        choose('a folder on this machine', kindItem('local'), (q) =>
          assert.equal(q.items.find(kindItem('local'))?.label, '$(folder) A folder on this machine…'),
        ),
        openFolder(`the folder ${localSource}`, localSource, (q) => assert.deepEqual([q.title, q.action], ['Back Up', 'Back Up'])),
      );
      assert.ok(r, `the backup did not complete: ${JSON.stringify(messages)}`);
      localBackup = r;
      assert.equal(r.archive, join(folder, basename(r.archive)), 'written into the configured folder');
      const hash = createHash('sha256').update(localSource).digest('hex').slice(0, 8);
      assert.match(basename(r.archive), new RegExp(`^local-pl-editor-palette-local-u-[A-Za-z0-9]+-${hash}-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
      assert.deepEqual(
        files(),
        [...folderBefore, basename(r.archive), basename(r.manifestPath)].sort(),
        'the archive and its manifest are new',
      );
      const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
      assert.deepEqual(
        [manifest.source.kind, manifest.source.name, manifest.purpose, manifest.layout],
        ['local', localSource, 'backup', 'content'],
      );
      assert.equal(manifest.entries, tree.length, 'every folder, file and link, and the folder itself');
      const fileBytes = tree.filter((l) => l.split('|')[1] === 'file').reduce((n, l) => n + Number(l.split('|')[3]), 0);
      assert.equal(manifest.bytes, fileBytes);
      assert.equal(
        manifest.sha256,
        createHash('sha256').update(readFileSync(r.archive)).digest('hex'),
        "the manifest holds the archive's sha256",
      );
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(localDigest(localSource), tree, 'the backup changed nothing in the folder');
      assert.ok(!messages.some((m) => m.level !== 'info'), JSON.stringify(messages));
      assert.ok(
        messages.some((m) => m.text.startsWith(`Backed up ${localSource}: ${tree.length} entries`) && m.text.includes(basename(r.archive))),
        JSON.stringify(messages),
      );

      const listed =
        await vscode.commands.executeCommand<{ file: string; label: string; description: string }[]>('persistenceLens.refreshBackups');
      const item = listed.find((i) => i.file === r.archive);
      assert.equal(item?.label, localSource, `the Backups view does not list it: ${JSON.stringify(listed)}`);
      assert.match(item!.description, / · manifest ✓$/);
    });

    test('Restore… → the local backup → "A folder on this machine…" → a new empty folder: it holds the same files, modes and links', async () => {
      assert.ok(localBackup, 'needs the backup of the previous test');
      const target = localFolder('pl-editor-palette-restored ü-');
      const folderBefore = files();
      const title = `Restore ${basename(localBackup.archive)}`;
      const r = await palette<RestoreResult>(
        'persistenceLens.restore',
        choose('the local backup', backupItem(localBackup.archive), (q) => {
          assert.equal(q.title, 'Restore');
          const item = q.items.find(backupItem(localBackup.archive))!;
          assert.equal(item.label, `$(archive) ${localSource}`);
          assert.equal(item.detail, basename(localBackup.archive));
        }),
        choose('a folder on this machine', kindItem('local'), (q) => {
          assert.equal(q.title, title);
          assert.deepEqual(
            q.items.map((i) => i.value),
            ['original', 'volume', 'container', 'local'],
          );
          assert.equal(q.items[0]!.label, `$(history) Where it came from: ${localSource}`);
        }),
        openFolder('the new empty folder', target, (q) => assert.deepEqual([q.title, q.action], [title, 'Restore Here'])),
      );
      assert.ok(r, `the restore did not complete: ${JSON.stringify(messages)}`);
      assert.equal(r.target, target);
      assert.deepEqual(confirmations, [], 'an empty folder: nothing to confirm');
      const restoredTree = localDigest(target);
      assert.deepEqual(restoredTree, localDigest(localSource), 'every folder, file, mode, size, content and link');
      assert.equal(r.entries, restoredTree.length);
      assert.deepEqual(
        messages.map((m) => m.level),
        ['info'],
        JSON.stringify(messages),
      );
      assert.ok(
        messages[0]!.text.startsWith(`Restored ${basename(localBackup.archive)} into ${target}: ${restoredTree.length} entries`),
        JSON.stringify(messages),
      );
      assert.deepEqual(files(), folderBefore, 'an empty target needs no safety backup');
    });

    test('Restore… → the local backup → a folder on this machine that is not empty: it asks first; No leaves the folder as it was', async () => {
      assert.ok(localBackup, 'needs the local backup');
      const occupied = localFolder('pl-editor-palette-occupied-');
      writeFileSync(join(occupied, 'keep me.txt'), 'mine\n');
      mkdirSync(join(occupied, 'conf'));
      // a name the archive has too, with other content
      writeFileSync(join(occupied, 'conf/key'), 'not the secret\n');
      const before = localDigest(occupied);
      const folderBefore = files();
      const r = await palette<RestoreResult>(
        'persistenceLens.restore',
        choose('the local backup', backupItem(localBackup.archive)),
        choose('a folder on this machine', kindItem('local')),
        openFolder('the folder that is not empty', occupied),
      );
      assert.equal(r, undefined);
      assert.equal(confirmations.length, 1, 'asked once');
      assert.equal(confirmations[0]!.kind, 'overwrite');
      assert.equal(confirmations[0]!.message, `Replace what ${occupied} holds with ${basename(localBackup.archive)}?`);
      assert.match(confirmations[0]!.detail, / It holds 2 entries\. /);
      assert.equal(confirmations[0]!.action, 'Back Up and Replace');
      assert.deepEqual(localDigest(occupied), before, 'No wrote nothing');
      assert.deepEqual(files(), folderBefore, 'No took no safety backup');
      assert.deepEqual(
        messages.map((m) => [m.level, m.text]),
        [['info', `Nothing was restored: ${occupied} was left as it was.`]],
      );
    });

    test("The folder dialog's answer must be one a dialog could return: a relative path, a missing folder and a file are errors, and nothing is backed up", async () => {
      assert.ok(localSource, 'needs the local folder of the local backup test');
      const folderBefore = files();
      const answers: [string, string][] = [
        ['relative/folder', 'it is not an absolute path'],
        [join(localSource, 'missing'), 'it does not exist'],
        [join(localSource, 'conf/key'), 'it is not a directory'],
      ];
      for (const [answer, why] of answers) {
        const r = await palette<BackupResult>(
          'persistenceLens.backup',
          choose('a folder on this machine', kindItem('local')),
          openFolder(answer, answer),
        );
        assert.equal(r, undefined, `${answer}: the backup ran`);
        assert.deepEqual(
          messages.map((m) => [m.level, m.text]),
          [['error', `Test hooks: the folder dialog "Back Up" could not return "${answer}": ${why}`]],
        );
        assert.deepEqual(files(), folderBefore, `${answer}: the backup folder changed`);
      }
    });
  },
);
