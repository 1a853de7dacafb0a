// Step 1 of issue #6: the Persistence view lists this container's paths with the right statuses, with the
// Docker socket mounted and without it (then everything comes from /proc/self/mountinfo).
import assert from 'node:assert/strict';
import type { ScenarioFactory } from '../harness/runner';
import { assertPaths, eventually, expectedPaths, thisContainerPaths } from './common';

export const pathsWithoutSocket: ScenarioFactory = () => ({
  name: 'paths-no-socket',
  title: 'the Persistence view inside a container without the Docker socket',
  session: { socket: false },
  steps: [
    {
      title: "the Paths view lists this container's paths with their statuses, read from the mount table",
      run: async ({ s }) => {
        const paths = await eventually(async () => {
          const p = await thisContainerPaths(s);
          assertPaths(p, expectedPaths(s));
          return p;
        });
        assert.ok(paths.size >= 5, `only ${paths.size} paths listed`);
      },
    },
    {
      title: 'the view says which Docker Engine it tried, and lists no container nor anything only the engine knows',
      run: async ({ s }) => {
        const rows = await s.wb.treeText(s.wb.pane('Paths'));
        const roots = rows.filter((r) => r.level === 1);
        const message = roots.find((r) => r.label === 'No Docker Engine answered');
        assert.ok(message, `no "No Docker Engine answered" row; roots: ${JSON.stringify(roots)}`);
        assert.match(message.description, /\/var\/run\/docker\.sock/, 'the message does not say where it looked');
        const containers = roots.filter((r) => /^(running|exited|created|paused)\b/.test(r.description));
        assert.deepEqual(containers, [], 'containers listed without a Docker Engine');
        // Without the engine the container's own name is unknown: the root names it by its hostname (the short id).
        const self = roots.find((r) => r.label === 'This container')!;
        assert.ok(!self.description.includes(s.name), `"${self.description}" names the container without the engine`);
        assert.ok(
          !rows.some((r) => r.label.startsWith('Writable layer holds')),
          "the writable layer's contents are listed without the engine",
        );
      },
    },
  ],
});

export const pathsWithSocket: ScenarioFactory = () => ({
  name: 'paths-socket',
  title: 'the Persistence view inside a container with the Docker socket mounted',
  session: { socket: true },
  steps: [
    {
      title: "the Paths view lists this container's paths with their statuses, the named volume by its name",
      run: async ({ s, docShot }) => {
        // with the engine, the writable layer's changes are known: the folders that hold files say so
        const held = { group: 'At risk', description: 'holds data · writable layer' };
        await eventually(async () =>
          assertPaths(await thisContainerPaths(s), {
            ...expectedPaths(s),
            '/home/coder': held,
            '/home/coder/.local/share/code-server': held,
          }),
        );
        await docShot('tree');
      },
    },
    {
      title: 'through the Docker Engine, this container is recognised as itself, with what its writable layer holds',
      run: async ({ s }) => {
        const pane = s.wb.pane('Paths');
        const root = s.wb.row(pane, /^This container$/);
        // the name and the image are the engine's (the container's hostname is only its short id)
        assert.equal(await root.locator('.label-description').innerText(), `${s.name} · ${s.run.image}`);
        await s.wb.row(pane, /^Writable layer holds/).waitFor({ state: 'visible', timeout: 10_000 });
      },
    },
    {
      title: "the Volumes view lists the session's named volume, used by this container (the browse step is the Browse change's)",
      run: async ({ s }) => {
        const pane = await s.wb.expandPane('Volumes');
        await eventually(async () => {
          const rows = await s.wb.treeText(pane);
          const row = rows.find((r) => r.label === s.configVolume);
          assert.ok(row, `no row for ${s.configVolume}; rows: ${JSON.stringify(rows.slice(0, 10))}`);
          assert.ok(row.description.startsWith(`${s.name}:/`), `"${row.description}" does not name this container`);
        }, 60_000);
      },
    },
  ],
});
