/**
 * `volumes` on a real engine: every volume with who uses it and what it serves, an orphaned one with where it
 * was last seen, sizes on demand; `--prune` is a dry run without --yes, removes an unused volume that serves
 * nothing of importance, and keeps one that served data of criticality high.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { capture } from '../unit/helpers/cli';
import { RUN_LABEL, TestResources, docker, watchUnhandledRejections } from './helpers/docker';

describe('volumes: the inventory and a prune that keeps data', () => {
  const res = new TestResources();
  const rejections = watchUnhandledRejections();
  let savedState: string | undefined;
  const user = res.name('pl-vol-user');
  const orphanOwner = res.name('pl-vol-orphan');
  const used = res.name('pl-vol-used');
  const spare = res.name('pl-vol-spare');
  let anon = '';

  before(async () => {
    savedState = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = res.tempDir('pl-state-');
    await res.createVolume(used);
    await res.createVolume(spare);
    await res.run(user, ['-v', `${used}:/srv/data`]);
    // the anonymous volume carries this run's labels too, so the prune below can be limited to what this test made
    await res.run(orphanOwner, [
      '--mount',
      `type=volume,dst=/var/lib/app,${Object.entries(res.labels)
        .map(([k, v]) => `volume-label=${k}=${v}`)
        .join(',')}`,
    ]);
    await docker('exec', orphanOwner, 'sh', '-c', 'echo state > /var/lib/app/db');
    [anon] = await res.trackVolumesOf(orphanOwner, { anonymousOnly: true });
  });

  after(async () => {
    if (savedState === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = savedState;
    await res.cleanup();
    assert.deepEqual(rejections.stop(), []);
  });

  it('lists who uses each volume and what for; once orphaned, where it was', async () => {
    const first = capture();
    assert.equal(await runCli(['volumes', '--json'], first.io), 0, first.err.join(''));
    const before = JSON.parse(first.out.join('')).volumes as Array<{ name: string; users: Array<{ container: string; path: string }> }>;
    assert.deepEqual(
      before.find((v) => v.name === used)?.users.map((u) => [u.container, u.path]),
      [[user, '/srv/data']],
    );

    await docker('rm', '-f', orphanOwner); // without -v: orphaned, as after a recreate
    const second = capture();
    assert.equal(await runCli(['volumes', '--json', '--size'], second.io), 0, second.err.join(''));
    const out = JSON.parse(second.out.join(''));
    const orphan = out.volumes.find((v: { name: string }) => v.name === anon);
    assert.ok(orphan, 'the orphan is listed');
    assert.equal(orphan.users.length, 0);
    assert.equal(orphan.lastSeen.path, '/var/lib/app');
    assert.equal(orphan.criticality, 'high', 'what an anonymous volume at a declared path serves');
    assert.ok(typeof orphan.size === 'number' && orphan.size > 0, 'sizes on demand');
    assert.equal(typeof out.sizesMs, 'number');

    const human = capture();
    await runCli(['volumes'], human.io);
    assert.match(human.out.join(''), new RegExp(`${anon.slice(0, 12)}\\s+none \\(was /var/lib/app of ${orphanOwner}\\)`));
  });

  it('--prune: a dry run without --yes; with it, the spare volume goes and the orphan that served data stays', async () => {
    // --label: the engine is shared; a test prunes only the volumes it made
    const mine = ['--label', `${RUN_LABEL}=${res.runId}`];
    const dry = capture();
    assert.equal(await runCli(['volumes', '--prune', ...mine], dry.io), 0, dry.err.join(''));
    assert.match(dry.out.join(''), /would be removed \(pass --yes/);
    assert.ok((await docker('volume', 'ls', '-q')).split('\n').includes(spare), 'nothing removed in a dry run');

    const real = capture();
    assert.equal(await runCli(['volumes', '--prune', '--yes', '--json', ...mine], real.io), 0, real.err.join(''));
    const r = JSON.parse(real.out.join(''));
    assert.ok(r.removed.includes(spare), JSON.stringify(r));
    assert.ok(!r.removed.includes(anon) && r.kept.some((k: { name: string }) => k.name === anon), JSON.stringify(r));
    assert.ok(!r.removed.includes(used), 'a volume in use is never pruned');
    const left = (await docker('volume', 'ls', '-q')).split('\n');
    assert.ok(!left.includes(spare) && left.includes(anon) && left.includes(used));
  });
});
