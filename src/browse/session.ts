import { showName } from '../backup/names';
import { baseOf, joinRel, parentOf, type BrowseEntry, type RawEntry, type TreeReader } from './entry';
import { BrowseError, browseErrorCode } from './errors';
import { resolveInRoot, type ResolveContext } from './resolve';
import { describeSource, type BrowseSource } from './source';

/** The largest file read into the editor (a FileSystemProvider hands over whole buffers). */
export const MAX_READ_BYTES = 512 * 1024 * 1024;

/**
 * A read-only view of one source, for as long as it is browsed: stat, list and read with symlinks shown as
 * links and followed only inside the root (resolve.ts). `close()` releases what the reader holds (the volume's
 * helper container, the archive's descriptor); a closed session refuses further requests.
 */
export class BrowseSession {
  private closed?: Promise<void>;
  private readonly ctx: ResolveContext;

  constructor(
    readonly source: BrowseSource,
    private readonly reader: TreeReader,
  ) {
    this.ctx = {
      lstat: (rel) => this.reader.lstat(rel),
      absoluteToRel: (t) => this.reader.absoluteToRel(t),
      rootLabel: describeSource(source),
    };
  }

  get label(): string {
    return describeSource(this.source);
  }

  /** The entry at rel; a symlink stays one, with what it leads to inside the root (if anything). */
  async stat(rel: string): Promise<BrowseEntry> {
    this.check();
    const at = rel === '' ? '' : joinRel(await resolveInRoot(parentOf(rel), this.ctx, true), baseOf(rel));
    const e = await this.reader.lstat(at);
    if (!e) throw new BrowseError('not-found', `${showName(rel || '/')} does not exist in ${this.label}`);
    return this.withTarget(at, e);
  }

  async list(rel: string): Promise<BrowseEntry[]> {
    this.check();
    const dir = await resolveInRoot(rel, this.ctx, true);
    const entries = await this.reader.list(dir);
    return Promise.all(entries.map((e) => this.withTarget(joinRel(dir, e.name), e)));
  }

  /** The bytes of the file at rel (through in-root links). */
  async read(rel: string): Promise<Buffer> {
    this.check();
    const at = await resolveInRoot(rel, this.ctx, true);
    const e = await this.reader.lstat(at);
    if (!e) throw new BrowseError('not-found', `${showName(rel)} does not exist in ${this.label}`);
    if (e.kind === 'directory') throw new BrowseError('is-directory', `${showName(rel)} is a folder`);
    if (e.kind !== 'file')
      throw new BrowseError('refused', `${showName(rel)} is not a regular file (a device, fifo or socket holds no data to show)`);
    if (e.size > MAX_READ_BYTES)
      throw new BrowseError(
        'too-large',
        `${showName(rel)} is ${e.size} bytes, more than the ${MAX_READ_BYTES / 1024 / 1024} MiB opened in the editor: restore or copy it out instead`,
      );
    return this.reader.read(at, MAX_READ_BYTES);
  }

  private async withTarget(at: string, e: RawEntry): Promise<BrowseEntry> {
    if (e.kind !== 'symlink') return e;
    try {
      const rel = await resolveInRoot(at, this.ctx, true);
      const t = await this.reader.lstat(rel);
      return t ? { ...e, target: { rel, kind: t.kind, size: t.size, mtimeMs: t.mtimeMs } } : e;
    } catch (err) {
      const code = browseErrorCode(err);
      if (code && code !== 'unavailable') return e; // outside, dangling or a loop: shown as a link
      throw err;
    }
  }

  private check(): void {
    if (this.closed) throw new BrowseError('unavailable', `browsing ${this.label} has ended`);
  }

  /** Releases the reader (removes the helper container); idempotent. Rejects with a sentence naming what was left. */
  close(): Promise<void> {
    this.closed ??= this.reader.close();
    return this.closed;
  }
}
