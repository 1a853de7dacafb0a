import type Dockerode from 'dockerode';
import { promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import type { DockerConnection } from '../../sources/docker/client';
import { freeSpaceAt, type FreeSpace } from '../archive-check';
import { engineArchive, putArchive, statPath } from '../docker-access';
import { BackupInputError } from '../errors';
import { tarBuffer, type ArchiveEntry, type EntryHeader } from '../tar-format';

/*
 * What the targets reached through the Docker Engine (a volume through its helper, a folder of a container) share:
 * whether a folder holds anything, making a missing one, the free space the engine has.
 */

/**
 * The free space of the engine's data root (where volumes and containers' layers live), when the engine runs on
 * this machine (a unix socket) and its data root is visible here. Otherwise the engine cannot tell: Docker has no
 * API for it (a remote engine, Docker Desktop's VM, this tool in a container) and nothing is checked before the
 * write; a full disk then stops the engine's extraction with ENOSPC and the restore fails saying so.
 */
export async function engineFreeSpace(conn: DockerConnection, what: string): Promise<FreeSpace | undefined> {
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

/** Whether a directory of a container holds anything (reads the first entries of its archive only). */
export async function engineDirHasContent(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  signal?: AbortSignal,
): Promise<boolean> {
  let n = 0;
  for await (const _ of engineArchive(conn, container, path === '/' ? '/.' : `${path}/.`, (x) => x, {
    doing: `looking into ${path}`,
    ...(signal ? { signal } : {}),
  })) {
    void _;
    if (++n > 1) return true;
  }
  return false;
}

/** Creates `path` in a container (its missing components only), with the archive root's owner and mode. */
export async function createContainerDir(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  root: EntryHeader | undefined,
  signal?: AbortSignal,
): Promise<void> {
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
      ? {
          header: {
            name: missing.join('/'),
            type: 'directory',
            mode: (root?.mode ?? 0o755) & ~0o4000,
            uid: root?.uid ?? 0,
            gid: root?.gid ?? 0,
            size: 0,
            mtime: now,
          },
        }
      : { header: { name: missing.slice(0, i + 1).join('/'), type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: now } },
  );
  const body = Readable.from([await tarBuffer(entries)], { objectMode: false });
  await putArchive(conn, container, base, body, { doing: `creating ${path} in the container`, ...(signal ? { signal } : {}) });
}
