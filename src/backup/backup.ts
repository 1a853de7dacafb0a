import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { removeStalePartials, writeArchive, writeFileAtomic, DEFAULT_GZIP_LEVEL } from './archive-file';
import { nextSequence, pruneBackups, removeOrphanManifests } from './catalog';
import { assertPersistentDestination, type DestinationCheckOptions } from './destination';
import {
  contentNameMap,
  dockerFor,
  engineArchive,
  findContainer,
  statPath,
  volumeExists,
  volumeSize,
  withVolumeHelper,
  translateDockerError,
  HELPER_MOUNT,
  type DockerOptions,
} from './docker-access';
import type Dockerode from 'dockerode';
import type { DockerConnection } from '../sources/docker/client';
import { isAborted, isFailure, isInputError, isUnavailable } from '../core/errors';
import {
  BackupAbortedError,
  BackupFailedError,
  BackupInputError,
  errorCode,
  isAbortError,
  isBackupError,
  messageOf,
  throwIfAborted,
} from './errors';
import { describeTarget } from './describe';
import { inodeKey, localEntries } from './local-source';
import { archivePathFor, defaultBackupDir, ensureBackupDir } from './location';
import { manifestPathFor, MANIFEST_FORMAT, toolVersion, type Layout, type Manifest, type ManifestSource } from './manifest';
import { ProgressReporter, type OperationOptions } from './progress';
import type { ArchiveEntry } from './tar-format';

/** What to back up. */
export type BackupSource =
  /** A Docker volume, through a never-started helper container. */
  | { kind: 'volume'; volume: string }
  /** A directory of a container (running or stopped), through the engine's archive endpoint. */
  | { kind: 'container-path'; container: string; path: string }
  /** A directory of this machine (inside a container: no socket needed). */
  | { kind: 'local'; path: string };

export const DEFAULT_KEEP = 5;

export interface BackupOptions extends OperationOptions, DockerOptions, DestinationCheckOptions {
  /** Where archives go; default {@link defaultBackupDir}. */
  outDir?: string;
  /** gzip level 1..9, default 6. */
  level?: number;
  /** Blocks compressed at once (default: the cores, at most 4; 1 = a single zlib stream). */
  parallelism?: number;
  /** Retention: keep the newest N backups of this source (default 5; 0 keeps all). Pruned after a success. */
  keep?: number;
  /** Check that the destination survives a recreate when running inside a container (default true). */
  checkDestination?: boolean;
  /** The clock (tests). */
  now?: () => Date;
  /**
   * Stop the running containers that can write to the source while it is archived (a volume: those mounting it
   * read-write; a container path: that container), and start them again afterwards, also when the backup fails
   * or is cancelled (the CLI's --stop, the editor's `persistenceLens.backups.stopContainers`). A database writing
   * while its directory is read gives an archive no database can start from.
   */
  stopContainers?: boolean;
  /** The set file this backup is a member of (recorded in the manifest; single-backup retention skips it). */
  memberOf?: string;
}

export interface BackupResult {
  /** Containers stopped for the backup (`stopContainers`) and started again. */
  stopped?: string[];
  archive: string;
  manifestPath: string;
  manifest: Manifest;
  /** Older backups of the same source deleted by retention. */
  pruned: string[];
  /** Paths of a local source that could not be read (permission denied) and are not in the archive. */
  unreadable?: string[];
  /** Partial files of killed backups removed before this one. */
  staleRemoved: string[];
  warnings: string[];
}

/** Resolves, creates (0700) and checks the destination; cleans stale partials. */
export async function prepareDestination(opts: BackupOptions): Promise<{ dir: string; staleRemoved: string[] }> {
  const isDefault = !opts.outDir;
  const wanted = resolve(opts.outDir ?? defaultBackupDir());
  if (opts.checkDestination !== false) assertPersistentDestination(wanted, opts);
  let dir: string;
  try {
    dir = await ensureBackupDir(wanted, { isDefault });
  } catch (err) {
    throw new BackupInputError(`cannot use ${wanted} for backups: ${messageOf(err)}`);
  }
  const staleRemoved = await removeStalePartials(dir);
  await removeOrphanManifests(dir);
  return { dir, staleRemoved };
}

/** What writeBackupArchive needs beyond the entries. */
export interface ArchiveJob {
  source: ManifestSource;
  layout: Layout;
  purpose: 'backup' | 'safety';
  paths?: string[];
  restoring?: string;
  warnings: string[];
  /** Paths that could not be read, filled while the entries stream (listed in the manifest). */
  unreadable?: string[];
  /** Phrase for messages: `volume "data"`. */
  what: string;
}

/**
 * Streams entries into `<dir>/<name>.tar.gz` atomically, then writes the manifest (atomically, last), then
 * applies retention. Any failure removes the partial archive; a failure to write the manifest removes the
 * finished archive too (an archive without its manifest cannot be verified).
 */
export async function writeBackupArchive(
  entries: AsyncIterable<ArchiveEntry>,
  job: ArchiveJob,
  dir: string,
  opts: BackupOptions,
  reporter: ProgressReporter,
): Promise<Omit<BackupResult, 'staleRemoved'>> {
  const now = (opts.now ?? (() => new Date()))();
  const identity = { kind: job.source.kind, name: job.source.name, ...(job.source.container ? { container: job.source.container } : {}) };
  const archive = archivePathFor(dir, identity, now, job.purpose === 'safety' ? 'pre-restore-' : '');
  const level = opts.level ?? DEFAULT_GZIP_LEVEL;
  let written;
  try {
    written = await writeArchive(entries, {
      path: archive,
      level,
      ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onWrite: (c, n) =>
        reporter.update({ entries: c.entries, bytes: c.bytes, compressedBytes: n, ...(c.current ? { current: c.current } : {}) }),
    });
  } catch (err) {
    throw failure(err, `backing up ${job.what}`, opts.signal);
  }
  const sequence = await nextSequence(dir, { source: job.source, purpose: job.purpose }).catch(() => undefined);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    archive: archive.slice(dir.length + 1),
    source: job.source,
    purpose: job.purpose,
    layout: job.layout,
    createdAt: now.toISOString(),
    ...(sequence !== undefined ? { sequence } : {}),
    entries: written.entries,
    bytes: written.bytes,
    archiveBytes: written.archiveBytes,
    sha256: written.sha256,
    gzipLevel: level,
    tool: { name: 'persistence-lens', version: toolVersion() },
    ...(job.paths ? { paths: job.paths } : {}),
    ...(job.restoring ? { restoring: job.restoring } : {}),
    ...(job.warnings.length ? { warnings: job.warnings } : {}),
    ...(job.unreadable?.length ? { unreadable: job.unreadable } : {}),
    ...(opts.memberOf && job.purpose === 'backup' ? { set: opts.memberOf } : {}),
  };
  const manifestPath = manifestPathFor(archive);
  try {
    if (opts.signal?.aborted) throw new BackupAbortedError(`backing up ${job.what} was cancelled`);
    await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  } catch (err) {
    await fsp.rm(archive, { force: true }).catch(() => undefined);
    throw failure(err, `writing the manifest of ${job.what}`, opts.signal);
  }
  const pruned = await pruneBackups(dir, manifest, opts.keep ?? DEFAULT_KEEP, manifest.archive).catch(() => []);
  reporter.complete(job.purpose === 'safety' ? 'safety-backup' : 'finishing', {
    entries: written.entries,
    bytes: written.bytes,
    compressedBytes: written.archiveBytes,
  });
  return {
    archive,
    manifestPath,
    manifest,
    pruned,
    warnings: job.warnings,
    ...(job.unreadable?.length ? { unreadable: job.unreadable } : {}),
  };
}

/** Any error of a backup as one of ours, with "nothing was written" said. */
export function failure(err: unknown, doing: string, signal?: AbortSignal): Error {
  if (isAborted(err)) return err;
  if (isAbortError(err) || signal?.aborted) return new BackupAbortedError(`${doing} was cancelled: nothing was written`);
  if (isInputError(err)) return err;
  if (isFailure(err)) {
    if (!/nothing was written/.test(err.message)) err.message = `${err.message}: nothing was written (the partial archive was removed)`;
    return err;
  }
  const code = errorCode(err);
  const why =
    code === 'ENOSPC'
      ? 'no space left on the device'
      : code === 'EACCES' || code === 'EPERM'
        ? `permission denied (${messageOf(err)})`
        : messageOf(err);
  return new BackupFailedError(`${doing} failed: ${why}: nothing was written (the partial archive was removed)`, { cause: err });
}

/** Total size of a local tree (best effort, for the percentage); stops when `signal` fires. */
async function localSize(root: string, signal: AbortSignal): Promise<number | undefined> {
  let total = 0;
  // names as bytes, so a folder whose name is not UTF-8 is counted too (names.ts)
  const stack: Buffer[] = [Buffer.from(root)];
  try {
    while (stack.length && !signal.aborted) {
      const d = stack.pop()!;
      for (const e of await fsp.readdir(d, { withFileTypes: true, encoding: 'buffer' })) {
        const p = Buffer.concat([d, Buffer.from('/'), e.name]);
        if (e.isDirectory()) stack.push(p);
        else if (e.isFile()) total += (await fsp.lstat(p)).size;
      }
    }
  } catch {
    return undefined;
  }
  return signal.aborted ? undefined : total;
}

/**
 * Backs up a volume, a container directory or a local directory into `<source>-<UTC stamp>.tar.gz` and its
 * manifest. Streams end to end; atomic; files 0600 in a 0700 folder; retention after success.
 */
export async function backup(source: BackupSource, opts: BackupOptions = {}): Promise<BackupResult> {
  const reporter = new ProgressReporter('backup', opts.onProgress, opts.progressIntervalMs);
  throwIfAborted(opts.signal, 'the backup');
  const what = describeTarget(source);
  const warnings: string[] = [];
  const sizing = new AbortController();
  // The source is checked before the destination is made: a backup of a missing path or volume leaves no
  // empty --out folder behind.
  let prepared: { dir: string; staleRemoved: string[] } | undefined;
  const destination = async (): Promise<{ dir: string; staleRemoved: string[] }> => (prepared ??= await prepareDestination(opts));
  try {
    if (source.kind === 'local') {
      const root = resolve(source.path);
      await checkLocalSource(root);
      const { dir, staleRemoved } = await destination();
      const exclude = new Set<string>();
      const destStat = await fsp.stat(dir).catch(() => undefined);
      if (destStat) exclude.add(inodeKey(destStat));
      void localSize(root, sizing.signal).then((n) => (reporter.totalBytes = n));
      reporter.setPhase('archiving');
      const unreadable: string[] = [];
      const entries = localEntries(root, { warnings, exclude, unreadable, ...(opts.signal ? { signal: opts.signal } : {}) });
      const r = await writeBackupArchive(
        entries,
        { source: { kind: 'local', name: root }, layout: 'content', purpose: 'backup', warnings, unreadable, what },
        dir,
        opts,
        reporter,
      );
      return { ...r, staleRemoved };
    }

    const conn = await dockerFor(opts);
    if (source.kind === 'volume') {
      if (!(await volumeExists(conn, source.volume)))
        throw new BackupInputError(`no volume "${source.volume}" on the Docker Engine at ${conn.endpoint.description}`);
      const { dir, staleRemoved } = await destination();
      const writers = opts.stopContainers ? await volumeWriters(conn, source.volume) : [];
      void volumeSize(conn, source.volume, 3000, sizing.signal).then((n) => {
        if (n !== undefined) reporter.totalBytes = n;
      });
      const r = await whileStopped(conn, writers, what, opts.signal, () =>
        withVolumeHelper(conn, source.volume, { readOnly: true }, opts, async (helper) => {
          reporter.setPhase('archiving', reporter.totalBytes);
          const entries = engineArchive(conn, helper.container, `${HELPER_MOUNT}/.`, contentNameMap(), {
            doing: `reading ${what}`,
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
          return writeBackupArchive(
            entries,
            {
              source: { kind: 'volume', name: source.volume, engine: conn.endpoint.description },
              layout: 'content',
              purpose: 'backup',
              warnings,
              what,
            },
            dir,
            opts,
            reporter,
          );
        }),
      );
      return { ...r, staleRemoved, ...(writers.length ? { stopped: writers.map((w) => w.name) } : {}) };
    }

    const { container, info } = await findContainer(conn, source.container);
    const path = parseContainerPathArg(source.path);
    const st = await statPath(conn, container, path, opts.signal);
    if (!st) throw new BackupInputError(`there is no ${path} in container "${source.container}"`);
    if (!st.isDir && !st.isSymlink)
      throw new BackupInputError(
        `${path} in container "${source.container}" is a file: a backup archives a directory (back up the folder that holds it, or use rescue)`,
      );
    const { dir, staleRemoved } = await destination();
    reporter.setPhase('archiving');
    const containerName = info.Name.replace(/^\//, '');
    // the engine reads a stopped container's files as well as a running one's
    const writers = opts.stopContainers && info.State.Running ? [{ id: info.Id, name: containerName }] : [];
    const r = await whileStopped(conn, writers, what, opts.signal, () => {
      const entries = engineArchive(conn, container, path === '/' ? '/.' : `${path}/.`, contentNameMap(), {
        doing: `reading ${what}`,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return writeBackupArchive(
        entries,
        {
          source: {
            kind: 'container-path',
            name: path,
            container: containerName,
            containerId: info.Id,
            image: info.Config.Image,
            engine: conn.endpoint.description,
          },
          layout: 'content',
          purpose: 'backup',
          warnings,
          what,
        },
        dir,
        opts,
        reporter,
      );
    });
    return { ...r, staleRemoved, ...(writers.length ? { stopped: writers.map((w) => w.name) } : {}) };
  } catch (err) {
    if (isBackupError(err) || isUnavailable(err)) throw err;
    throw failure(err, `backing up ${what}`, opts.signal);
  } finally {
    sizing.abort();
  }
}

interface Writer {
  id: string;
  name: string;
}

/** The running containers that mount `volume` read-write (they can write to it while it is read). */
async function volumeWriters(conn: DockerConnection, volume: string): Promise<Writer[]> {
  let list: Dockerode.ContainerInfo[];
  try {
    list = await conn.docker.listContainers({ filters: { volume: [volume], status: ['running'] } });
  } catch (err) {
    throw translateDockerError(err, conn, `listing the containers that use volume "${volume}"`);
  }
  return list
    .filter((c) => (c.Mounts ?? []).some((m) => m.Type === 'volume' && m.Name === volume && m.RW !== false))
    .map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '') }));
}

/**
 * Runs `work` with `writers` stopped, and starts every one of them again afterwards: after a success, a failure
 * or a cancel (the start is not cancelled with the backup: a container left stopped is the one outcome worse
 * than a failed backup). A container that cannot be started again is named in the error.
 */
async function whileStopped<T>(
  conn: DockerConnection,
  writers: Writer[],
  what: string,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (writers.length === 0) return work();
  const stopped: Writer[] = [];
  let outcome: { ok: true; value: T } | { ok: false; err: unknown };
  try {
    for (const w of writers) {
      throwIfAborted(signal, `backing up ${what}`);
      try {
        // the container's own stop timeout (its StopTimeout, else the engine's 10 s) lets a database shut down cleanly
        await conn.docker.getContainer(w.id).stop();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 304)
          throw translateDockerError(err, conn, `stopping container "${w.name}" before backing up ${what}`);
      }
      stopped.push(w);
    }
    outcome = { ok: true, value: await work() };
  } catch (err) {
    outcome = { ok: false, err };
  }
  const notStarted: string[] = [];
  for (const w of stopped) {
    try {
      await conn.docker.getContainer(w.id).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) notStarted.push(`"${w.name}" (${messageOf(err)})`);
    }
  }
  if (notStarted.length > 0) {
    const before = outcome.ok ? 'the backup was written' : `the backup failed (${messageOf(outcome.err)})`;
    throw new BackupFailedError(
      `${before}, but container(s) stopped for it could not be started again: ${notStarted.join(', ')}; start them with docker start`,
    );
  }
  if (!outcome.ok) throw outcome.err;
  return outcome.value;
}

/** The errors localEntries would give for its root, before anything is created. */
async function checkLocalSource(root: string): Promise<void> {
  let st;
  try {
    st = await fsp.stat(root);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new BackupInputError(e.code === 'ENOENT' ? `${root} does not exist: nothing was backed up` : `cannot read ${root}: ${e.message}`);
  }
  if (!st.isDirectory())
    throw new BackupInputError(`${root} is not a directory: a backup archives a directory (back up the folder that holds it)`);
}

/** A container path given by the user: `/a/b/` → `/a/b`, a relative one taken from `/`, `..` refused (a parser, not a normaliser: see normalizeMountTarget for the compose reader's). */
export function parseContainerPathArg(p: string): string {
  const parts = p.split('/').filter((x) => x && x !== '.');
  if (parts.includes('..')) throw new BackupInputError(`the container path ${p} contains "..": give it as an absolute path`);
  return `/${parts.join('/')}`;
}
