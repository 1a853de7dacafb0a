import { constants as fsc, createReadStream, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BackupInputError } from './errors';
import { hashStream } from './hash-count';

/**
 * The manifest written beside every archive (`<stem>.manifest.json`, written last, atomically): what the
 * archive holds and how to check it. Restore verifies the sha256, then the entry count, before touching
 * anything.
 */

export const MANIFEST_FORMAT = 'persistence-lens-backup/1';
export const MANIFEST_SUFFIX = '.manifest.json';
export const ARCHIVE_SUFFIX = '.tar.gz';

export type SourceKind = 'volume' | 'container-path' | 'local' | 'rescue';

/**
 * Entry layout:
 * - `content`: the archive's root is the CONTENT of the source: `./` (the source directory itself: its mode,
 *   owner, times), `./file`, `./dir/x`. The same layout as `tar czf x.tar.gz -C /data .`. Restored INTO the
 *   target directory.
 * - `root`: rescue archives: paths relative to the container's `/` (`home/coder/.ssh/id`), restored at `/`.
 */
export type Layout = 'content' | 'root';

export interface ManifestSource {
  kind: SourceKind;
  /** Volume name, container path, local absolute path, or (rescue) the container's name. */
  name: string;
  /** The container (name) of a container path or a rescue. */
  container?: string;
  containerId?: string;
  /** Image of the container (rescue): what to recreate it from. */
  image?: string;
  /** The Docker Engine it came from (`unix:///var/run/docker.sock (default)`). */
  engine?: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /** File name of the archive, in the same directory. */
  archive: string;
  source: ManifestSource;
  /** `backup`, or `safety`: what a restore found in its target before overwriting it. */
  purpose: 'backup' | 'safety';
  layout: Layout;
  /** ISO 8601, UTC. The clock of the moment: shown, never used to order backups (see `sequence`). */
  createdAt: string;
  /**
   * The order of the backups of one source in their folder: one more than the highest there when written.
   * Retention deletes by it (manifests without one, written before it existed, by the archive's mtime).
   */
  sequence?: number;
  entries: number;
  /** Bytes of regular-file content (uncompressed). */
  bytes: number;
  /** Size of the compressed archive file. */
  archiveBytes: number;
  /** sha256 of the compressed archive file, hex. */
  sha256: string;
  gzipLevel: number;
  tool: { name: 'persistence-lens'; version: string };
  /** Rescue: the container paths archived (each with everything under it). */
  paths?: string[];
  /** Safety backups: the archive whose restore made this one. */
  restoring?: string;
  /** Things skipped or worth knowing (sockets not archivable, a file that changed while read). */
  warnings?: string[];
  /**
   * Paths of the source (relative, like the entries without `./`) that could not be read (permission denied):
   * not in the archive. A file here is missing; a directory here is in the archive without its content.
   */
  unreadable?: string[];
  /**
   * The set (`<project>-<stamp>.set.json`) this archive was made for: retention of single backups leaves it
   * alone (the set's own retention deletes it with its set).
   */
  set?: string;
}

/** `x.tar.gz` → `x.manifest.json`; any other name gets the suffix appended. */
export function manifestPathFor(archivePath: string): string {
  const dir = dirname(archivePath);
  const name = basename(archivePath);
  const stem = name.endsWith(ARCHIVE_SUFFIX) ? name.slice(0, -ARCHIVE_SUFFIX.length) : name.endsWith('.tgz') ? name.slice(0, -4) : name;
  return join(dir, stem + MANIFEST_SUFFIX);
}

export function isManifest(value: unknown): value is Manifest {
  const m = value as Partial<Manifest> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.format === MANIFEST_FORMAT &&
    typeof m.archive === 'string' &&
    typeof m.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(m.sha256) &&
    typeof m.entries === 'number' &&
    typeof m.bytes === 'number' &&
    typeof m.archiveBytes === 'number' &&
    typeof m.createdAt === 'string' &&
    typeof m.source === 'object' &&
    m.source !== null &&
    typeof m.source.kind === 'string' &&
    typeof m.source.name === 'string' &&
    (m.layout === 'content' || m.layout === 'root')
  );
}

/**
 * The largest manifest read. Ours are a few KB (a rescue lists its paths: tens of thousands fit in 16 MiB); a
 * bigger one is not ours, and reading and parsing it whole would take the heap (300 MB killed the extension host).
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * A manifest's text: only a regular file (a fifo would block forever; O_NONBLOCK so the open itself does not) of
 * at most {@link MAX_MANIFEST_BYTES}, checked with fstat before a byte is read. Errors carry `code` ENOENT when
 * there is no file.
 */
export async function readManifestText(path: string): Promise<string> {
  const fh = await fsp.open(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('it is not a regular file');
    if (st.size > MAX_MANIFEST_BYTES)
      throw new Error(`it is too large (${st.size} bytes; a manifest has at most ${MAX_MANIFEST_BYTES / 1024 / 1024} MB)`);
    const buf = Buffer.alloc(st.size);
    let done = 0;
    while (done < st.size) {
      const { bytesRead } = await fh.read(buf, done, st.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf.subarray(0, done).toString('utf8');
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** The manifest beside an archive: undefined when there is none; an error naming the file when it is broken. */
export async function readManifestFor(archivePath: string): Promise<Manifest | undefined> {
  const path = manifestPathFor(archivePath);
  let text: string;
  try {
    text = await readManifestText(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BackupInputError(`cannot read the manifest ${path}: ${(err as Error).message}; nothing was restored`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BackupInputError(`the manifest ${path} is not valid JSON (${(err as Error).message}): the archive cannot be verified`);
  }
  if (!isManifest(parsed))
    throw new BackupInputError(
      `the manifest ${path} is not a Persistence Lens manifest (format ${MANIFEST_FORMAT}): the archive cannot be verified`,
    );
  if (parsed.archive !== basename(archivePath)) {
    throw new BackupInputError(
      `the manifest ${path} describes ${parsed.archive}, not ${basename(archivePath)}: the archive cannot be verified`,
    );
  }
  return parsed;
}

/** sha256 (hex) and size of a file, streamed. */
export async function hashFile(
  path: string,
  opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
): Promise<{ sha256: string; bytes: number }> {
  // the read stream watches the signal itself
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(opts.signal ? { signal: opts.signal } : {}) });
  return hashStream(stream as AsyncIterable<Buffer>, opts.onBytes ? { onBytes: opts.onBytes } : {});
}

/** The version of this tool, for manifests: the build's define, else package.json, else "dev". */
declare const PACKAGE_VERSION: string | undefined;
export function toolVersion(): string {
  if (typeof PACKAGE_VERSION === 'string') return PACKAGE_VERSION;
  try {
    const pkg = require('../../package.json') as { version?: string };
    return pkg.version ?? 'dev';
  } catch {
    return 'dev';
  }
}
