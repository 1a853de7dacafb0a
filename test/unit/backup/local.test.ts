/**
 * The backup engine on local directories (no Docker): round trips that lose nothing, restore semantics
 * (force, safety backup, overlay), archives from `tar czf`, hostile and corrupted archives refused before
 * anything is written, cancel, retention, listing, stale partials, and the in-container destination check.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  createWriteStream,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createGzip } from 'node:zlib';
import * as tarStream from 'tar-stream';
import {
  backup,
  classifyDestination,
  isRestoreRefusal,
  listBackups,
  restore,
  BackupAbortedError,
  BackupInputError,
  ArchiveRefusedError,
} from '../../../src/backup';
import { removeStalePartials, writeArchive } from '../../../src/backup/archive-file';
import { extractLocal, type ExtractEntry } from '../../../src/backup/local-extract';
import { defaultBackupDir } from '../../../src/backup/location';
import type { ArchiveEntry } from '../../../src/backup/tar-format';

const work = mkdtempSync(join(tmpdir(), 'pl-backup-local-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string): string => join(work, `${name}-${++n}`);
const isRoot = process.getuid?.() === 0;
const fixture = (name: string): string => join(__dirname, '..', '..', 'fixtures', name);

/** A tree with what a backup must keep. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'a/b/c'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  mkdirSync(join(root, 'Ordner mit Ümlaut'));
  writeFileSync(join(root, 'a/b/c/deep.txt'), 'deep\n');
  writeFileSync(join(root, 'Ordner mit Ümlaut/ünïcødé – 文件.txt'), 'non-ascii\n');
  writeFileSync(join(root, 'with space.txt'), 'space\n');
  writeFileSync(join(root, 'secret'), 'key\n', { mode: 0o600 });
  writeFileSync(join(root, 'tool.sh'), '#!/bin/sh\n', { mode: 0o755 });
  chmodSync(join(root, 'secret'), 0o600);
  chmodSync(join(root, 'tool.sh'), 0o755);
  writeFileSync(join(root, 'blob.bin'), Buffer.alloc(3 * 1024 * 1024 + 17, 7));
  linkSync(join(root, 'a/b/c/deep.txt'), join(root, 'hard-link'));
  symlinkSync('a/b/c/deep.txt', join(root, 'rel-link'));
  symlinkSync('/etc/passwd', join(root, 'abs-link'));
  symlinkSync('../nowhere', join(root, 'dangling'));
  symlinkSync('a', join(root, 'dir-link'));
  chmodSync(join(root, 'empty'), 0o700);
  if (isRoot) chownSync(join(root, 'secret'), 1000, 1000);
  utimesSync(join(root, 'with space.txt'), 1_600_000_000, 1_600_000_000);
  utimesSync(join(root, 'a/b'), 1_600_000_100, 1_600_000_100);
}

/**
 * Opens canary files in a worker thread, in a tight loop, holding each for the next 64 opens: a descriptor
 * number freed anywhere in the process is taken by a canary within microseconds (numbers are reused at once,
 * lowest first). A canary closed by someone else fails its fstat or its close, which the worker counts. The main
 * thread cannot do this: between two closes of the same descriptor that run in the libuv pool no turn of its
 * event loop may come.
 */
const CANARY_WORKER = `
const { openSync, closeSync, fstatSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData); // [stop, started, lost]
const held = [];
const release = (fd) => {
  try {
    fstatSync(fd);
    closeSync(fd);
  } catch {
    Atomics.add(state, 2, 1);
  }
};
Atomics.store(state, 1, 1);
while (Atomics.load(state, 0) === 0) {
  held.push(openSync('/dev/null', 'r'));
  if (held.length > 64) release(held.shift());
}
for (const fd of held) release(fd);
`;

/**
 * Starts the canaries ({@link CANARY_WORKER}). `check` waits 20 ms (a late close lands then) and fails if a
 * canary lost its descriptor so far: a second close of a descriptor, or a close while a write on it still runs,
 * hits whatever file was opened in between.
 */
async function startCanaries(): Promise<{ check: (what: string) => Promise<void>; stop: () => Promise<void> }> {
  const state = new Int32Array(new SharedArrayBuffer(12));
  const worker = new Worker(CANARY_WORKER, { eval: true, workerData: state.buffer });
  const exited = new Promise((r) => worker.once('exit', r));
  while (Atomics.load(state, 1) === 0) await new Promise((r) => setTimeout(r, 1));
  return {
    check: async (what) => {
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(Atomics.load(state, 2), 0, `${what}: a descriptor another file held was closed`);
    },
    stop: async () => {
      Atomics.store(state, 0, 1);
      await exited;
    },
  };
}

interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  link?: string;
  sha?: string;
  inode?: string;
}

function snapshot(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const inodes = new Map<number, string>();
  const walk = (rel: string): void => {
    const abs = rel ? join(root, rel) : root;
    const st = lstatSync(abs);
    const node: Node = {
      type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: Math.floor(st.mtimeMs / 1000),
      size: st.isFile() ? st.size : 0,
    };
    if (st.isSymbolicLink()) {
      node.link = readlinkSync(abs);
      delete (node as Partial<Node>).mode; // symlink modes are not portable
    }
    if (st.isFile()) {
      node.sha = createHash('sha256').update(readFileSync(abs)).digest('hex');
      if (st.nlink > 1) {
        inodes.set(st.ino, inodes.get(st.ino) ?? rel);
        node.inode = inodes.get(st.ino)!;
      }
    }
    out.set(rel || '.', node);
    if (st.isDirectory()) for (const name of readdirSync(abs).sort()) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  return out;
}

async function gzTar(file: string, fill: (p: tarStream.Pack) => void): Promise<string> {
  const pack = tarStream.pack();
  fill(pack);
  pack.finalize();
  await pipeline(Readable.from(pack as unknown as AsyncIterable<Buffer>), createGzip(), createWriteStream(file));
  return file;
}

describe('local backup and restore', () => {
  it('round-trips a directory: content, modes, owners, mtimes, symlinks (kept, never followed) and hard links', async () => {
    const src = fresh('src');
    makeTree(src);
    const out = fresh('out');
    const r = await backup({ kind: 'local', path: src }, { outDir: out });
    assert.equal(r.manifest.source.kind, 'local');
    assert.equal(r.manifest.layout, 'content');
    assert.equal(r.manifest.entries, snapshot(src).size);
    assert.match(r.archive, /\/local-src-\d+-[0-9a-f]{8}-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.equal(lstatSync(out).mode & 0o777, 0o700);
    assert.equal(lstatSync(r.archive).mode & 0o777, 0o600);
    assert.equal(lstatSync(r.manifestPath).mode & 0o777, 0o600);
    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
    assert.equal(manifest.sha256, createHash('sha256').update(readFileSync(r.archive)).digest('hex'));
    assert.equal(manifest.archiveBytes, lstatSync(r.archive).size);
    assert.equal(manifest.tool.name, 'persistence-lens');
    // the archive's root is the content: ./, ./a, ...
    const names = execFileSync('tar', ['-tzf', r.archive], { encoding: 'utf8' }).split('\n');
    assert.equal(names[0], './');
    assert.ok(names.includes('./a/b/c/deep.txt'));

    const dest = fresh('dest');
    const rr = await restore(r.archive, { kind: 'local', path: dest });
    assert.equal(rr.check.verified, true);
    assert.deepEqual(snapshot(dest), snapshot(src));
    assert.equal(readlinkSync(join(dest, 'abs-link')), '/etc/passwd');
    assert.equal(lstatSync(join(dest, 'hard-link')).ino, lstatSync(join(dest, 'a/b/c/deep.txt')).ino);
  });

  it('restores an archive made by `tar czf x.tar.gz -C DIR .` (no manifest) with a warning', async () => {
    const src = fresh('src');
    makeTree(src);
    const file = join(fresh('plain'), 'x.tar.gz');
    mkdirSync(join(file, '..'), { recursive: true });
    execFileSync('tar', ['czf', file, '-C', src, '.']);
    const dest = fresh('dest');
    const rr = await restore(file, { kind: 'local', path: dest });
    assert.equal(rr.check.verified, false);
    assert.match(rr.warnings.join('\n'), /no manifest .* cannot be verified/);
    assert.deepEqual(snapshot(dest), snapshot(src));
  });

  it('a non-empty target needs force; with it a safety backup is taken first and other files stay', async () => {
    const src = fresh('src');
    makeTree(src);
    const out = fresh('out');
    const r = await backup({ kind: 'local', path: src }, { outDir: out });
    const dest = fresh('dest');
    mkdirSync(dest);
    writeFileSync(join(dest, 'with space.txt'), 'old content\n');
    writeFileSync(join(dest, 'unrelated.txt'), 'keep me\n');
    const before = snapshot(dest);
    await assert.rejects(restore(r.archive, { kind: 'local', path: dest }, { outDir: out }), (err: Error) => {
      assert.ok(err instanceof BackupInputError);
      assert.ok(
        isRestoreRefusal(err) && err.kind === 'needs-force',
        'a refusal the caller words (the CLI: "Pass --force", see backup-cli.test.ts)',
      );
      assert.match(err.message, /is not empty \(2 entries\): restoring would overwrite it; nothing was restored$/);
      assert.doesNotMatch(err.message, /--force/, 'the engine names no CLI flag');
      return true;
    });
    assert.deepEqual(snapshot(dest), before, 'nothing was written');

    const rr = await restore(r.archive, { kind: 'local', path: dest }, { outDir: out, force: true });
    assert.ok(rr.safetyBackup);
    assert.match(rr.safetyBackup.archive, /\/pre-restore-local-dest-/);
    assert.equal(rr.safetyBackup.manifest.purpose, 'safety');
    assert.equal(readFileSync(join(dest, 'with space.txt'), 'utf8'), 'space\n');
    assert.equal(readFileSync(join(dest, 'unrelated.txt'), 'utf8'), 'keep me\n', 'restore adds and replaces, it never deletes');
    // the safety backup has what was there
    const back = fresh('back');
    await restore(rr.safetyBackup.archive, { kind: 'local', path: back });
    assert.equal(readFileSync(join(back, 'with space.txt'), 'utf8'), 'old content\n');
  });

  it('asks the editor (confirmOverwrite) instead of needing force, and reports progress up to 100%', async () => {
    const src = fresh('src');
    makeTree(src);
    const out = fresh('out');
    const r = await backup({ kind: 'local', path: src }, { outDir: out });
    const dest = fresh('dest');
    mkdirSync(dest);
    writeFileSync(join(dest, 'old'), 'old\n');
    const asked: Array<{ target: string; detail: string }> = [];
    await assert.rejects(
      restore(r.archive, { kind: 'local', path: dest }, { outDir: out, confirmOverwrite: async (q) => (asked.push(q), false) }),
      /is not empty/,
    );
    assert.deepEqual(asked, [{ target: dest, detail: '1 entry', content: { kind: 'entries', count: 1 } }]);
    const phases = new Set<string>();
    let last = 0;
    const rr = await restore(
      r.archive,
      { kind: 'local', path: dest },
      {
        outDir: out,
        confirmOverwrite: async () => true,
        progressIntervalMs: 0,
        onProgress: (p) => {
          phases.add(p.phase);
          if (p.percent !== undefined) last = p.percent;
        },
      },
    );
    assert.ok(rr.safetyBackup);
    assert.deepEqual([...phases], ['verifying', 'validating', 'safety-backup', 'restoring', 'finishing']);
    assert.equal(last, 100);
  });

  it('replaces an existing symlink in the target instead of writing through it', async () => {
    const src = fresh('src');
    mkdirSync(src);
    writeFileSync(join(src, 'x'), 'from the archive\n');
    const r = await backup({ kind: 'local', path: src }, { outDir: fresh('out') });
    const victim = join(fresh('victim'), 'file');
    mkdirSync(join(victim, '..'));
    writeFileSync(victim, 'victim\n');
    const dest = fresh('dest');
    mkdirSync(dest);
    symlinkSync(victim, join(dest, 'x'));
    await restore(r.archive, { kind: 'local', path: dest }, { force: true, outDir: fresh('out') });
    assert.equal(readFileSync(victim, 'utf8'), 'victim\n');
    assert.ok(lstatSync(join(dest, 'x')).isFile());
    assert.equal(readFileSync(join(dest, 'x'), 'utf8'), 'from the archive\n');
  });

  it('refuses to restore through a symlink the target already has', async () => {
    const src = fresh('src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub/file'), 'x\n');
    const r = await backup({ kind: 'local', path: src }, { outDir: fresh('out') });
    const outside = fresh('outside');
    mkdirSync(outside);
    const dest = fresh('dest');
    mkdirSync(dest);
    symlinkSync(outside, join(dest, 'sub'));
    await assert.rejects(restore(r.archive, { kind: 'local', path: dest }, { force: true, outDir: fresh('out') }), (err: Error) => {
      assert.ok(err instanceof ArchiveRefusedError);
      assert.match(err.message, /the target has a symlink at sub/);
      return true;
    });
    assert.deepEqual(readdirSync(outside), []);
  });

  describe('hostile archives are refused before anything is written, and nothing appears outside', () => {
    const cases: Array<[string, (p: tarStream.Pack) => void, RegExp]> = [
      ['an absolute path', (p) => p.entry({ name: '/tmp/pl-evil-abs', size: 4 }, 'evil'), /absolute path/],
      ['../ entries', (p) => p.entry({ name: './../pl-evil-up', size: 4 }, 'evil'), /contains "\.\."/],
      [
        'a symlink pointing outside, then a write through it',
        (p) => {
          p.entry({ name: './ok.txt', size: 2 }, 'ok');
          p.entry({ name: './escape', type: 'symlink', linkname: '..' });
          p.entry({ name: './escape/pl-evil-link', size: 4 }, 'evil');
        },
        /through the symlink "escape"/,
      ],
      [
        'a hard link to a file outside',
        (p) => p.entry({ name: './hl', type: 'link', linkname: '../outside-file' }),
        /points outside the archive/,
      ],
      [
        'a hard link by absolute path',
        (p) => p.entry({ name: './hl', type: 'link', linkname: '/etc/passwd' }),
        /points outside the archive/,
      ],
      ['a device file', (p) => p.entry({ name: './null', type: 'character-device', devmajor: 1, devminor: 3 }), /device file/],
      ['a fifo', (p) => p.entry({ name: './pipe', type: 'fifo' }), /fifo/],
    ];
    for (const [what, fill, expected] of cases) {
      it(what, async () => {
        const box = fresh('box');
        mkdirSync(box);
        writeFileSync(join(box, 'outside-file'), 'outside\n');
        const file = await gzTar(join(box, 'hostile.tar.gz'), (p) => {
          p.entry({ name: './', type: 'directory' });
          fill(p);
        });
        const dest = join(box, 'target');
        await assert.rejects(restore(file, { kind: 'local', path: dest }), (err: Error) => {
          assert.ok(err instanceof ArchiveRefusedError, err.message);
          assert.match(err.message, expected);
          assert.match(err.message, /nothing was restored/);
          return true;
        });
        assert.equal(existsSync(dest), false, 'the target was not even created');
        assert.deepEqual(readdirSync(box).sort(), ['hostile.tar.gz', 'outside-file']);
        assert.equal(existsSync('/tmp/pl-evil-abs'), false);
        assert.equal(readFileSync(join(box, 'outside-file'), 'utf8'), 'outside\n');
      });
    }
  });

  it('refuses a corrupted archive (one byte flipped) and a manifest that disagrees, before writing', async () => {
    const src = fresh('src');
    makeTree(src);
    const r = await backup({ kind: 'local', path: src }, { outDir: fresh('out') });
    const bytes = readFileSync(r.archive);
    bytes[Math.floor(bytes.length / 3)] ^= 0x20;
    writeFileSync(r.archive, bytes);
    const dest = fresh('dest');
    await assert.rejects(restore(r.archive, { kind: 'local', path: dest }), /does not match its manifest: sha256/);
    assert.equal(existsSync(dest), false);

    const r2 = await backup({ kind: 'local', path: src }, { outDir: fresh('out') });
    const m = JSON.parse(readFileSync(r2.manifestPath, 'utf8'));
    m.entries += 1;
    writeFileSync(r2.manifestPath, JSON.stringify(m));
    await assert.rejects(restore(r2.archive, { kind: 'local', path: dest }), /holds \d+ entries but its manifest says \d+/);
    assert.equal(existsSync(dest), false);

    writeFileSync(r2.manifestPath, '{not json');
    await assert.rejects(restore(r2.archive, { kind: 'local', path: dest }), /is not valid JSON/);
  });

  it('a cancelled local backup leaves nothing behind', async () => {
    const src = fresh('src');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), Buffer.alloc(64 * 1024 * 1024, 1));
    const out = fresh('out');
    const ac = new AbortController();
    await assert.rejects(
      backup(
        { kind: 'local', path: src },
        { outDir: out, signal: ac.signal, progressIntervalMs: 0, onProgress: (p) => p.bytes > 4e6 && ac.abort() },
      ),
      (err: Error) => err instanceof BackupAbortedError,
    );
    assert.deepEqual(readdirSync(out), []);
  });

  it('a cancelled restore stops, says what it left, and leaves no temporary file', async () => {
    const src = fresh('src');
    mkdirSync(src);
    for (let i = 0; i < 8; i++) writeFileSync(join(src, `big-${i}`), Buffer.alloc(8 * 1024 * 1024, i));
    const r = await backup({ kind: 'local', path: src }, { outDir: fresh('out'), level: 1 });
    const dest = fresh('dest');
    const ac = new AbortController();
    await assert.rejects(
      restore(
        r.archive,
        { kind: 'local', path: dest },
        { signal: ac.signal, progressIntervalMs: 0, onProgress: (p) => p.phase === 'restoring' && p.bytes > 20e6 && ac.abort() },
      ),
      (err: Error) => {
        assert.ok(err instanceof BackupAbortedError, err.message);
        assert.match(err.message, /cancelled: the target holds part of the archive/);
        return true;
      },
    );
    const names = readdirSync(dest);
    assert.ok(names.length > 0 && names.length < 8, names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('.persistence-lens-restore-')), names.join(', '));
  });

  it('a file cut off at any point is closed once: no descriptor another file took meanwhile is closed', async () => {
    // The content stops at a different point each time (a cancel, a broken archive), with canaries (startCanaries)
    // taking every descriptor number freed meanwhile.
    const header = { name: 'f', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: 1 << 30, mtime: 1_600_000_000 };
    const canaries = await startCanaries();
    try {
      for (let n = 0; n < 24; n++) {
        const dest = fresh('cut');
        const cut = new Error(`cut after ${n} chunks`);
        const body = async function* (): AsyncGenerator<Buffer> {
          for (let i = 0; i < n; i++) yield Buffer.alloc(64 * 1024, i);
          throw cut;
        };
        const entries = async function* (): AsyncGenerator<ExtractEntry> {
          yield { header, path: 'f', body: body() };
        };
        await assert.rejects(extractLocal(entries(), dest), (err) => err === cut);
        await canaries.check(`cut after ${n} chunks`);
        assert.deepEqual(readdirSync(dest), []);
      }
    } finally {
      await canaries.stop();
    }
  });

  it('a backup cancelled at any point closes its partial once: no descriptor another file took meanwhile is closed', async () => {
    const content = randomBytes(4 * 1024 * 1024); // incompressible: the compressed bytes flow all along
    const header = { name: 'f', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 1_600_000_000 };
    const canaries = await startCanaries();
    try {
      for (let n = 0; n < 32; n++) {
        const out = fresh('cancelled');
        mkdirSync(out);
        const ac = new AbortController();
        const entries = async function* (): AsyncGenerator<ArchiveEntry> {
          yield {
            header,
            body: (async function* () {
              yield content;
            })(),
          };
        };
        const write = writeArchive(entries(), {
          path: join(out, 'a.tar.gz'),
          level: 1,
          parallelism: 1 + (n % 2),
          signal: ac.signal,
          onWrite: (_, compressed) => compressed >= (n >> 1) * 128 * 1024 && ac.abort(),
        });
        await assert.rejects(write, (err: Error) => err.name === 'AbortError');
        await canaries.check(`cancelled at ${n >> 1} x 128 KiB`);
        assert.deepEqual(readdirSync(out), []);
      }
    } finally {
      await canaries.stop();
    }
  });

  it('keeps the newest N backups per source (safety backups counted apart)', async () => {
    const a = fresh('a');
    const b = fresh('b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'f'), 'a');
    writeFileSync(join(b, 'f'), 'b');
    const out = fresh('out');
    let t = Date.UTC(2030, 0, 1);
    const now = (): Date => new Date((t += 60_000));
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await backup({ kind: 'local', path: a }, { outDir: out, keep: 5, now })).archive);
    const rb = await backup({ kind: 'local', path: b }, { outDir: out, keep: 5, now });
    const last = await backup({ kind: 'local', path: a }, { outDir: out, keep: 5, now });
    assert.deepEqual(last.pruned, [made[2]!.slice(out.length + 1)]);
    const listed = await listBackups(out);
    assert.equal(listed.filter((l) => l.manifest?.source.name === a).length, 5);
    assert.ok(listed.some((l) => l.file === rb.archive));
    assert.deepEqual(
      listed.filter((l) => l.manifest?.source.name === a).map((l) => l.file),
      [last.archive, ...made.slice(3).reverse()],
    );
    const all = await backup({ kind: 'local', path: a }, { outDir: out, keep: 0, now });
    assert.deepEqual(all.pruned, []);
  });

  it('lists backups with their manifest status, never partial files; removes stale partials', async () => {
    const src = fresh('src');
    makeTree(src);
    const out = fresh('out');
    const ok = await backup({ kind: 'local', path: src }, { outDir: out, now: () => new Date(Date.UTC(2030, 0, 1)) });
    const bad = await backup({ kind: 'local', path: src }, { outDir: out, now: () => new Date(Date.UTC(2030, 0, 2)) });
    const flipped = readFileSync(bad.archive);
    flipped[100] ^= 1;
    writeFileSync(bad.archive, flipped);
    const short = await backup({ kind: 'local', path: src }, { outDir: out, now: () => new Date(Date.UTC(2030, 0, 3)) });
    writeFileSync(short.archive, readFileSync(short.archive).subarray(0, 100));
    execFileSync('tar', ['czf', join(out, 'by-hand.tar.gz'), '-C', src, '.']);
    writeFileSync(join(out, 'volume-x-20240101T000000Z.tar.gz.somehost-999999.partial'), 'partial');
    writeFileSync(join(out, 'broken.tar.gz'), 'x');
    writeFileSync(join(out, 'broken.manifest.json'), '{"format":"other"}');

    const listed = await listBackups(out);
    const status = Object.fromEntries(listed.map((l) => [l.archive, l.status]));
    assert.equal(status[ok.archive.slice(out.length + 1)], 'ok');
    assert.equal(status[bad.archive.slice(out.length + 1)], 'ok', 'same size: only --verify sees it');
    assert.equal(status[short.archive.slice(out.length + 1)], 'mismatch');
    assert.equal(status['by-hand.tar.gz'], 'no-manifest');
    assert.equal(status['broken.tar.gz'], 'invalid-manifest');
    assert.ok(!listed.some((l) => l.archive.includes('partial')));
    const verified = Object.fromEntries((await listBackups(out, { verify: true })).map((l) => [l.archive, l.status]));
    assert.equal(verified[ok.archive.slice(out.length + 1)], 'verified');
    assert.equal(verified[bad.archive.slice(out.length + 1)], 'mismatch');

    // a partial of this host whose process is gone is stale; one of a live process is not
    const host = (await import('node:os'))
      .hostname()
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 40);
    writeFileSync(join(out, `volume-y-20240101T000000Z.tar.gz.${host}-999999.partial`), 'dead');
    writeFileSync(join(out, `volume-z-20240101T000000Z.tar.gz.${host}-${process.ppid}.partial`), 'alive');
    const removed = await removeStalePartials(out);
    assert.deepEqual(removed, [`volume-y-20240101T000000Z.tar.gz.${host}-999999.partial`]);
    assert.equal(existsSync(join(out, `volume-z-20240101T000000Z.tar.gz.${host}-${process.ppid}.partial`)), true);
    assert.equal(
      existsSync(join(out, 'volume-x-20240101T000000Z.tar.gz.somehost-999999.partial')),
      true,
      'another host: only an age makes it stale',
    );
    assert.deepEqual(
      await removeStalePartials(out, Date.now() + 2 * 24 * 3600 * 1000),
      [
        'volume-x-20240101T000000Z.tar.gz.somehost-999999.partial',
        `volume-z-20240101T000000Z.tar.gz.${host}-${process.ppid}.partial`,
      ].sort(),
    );
  });

  it('defaults to $XDG_DATA_HOME/persistence-lens/backups, else ~/.local/share/persistence-lens/backups', () => {
    assert.equal(defaultBackupDir({ XDG_DATA_HOME: '/x/data' }, '/home/u'), '/x/data/persistence-lens/backups');
    assert.equal(defaultBackupDir({}, '/home/u'), '/home/u/.local/share/persistence-lens/backups');
    assert.equal(defaultBackupDir({ XDG_DATA_HOME: 'relative' }, '/home/u'), '/home/u/.local/share/persistence-lens/backups');
  });

  it('inside a container, refuses a destination that does not survive a recreate and names the persistent mounts', async () => {
    const opts = { mountinfoFile: fixture('mountinfo-docker-mixed.txt'), insideContainer: true };
    const v = classifyDestination('/root/.local/share/persistence-lens/backups', opts);
    assert.equal(v.checked, true);
    assert.equal(v.persistent, false);
    assert.equal(v.status, 'writable-layer');
    assert.ok(
      v.alternatives.some((a) => a.startsWith('/home/coder/.local (named-volume capnamed)')),
      v.alternatives.join(', '),
    );
    assert.ok(v.alternatives.some((a) => a.startsWith('/c (bind-mount')));
    assert.ok(!v.alternatives.some((a) => /^\/(d|e|b|data) /.test(a)), 'tmpfs and anonymous volumes do not survive a recreate');
    assert.equal(classifyDestination('/d/backups', opts).persistent, false);
    assert.equal(classifyDestination('/home/coder/.local/share/persistence-lens/backups', opts).persistent, true);

    const src = fresh('src');
    mkdirSync(src);
    await assert.rejects(backup({ kind: 'local', path: src }, { outDir: '/root/pl-never', ...opts }), (err: Error) => {
      assert.ok(err instanceof BackupInputError);
      assert.match(
        err.message,
        /refusing to write backups to \/root\/pl-never: it is in the container's writable layer, so it would be lost with the container when it is recreated/,
      );
      assert.match(err.message, /--out DIR: .*\/home\/coder\/\.local \(named-volume capnamed\)/);
      return true;
    });
    assert.equal(existsSync('/root/pl-never'), false);
    assert.equal(classifyDestination('/anything', { ...opts, insideContainer: false }).checked, false);
  });
});
