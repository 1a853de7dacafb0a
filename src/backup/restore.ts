import { promises as fsp, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  prepareDestination,
  writeBackupArchive,
  parseContainerPathArg,
  type ArchiveJob,
  type BackupOptions,
  type BackupResult,
} from './backup';
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
import { describeTarget } from './describe';
import { createContainerDir, engineDirHasContent, engineFreeSpace } from './restore-targets/engine-dir';
import { planRescueWrite, tmpfsMountPoints } from './restore-targets/container';
import { contentAlone, needsForce, notARescueArchive, type TargetContent } from './restore-refusal';
import { droppedWarnings, forEngine, newDirHeader, only, validatedEntries, type Dropped } from './restore-entries';
import { ArchiveHandle, freeSpaceAt, verifyArchive, type ArchiveCheck } from './archive-check';
import { isFailure, isInputError, isUnavailable } from '../core/errors';
import {
  ArchiveRefusedError,
  BackupAbortedError,
  BackupFailedError,
  BackupInputError,
  isAbortError,
  isArchiveRefusal,
  messageOf,
  throwIfAborted,
} from './errors';
import { execTarExtract, execTarRootEntries } from './exec-tar';
import { extractLocal, LocalTargetCheck, type ExtractEntry } from './local-extract';
import { inodeKey, localEntries } from './local-source';
import { readManifestFor, type Layout, type ManifestSource } from './manifest';
import { ProgressReporter } from './progress';
import { tarBytes, type ArchiveEntry, type EntryCounters, type EntryHeader } from './tar-format';
import { normalizeEntryName, type ValidatedEntry } from './validate';
import { checkAgainstTarget, kindOf, type PathKind } from './target-check';

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
  confirmOverwrite?: (question: { target: string; detail: string; content: TargetContent }) => Promise<boolean>;
  /** Check that the safety backup's destination survives a recreate when inside a container (default true). */
  checkDestination?: boolean;
  /**
   * Restore setuid/setgid bits of files and `security.capability` xattrs as the archive has them (the CLI's
   * --keep-privileges). Without it they are stripped, with a warning naming the files (see {@link dropPrivileges}).
   */
  keepPrivileges?: boolean;
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

/**
 * For tests only: awaited after every check, right before the archive is streamed to the engine (a test plants
 * a symlink there, as a process in the container racing the restore could).
 */
export const restoreHooks: { beforeEngineWrite?: () => Promise<void> } = {};

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
  if (target.kind === 'container' && manifest?.layout !== 'root') throw notARescueArchive(file, manifest?.source);
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
  const safetyBackup = async (
    entriesFor: (dir: string) => AsyncIterable<ArchiveEntry>,
    source: ManifestSource,
    layout: Layout,
    paths?: string[],
  ): Promise<void> => {
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
    const job: ArchiveJob = {
      source,
      layout,
      purpose: 'safety',
      restoring: manifest?.archive ?? file,
      warnings: [],
      what: `the current content of ${what}`,
      ...(paths ? { paths } : {}),
    };
    safety = await writeBackupArchive(entries, job, dir, opts, reporter);
  };
  /** Refuses, before anything is written, an archive that would write through what the target holds. */
  const checkTarget = async (): Promise<void> => {
    try {
      checkAgainstTarget(archivePaths, targetPaths);
    } catch (err) {
      if (!isArchiveRefusal(err)) throw err;
      // the safety backup was taken for a restore that does not happen: it would only push older ones out
      let removed = '';
      if (safety) {
        await fsp.rm(safety.archive, { force: true }).catch(() => undefined);
        await fsp.rm(safety.manifestPath, { force: true }).catch(() => undefined);
        safety = undefined;
        removed = ' (the safety backup taken for it was removed)';
      }
      throw new ArchiveRefusedError(`${file} is refused: ${err.message}; nothing was restored${removed}`, err.entry, err.kind);
    }
  };
  const mayOverwrite = async (target: string, content: TargetContent): Promise<void> => {
    if (opts.force) return;
    if (opts.confirmOverwrite && (await opts.confirmOverwrite({ target, detail: contentAlone(content), content }))) return;
    throw needsForce(target, content);
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
      const check = await verifyArchive(file, {
        ...signalOpt,
        reporter,
        manifest: manifest ?? null,
        handle,
        ...(space ? { space } : {}),
        ...(st ? { targetCheck: new LocalTargetCheck(dest) } : {}),
      });
      const names = st ? await fsp.readdir(dest) : [];
      if (names.length > 0) {
        await mayOverwrite(dest, { kind: 'entries', count: names.length });
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
      const check = await verifyArchive(file, {
        ...signalOpt,
        reporter,
        manifest: manifest ?? null,
        handle,
        onEntry: collect,
        ...spaceOpt,
      });
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
            await mayOverwrite(what, { kind: 'some' });
            await safetyBackup(
              () =>
                engineArchive(conn, helper.container, `${HELPER_MOUNT}/.`, contentNameMap(), {
                  doing: `backing up ${what} before the restore`,
                  ...signalOpt,
                }),
              { kind: 'volume', name: target.volume, engine: conn.endpoint.description },
              'content',
            );
            await checkTarget();
          }
          const body = Readable.from(
            tarBytes(forEngine(entriesFor(check), contentParent), { entries: 0, bytes: 0 } as EntryCounters, opts.signal),
            { objectMode: false },
          );
          await restoreHooks.beforeEngineWrite?.();
          await putArchive(conn, helper.container, HELPER_MOUNT, body, { doing: `writing into ${what}`, ...signalOpt });
        });
      } catch (err) {
        // a volume this restore created and could not fill is removed: nothing half-written
        if (!existed)
          await conn.docker
            .getVolume(target.volume)
            .remove()
            .catch(() => undefined);
        throw err;
      }
      return result(check, existed ? {} : { createdVolume: true });
    }

    const { container, info } = await findContainer(conn, target.container);
    const containerName = info.Name.replace(/^\//, '');
    if (target.kind === 'container-path') {
      const path = parseContainerPathArg(target.path);
      const check = await verifyArchive(file, {
        ...signalOpt,
        reporter,
        manifest: manifest ?? null,
        handle,
        onEntry: collect,
        ...spaceOpt,
      });
      const st = await statPath(conn, container, path, opts.signal);
      if (st && !st.isDir) throw new BackupInputError(`${path} in container "${containerName}" is not a directory`);
      if (st && (await engineDirHasContent(conn, container, path, opts.signal))) {
        await mayOverwrite(what, { kind: 'some' });
        await safetyBackup(
          () =>
            engineArchive(conn, container, path === '/' ? '/.' : `${path}/.`, contentNameMap(), {
              doing: `backing up ${what} before the restore`,
              ...signalOpt,
            }),
          { kind: 'container-path', name: path, container: containerName, containerId: info.Id, engine: conn.endpoint.description },
          'content',
        );
        await checkTarget();
      }
      if (!st) await createContainerDir(conn, container, path, check.root, opts.signal);
      const body = Readable.from(tarBytes(forEngine(entriesFor(check), contentParent), { entries: 0, bytes: 0 }, opts.signal), {
        objectMode: false,
      });
      await restoreHooks.beforeEngineWrite?.();
      await putArchive(conn, container, path, body, { doing: `writing into ${what}`, ...signalOpt });
      return result(check);
    }

    // rescue archive back into a container, every path where it was. What it writes is read from its own
    // entries (its top-level paths), never from the manifest's `paths`: a manifest is only as honest as whoever
    // wrote it, and its sha256 proves nothing about that.
    const check = await verifyArchive(file, { ...signalOpt, reporter, manifest: manifest ?? null, handle, onEntry: collect, ...spaceOpt });
    const stats = new Map<string, Awaited<ReturnType<typeof statPath>>>();
    const stat = async (abs: string): Promise<Awaited<ReturnType<typeof statPath>>> => {
      if (!stats.has(abs)) stats.set(abs, await statPath(conn, container, abs, opts.signal));
      return stats.get(abs);
    };
    const { conflicts, inTmpfs, toTmpfs } = await planRescueWrite(file, archivePaths, {
      stat,
      tmpfsPoints: tmpfsMountPoints(info),
      running: info.State?.Running === true,
      containerName,
    });
    if (conflicts.length > 0) {
      await mayOverwrite(what, { kind: 'paths', paths: conflicts });
      const entries = async function* (): AsyncGenerator<ArchiveEntry> {
        for (const p of conflicts) {
          const doing = `backing up ${p} before the restore`;
          yield* inTmpfs(p.slice(1))
            ? execTarRootEntries(conn, container, p, { doing, ...signalOpt })
            : engineArchive(conn, container, p, rootNameMap(p), { doing, ...signalOpt });
        }
      };
      await safetyBackup(
        entries,
        { kind: 'rescue', name: containerName, container: containerName, containerId: info.Id, engine: conn.endpoint.description },
        'root',
        conflicts,
      );
      await checkTarget();
    }
    // a parent the safety backup listed keeps its own header; one the container has outside what was listed
    // (the roots' parents, asked by stat) is left alone; anything else is missing and made
    const rescueParent = (p: string): EntryHeader | undefined => targetDirs.get(p) ?? (stats.get(`/${p}`) ? undefined : newDirHeader());
    const body = Readable.from(
      tarBytes(
        forEngine(
          only(entriesFor(check), (p) => !inTmpfs(p)),
          rescueParent,
        ),
        { entries: 0, bytes: 0 },
        opts.signal,
      ),
      { objectMode: false },
    );
    await restoreHooks.beforeEngineWrite?.();
    await putArchive(conn, container, '/', body, { doing: `writing into ${what}`, ...signalOpt });
    if (toTmpfs.length > 0) {
      // a second pass over the same verified bytes, for what goes into a tmpfs: through tar in the container
      const again = validatedEntries(check, handle!, { ...signalOpt, reporter, counters, ...(opts.keepPrivileges ? {} : { dropped }) });
      const tmpfsBody = Readable.from(tarBytes(forEngine(only(again, inTmpfs)), { entries: 0, bytes: 0 }, opts.signal), {
        objectMode: false,
      });
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

function restoreFailure(
  err: unknown,
  what: string,
  started: boolean,
  safety: Omit<BackupResult, 'staleRemoved'> | undefined,
  signal?: AbortSignal,
): Error {
  if (isUnavailable(err)) return err;
  if (!started) {
    if (isInputError(err)) return err;
    if (isAbortError(err) || signal?.aborted) return new BackupAbortedError(`restoring into ${what} was cancelled: nothing was restored`);
    const base = isFailure(err) ? err.message : translateIfEngine(err, what);
    return new BackupFailedError(/nothing was restored/.test(base) ? base : `${base}; nothing was restored`, { cause: err });
  }
  const after = safety ? ` What was there before is in the safety backup ${safety.archive}.` : '';
  if (isAbortError(err) || signal?.aborted)
    return new BackupAbortedError(`restoring into ${what} was cancelled: the target holds part of the archive.${after}`);
  const base = isInputError(err) || isFailure(err) ? err.message : `restoring into ${what} failed: ${messageOf(err)}`;
  const e = isInputError(err) ? new BackupInputError(base) : new BackupFailedError(base, { cause: err });
  e.message = `${base}. The target may hold part of the archive: run the restore again.${after}`;
  return e;
}
