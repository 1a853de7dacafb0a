import { ArchiveRefusedError } from './errors';
import type { EntryHeader } from './tar-format';
import { printable } from './validate';

/**
 * What a target that is reached through the Docker Engine (a volume, a container path, a container for a
 * rescue) already holds, checked against the archive BEFORE anything is written, by the rules of
 * LocalTargetCheck (local-extract.ts):
 *
 * - no entry may lie under a symlink (or a file) the target already has: the engine's unpacker follows an
 *   existing symlink in a parent (it runs chrooted into the container: `/data/etclink -> /etc` and an entry
 *   `etclink/pwned` write `/etc/pwned` in the container);
 * - no directory entry over an existing non-directory, no non-directory over an existing directory (the engine
 *   refuses both because of `noOverwriteDirNonDir`, but only when it meets them: after what came before was
 *   written).
 *
 * A symlink of the target that the archive replaces by a file or a symlink is fine: the engine removes the link
 * and puts the entry there, it never writes through it.
 *
 * The target's paths come from the safety backup, which streams the whole target anyway (a target that is
 * empty holds no link). Between this check and the write a process in the container could still plant a link;
 * that process can write there itself anyway.
 */

export type PathKind = 'dir' | 'symlink' | 'file';

export const kindOf = (h: Pick<EntryHeader, 'type'>): PathKind =>
  h.type === 'directory' ? 'dir' : h.type === 'symlink' ? 'symlink' : 'file';

/** Parents of `path` (`a/b/c` → `a`, `a/b`). */
export function ancestors(path: string): string[] {
  const parts = path === '' ? [] : path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Throws an ArchiveRefusedError for the first archive path (in archive order) that the target's paths make
 * unsafe. `archive` and `target` map normalized relative paths (`` is the root) to their kinds.
 */
export function checkAgainstTarget(archive: ReadonlyMap<string, PathKind>, target: ReadonlyMap<string, PathKind>): void {
  if (target.size === 0) return;
  for (const [path, kind] of archive) {
    for (const parent of ancestors(path)) {
      const there = target.get(parent);
      if (there === undefined) break; // nothing exists below a missing directory
      if (there === 'symlink')
        throw new ArchiveRefusedError(
          `the target has a symlink at ${printable(parent)}: restoring ${printable(path)} would write through it`,
          path,
          'link-in-target',
        );
      if (there === 'file')
        throw new ArchiveRefusedError(
          `the target has a file at ${printable(parent)} where the archive needs a directory (for ${printable(path)})`,
          path,
          'link-in-target',
        );
    }
    const there = target.get(path);
    if (there === undefined || path === '') continue;
    if (kind === 'dir' && there !== 'dir')
      throw new ArchiveRefusedError(
        `the target has a ${there} at ${printable(path)} where the archive has a directory`,
        path,
        'link-in-target',
      );
    if (kind !== 'dir' && there === 'dir')
      throw new ArchiveRefusedError(
        `the target has a directory at ${printable(path)} where the archive has a ${kind}: it would be deleted`,
        path,
        'link-in-target',
      );
  }
}

/**
 * The archive's top-level paths: every path whose parent is not itself in the archive. For a rescue archive
 * these are what it writes at `/` (and everything under them), whatever its manifest says.
 */
export function archiveRoots(archive: ReadonlyMap<string, PathKind>): string[] {
  const roots: string[] = [];
  for (const path of archive.keys()) {
    const slash = path.lastIndexOf('/');
    if (slash === -1 ? !archive.has('') || path === '' : !archive.has(path.slice(0, slash))) roots.push(path);
  }
  return roots.sort();
}
