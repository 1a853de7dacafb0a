/**
 * Orphaned anonymous volumes on a real engine: `orphans` remembers where each anonymous volume was mounted,
 * names the container and path once a recreate (here `docker rm` + a new container) orphans it, and `recover`
 * copies it into a named volume, verified, without changing it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { capture } from '../unit/helpers/cli';
import { TestResources, docker, readInContainer, watchUnhandledRejections } from './helpers/docker';

describe('orphaned anonymous volumes: orphans and recover', () => {
  const res = new TestResources();
  const rejections = watchUnhandledRejections();
  let state: string;
  let savedState: string | undefined;
  let anon: string;
  const name = res.name('pl-orphan');
  const into = res.name('pl-recovered');

  before(async () => {
    state = res.tempDir('pl-state-');
    savedState = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = state;
    await res.run(name, ['-v', '/data']);
    await docker(
      'exec',
      name,
      'sh',
      '-c',
      'echo hello > /data/f && mkdir /data/d && echo x > /data/d/y && ln -s f /data/l && chmod 640 /data/f',
    );
    [anon] = await res.trackVolumesOf(name, { anonymousOnly: true });
    assert.ok(anon);
    res.trackVolume(into);
  });

  after(async () => {
    if (savedState === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = savedState;
    await res.cleanup();
    assert.deepEqual(rejections.stop(), []);
  });

  it('remembers the volume while it is mounted, and names its container and path once it is orphaned', async () => {
    const first = capture();
    assert.equal(await runCli(['orphans', '--json'], first.io), 0, first.err.join(''));
    assert.ok(!JSON.parse(first.out.join('')).orphans.some((o: { name: string }) => o.name === anon), 'still mounted: not an orphan');
    assert.ok(existsSync(join(state, 'persistence-lens', 'volume-sightings.json')), 'the sighting is kept in the state folder');

    // a plain `scan` that reaches the engine remembers it too
    const sightings = join(state, 'persistence-lens', 'volume-sightings.json');
    rmSync(sightings);
    assert.equal(await runCli(['scan', '--docker', '--container', name, '--json'], capture().io), 0);
    assert.ok(readFileSync(sightings, 'utf8').includes(anon), 'scan recorded where the volume is mounted');

    await docker('rm', '-f', name); // without -v: the volume stays, orphaned, as after a recreate
    const second = capture();
    assert.equal(await runCli(['orphans', '--json'], second.io), 0, second.err.join(''));
    const orphan = JSON.parse(second.out.join('')).orphans.find((o: { name: string }) => o.name === anon);
    assert.ok(orphan, second.out.join(''));
    assert.equal(orphan.lastSeen.path, '/data');
    assert.equal(orphan.lastSeen.container, name);

    const human = capture();
    await runCli(['orphans'], human.io);
    assert.match(human.out.join(''), new RegExp(`${anon.slice(0, 12)}\\s+was /data of ${name}`));
  });

  it('recovers it into a named volume, verified, and leaves it as it was', async () => {
    const r = capture();
    assert.equal(await runCli(['recover', anon.slice(0, 12), '--into', into], r.io), 0, r.err.join(''));
    assert.match(r.err.join(''), new RegExp(`recovered 2 files .* into "${into}", verified`));
    const check = res.name('pl-check');
    await res.run(check, ['-v', `${into}:/r`]);
    assert.equal(await readInContainer(check, '/r/f'), 'hello');
    assert.equal(await readInContainer(check, '/r/d/y'), 'x');
    assert.equal(await docker('exec', check, 'stat', '-c', '%a', '/r/f'), '640');
    assert.match(await docker('exec', check, 'ls', '-l', '/r/l'), /l -> f$/);
    await docker('rm', '-f', check);

    const again = capture();
    assert.equal(await runCli(['recover', anon, '--into', into], again.io), 2, 'a volume that holds data is never merged into');
    assert.match(again.err.join(''), /exists already and holds data/);
    const still = res.name('pl-still');
    await res.run(still, ['-v', `${anon}:/o`]);
    assert.equal(await readInContainer(still, '/o/f'), 'hello', 'the orphan is unchanged');
    const busy = capture();
    assert.equal(await runCli(['recover', anon, '--into', res.name('pl-other')], busy.io), 2);
    assert.match(busy.err.join(''), /mounted by the running container/);
  });
});
