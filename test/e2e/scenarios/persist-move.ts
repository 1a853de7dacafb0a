// Issue 11, end to end: code-server runs in a compose project's container (docker-compose v1) with the Docker
// socket; ~/.ssh with a key lives in its writable layer. As a user: Persist Path… on ~/.ssh from the Paths
// view, "Move current data (recommended)" (a live copy: it is the editor's own container), the compose file
// gets the volume; then the container is recreated from outside with the exact docker-compose command the
// extension shows, the page reloaded, and the key is there (same bytes, mode, owner) on the new named volume,
// the extension says once that the path was verified, and its manifest is gone from the volume.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runArgv } from '../harness/compose';
import { CODER_UID, HOME } from '../harness/container';
import { docker, dockerBytes, dockerOk } from '../harness/docker';
import type { ScenarioFactory } from '../harness/runner';
import { eventually, pathsRow, thisContainerPaths } from './common';

const SSH = `${HOME}/.ssh`;
const KEY = `${SSH}/id_ed25519`;
const MANIFEST = `${SSH}/.persistence-lens-move.json`;
const KEY_TEXT =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDe2e-persistence-lens-test-key-not-a-real-one\n-----END OPENSSH PRIVATE KEY-----\n';

/** Mode (octal), uid, gid of a path in a container (busybox stat). */
async function statOf(container: string, path: string): Promise<string> {
  return docker(['exec', container, 'stat', '-c', '%a %u %g', path]);
}

export const persistMove: ScenarioFactory = () => {
  let volume = '';
  let command = '';
  let before = { mode: '', dirMode: '' };
  return {
    name: 'persist-move',
    title: "Persist Path… on ~/.ssh of the editor's own compose container: move the data, recreate with docker-compose, verified",
    session: { socket: true, compose: true },
    steps: [
      {
        title: '~/.ssh with a key (0600) in the writable layer shows under "This container", at risk, holding data',
        timeoutSec: 90,
        run: async ({ s, docShot }) => {
          const c = s.container.id;
          await docker(
            [
              'exec',
              '-i',
              '-u',
              String(CODER_UID),
              c,
              'sh',
              '-c',
              `mkdir -p ${SSH} && chmod 700 ${SSH} && cat > ${KEY} && chmod 600 ${KEY}`,
            ],
            { input: KEY_TEXT },
          );
          assert.equal((await dockerBytes(['exec', c, 'cat', KEY])).toString(), KEY_TEXT);
          before = { mode: await statOf(c, KEY), dirMode: await statOf(c, SSH) };
          assert.equal(before.mode, `600 ${CODER_UID} ${CODER_UID}`);
          await s.wb.showViewContainer('Persistence');
          await eventually(
            async () => {
              await s.wb.command('Persistence Lens: Refresh');
              const paths = await thisContainerPaths(s);
              const row = paths.get(SSH);
              assert.ok(row, `no ${SSH} under This container: ${JSON.stringify([...paths])}`);
              assert.equal(row.group, 'At risk');
              assert.match(row.description, /holds data/);
              assert.match(row.description, /writable layer/);
            },
            60_000,
            1_000,
          );
          await s.wb.rest();
          await docShot('persist-move-tree', s.wb.page.locator('.part.sidebar'));
        },
      },
      {
        title: 'Persist Path… → "Move current data (recommended)": copied live and verified, the compose file declares the volume',
        timeoutSec: 90,
        run: async ({ s, log }) => {
          const wb = s.wb;
          const row = await pathsRow(s, new RegExp(`^${SSH.replace(/\./g, '\\.')}$`));
          await wb.contextMenu(row, /^Persist Path…$/);
          const move = wb.quickRows().filter({ hasText: 'Move current data (recommended)' }).first();
          await move.waitFor({ state: 'visible', timeout: 30_000 });
          const detail = await move.innerText();
          // the editor's own container: a live copy, and it says that later writes are not included
          assert.match(detail, /is the container this editor runs in/, detail);
          assert.match(detail, /What is written to \/home\/coder\/\.ssh after the copy is not included/, detail);
          await move.click();
          const text = await wb.notification(/while this container ran, verified in the volume/, 60_000);
          log(`after the move: ${text.replace(/\s+/g, ' ')}`);
          const m = /Copied 1 file \([\d.]+ k?B\) of \/home\/coder\/\.ssh into volume (\S+) while this container ran/.exec(text);
          assert.ok(m, text);
          volume = m[1]!;
          s.trackVolume(volume);
          assert.match(text, /What is written to \/home\/coder\/\.ssh from now on is NOT in the volume/);
          // the exact command, as the user would paste it into a shell on the Docker host
          const cmd = /\(((?:cd \S+ && )?docker-compose [^)]*)\)/.exec(text);
          assert.ok(cmd, `the message shows no docker-compose command: ${text}`);
          command = cmd[1]!.trim();
          const argv = command
            .slice(command.indexOf('docker-compose'))
            .split(/\s+/)
            .map((a) => a.replace(/^'(.*)'$/, '$1'));
          assert.deepEqual(argv.slice(0, 5), ['docker-compose', '-p', s.compose!.project, '-f', s.compose!.file], command);
          assert.ok(argv.includes('up') && argv.includes('-d'), command);
          // the file on disk (the edit is saved), with the volume entry at ~/.ssh, declared at the top level
          await eventually(async () => {
            const yaml = readFileSync(s.compose!.file, 'utf8');
            const key = volume.slice(s.compose!.project.length + 1);
            assert.ok(volume.startsWith(`${s.compose!.project}_`), volume);
            assert.match(yaml, new RegExp(`- ${key}:${SSH.replace(/\./g, '\\.')}\\n`), yaml);
            assert.match(yaml, new RegExp(`\\nvolumes:\\n(.*\\n)*  ${key}:`), yaml);
          }, 15_000);
          // the volume holds the key and the manifest; the container ran on
          const inVolume = await docker(['run', '--rm', '-v', `${volume}:/v:ro`, '--entrypoint', '/bin/sh', s.run.image, '-c', 'ls -A /v']);
          assert.deepEqual(inVolume.split('\n').sort(), ['.persistence-lens-move.json', 'id_ed25519']);
          const copied = await dockerBytes([
            'run',
            '--rm',
            '-v',
            `${volume}:/v:ro`,
            '--entrypoint',
            '/bin/cat',
            s.run.image,
            '/v/id_ed25519',
          ]);
          assert.equal(copied.toString(), KEY_TEXT, 'the key in the volume');
          assert.equal(await docker(['inspect', '-f', '{{.State.Running}}', s.container.id]), 'true');
        },
      },
      {
        title: 'the docker-compose command the extension shows, run from outside, recreates the container; the page reloads into it',
        timeoutSec: 120,
        run: async ({ s, log }) => {
          const old = s.container.id;
          const t0 = Date.now();
          log(`$ ${command}`);
          await runArgv(['sh', '-c', command], 90_000);
          const c = await s.adoptComposeContainer(60_000);
          assert.notEqual(c.id, old, 'the container was not recreated');
          log(`recreated in ${((Date.now() - t0) / 1000).toFixed(1)} s; code-server answers on ${c.address}`);
          await s.wb.load(s.workbenchUrl());
        },
      },
      {
        title: 'the key is in the new container with the same bytes, mode and owner, on the named volume',
        run: async ({ s }) => {
          const c = s.container.id;
          const listing = await docker(['exec', c, 'ls', '-lan', SSH]);
          assert.equal((await dockerBytes(['exec', c, 'cat', KEY])).toString(), KEY_TEXT, listing);
          assert.equal(await statOf(c, KEY), before.mode);
          assert.equal(await statOf(c, SSH), before.dirMode, 'the folder keeps its mode and owner');
          const mounts = JSON.parse(await docker(['inspect', '-f', '{{json .Mounts}}', c])) as {
            Type: string;
            Name?: string;
            Destination: string;
          }[];
          const at = mounts.find((m) => m.Destination === SSH);
          assert.deepEqual(at && { type: at.Type, name: at.Name }, { type: 'volume', name: volume }, JSON.stringify(mounts));
        },
      },
      {
        title: 'the extension reports once that ~/.ssh was verified, and removes its manifest from the volume',
        timeoutSec: 90,
        run: async ({ s, docShot }) => {
          const wb = s.wb;
          await wb.showViewContainer('Persistence');
          const verified = new RegExp(
            `${SSH.replace(/\./g, '\\.')} holds what was copied into volume ${volume} before the recreate: 1 file \\([\\d.]+ k?B\\), verified in the recreated container\\.`,
          );
          const toast = wb.toast(verified).first();
          await toast.waitFor({ state: 'visible', timeout: 60_000 });
          // the tree now lists ~/.ssh as persistent, on the new volume
          await wb.sidebarWidth(560);
          await eventually(
            async () => {
              const paths = await thisContainerPaths(s);
              assert.deepEqual(
                paths.get(SSH),
                { group: 'Persistent', description: `named volume · ${volume}` },
                JSON.stringify([...paths]),
              );
            },
            30_000,
            1_000,
          );
          // the whole message, as a user reads it by expanding the toast
          await toast.hover();
          await toast
            .locator('.action-label[aria-label^="Expand Notification"]')
            .first()
            .click({ timeout: 3_000 })
            .catch(() => undefined);
          await docShot('persist-move-verified');
          await wb.rest();
          await eventually(
            async () =>
              assert.equal(await dockerOk(['exec', s.container.id, 'test', '-e', MANIFEST]), false, 'the manifest is still in the volume'),
            15_000,
          );
          // once: one such notification in the notification center
          await wb.command('Notifications: Show Notifications');
          const center = wb.page.locator('.notifications-center');
          await center.waitFor({ state: 'visible', timeout: 10_000 });
          assert.equal(await center.locator('.notification-list-item').filter({ hasText: verified }).count(), 1);
          await center.locator('.action-label[aria-label^="Hide Notifications"]').click();
        },
      },
    ],
  };
};
