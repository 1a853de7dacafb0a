/**
 * Issue 13, point 19 on a real Docker Engine: `stopContainers` (the CLI's --stop) stops the running containers
 * that write to a volume while it is archived and starts them again, after a success and after a cancel; a
 * container that only reads it (read-only mount) is left running.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backup, isAbortError } from '../../src/backup';
import { TestRun, IMAGE } from './helpers/backup/engine';

let run: TestRun;
let work: string;
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);

before(async () => {
  run = await TestRun.start();
  work = mkdtempSync(join(tmpdir(), 'pl-backup-stop-'));
});

after(async () => {
  await run?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function runningWith(volume: string, readOnly = false): Promise<string> {
  const name = run.name(readOnly ? 'reader' : 'writer');
  // busybox sleep ignores SIGTERM: a 1 s stop timeout keeps the test short
  const c = await run.docker.createContainer({
    name,
    Image: IMAGE,
    Cmd: ['sleep', '86400'],
    Labels: run.labels,
    StopTimeout: 1,
    HostConfig: { Binds: [`${volume}:/data${readOnly ? ':ro' : ''}`] },
  });
  await c.start();
  return name;
}

const state = async (name: string): Promise<{ running: boolean; startedAt: string }> => {
  const i = await run.docker.getContainer(name).inspect();
  return { running: i.State.Running, startedAt: i.State.StartedAt };
};

describe('--stop: consistent backups of a volume in use (issue 13, point 19)', { timeout: 300_000 }, () => {
  it('stops the writers while archiving and starts them again; leaves a read-only user running', async () => {
    const vol = await run.createVolume();
    const writer = await runningWith(vol);
    const reader = await runningWith(vol, true);
    const w0 = await state(writer);
    const r0 = await state(reader);
    let seenWhileArchiving: boolean | undefined;
    const r = await backup(
      { kind: 'volume', volume: vol },
      {
        outDir: fresh('out'),
        helperLabels: run.labels,
        stopContainers: true,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.phase === 'archiving' && seenWhileArchiving === undefined) {
            seenWhileArchiving = false;
            void state(writer).then((s) => (seenWhileArchiving = s.running));
          }
        },
      },
    );
    assert.deepEqual(r.stopped, [writer]);
    assert.equal(seenWhileArchiving, false, 'the writer was stopped while the volume was archived');
    const w1 = await state(writer);
    assert.equal(w1.running, true, 'started again');
    assert.notEqual(w1.startedAt, w0.startedAt, 'it was restarted');
    assert.deepEqual(await state(reader), r0, 'a read-only user is not stopped');
  });

  it('starts them again when the backup is cancelled', async () => {
    const vol = await run.createVolume();
    const writer = await runningWith(vol);
    const w0 = await state(writer);
    const ac = new AbortController();
    await assert.rejects(
      backup(
        { kind: 'volume', volume: vol },
        {
          outDir: fresh('out'),
          helperLabels: run.labels,
          stopContainers: true,
          signal: ac.signal,
          progressIntervalMs: 0,
          onProgress: (p) => p.phase === 'archiving' && ac.abort(),
        },
      ),
      (e: Error) => isAbortError(e) || e.name === 'BackupAbortedError',
    );
    const w1 = await state(writer);
    assert.equal(w1.running, true, 'running again after the cancel');
    assert.notEqual(w1.startedAt, w0.startedAt, 'it had been stopped');
    assert.deepEqual(await run.helpersLeft(), []);
  });
});
