import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { tarBuffer, type EntryHeader } from '../../../src/backup/tar-format';
import type { PersistenceLensExports } from '../../../src/extension';
import { COMMAND } from '../../../src/vscode/ids';
import { browseUri } from '../../../src/vscode/browse/uri';
import { docker, inVolume, LABEL, removeQuietly } from './docker';
import { EXTENSION_ID } from './harness';

/**
 * Browsing through the `persistence-lens:` file system as the Explorer and the editors use it
 * (vscode.workspace.fs goes through the provider): a real volume on the real engine, read through one
 * never-started helper container that closing the sessions removes, and a backup archive file. Writes are
 * refused; links out of the root are never followed; Save a Copy… writes the bytes elsewhere. (The commands'
 * workspace folder is left to the e2e tier: adding one to this single-folder window would reload it.)
 */
suite('Browse: a volume and a backup archive read through the read-only file system provider', function () {
  this.timeout(90_000);
  const volume = `pl-editor-browse-${process.pid}-${Date.now().toString(36)}`;
  let dir: string;
  let api: PersistenceLensExports;
  const helpers = (): string[] => docker('ps', '-a', '-q', '--filter', `volume=${volume}`).split('\n').filter(Boolean);

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension<PersistenceLensExports>(EXTENSION_ID)!.activate())!;
    dir = mkdtempSync(join(tmpdir(), 'pl-editor-browse-'));
    docker('volume', 'create', '--label', LABEL, volume);
    inVolume(
      volume,
      [
        'mkdir -p /d/notes',
        'echo "theme = dark" > /d/settings.toml',
        'echo todo > /d/notes/todo.md',
        'ln -s settings.toml /d/link',
        'ln -s /etc/passwd /d/passwd',
      ].join(' && '),
    );
  });

  suiteTeardown(async () => {
    await api?.browse.closeAll();
    removeQuietly(helpers(), [volume]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a volume: listed with links as links, files read, links out of it refused, writes refused; one helper, removed when browsing ends', async () => {
    const root = browseUri({ kind: 'volume', volume });
    const entries = new Map(await vscode.workspace.fs.readDirectory(root));
    assert.equal(entries.get('notes'), vscode.FileType.Directory);
    assert.equal(entries.get('settings.toml'), vscode.FileType.File);
    assert.equal(entries.get('link'), vscode.FileType.SymbolicLink | vscode.FileType.File);
    assert.equal(entries.get('passwd'), vscode.FileType.SymbolicLink);
    const file = vscode.Uri.joinPath(root, 'settings.toml');
    assert.equal(Buffer.from(await vscode.workspace.fs.readFile(file)).toString(), 'theme = dark\n');
    assert.equal(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'link'))).toString(), 'theme = dark\n');
    assert.equal(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'notes', 'todo.md'))).toString(), 'todo\n');
    const st = await vscode.workspace.fs.stat(file);
    assert.equal(st.size, 13);
    assert.equal(st.permissions, vscode.FilePermission.Readonly);
    await assert.rejects(
      async () => vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'passwd')),
      (e: unknown) => e instanceof vscode.FileSystemError && /outside/.test(e.message),
    );
    await assert.rejects(
      async () => vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'nope')),
      (e: unknown) => e instanceof vscode.FileSystemError && e.code === 'FileNotFound',
    );
    await assert.rejects(
      async () => vscode.workspace.fs.writeFile(file, Buffer.from('x')),
      (e: unknown) => e instanceof vscode.FileSystemError,
    );
    await assert.rejects(
      async () => vscode.workspace.fs.delete(file),
      (e: unknown) => e instanceof vscode.FileSystemError,
    );
    assert.equal(inVolume(volume, 'cat /d/settings.toml', true), 'theme = dark');

    const ids = helpers();
    assert.equal(ids.length, 1, `one helper container for every request: ${ids.join(', ')}`);
    assert.equal(docker('inspect', '-f', '{{.State.Status}}', ids[0]!), 'created', 'the helper was started');

    const copy = vscode.Uri.file(join(dir, 'copy.toml'));
    const saved = await vscode.commands.executeCommand<vscode.Uri | undefined>(COMMAND.saveBrowsedCopy, file, copy);
    assert.equal(saved?.fsPath, copy.fsPath);
    assert.equal(readFileSync(copy.fsPath, 'utf8'), 'theme = dark\n');

    assert.deepEqual(await api.browse.closeAll(), []);
    assert.deepEqual(helpers(), [], 'the helper container is left after browsing ended');
  });

  test('a backup archive, from its file', async () => {
    const h = (name: string, type: EntryHeader['type'], extra: Partial<EntryHeader> = {}): EntryHeader => ({
      name,
      type,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 0,
      mtime: 1_700_000_000,
      ...extra,
    });
    const text = Buffer.from('from the archive\n');
    const tar = await tarBuffer([
      { header: h('./', 'directory') },
      { header: h('./db/', 'directory') },
      {
        header: h('./db/data.txt', 'file', { size: text.length }),
        body: (async function* () {
          yield text;
        })(),
      },
    ]);
    const file = join(dir, 'volume-x-20260101T000000Z.tar.gz');
    writeFileSync(file, gzipSync(tar));
    const root = browseUri({ kind: 'archive', file });
    assert.deepEqual(await vscode.workspace.fs.readDirectory(root), [['db', vscode.FileType.Directory]]);
    assert.equal(
      Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'db', 'data.txt'))).toString(),
      'from the archive\n',
    );
  });
});
