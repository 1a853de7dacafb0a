import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupRoots, persistGroup, planRescue, type Change } from '../../../src/backup/rescue-plan';

const changes: Change[] = [
  { path: '/home', kind: 0 },
  { path: '/home/coder', kind: 0 },
  { path: '/home/coder/.ssh', kind: 1 },
  { path: '/home/coder/.ssh/id', kind: 1 },
  { path: '/home/coder/.ssh/known_hosts', kind: 1 },
  { path: '/home/coder/.bash_history', kind: 1 },
  { path: '/etc', kind: 0 },
  { path: '/etc/passwd', kind: 0 },
  { path: '/etc/hosts', kind: 0 },
  { path: '/etc/resolv.conf', kind: 0 },
  { path: '/etc/hostname', kind: 0 },
  { path: '/bin', kind: 0 },
  { path: '/bin/true', kind: 2 },
  { path: '/data', kind: 1 },
  { path: '/data/x', kind: 1 },
  { path: '/opt', kind: 1 },
  { path: '/opt/app', kind: 1 },
  { path: '/opt/app/f', kind: 1 },
  { path: '/tmp', kind: 0 },
  { path: '/tmp/scratch', kind: 1 },
  { path: '/dev', kind: 0 },
  { path: '/dev/null2', kind: 1 },
];

describe('rescue plan', () => {
  it('archives added subtrees and modified files; skips deleted paths, mounts, engine files and /dev', async () => {
    const plan = await planRescue(changes, ['/data', '/tmp']);
    assert.deepEqual(
      plan.roots.map((r) => [r.path, r.change, r.listed]),
      [
        ['/etc/passwd', 'modified', 1],
        ['/home/coder/.bash_history', 'added', 1],
        ['/home/coder/.ssh', 'added', 3],
        ['/opt', 'added', 3],
      ],
    );
    assert.deepEqual(plan.modifiedDirs, ['/bin', '/etc', '/home', '/home/coder']);
    assert.deepEqual(plan.deleted, ['/bin/true']);
    assert.deepEqual(plan.skipped, [
      '/data',
      '/data/x',
      '/dev',
      '/dev/null2',
      '/etc/hostname',
      '/etc/hosts',
      '/etc/resolv.conf',
      '/tmp',
      '/tmp/scratch',
    ]);
  });

  it('asks whether a modified path is a directory when a callback is given', async () => {
    const plan = await planRescue(
      [
        { path: '/etc', kind: 0 },
        { path: '/var/lib/app', kind: 0 },
      ],
      [],
      async (p) => p === '/etc',
    );
    assert.deepEqual(plan.modifiedDirs, ['/etc']);
    assert.deepEqual(
      plan.roots.map((r) => r.path),
      ['/var/lib/app'],
    );
  });

  it('groups rescued paths by the directory to persist', async () => {
    assert.equal(persistGroup('/home/coder/.ssh/id'), '/home/coder/.ssh');
    assert.equal(persistGroup('/root/.cache/x/y'), '/root/.cache');
    assert.equal(persistGroup('/srv/home/u/x', '/srv/home/u'), '/srv/home/u/x');
    assert.equal(persistGroup('/var/lib/postgresql/data/base'), '/var/lib');
    assert.equal(persistGroup('/opt'), '/opt');
    const plan = await planRescue(changes, ['/data', '/tmp'], async (p) =>
      ['/home', '/home/coder', '/etc', '/bin', '/opt', '/home/coder/.ssh'].includes(p),
    );
    assert.deepEqual(groupRoots(plan.roots, '/home/coder'), [
      { directory: '/etc', paths: ['/etc/passwd'] },
      { directory: '/home/coder', paths: ['/home/coder/.bash_history'] },
      { directory: '/home/coder/.ssh', paths: ['/home/coder/.ssh'] },
      { directory: '/opt', paths: ['/opt'] },
    ]);
  });
});
