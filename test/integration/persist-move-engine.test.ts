/**
 * The move engine through its API on a real engine: a plain `docker run` container recreated with the new
 * volume, the engine cut off mid-copy, and the time and memory of moving 100 MB.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connectDocker } from '../../src/sources/docker/client';
import { containerPathDigest, moveIntoVolume, type MoveResult } from '../../src/move/index';
import { recreateWithMount } from '../../src/move/container-recreate';
import { compareTrees } from '../../src/move/tree-digest';
import { docker, TestResources } from './helpers/docker';
import { SocketProxy } from './helpers/backup/socket-proxy';

const res = new TestResources();
/** busybox sleep, PID 1, ignores SIGTERM: the move's stop waits the container's stop timeout, 1 s instead of 10. */
const FAST_STOP = ['--stop-timeout', '1'];
const state = (c: string): Promise<string> => docker('inspect', '--format', '{{.State.Status}}', c);

describe('the move engine on a real engine', { timeout: 600_000 }, () => {
  after(() => res.cleanup());

  it('moves the writable layer of a plain docker run container and recreates it through the API with the volume', async () => {
    const name = res.name('mvplain');
    await res.run(name, [...FAST_STOP, '-e', 'KEEP=me', '-p', '127.0.0.1::8080']);
    await docker('exec', name, 'sh', '-c', 'mkdir -p /root/notes && echo plain > /root/notes/n && chmod 640 /root/notes/n');
    const volume = res.name('mvplainvol');
    res.trackVolume(volume);
    const conn = await connectDocker();
    const moved = await moveIntoVolume(
      { container: name, path: '/root/notes', target: { name: volume, labels: res.labels, declaredBy: 'plain' } },
      { docker: conn },
    );
    assert.equal(moved.files, 1);
    assert.equal(moved.leftStopped, true);
    assert.equal(await state(name), 'exited');
    const recreated = await recreateWithMount(conn, moved.container.id, { Type: 'volume', Source: volume, Target: '/root/notes' });
    res.trackContainer(recreated.id);
    // the move left the old container stopped, so the new one was made stopped too: start it as persist-flow does
    await docker('start', recreated.id);
    assert.equal(recreated.name, name);
    const { digest, source } = await containerPathDigest(conn, recreated.id, '/root/notes');
    assert.equal(source.volume, volume);
    assert.deepEqual(compareTrees(moved.digest, digest), []);
    assert.equal(await docker('exec', name, 'cat', '/root/notes/n'), 'plain');
    assert.match(await docker('inspect', '--format', '{{range .Config.Env}}{{.}} {{end}}', name), /KEEP=me/);
  });

  it('the engine cut off mid-copy: the move fails, the new volume is removed, the container runs again, the data is where it was', async () => {
    const name = res.name('mvcut');
    await res.run(name, FAST_STOP);
    await docker('exec', name, 'sh', '-c', 'mkdir -p /srv/big && dd if=/dev/urandom of=/srv/big/blob bs=1M count=64 2>/dev/null');
    const sock = join(res.tempDir('pl-mvcut-'), 'docker.sock');
    const proxy = new SocketProxy(sock);
    await proxy.start();
    const volume = res.name('mvcutvol');
    res.trackVolume(volume);
    let committed = false;
    try {
      const conn = await connectDocker({ host: `unix://${sock}` });
      let cut = false;
      await assert.rejects(
        moveIntoVolume(
          { container: name, path: '/srv/big', target: { name: volume, labels: res.labels, declaredBy: 'plain' } },
          {
            docker: conn,
            helperLabels: res.labels,
            progressIntervalMs: 20,
            onProgress: (p) => {
              if (!cut && p.phase === 'copying' && p.bytes > 8 * 1024 * 1024) {
                cut = true;
                void proxy.cut().then(() => setTimeout(() => void proxy.resume(), 800));
              }
            },
            commit: async () => {
              committed = true;
            },
          },
        ),
        (err: Error) => {
          assert.equal(err.name, 'MoveError');
          assert.match(err.message, /copying \/srv\/big of container \S+ into volume "[^"]+" failed/);
          assert.match(err.message, /the new volume "[^"]+" was removed; container \S+ is running again/i);
          return true;
        },
      );
      assert.ok(cut, 'the engine was cut during the copy');
    } finally {
      await proxy.stop();
    }
    assert.equal(committed, false, 'nothing was committed');
    assert.equal(await state(name), 'running');
    assert.equal(await docker('exec', name, 'sh', '-c', 'wc -c < /srv/big/blob'), String(64 * 1024 * 1024));
    assert.equal(await docker('volume', 'ls', '-q', '--filter', `name=^${volume}$`), '');
  });

  it('moves 100 MB with bounded memory (measured)', async () => {
    const name = res.name('mvbig');
    await res.run(name, FAST_STOP);
    await docker(
      'exec',
      name,
      'sh',
      '-c',
      'mkdir -p /srv/big && for i in 1 2 3 4; do dd if=/dev/urandom of=/srv/big/blob$i bs=1M count=25 2>/dev/null; done',
    );
    const volume = res.name('mvbigvol');
    res.trackVolume(volume);
    let peakRss = process.memoryUsage().rss;
    const base = peakRss;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
    const t0 = Date.now();
    const phases: Record<string, number> = {};
    let moved: MoveResult;
    try {
      moved = await moveIntoVolume(
        { container: name, path: '/srv/big', target: { name: volume, labels: res.labels, declaredBy: 'plain' } },
        { helperLabels: res.labels, onProgress: (p) => void (phases[p.phase] ??= p.elapsedMs) },
      );
    } finally {
      clearInterval(timer);
    }
    const ms = Date.now() - t0;
    assert.equal(moved.bytes, 100 * 1024 * 1024);
    assert.equal(moved.files, 4);
    const growth = (peakRss - base) / 1e6;
    const copyMs = (phases.verifying ?? 0) - (phases.copying ?? 0);
    const verifyMs = ms - (phases.verifying ?? 0);
    console.log(
      `# moved 100 MiB in ${ms} ms in all: stop ${(phases.copying ?? 0) - (phases.stopping ?? 0)} ms (sleep ignores SIGTERM: docker stop waits the container's 1 s), copy ${copyMs} ms, read back and compare ${verifyMs} ms; RSS grew by ${growth.toFixed(1)} MB`,
    );
    assert.ok(growth < 80, `memory grew by ${growth.toFixed(1)} MB while moving 100 MiB: something buffers`);
  });
});
