import type Dockerode from 'dockerode';
import { dockerFor, engineArchive, contentNameMap, findContainer, statPath, type DockerOptions } from '../backup/docker-access';
import type { ArchiveEntry, EntryCounters } from '../backup/tar-format';
import { parseMountInfo, interpretMountInfo } from '../sources/mountinfo';
import { readMountInfoFile } from '../sources/self';
import type { DockerConnection } from '../sources/docker/client';
import { copyIntoVolume, volumeDigest } from './copy';
import { containerUser } from './container-user';
import { MoveError, moveFailure } from './errors';
import { withSourceEntries } from './read-source';
import { classifyPath, cleanPath, describeSource, mustMove, type PathSource } from './source';
import { discardTargetVolume, prepareTargetVolume, type TargetVolume } from './target-volume';
import { compareTrees, digesting, digestOf, TreeDigest } from './tree-digest';
import { readFileSync } from 'node:fs';

export { MoveError } from './errors';
export type { TargetVolume } from './target-volume';
export { composeTargetVolume } from './target-volume';
export type { PathSource, SourceKind } from './source';
export { classifyPath } from './source';
export { TreeDigest, compareTrees } from './tree-digest';

/**
 * Moving what a container holds at a path into a new volume, verified, before anything declares that volume:
 *
 *   decide where the path lives → create (or adopt an empty) target volume → stop the container (unless
 *   `live`, a tmpfs, or the container this process runs in) → stream the source into the volume, recording a
 *   tree digest → read the volume back and compare → `commit` (the caller's edit) → leave the container stopped
 *   (so nothing written after the copy is lost at the recreate) or start it again (`restartAfter`).
 *
 * Any failure before `commit` returned removes the volume this move created, starts the container again if the
 * move stopped it, and rejects with a MoveError saying so. The source is only ever read.
 */
export interface MoveRequest {
  /** Container name or id. */
  container: string;
  /** Absolute path in the container. */
  path: string;
  target: TargetVolume;
  /** Copy without stopping the container (what it writes during and after the copy is not in the volume). */
  live?: boolean;
}

export interface MoveProgress {
  phase: 'preparing' | 'stopping' | 'copying' | 'verifying' | 'committing' | 'restarting';
  files: number;
  bytes: number;
  current?: string;
  elapsedMs: number;
}

export interface MoveOptions extends DockerOptions {
  signal?: AbortSignal;
  onProgress?: (p: MoveProgress) => void;
  /** Throttle of onProgress (default 250 ms); phase changes are always reported. */
  progressIntervalMs?: number;
  /** Runs once the data is verified in the volume, the container still stopped: a failure undoes the move. */
  commit?: (moved: MoveResult) => Promise<void>;
  /** Start the container again once committed (default: leave it stopped when the move stopped it). */
  restartAfter?: boolean;
  /**
   * How long `docker stop` waits before it kills (seconds). By default the container's own stop timeout
   * (compose's `stop_grace_period`, `docker run --stop-timeout`; the engine's 10 s where none is set): a database
   * given a minute to shut down cleanly gets its minute.
   */
  stopTimeoutSeconds?: number;
}

export interface MoveResult {
  volume: string;
  /** The move made the volume (else it adopted an existing empty one). */
  createdVolume: boolean;
  files: number;
  bytes: number;
  entries: number;
  source: PathSource & { existed: boolean; description: string };
  container: { id: string; name: string };
  /** The digest of what was moved: the recreated container's path is checked against it. */
  digest: TreeDigest;
  verified: true;
  /** The move stopped the container and it stays stopped (the recreate starts the new one). */
  leftStopped: boolean;
  /** The data was copied while the container ran. */
  copiedLive: boolean;
  warnings: string[];
  elapsedMs: number;
}

/** Test seams of the engine (never set in production): a fault injected between copy and verification. */
export const moveTestHooks: { afterCopy?: (conn: DockerConnection, volume: string) => Promise<void> } = {};

export async function moveIntoVolume(request: MoveRequest, opts: MoveOptions = {}): Promise<MoveResult> {
  const started = Date.now();
  const path = cleanPath(request.path);
  const signal = opts.signal ? { signal: opts.signal } : {};
  const counters: EntryCounters = { entries: 0, bytes: 0 };
  const digest = new TreeDigest();
  let phase: MoveProgress['phase'] = 'preparing';
  let lastReport = 0;
  const report = (force = false): void => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < (opts.progressIntervalMs ?? 250)) return;
    lastReport = now;
    opts.onProgress({
      phase,
      files: digest.files,
      bytes: counters.bytes,
      ...(counters.current ? { current: counters.current } : {}),
      elapsedMs: now - started,
    });
  };
  const setPhase = (p: MoveProgress['phase']): void => {
    phase = p;
    report(true);
  };
  setPhase('preparing');

  const conn = await dockerFor(opts);
  const { container, info } = await findContainer(conn, request.container).catch((err) => {
    throw moveFailure(err, `looking up container "${request.container}"`);
  });
  const name = info.Name.replace(/^\//, '');
  const source = classifyPath(info, path);
  if (!mustMove(source.kind)) {
    throw new MoveError(
      `${path} in container ${name} is on ${describeSource(source)}, which a recreate keeps: there is nothing to move. Declaring a new volume there would give the recreated container an empty one instead; declare that storage in the file (or leave it as it is). Nothing was changed`,
    );
  }
  const running = info.State?.Running === true;
  if (source.kind === 'tmpfs' && !running) {
    throw new MoveError(
      `${path} in container ${name} is a tmpfs and the container is stopped: a tmpfs loses its content when its container stops, so there is nothing left to move. Run persist without --move-data to only edit the file. Nothing was changed`,
    );
  }
  const st = await statPath(conn, container, path, opts.signal).catch((err) => {
    throw moveFailure(err, `looking at ${path} in container ${name}`);
  });
  if (st && st.isSymlink)
    throw new MoveError(
      `${path} in container ${name} is a symbolic link (to ${st.linkTarget}): persist the directory it points to instead. Nothing was changed`,
    );
  if (st && !st.isDir)
    throw new MoveError(
      `${path} in container ${name} is a file: a volume is mounted on a directory, persist the folder that holds it. Nothing was changed`,
    );
  const existed = st !== undefined;
  const warnings: string[] = [];
  const rootOwner = existed
    ? undefined
    : await containerUser(conn, container, info.Config?.User, opts.signal).catch((err) => {
        throw moveFailure(err, `finding the user of container ${name}`);
      });
  if (source.nested.length > 0)
    warnings.push(`not moved with ${path}: what is under the mounts below it (${source.nested.join(', ')}), which keep their own storage`);

  const isSelf = ownContainerId() === info.Id;
  const copyLive = request.live === true || isSelf || source.kind === 'tmpfs';
  if (running && copyLive) {
    warnings.push(
      source.kind === 'tmpfs' && !request.live
        ? `a tmpfs exists only while its container runs, so ${path} was copied while ${name} ran: what is written there after the copy is not in the volume`
        : isSelf && !request.live
          ? `${name} is the container this runs in, so ${path} was copied while it ran: what is written there after the copy is not in the volume (copy again right before recreating)`
          : `${path} was copied while ${name} ran (--live): what is written there during and after the copy is not in the volume, and a file changed during the copy may be copied half-written`,
    );
  }

  const prepared = await prepareTargetVolume(conn, request.target, opts).catch((err) => {
    throw moveFailure(err, `preparing the volume "${request.target.name}"`);
  });
  let stoppedByUs = false;
  let committed = false;
  try {
    if (running && !copyLive) {
      setPhase('stopping');
      try {
        await container.stop(opts.stopTimeoutSeconds === undefined ? {} : { t: opts.stopTimeoutSeconds });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 304)
          throw moveFailure(err, `stopping container ${name} (so that nothing written during the copy is missed)`);
      }
      stoppedByUs = true;
    }
    setPhase('copying');
    const timer = setInterval(() => report(), opts.progressIntervalMs ?? 250);
    try {
      const write = (entries: AsyncIterable<ArchiveEntry>): Promise<void> =>
        copyIntoVolume(conn, prepared.name, digesting(entries, digest), counters, { ...opts, ...signal });
      if (existed) await withSourceEntries(conn, container, path, source, { ...opts, ...signal }, write);
      else await write(rootOnly(rootOwner!.uid, rootOwner!.gid));
    } catch (err) {
      throw moveFailure(err, `copying ${path} of container ${name} into volume "${prepared.name}"`);
    } finally {
      clearInterval(timer);
    }
    await moveTestHooks.afterCopy?.(conn, prepared.name);

    setPhase('verifying');
    const back = await volumeDigest(conn, prepared.name, { ...opts, ...signal }).catch((err) => {
      throw moveFailure(err, `reading volume "${prepared.name}" back to verify it`);
    });
    const differences = compareTrees(digest, back);
    if (differences.length > 0) {
      throw new MoveError(
        `the volume "${prepared.name}" does not hold what ${path} of container ${name} held: ${differences.slice(0, 5).join('; ')}${differences.length > 5 ? `; and ${differences.length - 5} more` : ''}`,
      );
    }
    const result: MoveResult = {
      volume: prepared.name,
      createdVolume: prepared.created,
      files: digest.files,
      bytes: digest.bytes,
      entries: digest.size,
      source: { ...source, existed, description: describeSource(source) },
      container: { id: info.Id, name },
      digest,
      verified: true,
      leftStopped: stoppedByUs && !opts.restartAfter,
      copiedLive: running && copyLive,
      warnings,
      elapsedMs: Date.now() - started,
    };
    if (opts.commit) {
      setPhase('committing');
      await opts.commit(result);
    }
    committed = true;
    if (stoppedByUs && opts.restartAfter) {
      setPhase('restarting');
      await startAgain(conn, container, name);
    }
    result.elapsedMs = Date.now() - started;
    return result;
  } catch (err) {
    if (committed) throw err;
    // The engine may be away for a moment (that may be why the move failed): the undo waits for it a little.
    const budget = opts.helperCleanupMs ?? 5000;
    const state: string[] = [
      await whileEngineAway(
        () => discardTargetVolume(conn, prepared),
        (s) => / could not be /.test(s),
        budget,
      ),
    ];
    if (stoppedByUs) {
      state.push(
        await whileEngineAway(
          () =>
            startAgain(conn, container, name).then(
              () => `container ${name} is running again`,
              (e) => `container ${name} could not be started again (${(e as Error).message}): start it with docker start ${name}`,
            ),
          (s) => / could not be /.test(s),
          budget,
        ),
      );
    }
    state.push(`${path} in the container is untouched`);
    const e = moveFailure(err, `moving ${path} of container ${name}`);
    e.message = `${e.message}. ${capitalize(state.join('; '))}.`;
    throw e;
  }
}

/** Runs an undo step again while its outcome says it could not be done, for up to `budgetMs`. */
async function whileEngineAway(step: () => Promise<string>, failed: (outcome: string) => boolean, budgetMs: number): Promise<string> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    const outcome = await step();
    if (!failed(outcome) || Date.now() >= deadline) return outcome;
    await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 1000)));
  }
}

/** Starts a container again; a container that already runs is fine. */
export async function startAgain(conn: DockerConnection, container: Dockerode.Container, name: string): Promise<void> {
  try {
    await container.start();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 304) return;
    throw moveFailure(err, `starting container ${name} again`);
  }
  void conn;
}

/**
 * The digest of `path` in a (recreated) container, what lies under the mounts below it left out, as the move
 * recorded it: compare it with `MoveResult.digest`.
 */
export async function containerPathDigest(
  conn: DockerConnection,
  containerId: string,
  path: string,
  opts: DockerOptions & { signal?: AbortSignal } = {},
): Promise<{ digest: TreeDigest; source: PathSource }> {
  const { container, info } = await findContainer(conn, containerId);
  const p = cleanPath(path);
  const source = classifyPath(info, p);
  const nestedRel = source.nested.map((n) => n.slice(p.length + 1));
  const inner = contentNameMap();
  const digest = await digestOf(
    engineArchive(
      conn,
      container,
      `${p}/.`,
      (name) => {
        const mapped = inner(name);
        if (mapped === undefined) return undefined;
        const rel = mapped.replace(/^\.\/?/, '');
        return nestedRel.some((n) => rel.startsWith(`${n}/`)) ? undefined : mapped;
      },
      { doing: `reading ${p} of the recreated container`, ...(opts.signal ? { signal: opts.signal } : {}) },
    ),
  );
  return { digest, source };
}

/** The content of a path that did not exist: only its root, owned by the container's user so it can write there. */
async function* rootOnly(uid: number, gid: number): AsyncGenerator<ArchiveEntry> {
  yield { header: { name: './', type: 'directory', mode: 0o755, uid, gid, size: 0, mtime: Math.floor(Date.now() / 1000) } };
}

/** The id of the container this process runs in, when it runs in one (from its mount table and cgroup). */
export function ownContainerId(): string | undefined {
  try {
    let cgroup: string | undefined;
    try {
      cgroup = readFileSync('/proc/self/cgroup', 'utf8');
    } catch {
      cgroup = undefined;
    }
    return interpretMountInfo(parseMountInfo(readMountInfoFile()), cgroup !== undefined ? { cgroup } : {}).containerId;
  } catch {
    return undefined;
  }
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
