import type Dockerode from 'dockerode';
import { contentNameMap, engineArchive, HELPER_MOUNT, withVolumeHelper, type DockerOptions, type NameMap } from '../backup/docker-access';
import type { ArchiveEntry } from '../backup/tar-format';
import type { DockerConnection } from '../sources/docker/client';
import { MoveError } from './errors';
import { execTarEntries } from '../backup/exec-tar';
import { cleanPath, type PathSource } from './source';
import { relativeName } from './tree-digest';

/**
 * Opens what a container holds at `path` as content-layout entries (`./` is the path itself, `./a` below it),
 * from wherever it lives, and hands them to `use` (the stream is only valid inside it):
 *
 * - writable layer: `GET /containers/{id}/archive` of the container itself, running or stopped;
 * - anonymous volume: the same endpoint on a never-started helper with the volume mounted read-only;
 * - tmpfs: `tar` run in the container (it must be running: a stopped container's tmpfs is gone).
 *
 * What lies under `source.nested` (mounts below the path) is left out; the mount point directories are kept.
 */
export async function withSourceEntries<T>(
  conn: DockerConnection,
  container: Dockerode.Container,
  path: string,
  source: PathSource,
  opts: DockerOptions & { signal?: AbortSignal },
  use: (entries: AsyncIterable<ArchiveEntry>) => Promise<T>,
): Promise<T> {
  const p = cleanPath(path);
  const signal = opts.signal ? { signal: opts.signal } : {};
  const doing = `reading ${p} of the container`;
  const nestedRel = source.nested.map((n) => relativeName(`.${n.slice(p === '/' ? 0 : p.length)}`));
  const keep = (rel: string): boolean => !nestedRel.some((n) => rel !== n && (n === '' || rel.startsWith(`${n}/`)));
  const filtered =
    (inner: NameMap): NameMap =>
    (name) => {
      const mapped = inner(name);
      if (mapped === undefined) return undefined;
      return keep(relativeName(mapped)) ? mapped : undefined;
    };

  switch (source.kind) {
    case 'writable-layer':
      return use(engineArchive(conn, container, p === '/' ? '/.' : `${p}/.`, filtered(contentNameMap()), { doing, ...signal }));
    case 'anonymous-volume': {
      const volume = source.volume!;
      const below = p.slice(source.mountPoint === '/' ? 0 : source.mountPoint!.length);
      return withVolumeHelper(conn, volume, { readOnly: true }, opts, (helper) =>
        use(
          engineArchive(conn, helper.container, `${HELPER_MOUNT}${below}/.`, filtered(contentNameMap()), {
            doing: `reading the anonymous volume at ${p}`,
            ...signal,
          }),
        ),
      );
    }
    case 'tmpfs':
      return use(filterEntries(execTarEntries(conn, container, p, { doing: `reading the tmpfs at ${p}`, ...signal }), keep));
    default:
      throw new MoveError(
        `${p} is on ${source.kind === 'bind' ? 'a bind mount' : 'a named volume'}: it is kept already, there is nothing to move`,
      );
  }
}

async function* filterEntries(entries: AsyncIterable<ArchiveEntry>, keep: (rel: string) => boolean): AsyncGenerator<ArchiveEntry> {
  for await (const e of entries) {
    if (keep(relativeName(e.header.name))) yield e;
    else if (e.body) for await (const _ of e.body) void _;
  }
}
