import { contentNameMap, dockerFor, engineArchive, HELPER_MOUNT, withVolumeHelper, type DockerOptions } from '../backup/docker-access';
import type { EntryCounters } from '../backup/tar-format';
import type { DockerConnection } from '../sources/docker/client';
import { copyIntoVolume, volumeDigest } from './copy';
import { MoveError, moveFailure } from './errors';
import { discardTargetVolume, prepareTargetVolume, type TargetVolume } from './target-volume';
import { compareTrees, digesting, TreeDigest } from './tree-digest';

export interface RecoverRequest {
  /** The volume to copy from (an orphaned anonymous one, typically). It is only read, never changed. */
  volume: string;
  /** The named volume to copy into: created, or an existing empty one; one that holds anything is refused. */
  into: TargetVolume;
}

export interface RecoverResult {
  from: string;
  into: string;
  createdVolume: boolean;
  files: number;
  bytes: number;
  entries: number;
  verified: true;
  elapsedMs: number;
}

/**
 * "Recover Into…": what an orphaned anonymous volume holds, copied into a named volume through the same
 * never-started helpers, digest and read-back comparison as a move. The source is mounted read-only and kept
 * whatever happens; the target is removed again (or emptied, if it existed empty) when anything fails.
 */
export async function recoverVolume(
  req: RecoverRequest,
  opts: DockerOptions & { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<RecoverResult> {
  const started = Date.now();
  const conn = await dockerFor(opts);
  const doing = `copying volume "${req.volume}" into "${req.into.name}"`;
  if (req.into.name === req.volume) throw new MoveError(`${doing}: the source and the target are the same volume; nothing was changed`);
  if (!(await volumeExists(conn, req.volume)))
    throw new MoveError(`there is no volume "${req.volume}" on ${conn.endpoint.description}; nothing was changed`);
  const writers = await conn.docker.listContainers({ filters: { volume: [req.volume] } });
  if (writers.length > 0) {
    const names = writers.map((c) => c.Names?.[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)).join(', ');
    throw new MoveError(
      `volume "${req.volume}" is mounted by the running container ${names}: stop it first, or the copy may miss what it writes; nothing was changed`,
    );
  }

  const prepared = await prepareTargetVolume(conn, req.into, opts);
  try {
    const digest = new TreeDigest();
    const counters: EntryCounters = { entries: 0, bytes: 0 };
    await withVolumeHelper(conn, req.volume, { readOnly: true }, opts, async (helper) => {
      const entries = engineArchive(conn, helper.container, `${HELPER_MOUNT}/.`, contentNameMap(), {
        doing: `reading volume "${req.volume}"`,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      await copyIntoVolume(conn, req.into.name, withByteCount(digesting(entries, digest), opts.onBytes), counters, opts);
    });
    const back = await volumeDigest(conn, req.into.name, opts);
    const differences = compareTrees(digest, back);
    if (differences.length > 0)
      throw new MoveError(`the copy in "${req.into.name}" differs from "${req.volume}": ${differences.slice(0, 5).join('; ')}`);
    return {
      from: req.volume,
      into: req.into.name,
      createdVolume: prepared.created,
      files: digest.files,
      bytes: digest.bytes,
      entries: digest.size,
      verified: true,
      elapsedMs: Date.now() - started,
    };
  } catch (err) {
    const undone = await discardTargetVolume(conn, prepared);
    const e = moveFailure(err, doing);
    e.message = `${e.message}. ${undone[0]!.toUpperCase()}${undone.slice(1)}; volume "${req.volume}" is unchanged`;
    throw e;
  }
}

async function volumeExists(conn: DockerConnection, name: string): Promise<boolean> {
  try {
    await conn.docker.getVolume(name).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Entries as they are, with the bytes of their bodies counted for a progress bar. */
async function* withByteCount<T extends { body?: AsyncIterable<Buffer> }>(
  entries: AsyncIterable<T>,
  onBytes?: (n: number) => void,
): AsyncGenerator<T> {
  let bytes = 0;
  for await (const e of entries) {
    const body = e.body;
    yield body && onBytes
      ? {
          ...e,
          body: (async function* () {
            for await (const chunk of body) {
              bytes += chunk.length;
              onBytes(bytes);
              yield chunk;
            }
          })(),
        }
      : e;
  }
}
