/**
 * Browsing, read-only: a volume, a folder of a container (running or stopped) or a backup archive as a tree the
 * editor shows in its Explorer (src/vscode/browse). Nothing is started and nothing is written: a volume is
 * read through a helper container that is created, never started, and removed when the session closes.
 */
import { dockerFor, type DockerOptions } from '../backup/docker-access';
import { ArchiveReader } from './archive-reader';
import { EngineReader } from './engine-reader';
import { BrowseError } from './errors';
import { BrowseSession } from './session';
import type { BrowseSource } from './source';

export { BrowseSession, MAX_READ_BYTES } from './session';
export { BrowseError, type BrowseErrorCode } from './errors';
export type { BrowseEntry, RawEntry } from './entry';
export { describeSource, sourceKey, type BrowseSource } from './source';
export { SCHEME, fromUriParts, toUriParts, toUriName, fromUriName, type BrowseUriParts } from './uri-path';

/** Opens a session on a source; the volume's helper container is made on the first request, not here. */
export async function openBrowseSession(source: BrowseSource, opts: DockerOptions & { signal?: AbortSignal } = {}): Promise<BrowseSession> {
  switch (source.kind) {
    case 'archive':
      return new BrowseSession(source, await ArchiveReader.open(source.file, opts.signal));
    case 'volume':
    case 'container': {
      let conn;
      try {
        conn = await dockerFor(opts);
      } catch (err) {
        throw new BrowseError('unavailable', `no Docker Engine answered: ${(err as Error).message}`);
      }
      const reader =
        source.kind === 'volume'
          ? EngineReader.forVolume(conn, source.volume, opts)
          : EngineReader.forContainer(conn, source.container, source.root, opts);
      return new BrowseSession(source, reader);
    }
  }
}
