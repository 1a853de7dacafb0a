/**
 * The pure parts of the restore targets (src/backup/restore-targets): the target in words, and the rescue plan
 * (which of a rescue archive's paths exist in the container, what is refused before anything is written), with
 * the container's answers given as a map instead of asked of an engine.
 */
import assert from 'node:assert/strict';
import type Dockerode from 'dockerode';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { isRestoreRefusal } from '../../../src/backup';
import { describeTarget } from '../../../src/backup/describe';
import { planRescueWrite, tmpfsMountPoints, type ContainerStat } from '../../../src/backup/restore-targets/container';
import type { PathKind } from '../../../src/backup/target-check';

const dir: ContainerStat = { isDir: true, isSymlink: false, linkTarget: '' };
const file: ContainerStat = { isDir: false, isSymlink: false, linkTarget: '' };
const link = (to: string): ContainerStat => ({ isDir: false, isSymlink: true, linkTarget: to });

function container(paths: Record<string, ContainerStat>, extra: { tmpfsPoints?: string[]; running?: boolean } = {}) {
  const asked: string[] = [];
  return {
    asked,
    at: {
      stat: async (abs: string): Promise<ContainerStat> => (asked.push(abs), paths[abs]),
      tmpfsPoints: extra.tmpfsPoints ?? [],
      running: extra.running ?? true,
      containerName: 'web',
    },
  };
}

const archive = (entries: Array<[string, PathKind]>): Map<string, PathKind> => new Map(entries);

describe('describeTarget', () => {
  it('names every kind of target as the messages do', () => {
    assert.equal(describeTarget({ kind: 'local', path: 'rel/dir' }), resolve('rel/dir'));
    assert.equal(describeTarget({ kind: 'volume', volume: 'data' }), 'volume "data"');
    assert.equal(describeTarget({ kind: 'container-path', container: 'web', path: '/srv' }), '/srv of container "web"');
    assert.equal(describeTarget({ kind: 'container', container: 'web' }), 'container "web"');
  });
});

describe('the rescue plan (a rescue archive back into its container)', () => {
  it('lists the top-level paths that exist there, and asks nothing below a missing directory', async () => {
    const c = container({ '/etc': dir, '/etc/passwd': file, '/home': dir });
    const plan = await planRescueWrite(
      '/b/r.tar.gz',
      archive([
        ['etc/passwd', 'file'],
        ['home/coder', 'dir'],
        ['home/coder/.ssh', 'dir'],
        ['opt/app/state', 'file'],
      ]),
      c.at,
    );
    assert.deepEqual(plan.conflicts, ['/etc/passwd']);
    assert.deepEqual(plan.toTmpfs, []);
    assert.ok(!c.asked.includes('/opt/app'), 'nothing exists below the missing /opt');
    assert.ok(!c.asked.includes('/home/coder/.ssh'), 'only the top-level paths are asked');
  });

  it('refuses a path under a symlink the container has, as link-in-target, naming the link', async () => {
    const c = container({ '/home': dir, '/home/coder': link('/etc') });
    await assert.rejects(planRescueWrite('/b/r.tar.gz', archive([['home/coder/x', 'file']]), c.at), (err: Error) => {
      assert.ok(isRestoreRefusal(err));
      assert.equal(err.kind, 'link-in-target');
      assert.match(
        err.message,
        /^\/b\/r\.tar\.gz is refused: the container has a symlink at \/home\/coder \(to \/etc\): restoring \/home\/coder\/x would write through it; nothing was restored$/,
      );
      return true;
    });
  });

  it('refuses a path under a file, and an entry for / itself', async () => {
    await assert.rejects(
      planRescueWrite('/b/r.tar.gz', archive([['etc/x/y', 'file']]), container({ '/etc': dir, '/etc/x': file }).at),
      (err: Error) => isRestoreRefusal(err) && err.kind === 'link-in-target',
    );
    await assert.rejects(
      planRescueWrite('/b/r.tar.gz', archive([['', 'dir']]), container({}).at),
      (err: Error) => isRestoreRefusal(err) && err.kind === 'archive-refused' && /entry for \/ itself/.test(err.message),
    );
  });

  it('what goes into a tmpfs needs the container running', async () => {
    const running = await planRescueWrite(
      '/b/r.tar.gz',
      archive([
        ['run/app/pid', 'file'],
        ['etc/x', 'file'],
      ]),
      container({}, { tmpfsPoints: ['/run/app'] }).at,
    );
    assert.deepEqual(running.toTmpfs, ['run/app/pid']);
    assert.ok(running.inTmpfs('run/app/pid') && !running.inTmpfs('etc/x'));
    await assert.rejects(
      planRescueWrite('/b/r.tar.gz', archive([['run/app/pid', 'file']]), container({}, { tmpfsPoints: ['/run/app'], running: false }).at),
      /\/run\/app of container "web" is a tmpfs, which exists only while the container runs/,
    );
  });

  it('finds the tmpfs mounts of both kinds', () => {
    const info = {
      HostConfig: { Tmpfs: { '/run/a': 'size=1m' } },
      Mounts: [
        { Type: 'tmpfs', Destination: '/cache/' },
        { Type: 'volume', Destination: '/data' },
      ],
    } as unknown as Dockerode.ContainerInspectInfo;
    assert.deepEqual(tmpfsMountPoints(info).sort(), ['/cache', '/run/a']);
  });
});
