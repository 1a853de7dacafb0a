import { constants as fsc, promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PassThrough, Readable, pipeline as pipelineCb } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isAborted, isInputError } from '../core/errors';
import { ArchiveRefusedError, BackupAbortedError, BackupInputError, isAbortError, isArchiveRefusal, messageOf } from './errors';
import type { LocalTargetCheck } from './local-extract';
import { HashCount, hashStream } from './hash-count';
import { manifestPathFor, readManifestFor, type Layout, type Manifest } from './manifest';
import type { ProgressReporter } from './progress';
import { readTar } from './tar-read';
import type { EntryHeader } from './tar-format';
import { ArchiveValidator, printable, type ValidatedEntry } from './validate';
import { formatBytes } from '../core/bytes';

/*
 * The archive check of a restore: the archive opened once, verified against its manifest and validated entry by
 * entry before anything is written, and read again from the same descriptor for the writing.
 */
export interface ArchiveCheck {
  archive: string;
  manifest?: Manifest;
  /** sha256 and entry count matched the manifest. False: no manifest, accepted with a warning. */
  verified: boolean;
  entries: number;
  bytes: number;
  archiveBytes: number;
  sha256: string;
  layout: Layout;
  /** The archive's root entry (`./`), when it has one: the target directory gets its mode, owner, times. */
  root?: EntryHeader;
  warnings: string[];
}

/**
 * The archive, opened ONCE: every pass (the sha256, the validation, the writing) reads the same open file from
 * its start, so what is written are the bytes that were verified. Renaming another file over the path in
 * between changes nothing (the descriptor keeps the verified inode). Writing INTO the same inode is caught by
 * {@link ArchiveHandle.unchanged} (size and mtime from fstat before each pass) and, at the latest, by the sha256
 * of the writing pass.
 */
export class ArchiveHandle {
  private constructor(
    readonly file: string,
    private readonly fh: fsp.FileHandle,
    readonly size: number,
    private readonly mtimeMs: number,
  ) {}

  static async open(file: string): Promise<ArchiveHandle> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
    } catch (err) {
      throw new BackupInputError(
        `cannot read the archive ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(err)}`,
      );
    }
    try {
      const st = await fh.stat();
      // a fifo or a device would hand each pass different bytes: only a regular file can be verified
      if (!st.isFile()) throw new BackupInputError(`${file} is not a file`);
      return new ArchiveHandle(file, fh, st.size, st.mtimeMs);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /** Throws when the open file was written to since it was opened. */
  async unchanged(): Promise<void> {
    const st = await this.fh.stat();
    if (st.size !== this.size || st.mtimeMs !== this.mtimeMs) {
      throw new BackupInputError(`${this.file} changed while it was being restored (${st.size} bytes, it had ${this.size})`);
    }
  }

  /** A fresh stream over the whole file, by positional reads; the file stays open whatever the stream does. */
  stream(): Readable {
    // not fs.createReadStream({ fd }): destroying such a stream closes the descriptor even with autoClose false
    const fh = this.fh;
    return Readable.from(
      (async function* () {
        let pos = 0;
        for (;;) {
          const buf = Buffer.allocUnsafe(1024 * 1024);
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) return;
          pos += bytesRead;
          yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
        }
      })(),
      { objectMode: false, highWaterMark: 1024 * 1024 },
    );
  }

  async isGzip(): Promise<boolean> {
    const b = Buffer.alloc(2);
    const { bytesRead } = await this.fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  }

  async sha256(opts: { signal?: AbortSignal; onBytes?: (n: number) => void }): Promise<string> {
    await this.unchanged();
    const stream = this.stream();
    try {
      return (await hashStream(stream as AsyncIterable<Buffer>, opts)).sha256;
    } finally {
      stream.destroy();
    }
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** The archive's tar bytes (gunzipped when it is gzip), with the raw bytes hashed as they are read. */
export async function openArchive(
  archive: ArchiveHandle,
  opts: { onBytes?: (n: number) => void },
): Promise<{ tar: Readable; tap: HashCount }> {
  await archive.unchanged();
  const gz = await archive.isGzip();
  const raw = archive.stream();
  const tap = new HashCount(opts.onBytes);
  const out = gz ? createGunzip({ chunkSize: 128 * 1024 }) : new PassThrough();
  pipelineCb(raw, tap, out, () => undefined);
  return { tar: out, tap };
}

function damaged(file: string, err: unknown, verified: boolean): Error {
  if (isInputError(err) || isAborted(err)) return err;
  if (isAbortError(err)) return new BackupAbortedError('checking the archive was cancelled: nothing was restored');
  const what = verified ? 'it matches its manifest, yet cannot be read' : 'it is damaged or not a tar archive';
  return new BackupInputError(`${file} cannot be restored: ${what} (${messageOf(err)}); nothing was restored`);
}

/**
 * Verifies an archive before anything is written: (1) with a manifest, its size and sha256, then (2) a full
 * pass over its entries: every entry validated (see validate.ts), counted, and the count compared with the
 * manifest's. An archive without a manifest is accepted with a warning that it cannot be verified.
 * `targetCheck` also checks the entries against a local target (existing symlinks, type conflicts); `onEntry`
 * sees every validated entry (restore collects the paths to check an engine target with, see target-check.ts).
 */
export async function verifyArchive(
  archive: string,
  opts: {
    signal?: AbortSignal;
    reporter?: ProgressReporter;
    targetCheck?: LocalTargetCheck;
    manifest?: Manifest | null;
    handle?: ArchiveHandle;
    onEntry?: (entry: ValidatedEntry) => void;
    space?: FreeSpace;
  } = {},
): Promise<ArchiveCheck> {
  const file = resolve(archive);
  // the caller's open archive (restore writes from the same descriptor), else one opened for this check
  const handle = opts.handle ?? (await ArchiveHandle.open(file));
  try {
    return await verifyOpen(file, handle, opts);
  } finally {
    if (!opts.handle) await handle.close();
  }
}

async function verifyOpen(
  file: string,
  handle: ArchiveHandle,
  opts: {
    signal?: AbortSignal;
    reporter?: ProgressReporter;
    targetCheck?: LocalTargetCheck;
    manifest?: Manifest | null;
    onEntry?: (entry: ValidatedEntry) => void;
    space?: FreeSpace;
  },
): Promise<ArchiveCheck> {
  const st = { size: handle.size };
  if (st.size === 0) throw new BackupInputError(`${file} is empty (0 bytes): it holds no backup; nothing was restored`);
  const manifest = opts.manifest === null ? undefined : (opts.manifest ?? (await readManifestFor(file)));
  const warnings: string[] = [];
  const reporter = opts.reporter;

  if (manifest) {
    if (manifest.archiveBytes !== st.size) {
      throw new BackupInputError(
        `${file} has ${st.size} bytes but its manifest says ${manifest.archiveBytes}: the archive is damaged or incomplete; nothing was restored`,
      );
    }
    reporter?.setPhase('verifying', st.size);
    const sha256 = await handle
      .sha256({
        ...(opts.signal ? { signal: opts.signal } : {}),
        onBytes: (n) => reporter?.update({ entries: 0, bytes: 0, compressedBytes: n }, false, 'compressedBytes'),
      })
      .catch((err) => {
        throw damaged(file, err, false);
      });
    if (sha256 !== manifest.sha256) {
      throw new BackupInputError(
        `${file} does not match its manifest: sha256 ${sha256} where ${manifestPathFor(file)} says ${manifest.sha256}. The archive is damaged or was changed; nothing was restored`,
      );
    }
  } else {
    warnings.push(`${file} has no manifest beside it (${manifestPathFor(file)}): it cannot be verified, only checked entry by entry`);
  }

  reporter?.setPhase('validating', st.size);
  const validator = new ArchiveValidator();
  let root: EntryHeader | undefined;
  // What writing it takes: every file rounded up to a 4 KiB block, every directory a block. Checked from each
  // header as it is read, before its body: a gzip bomb (3 MB that expand to 3 GiB) stops at its first big header.
  let need = 0;
  const { tar, tap } = await openArchive(handle, {
    onBytes: (n) => reporter?.update({ entries: validator.entries, bytes: validator.bytes, compressedBytes: n }, false, 'compressedBytes'),
  });
  try {
    for await (const entry of readTar(tar, opts.signal ? { signal: opts.signal } : {})) {
      const v = validator.check(entry.header);
      if (v.path === '' && !root) root = entry.header;
      if (opts.space) {
        if (entry.header.type === 'file') need += Math.ceil(entry.header.size / 4096) * 4096;
        else if (entry.header.type === 'directory') need += 4096;
        if (need > opts.space.free) {
          throw new BackupInputError(
            `${file} needs more free space than ${opts.space.where} has: ${formatBytes(opts.space.free)} free there, and its files take ${formatBytes(need)} after ${validator.entries} of its entries ` +
              `("${printable(entry.header.name)}" alone is ${formatBytes(entry.header.size)}); nothing was restored`,
          );
        }
      }
      if (opts.targetCheck) await opts.targetCheck.check(v);
      opts.onEntry?.(v);
    }
  } catch (err) {
    throw isArchiveRefusal(err)
      ? new ArchiveRefusedError(`${file} is refused: ${err.message}; nothing was restored`, err.entry, err.kind)
      : damaged(file, err, !!manifest);
  }
  const sha256 = tap.hash.digest('hex');
  if (validator.entries === 0)
    throw new BackupInputError(
      `${file} holds no entries (${st.size} bytes, not even its root folder): there is nothing to restore; nothing was restored`,
    );
  if (manifest) {
    if (sha256 !== manifest.sha256) throw new BackupInputError(`${file} changed while it was checked; nothing was restored`);
    if (validator.entries !== manifest.entries) {
      throw new BackupInputError(
        `${file} holds ${validator.entries} entries but its manifest says ${manifest.entries}: nothing was restored`,
      );
    }
    if (validator.bytes !== manifest.bytes) {
      throw new BackupInputError(
        `${file} holds ${validator.bytes} bytes of files but its manifest says ${manifest.bytes}: nothing was restored`,
      );
    }
  }
  return {
    archive: file,
    ...(manifest ? { manifest } : {}),
    verified: !!manifest,
    entries: validator.entries,
    bytes: validator.bytes,
    archiveBytes: st.size,
    sha256,
    layout: manifest?.layout ?? 'content',
    ...(root ? { root } : {}),
    warnings,
  };
}

/** The free space a restore may use, where it was measured (for the message). */
export interface FreeSpace {
  where: string;
  free: number;
}

/** Free space (for an unprivileged user: f_bavail) on the file system of `path`, or its nearest existing parent. */
export async function freeSpaceAt(path: string, where = path): Promise<FreeSpace | undefined> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = await fsp.statfs(p);
      return { where, free: st.bavail * st.bsize };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) return undefined;
    }
  }
}
