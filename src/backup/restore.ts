import type Dockerode from 'dockerode';
import { constants as fsc, promises as fsp, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PassThrough, Readable, Transform, pipeline as pipelineCb, type TransformCallback } from 'node:stream';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { DockerConnection } from '../sources/docker/client';
import { prepareDestination, writeBackupArchive, normalizeContainerPath, type ArchiveJob, type BackupOptions, type BackupResult } from './backup';
import {
  contentNameMap,
  dockerFor,
  engineArchive,
  findContainer,
  putArchive,
  statPath,
  translateDockerError,
  volumeExists,
  withVolumeHelper,
  createdLabels,
  HELPER_MOUNT,
  rootNameMap,
} from './docker-access';
import { ArchiveRefusedError, BackupAbortedError, BackupFailedError, BackupInputError, isAbortError, messageOf, throwIfAborted } from './errors';
import { execTarExtract, execTarRootEntries } from './exec-tar';
import { extractLocal, LocalTargetCheck, type ExtractEntry } from './local-extract';
import { inodeKey, localEntries } from './local-source';
import { manifestPathFor, readManifestFor, type Layout, type Manifest, type ManifestSource } from './manifest';
import { ProgressReporter } from './progress';
import { readTar } from './tar-read';
import { tarBuffer, tarBytes, type ArchiveEntry, type EntryCounters, type EntryHeader } from './tar-format';
import { ArchiveValidator, normalizeEntryName, printable, type ValidatedEntry } from './validate';
import { ancestors, archiveRoots, checkAgainstTarget, kindOf, type PathKind } from './target-check';
import { hasRawBytes } from './names';
import { formatBytes } from '../core/bytes';
import { isWithin } from '../core/paths';

/** Where to restore. */
export type RestoreTarget =
  /** A local directory (created when missing). */
  | { kind: 'local'; path: string }
  /** A Docker volume (created when missing), through a never-started helper container. */
  | { kind: 'volume'; volume: string }
  /** A directory of a container, running or stopped (created when missing). */
  | { kind: 'container-path'; container: string; path: string }
  /** Rescue archives only: every path back where it was in the container. */
  | { kind: 'container'; container: string };

export interface RestoreOptions extends Omit<BackupOptions, 'checkDestination'> {
  /**
   * Overwrite a non-empty target (the CLI's --force; the editor asks the user first). A safety backup of what
   * is there is taken before anything is written.
   */
  force?: boolean;
  /**
   * Asked when the target is not empty and `force` is not set (the editor shows a modal): resolve true to
   * overwrite (a safety backup is taken first), false to refuse. Without it, a non-empty target is refused.
   */
  confirmOverwrite?: (question: { target: string; detail: string }) => Promise<boolean>;
  /** Check that the safety backup's destination survives a recreate when inside a container (default true). */
  checkDestination?: boolean;
  /**
   * Restore setuid/setgid bits of files and `security.capability` xattrs as the archive has them (the CLI's
   * --keep-privileges). Without it they are stripped, with a warning naming the files (see {@link dropPrivileges}).
   */
  keepPrivileges?: boolean;
}

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

export interface RestoreResult {
  archive: string;
  /** `volume "data"`, `/srv/x`, `/data of container "web"`. */
  target: string;
  check: ArchiveCheck;
  entries: number;
  bytes: number;
  /** What the target held before, backed up first (when it was not empty). */
  safetyBackup?: Omit<BackupResult, 'staleRemoved'>;
  /** The volume did not exist and was created. */
  createdVolume?: boolean;
  warnings: string[];
}

class RawTap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
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
      throw new BackupInputError(`cannot read the archive ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(err)}`);
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
    const hash = createHash('sha256');
    let bytes = 0;
    const stream = this.stream();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new BackupAbortedError();
        hash.update(chunk);
        bytes += chunk.length;
        opts.onBytes?.(bytes);
      }
    } finally {
      stream.destroy();
    }
    return hash.digest('hex');
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/** The archive's tar bytes (gunzipped when it is gzip), with the raw bytes hashed as they are read (restore; src/browse reads archives with it too). */
export async function openArchive(archive: ArchiveHandle, opts: { onBytes?: (n: number) => void }): Promise<{ tar: Readable; tap: RawTap }> {
  await archive.unchanged();
  const gz = await archive.isGzip();
  const raw = archive.stream();
  const tap = new RawTap(opts.onBytes);
  const out = gz ? createGunzip({ chunkSize: 128 * 1024 }) : new PassThrough();
  pipelineCb(raw, tap, out, () => undefined);
  return { tar: out, tap };
}

function damaged(file: string, err: unknown, verified: boolean): Error {
  if (err instanceof BackupInputError || err instanceof BackupAbortedError) return err;
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
  opts: { signal?: AbortSignal; reporter?: ProgressReporter; targetCheck?: LocalTargetCheck; manifest?: Manifest | null; handle?: ArchiveHandle; onEntry?: (entry: ValidatedEntry) => void; space?: FreeSpace } = {},
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
  opts: { signal?: AbortSignal; reporter?: ProgressReporter; targetCheck?: LocalTargetCheck; manifest?: Manifest | null; onEntry?: (entry: ValidatedEntry) => void; space?: FreeSpace },
): Promise<ArchiveCheck> {
  const st = { size: handle.size };
  if (st.size === 0) throw new BackupInputError(`${file} is empty (0 bytes): it holds no backup; nothing was restored`);
  const manifest = opts.manifest === null ? undefined : (opts.manifest ?? (await readManifestFor(file)));
  const warnings: string[] = [];
  const reporter = opts.reporter;

  if (manifest) {
    if (manifest.archiveBytes !== st.size) {
      throw new BackupInputError(`${file} has ${st.size} bytes but its manifest says ${manifest.archiveBytes}: the archive is damaged or incomplete; nothing was restored`);
    }
    reporter?.setPhase('verifying', st.size);
    const sha256 = await handle.sha256({ ...(opts.signal ? { signal: opts.signal } : {}), onBytes: (n) => reporter?.update({ entries: 0, bytes: 0, compressedBytes: n }, false, 'compressedBytes') }).catch((err) => {
      throw damaged(file, err, false);
    });
    if (sha256 !== manifest.sha256) {
      throw new BackupInputError(`${file} does not match its manifest: sha256 ${sha256} where ${manifestPathFor(file)} says ${manifest.sha256}. The archive is damaged or was changed; nothing was restored`);
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
  const { tar, tap } = await openArchive(handle, { onBytes: (n) => reporter?.update({ entries: validator.entries, bytes: validator.bytes, compressedBytes: n }, false, 'compressedBytes') });
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
    throw err instanceof ArchiveRefusedError ? new ArchiveRefusedError(`${file} is refused: ${err.message}; nothing was restored`, err.entry) : damaged(file, err, !!manifest);
  }
  const sha256 = tap.hash.digest('hex');
  if (validator.entries === 0) throw new BackupInputError(`${file} holds no entries (${st.size} bytes, not even its root folder): there is nothing to restore; nothing was restored`);
  if (manifest) {
    if (sha256 !== manifest.sha256) throw new BackupInputError(`${file} changed while it was checked; nothing was restored`);
    if (validator.entries !== manifest.entries) {
      throw new BackupInputError(`${file} holds ${validator.entries} entries but its manifest says ${manifest.entries}: nothing was restored`);
    }
    if (validator.bytes !== manifest.bytes) {
      throw new BackupInputError(`${file} holds ${validator.bytes} bytes of files but its manifest says ${manifest.bytes}: nothing was restored`);
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
async function freeSpaceAt(path: string, where = path): Promise<FreeSpace | undefined> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const st = await fsp.statfs(p);
      return { where, free: st.bavail * st.bsize };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) return undefined;
    }
  }
}

/**
 * The free space of the engine's data root (where volumes and containers' layers live), when the engine runs on
 * this machine (a unix socket) and its data root is visible here. Otherwise the engine cannot tell: Docker has no
 * API for it (a remote engine, Docker Desktop's VM, this tool in a container) and nothing is checked before the
 * write; a full disk then stops the engine's extraction with ENOSPC and the restore fails saying so.
 */
async function engineFreeSpace(conn: DockerConnection, what: string): Promise<FreeSpace | undefined> {
  if (typeof conn.endpoint.modemOptions.socketPath !== 'string') return undefined;
  try {
    const info = (await conn.docker.info()) as { DockerRootDir?: string };
    if (!info.DockerRootDir) return undefined;
    const st = await fsp.stat(info.DockerRootDir).catch(() => undefined);
    if (!st?.isDirectory()) return undefined;
    return await freeSpaceAt(info.DockerRootDir, `${what} (the engine's data root ${info.DockerRootDir})`);
  } catch {
    return undefined;
  }
}

/** What {@link dropPrivileges} took away, for the warning. */
interface Dropped {
  setid: string[];
  capabilities: string[];
}

/**
 * The privilege policy of a restore: owners, permission bits and times are data and are restored as the archive
 * recorded them (a database volume must stay owned by its uid 999; a non-root user who may use the Docker socket
 * can be root anyway). What is stripped, unless `keepPrivileges`, is what makes a file grant privileges to
 * whoever runs it: the setuid and setgid bits of non-directories, and file capabilities (`security.capability`).
 * An archive from elsewhere could carry a setuid-root shell; a backup of a volume hardly ever holds one that
 * should be restored without being asked. A directory keeps its setgid (new files inherit its group, nothing
 * runs with it) and sticky bits; its setuid means nothing on Linux and goes. Devices stay refused (validate.ts).
 */
function dropPrivileges(v: ValidatedEntry, dropped: Dropped): ValidatedEntry {
  const h = v.header;
  const setid = h.type === 'directory' ? h.mode & 0o4000 : h.type === 'file' ? h.mode & 0o6000 : 0;
  const cap = h.xattrs !== undefined && 'security.capability' in h.xattrs;
  if (!setid && !cap) return v;
  const header: EntryHeader = { ...h, mode: h.mode & ~setid };
  if (setid && h.type !== 'directory') dropped.setid.push(v.path);
  if (cap) {
    const { ['security.capability']: _, ...rest } = h.xattrs!;
    void _;
    if (Object.keys(rest).length > 0) header.xattrs = rest;
    else delete header.xattrs;
    dropped.capabilities.push(v.path);
  }
  return { ...v, header };
}

function droppedWarnings(d: Dropped): string[] {
  const list = (paths: string[]): string => paths.slice(0, 10).map((p) => printable(p)).join(', ') + (paths.length > 10 ? `, and ${paths.length - 10} more` : '');
  const out: string[] = [];
  if (d.setid.length) out.push(`${d.setid.length} file(s) were restored without their setuid/setgid bits (${list(d.setid)}): pass --keep-privileges to restore them as the archive has them`);
  if (d.capabilities.length) out.push(`${d.capabilities.length} file(s) were restored without their file capabilities (security.capability) (${list(d.capabilities)}): pass --keep-privileges to restore them`);
  return out;
}

/**
 * The archive's entries, validated again one by one as they are written (the file is read a second time), with
 * the raw bytes hashed: a file that changed since it was verified stops the restore.
 */
async function* validatedEntries(
  check: ArchiveCheck,
  handle: ArchiveHandle,
  opts: { signal?: AbortSignal; reporter: ProgressReporter; counters: { entries: number; bytes: number }; dropped?: Dropped },
): AsyncGenerator<ExtractEntry> {
  const validator = new ArchiveValidator();
  let raw = 0;
  const report = (): void => opts.reporter.update({ entries: opts.counters.entries, bytes: opts.counters.bytes, compressedBytes: raw });
  const { tar, tap } = await openArchive(handle, { onBytes: (n) => (raw = n) });
  for await (const entry of readTar(tar, opts.signal ? { signal: opts.signal } : {})) {
    const checked = validator.check(entry.header);
    const v = opts.dropped ? dropPrivileges(checked, opts.dropped) : checked;
    const body = entry.body;
    // file content is counted as it is written, so the percentage moves inside big files too
    yield body
      ? {
          ...v,
          body: (async function* () {
            for await (const chunk of body) {
              opts.counters.bytes += chunk.length;
              report();
              yield chunk;
            }
          })(),
        }
      : v;
    opts.counters.entries++;
    report();
  }
  if (tap.hash.digest('hex') !== check.sha256) throw new BackupFailedError(`${check.archive} changed while it was being restored`);
}

/** The entries whose path `keep` takes; the others are read past (their bodies drained, so the tar moves on). */
async function* only(entries: AsyncIterable<ExtractEntry>, keep: (path: string) => boolean): AsyncGenerator<ExtractEntry> {
  for await (const e of entries) {
    if (keep(e.path)) yield e;
    else if (e.body) for await (const _ of e.body) void _;
  }
}

/** Where a container has a tmpfs: `--tmpfs` (HostConfig.Tmpfs) and `--mount type=tmpfs` (Mounts). */
function tmpfsMountPoints(info: Dockerode.ContainerInspectInfo): string[] {
  const points = new Set(Object.keys((info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {}));
  for (const m of info.Mounts ?? []) if ((m.Type as string) === 'tmpfs') points.add(m.Destination);
  return [...points].map((p) => p.replace(/\/+$/, '') || '/');
}

/**
 * Validated entries as a tar for the engine: names `./path`, hard links `./target`.
 *
 * With `parentHeader`, every parent of an entry that the archive did not put before it gets a directory entry
 * first: the engine refuses a directory entry over a non-directory (`noOverwriteDirNonDir`), so a symlink planted
 * in a parent after the target was checked (target-check.ts) stops the restore there instead of being followed.
 * `parentHeader` gives the entry for that parent: an existing directory's own header (from the safety backup's
 * listing, so nothing about it changes), a plain one for a missing directory, or undefined to leave it alone
 * (an existing parent whose owner and times are not known: sending anything would change them).
 */
function forEngine(entries: AsyncIterable<ExtractEntry>, parentHeader?: (path: string) => EntryHeader | undefined): AsyncIterable<ArchiveEntry> {
  return (async function* () {
    const dirs = new Set<string>(['']);
    for await (const e of entries) {
      if (parentHeader) {
        for (const parent of ancestors(e.path)) {
          if (dirs.has(parent)) continue;
          dirs.add(parent);
          const h = parentHeader(parent);
          if (h) yield { header: { ...h, name: `./${parent}`, type: 'directory', size: 0 } };
        }
      }
      if (e.header.type === 'directory') dirs.add(e.path);
      const header: EntryHeader = { ...e.header, name: e.path === '' ? './' : `./${e.path}` };
      if (e.linkPath !== undefined) header.linkname = `./${e.linkPath}`;
      yield e.body ? { header, body: e.body } : { header };
    }
  })();
}

/**
 * For tests only: awaited after every check, right before the archive is streamed to the engine (a test plants
 * a symlink there, as a process in the container racing the restore could).
 */
export const restoreHooks: { beforeEngineWrite?: () => Promise<void> } = {};

/** A directory the restore creates: what the engine itself would make (0755, root, now). */
const newDirHeader = (): EntryHeader => ({ name: '', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: Math.floor(Date.now() / 1000) });

/** Whether a directory of a container holds anything (reads the first entries of its archive only). */
export async function engineDirHasContent(conn: DockerConnection, container: Dockerode.Container, path: string, signal?: AbortSignal): Promise<boolean> {
  let n = 0;
  for await (const _ of engineArchive(conn, container, path === '/' ? '/.' : `${path}/.`, (x) => x, { doing: `looking into ${path}`, ...(signal ? { signal } : {}) })) {
    void _;
    if (++n > 1) return true;
  }
  return false;
}

/** Creates `path` in a container (its missing components only), with the archive root's owner and mode. */
async function createContainerDir(conn: DockerConnection, container: Dockerode.Container, path: string, root: EntryHeader | undefined, signal?: AbortSignal): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  let existing = parts.length;
  while (existing > 0) {
    const p = `/${parts.slice(0, existing).join('/')}`;
    const st = await statPath(conn, container, p, signal);
    if (st) {
      if (!st.isDir) throw new BackupInputError(`${p} in the container is not a directory: cannot restore into ${path}`);
      break;
    }
    existing--;
  }
  const base = `/${parts.slice(0, existing).join('/')}`;
  const missing = parts.slice(existing);
  if (missing.length === 0) return;
  const now = Math.floor(Date.now() / 1000);
  // the missing parents are made as the engine would make them (0755, root); only the target folder itself gets
  // the archive root's owner and mode (the archive's `./` entry sets them again), without setuid
  const entries: ArchiveEntry[] = missing.map((_, i) =>
    i === missing.length - 1
      ? { header: { name: missing.join('/'), type: 'directory', mode: (root?.mode ?? 0o755) & ~0o4000, uid: root?.uid ?? 0, gid: root?.gid ?? 0, size: 0, mtime: now } }
      : { header: { name: missing.slice(0, i + 1).join('/'), type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: now } },
  );
  const body = Readable.from([await tarBuffer(entries)], { objectMode: false });
  await putArchive(conn, container, base, body, { doing: `creating ${path} in the container`, ...(signal ? { signal } : {}) });
}

function describeTarget(t: RestoreTarget): string {
  switch (t.kind) {
    case 'local':
      return resolve(t.path);
    case 'volume':
      return `volume "${t.volume}"`;
    case 'container-path':
      return `${t.path} of container "${t.container}"`;
    case 'container':
      return `container "${t.container}"`;
  }
}

function notEmpty(target: string, detail: string): BackupInputError {
  return new BackupInputError(`${target} is not empty${detail}: restoring would overwrite it. Pass --force to restore anyway (what is there is backed up first); nothing was restored`);
}

/**
 * Restores an archive: verification (sha256, then entry count) and validation of every entry BEFORE anything
 * is written; a non-empty target needs `force` and gets a safety backup first; then the entries are written
 * (locally, or streamed to the engine which extracts them).
 */
export async function restore(archive: string, target: RestoreTarget, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const reporter = new ProgressReporter('restore', opts.onProgress, opts.progressIntervalMs);
  throwIfAborted(opts.signal, 'the restore');
  const file = resolve(archive);
  const what = describeTarget(target);
  const manifest = await readManifestFor(file).catch((err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  });
  if (target.kind === 'container' && manifest?.layout !== 'root') {
    throw new BackupInputError(
      manifest
        ? `${file} is a backup of ${manifest.source.kind} "${manifest.source.name}", not a rescue archive: restore it with --container C --path P, --volume NAME or --path DIR`
        : `${file} has no manifest, so it is not known to be a rescue archive: restore it with --container C --path P, --volume NAME or --path DIR`,
    );
  }
  const signalOpt = opts.signal ? { signal: opts.signal } : {};
  const counters = { entries: 0, bytes: 0 };
  const dropped: Dropped = { setid: [], capabilities: [] };
  let started = false;
  let safety: Omit<BackupResult, 'staleRemoved'> | undefined;

  // What an engine target holds (path → kind), seen while the safety backup streams it, and what the archive
  // writes (from the verification pass): checked against each other before anything is written.
  const targetPaths = new Map<string, PathKind>();
  const targetDirs = new Map<string, EntryHeader>();
  // content layout: the listing is complete (or the target was empty), so a parent not in it is missing
  const contentParent = (p: string): EntryHeader | undefined => targetDirs.get(p) ?? (targetPaths.has(p) ? undefined : newDirHeader());
  const archivePaths = new Map<string, PathKind>();
  const collect = (v: ValidatedEntry): void => void archivePaths.set(v.path, kindOf(v.header));
  const safetyBackup = async (entriesFor: (dir: string) => AsyncIterable<ArchiveEntry>, source: ManifestSource, layout: Layout, paths?: string[]): Promise<void> => {
    reporter.setPhase('safety-backup');
    const { dir } = await prepareDestination({ ...opts, checkDestination: opts.checkDestination !== false });
    const entries = (async function* () {
      for await (const e of entriesFor(dir)) {
        try {
          const path = normalizeEntryName(e.header.name);
          targetPaths.set(path, kindOf(e.header));
          if (e.header.type === 'directory') targetDirs.set(path, e.header);
        } catch {
          // the engine's names are relative and inside; a name that is not is not ours to check
        }
        yield e;
      }
    })();
    const job: ArchiveJob = { source, layout, purpose: 'safety', restoring: manifest?.archive ?? file, warnings: [], what: `the current content of ${what}`, ...(paths ? { paths } : {}) };
    safety = await writeBackupArchive(entries, job, dir, opts, reporter);
  };
  /** Refuses, before anything is written, an archive that would write through what the target holds. */
  const checkTarget = async (): Promise<void> => {
    try {
      checkAgainstTarget(archivePaths, targetPaths);
    } catch (err) {
      if (!(err instanceof ArchiveRefusedError)) throw err;
      // the safety backup was taken for a restore that does not happen: it would only push older ones out
      let removed = '';
      if (safety) {
        await fsp.rm(safety.archive, { force: true }).catch(() => undefined);
        await fsp.rm(safety.manifestPath, { force: true }).catch(() => undefined);
        safety = undefined;
        removed = ' (the safety backup taken for it was removed)';
      }
      throw new ArchiveRefusedError(`${file} is refused: ${err.message}; nothing was restored${removed}`, err.entry);
    }
  };
  const mayOverwrite = async (target: string, detail: string): Promise<void> => {
    if (opts.force) return;
    // The detail is written to follow the target in a sentence (" (3 entries)", ": 2 of the paths exist there (a, b)"):
    // the question shows it on its own.
    const alone = detail.startsWith(' (') && detail.endsWith(')') ? detail.slice(2, -1) : detail.replace(/^: /, '');
    if (opts.confirmOverwrite && (await opts.confirmOverwrite({ target, detail: alone.trim() }))) return;
    throw notEmpty(target, detail);
  };
  const entriesFor = (check: ArchiveCheck): AsyncGenerator<ExtractEntry> => {
    reporter.setPhase('restoring', check.bytes);
    started = true;
    return validatedEntries(check, handle!, { ...signalOpt, reporter, counters, ...(opts.keepPrivileges ? {} : { dropped }) });
  };
  const result = (check: ArchiveCheck, extra: Partial<RestoreResult> = {}): RestoreResult => {
    reporter.complete('finishing', { entries: counters.entries, bytes: counters.bytes, compressedBytes: check.archiveBytes });
    return resultOf(check, extra);
  };
  const resultOf = (check: ArchiveCheck, extra: Partial<RestoreResult> = {}): RestoreResult => ({
    archive: file,
    target: what,
    check,
    entries: counters.entries,
    bytes: counters.bytes,
    ...(safety ? { safetyBackup: safety } : {}),
    ...extra,
    warnings: [...check.warnings, ...droppedWarnings(dropped), ...(extra.warnings ?? [])],
  });

  let handle: ArchiveHandle | undefined;
  try {
    // one open file for the verification and the writing: the bytes written are the bytes verified
    handle = await ArchiveHandle.open(file);
    if (target.kind === 'local') {
      const dest = resolve(target.path);
      const st = await fsp.lstat(dest).catch(() => undefined);
      if (st && !st.isDirectory()) throw new BackupInputError(`${dest} exists and is not a directory`);
      const space = await freeSpaceAt(dest);
      const check = await verifyArchive(file, { ...signalOpt, reporter, manifest: manifest ?? null, handle, ...(space ? { space } : {}), ...(st ? { targetCheck: new LocalTargetCheck(dest) } : {}) });
      const names = st ? await fsp.readdir(dest) : [];
      if (names.length > 0) {
        await mayOverwrite(dest, ` (${names.length} entr${names.length === 1 ? 'y' : 'ies'})`);
        const w: string[] = [];
        await safetyBackup(
          (dir) => {
            const exclude = new Set<string>();
            const ds = statSync(dir, { throwIfNoEntry: false });
            if (ds) exclude.add(inodeKey(ds));
            return localEntries(dest, { warnings: w, exclude, ...signalOpt });
          },
          { kind: 'local', name: dest },
          'content',
        );
      }
      await extractLocal(entriesFor(check), dest, signalOpt);
      return result(check);
    }

    const conn = await dockerFor(opts);
    const engineSpace = await engineFreeSpace(conn, what);
    const spaceOpt = engineSpace ? { space: engineSpace } : {};
    if (target.kind === 'volume') {
      const check = await verifyArchive(file, { ...signalOpt, reporter, manifest: manifest ?? null, handle, onEntry: collect, ...spaceOpt });
      const existed = await volumeExists(conn, target.volume);
      if (!existed) {
        try {
          await conn.docker.createVolume({ Name: target.volume, Labels: createdLabels(opts) });
        } catch (err) {
          throw translateDockerError(err, conn, `creating volume "${target.volume}"`);
        }
      }
      try {
        await withVolumeHelper(conn, target.volume, { readOnly: false }, opts, async (helper) => {
          if (existed && (await engineDirHasContent(conn, helper.container, HELPER_MOUNT, opts.signal))) {
            await mayOverwrite(what, '');
            await safetyBackup(
              () => engineArchive(conn, helper.container, `${HELPER_MOUNT}/.`, contentNameMap(), { doing: `backing up ${what} before the restore`, ...signalOpt }),
              { kind: 'volume', name: target.volume, engine: conn.endpoint.description },
              'content',
            );
            await checkTarget();
          }
          const body = Readable.from(tarBytes(forEngine(entriesFor(check), contentParent), { entries: 0, bytes: 0 } as EntryCounters, opts.signal), { objectMode: false });
          await restoreHooks.beforeEngineWrite?.();
          await putArchive(conn, helper.container, HELPER_MOUNT, body, { doing: `writing into ${what}`, ...signalOpt });
        });
      } catch (err) {
        // a volume this restore created and could not fill is removed: nothing half-written
        if (!existed) await conn.docker.getVolume(target.volume).remove().catch(() => undefined);
        throw err;
      }
      return result(check, existed ? {} : { createdVolume: true });
    }

    const { container, info } = await findContainer(conn, target.container);
    const containerName = info.Name.replace(/^\//, '');
    if (target.kind === 'container-path') {
      const path = normalizeContainerPath(target.path);
      const check = await verifyArchive(file, { ...signalOpt, reporter, manifest: manifest ?? null, handle, onEntry: collect, ...spaceOpt });
      const st = await statPath(conn, container, path, opts.signal);
      if (st && !st.isDir) throw new BackupInputError(`${path} in container "${containerName}" is not a directory`);
      if (st && (await engineDirHasContent(conn, container, path, opts.signal))) {
        await mayOverwrite(what, '');
        await safetyBackup(
          () => engineArchive(conn, container, path === '/' ? '/.' : `${path}/.`, contentNameMap(), { doing: `backing up ${what} before the restore`, ...signalOpt }),
          { kind: 'container-path', name: path, container: containerName, containerId: info.Id, engine: conn.endpoint.description },
          'content',
        );
        await checkTarget();
      }
      if (!st) await createContainerDir(conn, container, path, check.root, opts.signal);
      const body = Readable.from(tarBytes(forEngine(entriesFor(check), contentParent), { entries: 0, bytes: 0 }, opts.signal), { objectMode: false });
      await restoreHooks.beforeEngineWrite?.();
      await putArchive(conn, container, path, body, { doing: `writing into ${what}`, ...signalOpt });
      return result(check);
    }

    // rescue archive back into a container, every path where it was. What it writes is read from its own
    // entries (its top-level paths), never from the manifest's `paths`: a manifest is only as honest as whoever
    // wrote it, and its sha256 proves nothing about that.
    const check = await verifyArchive(file, { ...signalOpt, reporter, manifest: manifest ?? null, handle, onEntry: collect, ...spaceOpt });
    const refused = (why: string, entry: string): ArchiveRefusedError => new ArchiveRefusedError(`${file} is refused: ${why}; nothing was restored`, entry);
    const stats = new Map<string, Awaited<ReturnType<typeof statPath>>>();
    const stat = async (abs: string): Promise<Awaited<ReturnType<typeof statPath>>> => {
      if (!stats.has(abs)) stats.set(abs, await statPath(conn, container, abs, opts.signal));
      return stats.get(abs);
    };
    // A tmpfs exists only in the running container's mount namespace: what goes into one is read and written
    // with tar inside the container (the archive endpoint works under it, on the host side).
    const tmpfsPoints = tmpfsMountPoints(info);
    const inTmpfs = (rel: string): boolean => tmpfsPoints.some((t) => isWithin(`/${rel}`, t));
    const toTmpfs = [...archivePaths.keys()].filter(inTmpfs);
    if (toTmpfs.length > 0 && info.State?.Running !== true) {
      const points = tmpfsPoints.filter((t) => toTmpfs.some((p) => isWithin(`/${p}`, t)));
      throw new BackupInputError(`${points.join(', ')} of container "${containerName}" ${points.length === 1 ? 'is a tmpfs, which exists' : 'are tmpfs mounts, which exist'} only while the container runs: start it and restore again; nothing was restored`);
    }
    const conflicts: string[] = [];
    for (const root of archiveRoots(archivePaths)) {
      if (root === '') throw refused('it has an entry for / itself, which a rescue archive never has', root);
      // the engine is asked by path in a URL, which carries UTF-8 only
      if (hasRawBytes(root)) throw refused(`the path /${printable(root)} is not valid UTF-8, so what the container has there cannot be checked`, root);
      let parentMissing = false;
      for (const parent of ancestors(root)) {
        const st = await stat(`/${parent}`);
        if (!st) {
          parentMissing = true; // nothing exists below a missing directory
          break;
        }
        if (st.isSymlink) throw refused(`the container has a symlink at /${printable(parent)} (to ${printable(st.linkTarget)}): restoring /${printable(root)} would write through it`, root);
        if (!st.isDir) throw refused(`the container has a file at /${printable(parent)} where the archive needs a directory (for /${printable(root)})`, root);
      }
      if (!parentMissing && (await stat(`/${root}`))) conflicts.push(`/${root}`);
    }
    if (conflicts.length > 0) {
      const shown = conflicts.slice(0, 10).join(', ') + (conflicts.length > 10 ? `, and ${conflicts.length - 10} more` : '');
      await mayOverwrite(what, `: ${conflicts.length} of the archive's paths exist there (${shown})`);
      const entries = async function* (): AsyncGenerator<ArchiveEntry> {
        for (const p of conflicts) {
          const doing = `backing up ${p} before the restore`;
          yield* inTmpfs(p.slice(1)) ? execTarRootEntries(conn, container, p, { doing, ...signalOpt }) : engineArchive(conn, container, p, rootNameMap(p), { doing, ...signalOpt });
        }
      };
      await safetyBackup(entries, { kind: 'rescue', name: containerName, container: containerName, containerId: info.Id, engine: conn.endpoint.description }, 'root', conflicts);
      await checkTarget();
    }
    // a parent the safety backup listed keeps its own header; one the container has outside what was listed
    // (the roots' parents, asked by stat) is left alone; anything else is missing and made
    const rescueParent = (p: string): EntryHeader | undefined => targetDirs.get(p) ?? (stats.get(`/${p}`) ? undefined : newDirHeader());
    const body = Readable.from(tarBytes(forEngine(only(entriesFor(check), (p) => !inTmpfs(p)), rescueParent), { entries: 0, bytes: 0 }, opts.signal), { objectMode: false });
    await restoreHooks.beforeEngineWrite?.();
    await putArchive(conn, container, '/', body, { doing: `writing into ${what}`, ...signalOpt });
    if (toTmpfs.length > 0) {
      // a second pass over the same verified bytes, for what goes into a tmpfs: through tar in the container
      const again = validatedEntries(check, handle!, { ...signalOpt, reporter, counters, ...(opts.keepPrivileges ? {} : { dropped }) });
      const tmpfsBody = Readable.from(tarBytes(forEngine(only(again, inTmpfs)), { entries: 0, bytes: 0 }, opts.signal), { objectMode: false });
      await execTarExtract(container, tmpfsBody, { doing: `writing into the tmpfs mounts of ${what}`, ...signalOpt });
    }
    return result(check);
  } catch (err) {
    throw restoreFailure(err, what, started, safety, opts.signal);
  } finally {
    await handle?.close();
  }
}

function translateIfEngine(err: unknown, what: string): string {
  const code = (err as { code?: unknown }).code;
  const why = code === 'ENOSPC' ? 'no space left on the device' : messageOf(err);
  return `restoring into ${what} failed: ${why}`;
}

function restoreFailure(err: unknown, what: string, started: boolean, safety: Omit<BackupResult, 'staleRemoved'> | undefined, signal?: AbortSignal): Error {
  if ((err as Error)?.name === 'DockerUnavailableError') return err as Error;
  if (!started) {
    if (err instanceof BackupInputError) return err;
    if (err instanceof BackupAbortedError || isAbortError(err) || signal?.aborted) return new BackupAbortedError(`restoring into ${what} was cancelled: nothing was restored`);
    const base = err instanceof BackupFailedError ? err.message : translateIfEngine(err, what);
    return new BackupFailedError(/nothing was restored/.test(base) ? base : `${base}; nothing was restored`, { cause: err });
  }
  const after = safety ? ` What was there before is in the safety backup ${safety.archive}.` : '';
  if (isAbortError(err) || signal?.aborted) return new BackupAbortedError(`restoring into ${what} was cancelled: the target holds part of the archive.${after}`);
  const base = err instanceof BackupInputError || err instanceof BackupFailedError ? err.message : `restoring into ${what} failed: ${messageOf(err)}`;
  const e = err instanceof BackupInputError ? new BackupInputError(base) : new BackupFailedError(base, { cause: err });
  e.message = `${base}. The target may hold part of the archive: run the restore again.${after}`;
  return e;
}
