import { Readable } from 'node:stream';
import { contentNameMap, engineArchive, HELPER_MOUNT, putArchive, withVolumeHelper, type DockerOptions } from '../backup/docker-access';
import { tarBytes, type ArchiveEntry, type EntryCounters, type EntryHeader } from '../backup/tar-format';
import type { DockerConnection } from '../sources/docker/client';
import { digestOf, relativeName, type TreeDigest } from './tree-digest';

/** Where the helper's root sees the volume, as an archive name (no leading slash). */
const MOUNT_NAME = HELPER_MOUNT.replace(/^\/+/, '');

/**
 * Streams content-layout entries into a volume through a never-started helper: `PUT /containers/{id}/archive`
 * at the helper's `/`, every name moved under the mount point (`./a` → `persistence-lens-volume/a`).
 *
 * Why not at the mount point itself: the engine's unpacker skips an entry named `.` when the directory exists
 * (moby pkg/archive `Unpack`: `if fi.IsDir() && hdr.Name == "." { continue }`), so the volume's root would keep
 * root:root 0755 and a non-root user could not write there. Named after the mount point, the root entry is an
 * ordinary existing directory whose owner, mode and times the unpacker applies (tried on Engine 20.10).
 *
 * Nothing is buffered: the engine reads the request body as the source produces it.
 */
export async function copyIntoVolume(
  conn: DockerConnection,
  volume: string,
  entries: AsyncIterable<ArchiveEntry>,
  counters: EntryCounters,
  opts: DockerOptions & { signal?: AbortSignal },
): Promise<void> {
  await withVolumeHelper(conn, volume, { readOnly: false }, opts, async (helper) => {
    const body = Readable.from(tarBytes(underMount(entries), counters, opts.signal), { objectMode: false });
    await putArchive(conn, helper.container, '/', body, {
      doing: `writing into volume "${volume}"`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  });
}

const renamed = (name: string): string => {
  const rel = relativeName(name);
  return rel === '' ? `${MOUNT_NAME}/` : `${MOUNT_NAME}/${rel}`;
};

async function* underMount(entries: AsyncIterable<ArchiveEntry>): AsyncGenerator<ArchiveEntry> {
  for await (const e of entries) {
    const header: EntryHeader = { ...e.header, name: renamed(e.header.name) };
    if (header.type === 'link' && header.linkname !== undefined) header.linkname = renamed(header.linkname);
    yield e.body ? { header, body: e.body } : { header };
  }
}

/** The digest of what a volume holds, read back through a read-only helper. */
export async function volumeDigest(
  conn: DockerConnection,
  volume: string,
  opts: DockerOptions & { signal?: AbortSignal },
): Promise<TreeDigest> {
  return withVolumeHelper(conn, volume, { readOnly: true }, opts, (helper) =>
    digestOf(
      engineArchive(conn, helper.container, `${HELPER_MOUNT}/.`, contentNameMap(), {
        doing: `reading volume "${volume}" back`,
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    ),
  );
}

/** Whether a volume holds anything (an entry besides its root). */
export async function volumeHasContent(
  conn: DockerConnection,
  volume: string,
  opts: DockerOptions & { signal?: AbortSignal },
): Promise<boolean> {
  return withVolumeHelper(conn, volume, { readOnly: true }, opts, async (helper) => {
    let n = 0;
    for await (const e of engineArchive(conn, helper.container, `${HELPER_MOUNT}/.`, (x) => x, {
      doing: `looking into volume "${volume}"`,
      ...(opts.signal ? { signal: opts.signal } : {}),
    })) {
      if (e.body) for await (const _ of e.body) void _;
      if (++n > 1) return true;
    }
    return false;
  });
}
