import { ArchiveRefusedError } from './errors';
import { encodeName, showName } from './names';
import type { EntryHeader } from './tar-format';

/**
 * The rules an archive must follow before anything of it is written (restore validates the whole archive in
 * a first pass, then again entry by entry while writing):
 *
 * - names are relative and stay inside the target: no absolute path, no `..` component;
 * - only regular files, directories, symlinks and hard links: device files (character, block) and fifos are
 *   refused (a backup of user data never needs them, and creating them is a privilege escalation);
 * - a hard link must point to a regular file that appears EARLIER in the archive (never to anything outside);
 * - nothing is written through a symlink: an entry whose path lies under a symlink entry of the archive is
 *   refused (a hostile archive plants `x -> /etc` and then writes `x/passwd`);
 * - a path may not turn from a directory into something else or back (that would delete data).
 *
 * - names fit Linux: at most {@link PATH_MAX} bytes, each component at most {@link NAME_MAX} bytes (the same for
 *   link targets), so a name the file system would refuse is refused here, before anything is written;
 * - only the types above: an unknown type flag, and GNU sparse files (which tar-stream does not expand: a 1 MiB
 *   sparse file would come back as its 3 bytes of data), are refused by name.
 *
 * Symlinks themselves are data: restored as they were, wherever they point (absolute and dangling targets are
 * normal). Memory grows with the number of entry NAMES (a set of them, at most {@link MAX_NAME_BYTES} in all),
 * never with the data.
 */

/** Linux PATH_MAX: the longest path (and symlink target) the kernel takes. */
export const PATH_MAX = 4096;
/** Linux NAME_MAX: the longest component of a path, in bytes. */
export const NAME_MAX = 255;
/** The names the validator remembers, in all (UTF-16 units): 1,000,000 entries of 128 characters. */
export const MAX_NAME_BYTES = 128 * 1024 * 1024;

/** `./a//b/` → `a/b`; the root (`.`, `./`) → ``. Throws on absolute names and `..`. */
export function normalizeEntryName(raw: string): string {
  if (raw.length === 0) throw new ArchiveRefusedError('an entry has an empty name', raw);
  if (raw.includes('\0')) throw new ArchiveRefusedError(`the entry "${printable(raw)}" has a NUL byte in its name`, raw);
  if (raw.startsWith('/'))
    throw new ArchiveRefusedError(`the entry "${printable(raw)}" has an absolute path: it would be written outside the target`, raw);
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..')
      throw new ArchiveRefusedError(`the entry "${printable(raw)}" contains "..": it would be written outside the target`, raw);
    parts.push(part);
  }
  return parts.join('/');
}

/** For messages: control characters and the bytes of a name that are not UTF-8 (names.ts) shown escaped. */
export function printable(s: string): string {
  return showName(s).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Refuses a name (or link target) longer than PATH_MAX bytes; the message shows its start only. */
function checkNameLength(value: string, what: string, entry: string): void {
  if (value.length * 3 <= PATH_MAX) return; // at most 3 bytes per UTF-16 unit (an escaped byte is 1)
  const bytes = encodeName(value).length;
  if (bytes > PATH_MAX)
    throw new ArchiveRefusedError(
      `the entry "${printable(entry.slice(0, 200))}…" has a ${what} of ${bytes} bytes, too long (at most ${PATH_MAX})`,
      entry,
    );
}

export interface ValidatedEntry {
  /** Normalized relative path; `` for the root. */
  path: string;
  header: EntryHeader;
  /** Hard links: the normalized path of the target entry. */
  linkPath?: string;
}

type Kind = 'dir' | 'file' | 'symlink';

export class ArchiveValidator {
  /** The kind of every path an entry created (the last entry wins, as in tar). */
  private readonly seen = new Map<string, Kind>();
  private nameBytes = 0;
  entries = 0;
  bytes = 0;

  check(header: EntryHeader): ValidatedEntry {
    const name = header.name;
    const show = printable(name);
    switch (header.type) {
      case 'file':
      case 'directory':
      case 'symlink':
      case 'link':
        break;
      case 'character-device':
      case 'block-device':
        throw new ArchiveRefusedError(`the entry "${show}" is a device file (${header.type}): archives with devices are refused`, name);
      case 'fifo':
        throw new ArchiveRefusedError(
          `the entry "${show}" is a fifo (named pipe): archives with fifos are refused, they hold no data`,
          name,
        );
      default:
        if (header.rawType === 'GNU sparse') {
          throw new ArchiveRefusedError(
            `the entry "${show}" is a GNU sparse file, which is not restored (it would come back as its data without the holes): make the archive without --sparse (-S)`,
            name,
          );
        }
        throw new ArchiveRefusedError(`the entry "${show}" has an unsupported type (${header.rawType ?? header.type})`, name);
    }
    checkNameLength(name, 'name', name);
    if (header.linkname !== undefined)
      checkNameLength(header.linkname, header.type === 'link' ? 'hard link target' : 'symlink target', name);
    const path = normalizeEntryName(name);
    for (const part of path === '' ? [] : path.split('/')) {
      if (part.length * 3 <= NAME_MAX) continue; // at most 3 bytes per UTF-16 unit (an escaped byte is 1)
      const bytes = encodeName(part).length;
      if (bytes > NAME_MAX)
        throw new ArchiveRefusedError(
          `the entry "${printable(name.slice(0, 200))}…" has a name component of ${bytes} bytes (at most ${NAME_MAX})`,
          name,
        );
    }
    if (path === '' && header.type !== 'directory') {
      throw new ArchiveRefusedError(`the root entry "${show}" is a ${header.type}, not a directory`, name);
    }

    // Every ancestor that an earlier entry created must be a directory: never write through a symlink.
    const parts = path === '' ? [] : path.split('/');
    let prefix = '';
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix ? `${prefix}/${parts[i]}` : parts[i]!;
      const kind = this.seen.get(prefix);
      if (kind === 'symlink')
        throw new ArchiveRefusedError(
          `the entry "${show}" would be written through the symlink "${printable(prefix)}" the archive created earlier`,
          name,
        );
      if (kind === 'file')
        throw new ArchiveRefusedError(`the entry "${show}" lies under "${printable(prefix)}", which the archive made a file`, name);
    }

    const previous = this.seen.get(path);
    const kind: Kind = header.type === 'directory' ? 'dir' : header.type === 'symlink' ? 'symlink' : 'file';
    if (previous !== undefined && (previous === 'dir') !== (kind === 'dir')) {
      throw new ArchiveRefusedError(
        `the entry "${show}" turns a ${previous === 'dir' ? 'directory' : 'non-directory'} of the archive into a ${kind === 'dir' ? 'directory' : 'non-directory'}`,
        name,
      );
    }

    const result: ValidatedEntry = { path, header };
    if (header.type === 'link') {
      const target = header.linkname ?? '';
      if (target === '') throw new ArchiveRefusedError(`the hard link "${show}" has no target`, name);
      let linkPath: string;
      try {
        linkPath = normalizeEntryName(target);
      } catch {
        throw new ArchiveRefusedError(`the hard link "${show}" points outside the archive ("${printable(target)}")`, name);
      }
      if (this.seen.get(linkPath) !== 'file') {
        throw new ArchiveRefusedError(
          `the hard link "${show}" points to "${printable(target)}", which is not a file earlier in the archive`,
          name,
        );
      }
      if (linkPath === path) throw new ArchiveRefusedError(`the hard link "${show}" points to itself`, name);
      result.linkPath = linkPath;
    }
    if (header.type === 'symlink' && (header.linkname ?? '') === '') {
      throw new ArchiveRefusedError(`the symlink "${show}" has no target`, name);
    }

    if (previous === undefined) {
      this.nameBytes += path.length;
      if (this.nameBytes > MAX_NAME_BYTES)
        throw new ArchiveRefusedError(
          `it holds more than ${MAX_NAME_BYTES / 1024 / 1024} MiB of entry names (${this.entries} entries so far): too many to check`,
          name,
        );
    }
    this.seen.set(path, kind);
    this.entries++;
    if (header.type === 'file') this.bytes += header.size;
    return result;
  }
}
