import { close, constants as fsc, fsync, open, promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import { hostname } from 'node:os';
import { dirname, basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { writeChunks } from './fd-write';
import { defaultParallelism, ParallelGzip } from './parallel-gzip';
import { HashCount } from './hash-count';
import { ReclaimEvery } from './reclaim';
import { tarBytes, type ArchiveEntry, type EntryCounters } from './tar-format';

/**
 * Writing one archive file, atomically: the tar stream is gzip-compressed, hashed (sha256 of the compressed
 * bytes) and counted as it goes to `<final>.<host>-<pid>.partial` (mode 0600); on success the file is
 * fsynced and renamed to its final name, and the directory fsynced. On any failure or abort the partial is
 * removed. Memory stays flat: every stage streams with backpressure.
 */

export const PARTIAL_SUFFIX = '.partial';

export interface WriteArchiveOptions {
  /** The final path of the archive (`.../name.tar.gz`). */
  path: string;
  /** gzip level 1..9 (default 6, what `gzip` and `tar czf` use). */
  level?: number;
  /**
   * Blocks compressed at once (default: the number of cores, at most 4). 1 writes a single gzip member with
   * one zlib stream; more compress 256 KiB blocks on that many threads (see parallel-gzip.ts).
   */
  parallelism?: number;
  signal?: AbortSignal;
  /** Called as compressed bytes reach the disk (throttle on your side or use the progress helper). */
  onWrite?: (counters: EntryCounters, compressedBytes: number) => void;
}

export interface WrittenArchive {
  path: string;
  sha256: string;
  /** Size of the compressed file. */
  archiveBytes: number;
  entries: number;
  /** Bytes of regular-file content in the archive. */
  bytes: number;
}

/** A unique partial name for this process: stale ones (their process is gone) are recognisable. */
export function partialPathFor(finalPath: string): string {
  return `${finalPath}.${safeHost()}-${process.pid}${PARTIAL_SUFFIX}`;
}

/** This machine's name as partial file names and helper owner labels hold it: letters, digits, `_` and `-`, 40 at most. */
export function safeHost(): string {
  return (
    rawHostname()
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 40) || 'host'
  );
}

/**
 * Whether a host name this tool wrote names this machine: the {@link safeHost} form, or the raw host name that
 * helper owner labels held before (#14), so that a helper an older version left behind is still known as ours.
 */
export function isThisHost(written: string): boolean {
  return written === safeHost() || written === (rawHostname() || 'host');
}

function rawHostname(): string {
  try {
    return hostname();
  } catch {
    return '';
  }
}

export const DEFAULT_GZIP_LEVEL = 6;

export function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new RangeError(`the gzip level must be a whole number from 1 to 9 (got ${level})`);
  return level;
}

const openFd = promisify(open);
const fsyncFd = promisify(fsync);
const closeFd = promisify(close);

export async function writeArchive(entries: AsyncIterable<ArchiveEntry>, opts: WriteArchiveOptions): Promise<WrittenArchive> {
  const level = checkLevel(opts.level ?? DEFAULT_GZIP_LEVEL);
  const partial = partialPathFor(opts.path);
  const counters: EntryCounters = { entries: 0, bytes: 0 };
  // A plain fd that only this function closes, once, and never while a write on it runs (fd-write.ts): the
  // pipeline's last stage writes to it and never closes it. On a cancel the pipeline rejects without waiting for
  // that stage, so the close below first waits for `writing` to settle.
  const opened = await openFd(partial, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  let fd: number | undefined = opened;
  let writing: Promise<unknown> | undefined;
  let renamed = false;
  try {
    const hc = new HashCount((n) => opts.onWrite?.(counters, n));
    const parallelism = opts.parallelism ?? defaultParallelism();
    // ParallelGzip copies every piece into its blocks: coalescing before it would be one more copy
    const tar = tarBytes(entries, counters, opts.signal, parallelism > 1 ? { coalesce: 0 } : {});
    const reclaim = new ReclaimEvery();
    const source = Readable.from(reclaim.active ? reclaim.through(tar) : tar, { objectMode: false, highWaterMark: 256 * 1024 });
    const compressor = parallelism > 1 ? new ParallelGzip({ level, parallelism }) : createGzip({ level, chunkSize: 128 * 1024 });
    await pipeline(
      source,
      compressor,
      hc,
      (compressed: AsyncIterable<Buffer>) => (writing = writeChunks(opened, compressed)),
      opts.signal ? { signal: opts.signal } : {},
    );
    await fsyncFd(fd);
    const toClose = fd;
    fd = undefined;
    await closeFd(toClose);
    await fsp.rename(partial, opts.path);
    renamed = true;
    await syncDir(dirname(opts.path));
    return { path: opts.path, sha256: hc.hash.digest('hex'), archiveBytes: hc.bytes, entries: counters.entries, bytes: counters.bytes };
  } finally {
    // settles soon: the pipeline destroyed the stream that stage reads, which ends it after its running write
    await writing?.catch(() => undefined);
    if (fd !== undefined) await closeFd(fd).catch(() => undefined);
    if (!renamed) await fsp.rm(partial, { force: true }).catch(() => undefined);
  }
}

/** Writes a small file atomically (partial, fsync, rename, directory fsync), mode 0600. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const partial = partialPathFor(path);
  const fh = await fsp.open(partial, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  let done = false;
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    await fsp.rename(partial, path);
    done = true;
    await syncDir(dirname(path));
  } finally {
    if (!done) {
      await fh.close().catch(() => undefined);
      await fsp.rm(partial, { force: true }).catch(() => undefined);
    }
  }
}

export async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    await fh.sync();
  } catch {
    // some file systems refuse fsync on a directory; the rename is still atomic
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Whether a process of this host with that pid is alive (kill 0: ESRCH when it is gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const STALE_AFTER_MS = 24 * 3600 * 1000;

/**
 * The partial files this tool writes, and only those: `<final>.<host>-<pid>.partial` ({@link partialPathFor})
 * where `<final>` is a name {@link archivePathFor} gives (`[pre-restore-]<source>-<UTC stamp>[-N]`, `.tar.gz`
 * or `.manifest.json`). The folder may be the user's own (`--out ~/Downloads`): another program's `*.partial`
 * (a browser's download) is never ours to delete.
 */
const OUR_PARTIAL = /^(?:pre-restore-)?[A-Za-z0-9._-]+-\d{8}T\d{6}Z(?:-\d+)?\.(?:tar\.gz|manifest\.json)\.([A-Za-z0-9_-]+)-(\d+)\.partial$/;

/**
 * Removes partial files in `dir` left by a backup of this tool that died (kill -9, a power cut): those of this
 * host whose process is gone, and those of another host (a shared folder) older than a day. Files that are not
 * named as this tool names them are left alone whatever their age. Returns the names removed.
 */
export async function removeStalePartials(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const host = safeHost();
  for (const name of names) {
    const m = OUR_PARTIAL.exec(name);
    if (!m) continue;
    let stale = false;
    if (m[1] === host) stale = Number(m[2]) !== process.pid && !processAlive(Number(m[2]));
    if (!stale) {
      const st = await fsp.lstat(join(dir, name)).catch(() => undefined);
      stale = st !== undefined && st.isFile() && now - st.mtimeMs > STALE_AFTER_MS;
    }
    if (stale) {
      await fsp.rm(join(dir, name), { force: true }).catch(() => undefined);
      removed.push(basename(name));
    }
  }
  return removed;
}
