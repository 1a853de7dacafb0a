// Issue #15, point 4: browse a named volume in the Explorer and download a file from it in Chromium. The
// window opens on a multi-root workspace, so adding the browsed folder does not reload it (see SessionOptions.multiRoot).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { docker, runLabels } from '../harness/docker';
import type { ScenarioFactory } from '../harness/runner';
import { thisContainerPaths } from './common';

const CONTENT = 'theme = dark\nfont = mono\n';

export const browseVolume: ScenarioFactory = () => {
  let volume = '';
  return {
    name: 'browse-volume',
    title: 'browsing a named volume read-only in the Explorer and downloading a file from it',
    session: { socket: true, multiRoot: true },
    steps: [
      {
        title: 'Browse Volume from the palette adds the volume as a folder of the Explorer',
        timeoutSec: 90,
        run: async ({ s }) => {
          volume = await s.createVolume('browse');
          await docker([
            'run',
            '--rm',
            ...runLabels(s.run.runId),
            '--user',
            '0',
            '-v',
            `${volume}:/d`,
            '--entrypoint',
            '/bin/sh',
            s.run.image,
            '-c',
            `mkdir -p /d/app && printf '${CONTENT.replace(/\n/g, '\\n')}' > /d/app/settings.toml`,
          ]);
          // the palette offers Browse Volume once a scan has reached the engine (the Paths view's first scan)
          await thisContainerPaths(s);
          await s.wb.command('Persistence Lens: Browse Volume');
          await s.wb.pick(volume, 30_000);
          const explorer = s.wb.page.locator('.explorer-folders-view');
          const root = s.wb
            .rows(explorer)
            .filter({ hasText: `volume "${volume}"` })
            .first();
          await root.waitFor({ state: 'visible', timeout: 30_000 });
          await s.wb.expand(root);
          const app = s.wb.row(explorer, /^app$/);
          await s.wb.expand(app);
          await s.wb.row(explorer, /^settings\.toml$/).waitFor({ state: 'visible', timeout: 20_000 });
        },
      },
      {
        title: "the Explorer's Download… saves the file's bytes through Chromium",
        timeoutSec: 60,
        run: async ({ s }) => {
          const explorer = s.wb.page.locator('.explorer-folders-view');
          const row = s.wb.row(explorer, /^settings\.toml$/);
          const download = s.wb.page.waitForEvent('download', { timeout: 30_000 });
          await s.wb.contextMenu(row, /^Download/);
          const d = await download;
          assert.equal(d.suggestedFilename(), 'settings.toml');
          const path = await d.path();
          assert.equal(readFileSync(path, 'utf8'), CONTENT);
          // read-only: the volume is as it was, and no helper container is left running or started
          const helpers = (await docker(['ps', '-a', '--filter', `volume=${volume}`, '--format', '{{.State}}']))
            .split('\n')
            .filter(Boolean);
          assert.ok(
            helpers.every((st) => st === 'created'),
            `a helper was started: ${helpers.join(', ')}`,
          );
        },
      },
    ],
  };
};
