/** One thing in a browsed tree, as its reader found it (a symlink is itself, never its target). */
export interface RawEntry {
  /** The last component (bytes-safe: src/backup/names.ts). */
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
  /** Permission bits. */
  mode: number;
  /** A symlink's target as stored (relative or absolute). */
  linkTarget?: string;
}

/** What the editor shows: a symlink with the kind of what it leads to inside the root, if it does. */
export interface BrowseEntry extends RawEntry {
  /** For a symlink: what it resolves to inside the root; undefined when it leaves the root, dangles or loops. */
  target?: { rel: string; kind: RawEntry['kind']; size: number; mtimeMs: number };
}

/** What a reader of one kind (engine, archive) does; paths are relative to the root (`` is the root), resolved (no symlink on the way). */
export interface TreeReader {
  /** The entry at rel, a symlink as itself; undefined when there is none. */
  lstat(rel: string): Promise<RawEntry | undefined>;
  /** The entries of the directory at rel. */
  list(rel: string): Promise<RawEntry[]>;
  /** The bytes of the regular file at rel (at most `max`). */
  read(rel: string, max: number): Promise<Buffer>;
  /** Where an absolute link target lands in the root: `/srv/x` → `x` when the root is /srv; undefined: outside. */
  absoluteToRel(target: string): string | undefined;
  close(): Promise<void>;
}

export const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
export const baseOf = (rel: string): string => rel.slice(rel.lastIndexOf('/') + 1);
export const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
