// Steps 5 and 6 of issue #6, with the Docker socket: back up the named volume from the tree and restore it
// into a new volume; rescue the writable layer, recreate the container, restore, and find the saved file again.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOME } from '../harness/container';
import type { ScenarioFactory } from '../harness/runner';
import type { Session } from '../harness/session';
import { eventually, thisContainerPaths } from './common';

const BACKUP_FOLDER = '/workspace/.backups';

/** The archives (and manifests) in the backup folder, read on the host through the workspace's bind mount. */
function backupFiles(s: Session): string[] {
  try {
    return readdirSync(join(s.hostWorkspace, '.backups')).sort();
  } catch {
    return [];
  }
}

/** The Backups view's row of a backup (its label names the source: `volume "NAME"`), once the view lists it. */
async function backupRow(s: Session, label: string | RegExp) {
  const pane = await s.wb.expandPane('Backups');
  const row = s.wb.rows(pane).filter({ hasText: label }).first();
  await eventually(
    async () => {
      if (!(await row.isVisible())) {
        await s.wb.command('Persistence Lens: Refresh Backups');
        throw new Error(`the Backups view does not list ${label}: ${await pane.innerText()}`);
      }
    },
    20_000,
    1_000,
  );
  return row;
}

export const backupVolume: ScenarioFactory = () => {
  let archive = '';
  let digest: Record<string, string> = {};
  return {
    name: 'backup-volume',
    title: 'backing up the named volume from the tree, and restoring it into a new volume',
    session: { socket: true },
    steps: [
      {
        title: 'Back Up… refuses a backup folder on the writable layer, names the persistent places, and opens the setting',
        run: async ({ s, docs }) => {
          // some data of the user's in the volume: enough that a backup takes a moment (long enough for a
          // screenshot of its progress in a docs run), and files to compare
          const mb = docs ? 64 : 12;
          await s.container.exec([
            'sh',
            '-c',
            `mkdir -p ~/.config/app/db && dd if=/dev/urandom of=$HOME/.config/app/db/blob bs=1M count=${mb} 2>/dev/null && echo "theme = dark" > ~/.config/app/settings.toml`,
          ]);
          await thisContainerPaths(s);
          await s.wb.contextMenu(s.wb.row(s.wb.pane('Paths'), /^\/home\/coder\/\.config$/), /^Back Up/);
          const toast = s.wb.toast(/Backups are not written/);
          await toast.waitFor({ state: 'visible', timeout: 20_000 });
          const text = await toast.innerText();
          assert.match(text, /writable layer/);
          assert.ok(text.includes(`/workspace (bind-mount ${s.hostWorkspace})`), `the workspace is not offered: ${text}`);
          assert.ok(text.includes(`${HOME}/.config (named-volume ${s.configVolume})`), `the volume is not offered: ${text}`);
          await s.wb.toastAction(toast, 'Open Backup Folder Setting');
          await s.wb.setSetting('persistenceLens.backups.folder', BACKUP_FOLDER);
          // written to the remote (machine) settings of code-server, in the container
          await eventually(async () => {
            const json = JSON.parse(String(await s.container.readFile(`${HOME}/.local/share/code-server/Machine/settings.json`)));
            assert.equal(json['persistenceLens.backups.folder'], BACKUP_FOLDER);
          }, 10_000);
          // (saving that settings.json warns, rightly: it is on the writable layer)
          await s.wb.clearNotifications();
          await s.wb.page.keyboard.press('Control+w'); // close the Settings editor
        },
      },
      {
        title: 'Back Up… again: progress shows, then the archive and its manifest appear in the backup folder',
        timeoutSec: 90,
        run: async ({ s, docShot }) => {
          await thisContainerPaths(s);
          await s.wb.contextMenu(s.wb.row(s.wb.pane('Paths'), /^\/home\/coder\/\.config$/), /^Back Up/);
          const progress = s.wb.toast(new RegExp(`Backing up volume "${s.configVolume}"`));
          const refused = s.wb.toast(/Backups are not written/);
          await progress.or(refused).first().waitFor({ state: 'visible', timeout: 20_000 });
          // (the message's text only when it is there: innerText() waits for an element that is not)
          if (await refused.isVisible()) assert.fail(`refused again after the setting was changed: ${await refused.innerText()}`);
          await docShot('backup-progress');
          // the manifest is written last: once it is there, the backup is finished
          const files = await eventually(
            async () => {
              const f = backupFiles(s);
              assert.ok(
                f.some((n) => n.endsWith('.manifest.json')),
                `no manifest in ${BACKUP_FOLDER} yet: ${f.join(', ')}`,
              );
              return f;
            },
            60_000,
            500,
          );
          archive = files.find((f) => f.endsWith('.tar.gz')) ?? '';
          assert.ok(archive, `no archive in ${BACKUP_FOLDER}: ${files.join(', ')}`);
          const manifestFile = archive.replace(/\.tar\.gz$/, '.manifest.json');
          assert.ok(files.includes(manifestFile), `no manifest beside the archive: ${files.join(', ')}`);
          const done = await s.wb.notification(new RegExp(`Backed up volume "${s.configVolume}"`));
          assert.ok(done.includes(archive), `the notification does not name the archive: ${done}`);
          assert.ok(!files.some((f) => f.endsWith('.partial')), `a partial file is left: ${files.join(', ')}`);
          const manifest = JSON.parse(readFileSync(join(s.hostWorkspace, '.backups', manifestFile), 'utf8'));
          const sha = createHash('sha256')
            .update(readFileSync(join(s.hostWorkspace, '.backups', archive)))
            .digest('hex');
          assert.ok(JSON.stringify(manifest).includes(sha), "the manifest does not carry the archive's sha256");
          assert.ok(JSON.stringify(manifest).includes(s.configVolume), 'the manifest does not name the volume');
          digest = await s.volumeDigest(s.configVolume);
          assert.ok(digest['app/db/blob'] && digest['app/settings.toml'], `the volume holds ${Object.keys(digest).join(', ')}`);
        },
      },
      {
        title: 'the Backups view lists it; Restore… into a new volume gives the same files',
        timeoutSec: 90,
        run: async ({ s }) => {
          const restored = `${s.name}-restored`;
          s.trackVolume(restored);
          await s.wb.contextMenu(await backupRow(s, `volume "${s.configVolume}"`), /^Restore/);
          await s.wb.pick(/A Docker volume/);
          await s.wb.pick(/New volume/);
          await s.wb.answer(restored, 15_000, /Name of the new volume/);
          await s.wb.notification(/Restored/, 60_000);
          assert.deepEqual(await s.volumeDigest(restored), digest);
        },
      },
    ],
  };
};

export const rescueRecreateRestore: ScenarioFactory = () => {
  const saved = '# To do\n\n- keep this across a recreate\n';
  return {
    name: 'rescue-recreate',
    title: 'rescuing the writable layer, recreating the container, restoring',
    // the backup folder set as the backup-volume scenario leaves it: on the bind-mounted workspace
    session: { socket: true, home: { 'notes/todo.md': '# To do\n\n' }, settings: { 'persistenceLens.backups.folder': BACKUP_FOLDER } },
    steps: [
      {
        title: 'save a file on the writable layer; Rescue Writable Layer… from the tree archives it',
        timeoutSec: 90,
        run: async ({ s }) => {
          await s.wb.openFile(`${HOME}/notes/todo.md`);
          await s.wb.appendAndSave('- keep this across a recreate\n');
          await eventually(async () => assert.equal(String(await s.container.readFile(`${HOME}/notes/todo.md`)), saved));
          await s.wb.clearNotifications();
          await thisContainerPaths(s);
          await s.wb.contextMenu(s.wb.row(s.wb.pane('Paths'), /^This container$/), /^Rescue Writable Layer/);
          const done = await s.wb.notification(new RegExp(`Rescued .* of container "${s.name}"`), 60_000);
          assert.ok(done.includes(`${HOME}/notes`), `the rescue does not name ${HOME}/notes: ${done}`);
          const files = backupFiles(s);
          assert.ok(
            files.some((f) => /^rescue-.*\.tar\.gz$/.test(f)) && files.some((f) => /^rescue-.*\.manifest\.json$/.test(f)),
            `no rescue archive and manifest: ${files.join(', ')}`,
          );
        },
      },
      {
        title: 'recreate the container from the same configuration: the file is gone',
        timeoutSec: 90,
        run: async ({ s }) => {
          const before = s.container.id;
          await s.recreateContainer();
          assert.notEqual(s.container.id, before, 'the container was not recreated');
          assert.equal(await s.container.exists(`${HOME}/notes/todo.md`), false, 'the file survived the recreate: the test proves nothing');
        },
      },
      {
        title: 'Restore… the rescue archive from the Backups view into the new container: the saved file is back',
        timeoutSec: 90,
        run: async ({ s }) => {
          await s.wb.showViewContainer('Persistence');
          await s.wb.contextMenu(await backupRow(s, `writable layer of container "${s.name}"`), /^Restore/);
          await s.wb.pick(new RegExp(s.name));
          // the new container is not empty (code-server's own files): the restore asks, and takes a safety backup
          await s.wb.dialog().waitFor({ state: 'visible', timeout: 30_000 });
          assert.match(await s.wb.dialog().innerText(), /safety backup/);
          await s.wb.dialogButton(/^\s*Back Up and Replace\s*$/);
          await s.wb.notification(/Restored/, 60_000);
          assert.equal(String(await s.container.readFile(`${HOME}/notes/todo.md`)), saved);
        },
      },
    ],
  };
};
