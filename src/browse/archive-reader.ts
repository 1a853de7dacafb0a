import { ArchiveHandle, openArchive } from '../backup/archive-check';
import { messageOf } from '../backup/errors';
import { isRestoreRefusal } from '../backup/restore-refusal';
import { showName } from '../backup/names';
import { readTar } from '../backup/tar-read';
import { ArchiveValidator } from '../backup/validate';
import { baseOf, joinRel, parentOf, type RawEntry, type TreeReader } from './entry';
import { isInputError } from '../core/errors';
import { BrowseError, browseErrorCode } from './errors';

interface Indexed {
  e: RawEntry;
  /** The entry's position in the archive (the last entry of a name wins, as in tar); -1 for a folder only implied by its children. */
  ordinal: number;
  /** A hard link: the path of the file whose data it shares. */
  linkPath?: string;
}

/**
 * A backup archive read as a tree, from the file itself (never extracted): opening it reads it once, every
 * entry validated by the restore's own rules (validate.ts: names inside the root, no device, no write through a
 * link, the size limits of tar-read.ts), and keeps the headers (never the data). A read goes through the
 * archive again up to the file's entry (a gzip stream cannot be sought). The file stays open for the session,
 * so another file renamed over it changes nothing; one written into is noticed (size and mtime).
 */
export class ArchiveReader implements TreeReader {
  private constructor(
    private readonly handle: ArchiveHandle,
    private readonly index: Map<string, Indexed>,
    private readonly children: Map<string, string[]>,
  ) {}

  static async open(file: string, signal?: AbortSignal): Promise<ArchiveReader> {
    let handle: ArchiveHandle;
    try {
      handle = await ArchiveHandle.open(file);
    } catch (err) {
      throw new BrowseError(/no such file/.test(messageOf(err)) ? 'not-found' : 'unavailable', messageOf(err));
    }
    try {
      const index = new Map<string, Indexed>([['', { e: { name: '', kind: 'directory', size: 0, mtimeMs: 0, mode: 0o755 }, ordinal: -1 }]]);
      const children = new Map<string, string[]>([['', []]]);
      const addChild = (path: string): void => {
        const parent = parentOf(path);
        if (!index.has(parent)) {
          index.set(parent, { e: { name: baseOf(parent), kind: 'directory', size: 0, mtimeMs: 0, mode: 0o755 }, ordinal: -1 });
          addChild(parent);
        }
        let list = children.get(parent);
        if (!list) children.set(parent, (list = []));
        list.push(baseOf(path));
      };
      const validator = new ArchiveValidator();
      const { tar } = await openArchive(handle, {});
      let ordinal = 0;
      for await (const entry of readTar(tar, signal ? { signal } : {})) {
        const v = validator.check(entry.header);
        const h = entry.header;
        const linked = v.linkPath !== undefined ? index.get(v.linkPath) : undefined;
        const e: RawEntry = {
          name: v.path === '' ? '' : baseOf(v.path),
          kind: h.type === 'directory' ? 'directory' : h.type === 'symlink' ? 'symlink' : 'file',
          size: h.type === 'file' ? h.size : (linked?.e.size ?? 0),
          mtimeMs: h.mtime * 1000,
          mode: h.mode,
          ...(h.type === 'symlink' ? { linkTarget: h.linkname ?? '' } : {}),
        };
        const known = index.has(v.path);
        index.set(v.path, { e, ordinal: ordinal++, ...(v.linkPath !== undefined ? { linkPath: v.linkPath } : {}) });
        if (!known && v.path !== '') addChild(v.path);
        if (e.kind === 'directory' && !children.has(v.path)) children.set(v.path, []);
      }
      if (validator.entries === 0) throw new BrowseError('unavailable', `${file} holds no entries: there is nothing to browse`);
      return new ArchiveReader(handle, index, children);
    } catch (err) {
      await handle.close();
      if (browseErrorCode(err)) throw err;
      if (isRestoreRefusal(err)) throw new BrowseError('refused', `${file} is refused: ${err.message}`);
      if (isInputError(err)) throw new BrowseError('unavailable', err.message);
      throw new BrowseError('unavailable', `${file} cannot be browsed: it is damaged or not a tar archive (${messageOf(err)})`);
    }
  }

  absoluteToRel(): undefined {
    // an absolute link in an archive points into the system it was made on: outside
    return undefined;
  }

  lstat(rel: string): Promise<RawEntry | undefined> {
    return Promise.resolve(this.index.get(rel)?.e);
  }

  list(rel: string): Promise<RawEntry[]> {
    const names = this.children.get(rel);
    if (!names)
      return Promise.reject(
        new BrowseError(this.index.has(rel) ? 'not-directory' : 'not-found', `${showName(rel)} is not a folder of the archive`),
      );
    return Promise.resolve(names.map((n) => this.index.get(joinRel(rel, n))!.e));
  }

  async read(rel: string, max: number): Promise<Buffer> {
    let item = this.index.get(rel);
    if (item?.linkPath !== undefined) item = this.index.get(item.linkPath);
    if (!item || item.e.kind !== 'file') throw new BrowseError('not-found', `${showName(rel)} is not a file of the archive`);
    if (item.e.size > max)
      throw new BrowseError(
        'too-large',
        `${showName(rel)} is ${item.e.size} bytes, more than the ${max / 1024 / 1024} MiB opened in the editor`,
      );
    try {
      await this.handle.unchanged();
    } catch (err) {
      throw new BrowseError('unavailable', messageOf(err));
    }
    const { tar } = await openArchive(this.handle, {});
    let ordinal = 0;
    for await (const entry of readTar(tar)) {
      if (ordinal++ !== item.ordinal) continue;
      const chunks: Buffer[] = [];
      for await (const c of entry.body ?? []) chunks.push(c);
      return Buffer.concat(chunks);
    }
    throw new BrowseError('unavailable', `${showName(rel)} was not found in the archive again (it changed?)`);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
