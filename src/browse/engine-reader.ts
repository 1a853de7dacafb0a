import type Dockerode from 'dockerode';
import {
  contentNameMap,
  createVolumeHelper,
  engineArchive,
  HELPER_MOUNT,
  removeHelper,
  statPath,
  type DockerOptions,
  type Helper,
} from '../backup/docker-access';
import { hasRawBytes, showName } from '../backup/names';
import type { ArchiveEntry } from '../backup/tar-format';
import { normalizeEntryName } from '../backup/validate';
import type { DockerConnection } from '../sources/docker/client';
import { baseOf, joinRel, parentOf, type RawEntry, type TreeReader } from './entry';
import { BrowseError } from './errors';

/**
 * Reading a volume or a container's folder through the engine's archive endpoint, nothing started:
 *
 * - stat is `HEAD /containers/{id}/archive` (one small request); a symlink's stored target is read with a GET of
 *   the link itself (the HEAD gives the engine's evaluation, not the link);
 * - a listing is `GET /containers/{id}/archive` of the folder: the engine has no listing endpoint, so it sends
 *   the folder's whole subtree. Its headers are kept (bodies are drained, never kept), so expanding the folders
 *   below costs nothing more for {@link CACHE_MS}; at most {@link MAX_CACHED} entries are kept per listing;
 * - a read is a GET of the file: one tar entry, checked to be the regular file listed.
 *
 * A volume is read through ONE helper container, created (never started) on the first request of the session
 * and reused (scripts/bench/browse.ts measures the difference), removed on close. One removed behind the
 * session's back (by hand, or by a sweep after a day) is made again.
 */

/** How long a listing's entries answer stat and list without asking the engine again. */
export const CACHE_MS = 10_000;
/** Entries kept from one listing's subtree (the folder's own children always are). */
export const MAX_CACHED = 200_000;

interface Target {
  container: Dockerode.Container;
  helper?: Helper;
}

export class EngineReader implements TreeReader {
  private target?: Promise<Target>;
  private readonly entries = new Map<string, { e: RawEntry; at: number }>();
  private readonly listed = new Map<string, { names: string[]; at: number }>();
  private closing = false;

  private constructor(
    private readonly conn: DockerConnection,
    /** The root as an absolute path in the container (`/` allowed). */
    private readonly root: string,
    private readonly open: () => Promise<Target>,
    private readonly absoluteRoot: string | undefined,
    private readonly opts: DockerOptions,
    readonly what: string,
  ) {}

  /** A volume, read through a helper container that mounts it read-only at {@link HELPER_MOUNT}. */
  static forVolume(conn: DockerConnection, volume: string, opts: DockerOptions): EngineReader {
    return new EngineReader(
      conn,
      HELPER_MOUNT,
      async () => {
        try {
          await conn.docker.getVolume(volume).inspect();
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404)
            throw new BrowseError('not-found', `no volume "${volume}" on the Docker Engine at ${conn.endpoint.description}`);
          throw err;
        }
        const helper = await createVolumeHelper(conn, volume, { readOnly: true }, opts);
        return { container: helper.container, helper };
      },
      // an absolute link in a volume points into the container that mounts it, wherever that is: outside
      undefined,
      opts,
      `volume "${volume}"`,
    );
  }

  /** A folder of a container, running or stopped, through the container itself. */
  static forContainer(conn: DockerConnection, container: string, root: string, opts: DockerOptions): EngineReader {
    const clean = root.replace(/\/+$/, '') || '/';
    return new EngineReader(
      conn,
      clean,
      async () => {
        const c = conn.docker.getContainer(container);
        try {
          await c.inspect();
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404)
            throw new BrowseError('not-found', `no container "${container}" on the Docker Engine at ${conn.endpoint.description}`);
          throw err;
        }
        return { container: c };
      },
      clean,
      opts,
      `${clean} of container "${container}"`,
    );
  }

  /** The helper container of a volume session (for tests and the bench), once made. */
  async helperName(): Promise<string | undefined> {
    return this.target ? (await this.target).helper?.name : undefined;
  }

  private full(rel: string): string {
    if (rel === '') return this.root;
    return this.root === '/' ? `/${rel}` : `${this.root}/${rel}`;
  }

  absoluteToRel(target: string): string | undefined {
    const base = this.absoluteRoot;
    if (base === undefined) return undefined;
    if (base === '/') return target.slice(1);
    if (target === base) return '';
    return target.startsWith(`${base}/`) ? target.slice(base.length + 1) : undefined;
  }

  /** Runs fn on the container; a helper that disappeared (removed by hand) is made again, once. */
  private async withTarget<T>(fn: (t: Target) => Promise<T>): Promise<T> {
    if (this.closing) throw new BrowseError('unavailable', `browsing ${this.what} has ended`);
    this.target ??= this.open();
    this.target.catch(() => (this.target = undefined));
    const t = await this.target;
    try {
      return await fn(t);
    } catch (err) {
      const gone = err instanceof Error && /^no container|no such container/i.test(err.message);
      if (!gone || !t.helper) throw err;
      this.target = this.open();
      return fn(await this.target);
    }
  }

  private fresh<T extends { at: number }>(v: T | undefined): T | undefined {
    return v && Date.now() - v.at < CACHE_MS ? v : undefined;
  }

  async lstat(rel: string): Promise<RawEntry | undefined> {
    const cached = this.fresh(this.entries.get(rel));
    if (cached) return cached.e;
    // the parent's fresh listing knows every child: no child there means nothing there
    if (rel !== '' && this.fresh(this.listed.get(parentOf(rel)))) return undefined;
    if (hasRawBytes(rel)) {
      // a name that is not UTF-8 cannot be put in the engine's query (see entriesUnder): its folder's listing says
      await this.list(parentOf(rel));
      return this.fresh(this.entries.get(rel))?.e;
    }
    return this.withTarget(async ({ container }) => {
      const st = await statPath(this.conn, container, this.full(rel));
      // the root always exists: a 404 for it (a HEAD has no body to say which) is the container gone
      if (!st && rel === '') throw new BrowseError('unavailable', `no such container: the one reading ${this.what} is gone`);
      if (!st) return undefined;
      const e: RawEntry = {
        name: rel === '' ? '' : baseOf(rel),
        kind: st.isDir ? 'directory' : st.isSymlink ? 'symlink' : st.isRegular ? 'file' : 'other',
        size: st.isDir ? 0 : st.size,
        mtimeMs: st.mtimeMs,
        mode: st.mode,
      };
      if (e.kind === 'symlink') e.linkTarget = await this.storedLinkTarget(container, rel);
      this.entries.set(rel, { e, at: Date.now() });
      return e;
    });
  }

  /** A symlink's target as stored: the engine's archive of the link holds it as a symlink entry. */
  private async storedLinkTarget(container: Dockerode.Container, rel: string): Promise<string> {
    for await (const entry of engineArchive(this.conn, container, this.full(rel), (n) => n, {
      doing: `reading the link ${showName(rel)} of ${this.what}`,
    })) {
      if (entry.header.type === 'symlink') return entry.header.linkname ?? '';
      break;
    }
    throw new BrowseError('unavailable', `${showName(rel)} of ${this.what} changed while it was read (no longer a symbolic link)`);
  }

  async list(rel: string): Promise<RawEntry[]> {
    const cached = this.fresh(this.listed.get(rel));
    if (cached) {
      const out: RawEntry[] = [];
      for (const n of cached.names) {
        const e = this.entries.get(joinRel(rel, n));
        if (e) out.push(e.e);
      }
      if (out.length === cached.names.length) return out;
    }
    const self = await this.lstat(rel);
    if (!self) throw new BrowseError('not-found', `${showName(rel || '/')} does not exist in ${this.what}`);
    if (self.kind !== 'directory') throw new BrowseError('not-directory', `${showName(rel)} in ${this.what} is not a folder`);
    return this.withTarget(async ({ container }) => {
      const now = Date.now();
      const children = new Map<string, string[]>([[rel, []]]);
      let kept = 0;
      for await (const { abs, entry } of this.entriesUnder(container, rel, `listing ${showName(rel || '/')} of ${this.what}`)) {
        if (abs === rel) continue;
        const parent = parentOf(abs);
        const direct = parent === rel;
        if (!direct && kept >= MAX_CACHED) continue;
        const h = entry.header;
        const e: RawEntry = {
          name: baseOf(abs),
          kind:
            h.type === 'directory'
              ? 'directory'
              : h.type === 'symlink'
                ? 'symlink'
                : h.type === 'file' || h.type === 'link'
                  ? 'file'
                  : 'other',
          // a hard link's data (and size) is its target's, an earlier entry
          size: h.type === 'file' ? h.size : h.type === 'link' ? (this.entries.get(this.linkTargetOf(rel, h.linkname))?.e.size ?? 0) : 0,
          mtimeMs: h.mtime * 1000,
          mode: h.mode,
          ...(h.type === 'symlink' ? { linkTarget: h.linkname ?? '' } : {}),
        };
        this.entries.set(abs, { e, at: now });
        kept++;
        let list = children.get(parent);
        if (!list) children.set(parent, (list = []));
        list.push(e.name);
        if (e.kind === 'directory' && !children.has(abs)) children.set(abs, []);
      }
      const complete = kept < MAX_CACHED;
      for (const [dir, names] of children) if (dir === rel || complete) this.listed.set(dir, { names, at: now });
      return (children.get(rel) ?? []).map((n) => this.entries.get(joinRel(rel, n))!.e);
    });
  }

  /**
   * The entries at and under rel, named relative to the root. The engine takes the path as a query parameter,
   * and a name that is not UTF-8 cannot be written there (its bytes become other characters on the way), so such
   * a path is asked for as its nearest ancestor whose name is UTF-8, and what lies beside it skipped.
   */
  private async *entriesUnder(
    container: Dockerode.Container,
    rel: string,
    doing: string,
  ): AsyncGenerator<{ abs: string; entry: ArchiveEntry }> {
    const parts = rel === '' ? [] : rel.split('/');
    const clean = parts.findIndex(hasRawBytes);
    const asked = clean < 0 ? rel : parts.slice(0, clean).join('/');
    for await (const entry of engineArchive(this.conn, container, this.full(asked), contentNameMap(), { doing })) {
      const abs = joinRel(asked, normalizeEntryName(entry.header.name));
      if (asked !== rel && abs !== rel && !abs.startsWith(`${rel}/`)) continue;
      yield { abs, entry };
    }
  }

  /** A hard link's target in the root (the engine names it as its archive names entries). */
  private linkTargetOf(rel: string, linkname: string | undefined): string {
    return joinRel(rel, normalizeEntryName(linkname ?? '.'));
  }

  async read(rel: string, max: number): Promise<Buffer> {
    return this.withTarget(async ({ container }) => {
      const parts = rel.split('/');
      const base = parts.findIndex(hasRawBytes) < 0 ? undefined : rel;
      const entries =
        base !== undefined
          ? this.entriesUnder(container, parentOf(rel), `reading ${showName(rel)} of ${this.what}`)
          : this.single(container, rel);
      for await (const { abs, entry } of entries) {
        if (abs !== rel) continue;
        const h = entry.header;
        if (h.type !== 'file' || !entry.body)
          throw new BrowseError('unavailable', `${showName(rel)} of ${this.what} changed while it was read (now a ${h.type})`);
        if (h.size > max)
          throw new BrowseError(
            'too-large',
            `${showName(rel)} is ${h.size} bytes, more than the ${max / 1024 / 1024} MiB opened in the editor`,
          );
        const chunks: Buffer[] = [];
        for await (const c of entry.body) chunks.push(c);
        return Buffer.concat(chunks);
      }
      throw new BrowseError('not-found', `${showName(rel)} does not exist in ${this.what}`);
    });
  }

  /** The archive of one file: its single entry. */
  private async *single(container: Dockerode.Container, rel: string): AsyncGenerator<{ abs: string; entry: ArchiveEntry }> {
    for await (const entry of engineArchive(this.conn, container, this.full(rel), (n) => n, {
      doing: `reading ${showName(rel)} of ${this.what}`,
    })) {
      yield { abs: rel, entry };
      return;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const t = await this.target?.catch(() => undefined);
    this.entries.clear();
    this.listed.clear();
    if (!t?.helper) return;
    const left = await removeHelper(this.conn.docker, t.helper, this.opts.helperCleanupMs ?? 5000);
    if (left) throw new BrowseError('unavailable', left);
  }
}
