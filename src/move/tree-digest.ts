import { createHash } from 'node:crypto';
import type { ArchiveEntry, EntryType } from '../backup/tar-format';

/**
 * What a directory tree holds, entry by entry, so that two reads of it (the source while it streams into the
 * volume, the volume read back, the recreated container's path) can be compared. Paths are relative to the
 * root ('' is the root itself). Modification times are left out on purpose: a directory's mtime changes as
 * soon as anything is written into it, and the engine sets file times from the archive anyway.
 *
 * Hard links are recorded as the files they are (the same size and digest) plus the group of paths that share
 * the inode: two walkers (the engine's lexical walk, busybox tar's readdir order) may pick a different member as
 * "the file", and that is no difference.
 */
export interface TreeRecord {
  type: 'file' | 'directory' | 'symlink' | 'fifo' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  link?: string;
  /** Paths of the hard-link group this file belongs to (sorted, joined), when it has several. */
  linkedWith?: string;
}

export class TreeDigest {
  private readonly records = new Map<string, TreeRecord>();
  /** For a hard link entry: the path it points to (its group's first member). */
  private readonly linkOf = new Map<string, string>();
  files = 0;
  bytes = 0;

  add(path: string, record: TreeRecord): void {
    this.records.set(path, record);
    if (record.type === 'file') {
      this.files++;
      this.bytes += record.size;
    }
  }

  addHardLink(path: string, target: string, header: { mode: number; uid: number; gid: number }): void {
    const root = this.linkOf.get(target) ?? target;
    this.linkOf.set(path, root);
    const of = this.records.get(root);
    this.records.set(path, {
      type: 'file',
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      size: of?.size ?? 0,
      ...(of?.sha256 ? { sha256: of.sha256 } : {}),
    });
    this.files++;
  }

  /** The records, hard-link groups resolved. */
  entries(): Map<string, TreeRecord> {
    const groups = new Map<string, string[]>();
    for (const [path, root] of this.linkOf) {
      const g = groups.get(root) ?? [root];
      g.push(path);
      groups.set(root, g);
    }
    const out = new Map(this.records);
    for (const members of groups.values()) {
      const key = [...members].sort().join('\n');
      for (const m of members) {
        const r = out.get(m);
        if (r) out.set(m, { ...r, linkedWith: key });
      }
    }
    return out;
  }

  get size(): number {
    return this.records.size;
  }
}

const describe = (r: TreeRecord): string => {
  const parts = [r.type, `mode ${r.mode.toString(8).padStart(4, '0')}`, `owner ${r.uid}:${r.gid}`];
  if (r.type === 'file') parts.push(`${r.size} bytes`, `sha256 ${r.sha256?.slice(0, 12) ?? '?'}`);
  if (r.link !== undefined) parts.push(`-> ${r.link}`);
  if (r.linkedWith) parts.push(`hard-linked with ${r.linkedWith.split('\n').length - 1} other(s)`);
  return parts.join(', ');
};

const shown = (path: string): string => (path === '' ? '. (the root)' : path);

/** The differences between two trees, as sentences, in path order; empty when they hold the same. */
export function compareTrees(expected: TreeDigest, actual: TreeDigest, limit = 20): string[] {
  const a = expected.entries();
  const b = actual.entries();
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: string[] = [];
  for (const p of paths) {
    const x = a.get(p);
    const y = b.get(p);
    if (x && !y) out.push(`${shown(p)} is missing (expected ${describe(x)})`);
    else if (!x && y) out.push(`${shown(p)} should not be there (${describe(y)})`);
    else if (x && y) {
      const dx = describe(x);
      const dy = describe(y);
      if (dx !== dy || x.sha256 !== y.sha256) out.push(`${shown(p)} differs: expected ${dx}; found ${dy}`);
    }
    if (out.length >= limit) {
      out.push('(further differences not listed)');
      break;
    }
  }
  return out;
}

const RECORD_TYPE: Partial<Record<EntryType, TreeRecord['type']>> = {
  file: 'file',
  directory: 'directory',
  symlink: 'symlink',
  fifo: 'fifo',
};

/** Relative path of a content-layout name (`./`, `./a/b`, `a/b/`): '' for the root. */
export function relativeName(name: string): string {
  return name
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '')
    .replace(/^\/+/, '');
}

/**
 * Passes content-layout entries through unchanged while recording them in `digest`: file bodies are hashed as
 * they stream, nothing is buffered.
 */
export async function* digesting(entries: AsyncIterable<ArchiveEntry>, digest: TreeDigest): AsyncGenerator<ArchiveEntry> {
  for await (const entry of entries) {
    const h = entry.header;
    const path = relativeName(h.name);
    if (h.type === 'link') {
      digest.addHardLink(path, relativeName(h.linkname ?? ''), h);
      yield entry;
      continue;
    }
    const base: TreeRecord = {
      type: RECORD_TYPE[h.type] ?? 'other',
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      size: h.type === 'file' ? h.size : 0,
    };
    if (h.type === 'symlink') base.link = h.linkname ?? '';
    if (h.type !== 'file' || !entry.body) {
      if (h.type === 'file') base.sha256 = createHash('sha256').digest('hex');
      digest.add(path, base);
      yield entry;
      continue;
    }
    const hash = createHash('sha256');
    const body = entry.body;
    let done = false;
    const hashed = (async function* () {
      for await (const chunk of body) {
        hash.update(chunk);
        yield chunk;
      }
      done = true;
    })();
    yield { header: h, body: hashed };
    if (!done) {
      // the consumer did not read the body (it never does here, but a digest must not be half made)
      for await (const _ of hashed) void _;
    }
    digest.add(path, { ...base, sha256: hash.digest('hex') });
  }
}

/** Reads entries to the end, recording them: a digest of a tree read back. */
export async function digestOf(entries: AsyncIterable<ArchiveEntry>): Promise<TreeDigest> {
  const digest = new TreeDigest();
  for await (const e of digesting(entries, digest)) {
    if (e.body) for await (const _ of e.body) void _;
  }
  return digest;
}
