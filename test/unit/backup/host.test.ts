/**
 * This machine's name in partial file names and helper labels (src/backup/archive-file.ts safeHost): one safe
 * form is written, and the raw host name that helper owner labels held before is still read as this machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterEach, describe, it, mock } from 'node:test';
import type Dockerode from 'dockerode';
import { isThisHost, safeHost } from '../../../src/backup/archive-file';
import { HELPER_LABEL, OWNER_LABEL, sweepStaleHelpers } from '../../../src/backup/docker-access';

/** The pid of a process that has exited: no process answers to it. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid && r.pid > 0);
  return r.pid;
}

describe('safeHost', () => {
  afterEach(() => mock.restoreAll());

  it('keeps letters, digits, _ and -, at most 40 of them', () => {
    mock.method(os, 'hostname', () => 'dev.box.example:1/' + 'x'.repeat(60));
    assert.equal(safeHost(), ('dev_box_example_1_' + 'x'.repeat(60)).slice(0, 40));
  });

  it('says "host" when the name cannot be read', () => {
    mock.method(os, 'hostname', () => {
      throw new Error('no name');
    });
    assert.equal(safeHost(), 'host');
  });

  it('reads both the safe form and the raw host name as this machine, and no other', () => {
    mock.method(os, 'hostname', () => 'dev.box.example');
    assert.equal(isThisHost('dev_box_example'), true);
    assert.equal(isThisHost('dev.box.example'), true);
    assert.equal(isThisHost('other.box.example'), false);
  });
});

describe('sweepStaleHelpers', () => {
  afterEach(() => mock.restoreAll());

  it('removes the dead helpers of this machine whether their owner label holds the safe or the raw host name', async () => {
    mock.method(os, 'hostname', () => 'dev.box.example');
    const pid = deadPid();
    const now = Date.now();
    const created = Math.floor(now / 1000) - 60;
    const containers = [
      { Id: 'a', Names: ['/safe-form'], Created: created, Labels: { [HELPER_LABEL]: '1', [OWNER_LABEL]: `dev_box_example/${pid}` } },
      { Id: 'b', Names: ['/raw-form'], Created: created, Labels: { [HELPER_LABEL]: '1', [OWNER_LABEL]: `dev.box.example/${pid}` } },
      { Id: 'c', Names: ['/other-host'], Created: created, Labels: { [HELPER_LABEL]: '1', [OWNER_LABEL]: `other.box.example/${pid}` } },
      { Id: 'd', Names: ['/alive'], Created: created, Labels: { [HELPER_LABEL]: '1', [OWNER_LABEL]: `dev_box_example/${process.pid}` } },
    ];
    const asked: string[] = [];
    const docker = {
      listContainers: async (opts: { filters: { label: string[] } }) => {
        asked.push(...opts.filters.label);
        return containers;
      },
      getContainer: (id: string) => ({ remove: async () => void id }),
    } as unknown as Dockerode;
    assert.deepEqual((await sweepStaleHelpers(docker, now)).sort(), ['raw-form', 'safe-form']);
    assert.deepEqual(asked, [`${HELPER_LABEL}=1`]);
  });
});
