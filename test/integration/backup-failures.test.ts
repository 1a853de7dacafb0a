/**
 * Backups that fail or are stopped leave nothing that looks like a finished backup, and no helper container:
 * cancel through the AbortSignal, kill -9 of the CLI, the Docker Engine going away mid-stream (a socket proxy
 * that is cut), a corrupted archive, hostile archives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { backup, listBackups, restore, BackupAbortedError, BackupFailedError, BackupInputError } from '../../src/backup';
import { backupsCommand } from '../../src/cli/commands/backup';
import { TestRun, suffix } from './helpers/backup/engine';
import { dataset } from './helpers/backup/dataset';
import { SocketProxy } from './helpers/backup/socket-proxy';

let run: TestRun;
let work: string;
let bigVolume: string;

const root = join(__dirname, '..', '..');

before(async () => {
  run = await TestRun.start();
  work = mkdtempSync(join(tmpdir(), 'pl-backup-fail-'));
  bigVolume = await run.createVolume();
  await run.fillVolume(bigVolume, dataset({ files: 200, bigFileBytes: 200 * 1024 * 1024 }));
});

after(async () => {
  await run?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function freshDir(name: string): string {
  const d = join(work, `${name}-${suffix(3)}`);
  mkdirSync(d);
  return d;
}

/** Nothing that looks like a finished backup: no archive, no manifest. */
function assertNoBackup(dir: string): void {
  const names = existsSync(dir) ? readdirSync(dir) : [];
  assert.deepEqual(
    names.filter((n) => !n.endsWith('.partial')),
    [],
    `only partial files may be left in ${dir}: ${names.join(', ')}`,
  );
}

function captureIo(): { io: { out: (t: string) => void; err: (t: string) => void; color: boolean }; out: () => string; err: () => string } {
  let o = '';
  let e = '';
  return { io: { out: (t) => (o += t), err: (t) => (e += t), color: false }, out: () => o, err: () => e };
}

describe('interrupted and failed backups', { timeout: 300_000 }, () => {
  it('a cancelled backup (AbortSignal) leaves nothing behind', async () => {
    const out = freshDir('cancel');
    const ac = new AbortController();
    let seen = 0;
    await assert.rejects(
      backup(
        { kind: 'volume', volume: bigVolume },
        {
          outDir: out,
          helperLabels: run.labels,
          signal: ac.signal,
          progressIntervalMs: 0,
          onProgress: (p) => {
            seen = p.compressedBytes;
            if (p.compressedBytes > 20e6) ac.abort();
          },
        },
      ),
      (err: Error) => {
        assert.ok(err instanceof BackupAbortedError, `${err.name}: ${err.message}`);
        assert.match(err.message, /cancelled/);
        return true;
      },
    );
    assert.ok(seen > 20e6, 'it was cancelled in the middle');
    assert.deepEqual(readdirSync(out), [], 'not even the partial is left');
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('kill -9 of the CLI in the middle: no finished-looking backup, not listed, cleaned by the next backup', async () => {
    const out = freshDir('kill');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/integration/helpers/backup/cli.ts', 'backup', '--volume', bigVolume, '--out', out],
      {
        cwd: root,
        env: { ...process.env, PERSISTENCE_LENS_HELPER_LABELS: run.labelsEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // wait for the partial to grow past 10 MB
    let partial: string | undefined;
    for (let i = 0; i < 600 && !partial; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const p = readdirSync(out).find((n) => n.endsWith('.partial'));
      if (p && statSync(join(out, p)).size > 10e6) partial = p;
    }
    assert.ok(partial, `the backup started (stderr: ${stderr})`);
    child.kill('SIGKILL');
    await exited;
    assertNoBackup(out);
    assert.ok(
      readdirSync(out).some((n) => n.endsWith('.partial')),
      'the partial of a killed process stays until the next backup',
    );
    const cap = captureIo();
    assert.equal(await backupsCommand(['--out', out, '--json'], cap.io), 0);
    assert.deepEqual(JSON.parse(cap.out()), []);
    assert.deepEqual(await listBackups(out), []);

    // the next backup removes the stale partial and the helper container the killed process left
    const small = await run.createVolume();
    await run.fillVolume(small, dataset({ files: 3, bigFileBytes: 0 }));
    const r = await backup({ kind: 'volume', volume: small }, { outDir: out, helperLabels: run.labels });
    assert.deepEqual(r.staleRemoved, [partial]);
    assert.deepEqual(readdirSync(out).sort(), [r.archive.slice(out.length + 1), r.manifestPath.slice(out.length + 1)].sort());
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('the Docker Engine going away mid-stream: a clear error, no partial, no helper left', async () => {
    const out = freshDir('engine');
    const sock = join(work, `docker-${suffix(3)}.sock`);
    const proxy = new SocketProxy(sock);
    await proxy.start();
    let cut = false;
    try {
      await assert.rejects(
        backup(
          { kind: 'volume', volume: bigVolume },
          {
            outDir: out,
            host: `unix://${sock}`,
            helperLabels: run.labels,
            progressIntervalMs: 0,
            onProgress: (p) => {
              if (!cut && p.bytes > 20e6) {
                cut = true;
                // the engine stops; it is back a moment later (as after a daemon restart)
                void proxy.cut().then(() => setTimeout(() => void proxy.resume(), 800));
              }
            },
          },
        ),
        (err: Error) => {
          assert.ok(err instanceof BackupFailedError, `${err.name}: ${err.message}`);
          assert.match(
            err.message,
            new RegExp(`the Docker Engine at unix://${sock}.* stopped answering while reading volume "${bigVolume}"`),
          );
          assert.match(err.message, /nothing was written/);
          return true;
        },
      );
      assert.ok(cut);
      assert.deepEqual(readdirSync(out), []);
      assert.deepEqual(await run.helpersLeft(), [], 'checked through the real socket');
    } finally {
      await proxy.stop();
    }
  });

  it('the Docker Engine gone for good: the error names the helper left behind', async () => {
    const out = freshDir('engine-gone');
    const sock = join(work, `docker-${suffix(3)}.sock`);
    const proxy = new SocketProxy(sock);
    await proxy.start();
    let cut = false;
    try {
      await assert.rejects(
        backup(
          { kind: 'volume', volume: bigVolume },
          {
            outDir: out,
            host: `unix://${sock}`,
            helperLabels: run.labels,
            helperCleanupMs: 500,
            progressIntervalMs: 0,
            onProgress: (p) => {
              if (!cut && p.bytes > 20e6) {
                cut = true;
                void proxy.cut();
              }
            },
          },
        ),
        (err: Error) => {
          assert.ok(err instanceof BackupFailedError, err.message);
          assert.match(err.message, /stopped answering/);
          assert.match(
            err.message,
            /The helper container persistence-lens-helper-[0-9a-f]+ could not be removed .* docker rm -f persistence-lens-helper-/,
          );
          return true;
        },
      );
      assert.deepEqual(readdirSync(out), []);
      assert.equal((await run.helpersLeft()).length, 1);
    } finally {
      for (const c of await run.docker.listContainers({
        all: true,
        filters: { label: ['persistence-lens.helper=1', `persistence-lens.test.backup-run=${run.id}`] },
      })) {
        await run.docker.getContainer(c.Id).remove({ force: true });
      }
    }
  });

  it('a corrupted archive (one byte flipped) is refused before anything is written', async () => {
    const out = freshDir('corrupt');
    const vol = await run.createVolume();
    await run.fillVolume(vol, dataset({ files: 100, bigFileBytes: 2 * 1024 * 1024 }));
    const r = await backup({ kind: 'volume', volume: vol }, { outDir: out, helperLabels: run.labels });
    const bytes = readFileSync(r.archive);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(r.archive, bytes);

    const target = run.name('never');
    await assert.rejects(
      restore(r.archive, { kind: 'volume', volume: target }, { outDir: out, helperLabels: run.labels }),
      (err: Error) => {
        assert.ok(err instanceof BackupInputError);
        assert.match(err.message, /does not match its manifest: sha256/);
        assert.match(err.message, /nothing was restored/);
        return true;
      },
    );
    await assert.rejects(run.docker.getVolume(target).inspect(), /no such volume/i, 'the volume was not even created');
    const local = join(work, `never-${suffix(3)}`);
    await assert.rejects(restore(r.archive, { kind: 'local', path: local }), /does not match its manifest/);
    assert.equal(existsSync(local), false);

    // without its manifest the gzip CRC catches it, still before anything is written
    const lone = join(freshDir('lone'), 'x.tar.gz');
    copyFileSync(r.archive, lone);
    await assert.rejects(restore(lone, { kind: 'volume', volume: target }, { helperLabels: run.labels }), (err: Error) => {
      assert.ok(err instanceof BackupInputError);
      assert.match(err.message, /damaged/);
      return true;
    });
    await assert.rejects(run.docker.getVolume(target).inspect(), /no such volume/i);
    assert.deepEqual(await run.helpersLeft(), []);
  });

  it('hostile archives are refused before a volume is even created', async () => {
    const cases: Array<[string, (p: tarStream.Pack) => void, RegExp]> = [
      ['absolute', (p) => p.entry({ name: '/etc/pl-evil', size: 4 }, 'evil'), /absolute path/],
      ['dotdot', (p) => p.entry({ name: './../pl-evil', size: 4 }, 'evil'), /contains "\.\."/],
      [
        'symlink-write',
        (p) => {
          p.entry({ name: './link', type: 'symlink', linkname: '/etc' });
          p.entry({ name: './link/pl-evil', size: 4 }, 'evil');
        },
        /through the symlink "link"/,
      ],
      ['hardlink-out', (p) => p.entry({ name: './hl', type: 'link', linkname: '/etc/passwd' }), /points outside the archive/],
      ['device', (p) => p.entry({ name: './dev', type: 'character-device', devmajor: 1, devminor: 3 }), /device file/],
    ];
    for (const [name, fill, expected] of cases) {
      const file = join(work, `hostile-${name}-${suffix(2)}.tar.gz`);
      const pack = tarStream.pack();
      pack.entry({ name: './', type: 'directory' });
      fill(pack);
      pack.finalize();
      await pipeline(
        Readable.from(pack as unknown as AsyncIterable<Buffer>),
        createGzip(),
        (await import('node:fs')).createWriteStream(file),
      );
      const target = run.name(`hostile-${name}`);
      await assert.rejects(restore(file, { kind: 'volume', volume: target }, { helperLabels: run.labels }), (err: Error) => {
        assert.ok(err instanceof BackupInputError, `${name}: ${err.message}`);
        assert.match(err.message, expected);
        assert.match(err.message, /nothing was restored/);
        return true;
      });
      await assert.rejects(run.docker.getVolume(target).inspect(), /no such volume/i);
    }
    assert.deepEqual(await run.helpersLeft(), []);
  });
});
