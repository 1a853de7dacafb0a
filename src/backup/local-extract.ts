import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp, close, fchown, fchmod, futimes, open } from 'node:fs';
import { promisify } from 'node:util';
import { ArchiveRefusedError } from './errors';
import { writeChunks } from './fd-write';
import { encodeName, pathBytes, showName } from './names';
import type { EntryHeader } from './tar-format';
import { printable, type ValidatedEntry } from './validate';

/**
 * Writing validated entries into a local directory, never through a symlink:
 *
 * - every file, symlink and hard link is created under a temporary name in its directory and renamed over
 *   its final name: an existing symlink there is replaced, never followed; files are opened O_NOFOLLOW|O_EXCL;
 * - parent directories are created as needed (0700 while restoring); an existing parent must be a real
 *   directory (checked before anything is written, see {@link LocalTargetCheck});
 * - modes, mtimes and (as root) owners are applied: files as they are written, directories at the end,
 *   deepest first, so a read-only directory does not block its own content.
 */

const openFd = promisify(open);
const closeFd = promisify(close);
const fchownFd = promisify(fchown);
const fchmodFd = promisify(fchmod);
const futimesFd = promisify(futimes);

export interface ExtractEntry extends ValidatedEntry {
  body?: AsyncIterable<Buffer>;
}

/**
 * Checks, before the restore writes anything, that the entries' paths can be written in the target: no
 * existing symlink and no existing file where the archive needs a directory, no existing directory where it
 * puts a file (or the reverse). Caches what it saw, per directory.
 */
export class LocalTargetCheck {
  private readonly dirs = new Map<string, 'dir' | 'missing'>();
  constructor(private readonly target: string) {}

  async check(entry: ValidatedEntry): Promise<void> {
    const parts = entry.path === '' ? [] : entry.path.split('/');
    let rel = '';
    for (let i = 0; i < parts.length - 1; i++) {
      rel = rel ? `${rel}/${parts[i]}` : parts[i]!;
      const known = this.dirs.get(rel);
      if (known === 'missing') return; // nothing exists below a missing directory
      if (known === 'dir') continue;
      const st = await fsp.lstat(pathBytes(this.target, rel)).catch(() => undefined);
      if (!st) {
        this.dirs.set(rel, 'missing');
        return;
      }
      if (st.isSymbolicLink())
        throw new ArchiveRefusedError(
          `the target has a symlink at ${printable(rel)}: restoring ${printable(entry.path)} would write through it`,
          entry.header.name,
          'link-in-target',
        );
      if (!st.isDirectory())
        throw new ArchiveRefusedError(
          `the target has a file at ${printable(rel)} where the archive needs a directory (for ${printable(entry.path)})`,
          entry.header.name,
          'link-in-target',
        );
      this.dirs.set(rel, 'dir');
    }
    if (entry.path === '') return;
    const st = await fsp.lstat(pathBytes(this.target, entry.path)).catch(() => undefined);
    if (!st) return;
    const isDir = entry.header.type === 'directory';
    if (isDir && !st.isDirectory())
      throw new ArchiveRefusedError(
        `the target has a ${st.isSymbolicLink() ? 'symlink' : 'file'} at ${printable(entry.path)} where the archive has a directory`,
        entry.header.name,
        'link-in-target',
      );
    if (!isDir && st.isDirectory())
      throw new ArchiveRefusedError(
        `the target has a directory at ${printable(entry.path)} where the archive has a ${entry.header.type}: it would be deleted`,
        entry.header.name,
        'link-in-target',
      );
    if (isDir) this.dirs.set(entry.path, 'dir');
  }
}

export interface LocalExtractOptions {
  signal?: AbortSignal;
  /** Apply owners (default: when running as root). */
  owners?: boolean;
  onEntry?: (entry: ExtractEntry) => void;
}

const tempName = (): string => `.persistence-lens-restore-${randomBytes(6).toString('hex')}`;

async function rmQuiet(p: Buffer): Promise<void> {
  await fsp.rm(p, { force: true }).catch(() => undefined);
}

export async function extractLocal(
  entries: AsyncIterable<ExtractEntry>,
  target: string,
  opts: LocalExtractOptions = {},
): Promise<{ entries: number; bytes: number }> {
  const owners = opts.owners ?? process.getuid?.() === 0;
  const existed = await fsp.lstat(target).then(
    () => true,
    () => false,
  );
  await fsp.mkdir(target, { recursive: true, mode: 0o700 });
  const knownDirs = new Set<string>(['']);
  const dirMeta: Array<{ path: string; header: EntryHeader }> = [];
  let count = 0;
  let bytes = 0;
  let pendingTemp: Buffer | undefined;

  // names are bytes (names.ts): every path is given to fs as a Buffer
  const abs = (rel: string): Buffer => pathBytes(target, rel);
  const ensureParents = async (rel: string): Promise<void> => {
    const parts = rel.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur ? `${cur}/${parts[i]}` : parts[i]!;
      if (knownDirs.has(cur)) continue;
      try {
        await fsp.mkdir(abs(cur), { mode: 0o755 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = await fsp.lstat(abs(cur));
        if (!st.isDirectory())
          throw new ArchiveRefusedError(
            `${showName(abs(cur))} is not a directory (${st.isSymbolicLink() ? 'a symlink' : 'a file'}): nothing is written through it`,
            undefined,
            'link-in-target',
          );
      }
      knownDirs.add(cur);
    }
  };
  const place = async (tmp: Buffer, rel: string): Promise<void> => {
    await fsp.rename(tmp, abs(rel));
    // renaming a hard link over another name of the same file does nothing: the temporary name stays
    await rmQuiet(tmp);
    pendingTemp = undefined;
  };

  try {
    for await (const entry of entries) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      const h = entry.header;
      if (entry.path === '') {
        dirMeta.push({ path: '', header: h });
      } else {
        await ensureParents(entry.path);
        const dir = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/')) : '';
        const tmp = pathBytes(abs(dir), tempName());
        switch (h.type) {
          case 'directory': {
            try {
              await fsp.mkdir(abs(entry.path), { mode: 0o700 });
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
              const st = await fsp.lstat(abs(entry.path));
              if (!st.isDirectory())
                throw new ArchiveRefusedError(`${showName(abs(entry.path))} exists and is not a directory`, undefined, 'link-in-target');
            }
            knownDirs.add(entry.path);
            dirMeta.push({ path: entry.path, header: h });
            break;
          }
          case 'file': {
            pendingTemp = tmp;
            const fd = await openFd(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
            // this code owns the descriptor and closes it once, below, when no write on it is running (fd-write.ts)
            try {
              await writeChunks(fd, entry.body ?? []);
              if (owners) await fchownFd(fd, h.uid, h.gid);
              await fchmodFd(fd, h.mode & 0o7777);
              await futimesFd(fd, h.mtime, h.mtime);
            } finally {
              await closeFd(fd);
            }
            bytes += h.size;
            await place(tmp, entry.path);
            break;
          }
          case 'symlink': {
            pendingTemp = tmp;
            await fsp.symlink(encodeName(h.linkname ?? ''), tmp);
            if (owners) await fsp.lchown(tmp, h.uid, h.gid);
            await fsp.lutimes(tmp, h.mtime, h.mtime);
            await place(tmp, entry.path);
            break;
          }
          case 'link': {
            pendingTemp = tmp;
            await fsp.link(abs(entry.linkPath!), tmp);
            await place(tmp, entry.path);
            break;
          }
          default:
            throw new ArchiveRefusedError(`the entry ${printable(h.name)} has the type ${h.type}, which is never restored`, h.name);
        }
      }
      count++;
      opts.onEntry?.(entry);
    }
  } finally {
    if (pendingTemp) await rmQuiet(pendingTemp);
    // Directory metadata last, deepest first, also after a failure (so nothing stays 0700 by our doing).
    for (let i = dirMeta.length - 1; i >= 0; i--) {
      const { path, header } = dirMeta[i]!;
      try {
        if (path === '') {
          // The target folder is the user's choice of place, not the archive's: an existing one keeps its owner,
          // mode and times (who may enter it is not for an archive to change); one this restore created gets
          // at most the archive root's permission bits, never setuid/setgid/sticky (a root of 7777 would make
          // it a world-writable setgid folder) and never the archive's owner (uid 1234 would own the user's
          // folder). The content below it keeps its recorded owners and modes.
          if (!existed) {
            await fsp.chmod(abs(path), header.mode & 0o777);
            await fsp.utimes(abs(path), header.mtime, header.mtime);
          }
          continue;
        }
        if (owners) await fsp.lchown(abs(path), header.uid, header.gid);
        await fsp.chmod(abs(path), header.mode & 0o7777);
        await fsp.utimes(abs(path), header.mtime, header.mtime);
      } catch {
        // best effort: a directory that vanished meanwhile
      }
    }
  }
  return { entries: count, bytes };
}
