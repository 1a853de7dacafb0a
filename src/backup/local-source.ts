import { constants as fsc, promises as fsp, type Stats } from 'node:fs';
import { BackupInputError } from './errors';
import { decodeName, pathBytes, showName } from './names';
import type { ArchiveEntry, EntryHeader } from './tar-format';

/**
 * A local directory as archive entries (content layout: `./`, `./a`, `./dir/x`), depth first, names sorted.
 * Symlinks are archived as symlinks (never followed), files sharing an inode as hard links, modes, owners
 * and mtimes as they are. Sockets, fifos and devices are skipped with a warning (restore refuses them).
 * A file is read with O_NOFOLLOW and exactly the size its header announced: one that shrinks while read is
 * padded with zeros, one that grows is cut, and a warning names it.
 * Names are read as bytes (readdir and readlink with the 'buffer' encoding) and every fs call takes the bytes
 * back: a name that is not valid UTF-8 is archived exactly (names.ts), never skipped.
 */
export interface LocalSourceOptions {
  signal?: AbortSignal;
  /** Warnings are pushed here (skipped sockets, files that changed while read). */
  warnings: string[];
  /** Directories (dev:ino) never to descend into: the backup destination when it lies inside the source. */
  exclude?: ReadonlySet<string>;
  /**
   * Given: a file or directory below the root that cannot be read (permission denied) is listed here (its path
   * relative to the root) and the walk goes on without it (a directory is archived without its content).
   * Not given: it fails the walk (a safety backup must hold everything it replaces).
   */
  unreadable?: string[];
}

const denied = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
};
/** `./a/b` → `a/b`, for the list of unreadable paths. */
const relOf = (rel: string): string => rel.replace(/^\.\//, '');

export const inodeKey = (st: Pick<Stats, 'dev' | 'ino'>): string => `${st.dev}:${st.ino}`;

function headerOf(name: string, st: Stats, type: EntryHeader['type'], extra: Partial<EntryHeader> = {}): EntryHeader {
  return {
    name,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' ? st.size : 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    ...extra,
  };
}

export async function* localEntries(root: string, opts: LocalSourceOptions): AsyncGenerator<ArchiveEntry> {
  let rootStat: Stats;
  try {
    rootStat = await fsp.stat(root);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new BackupInputError(e.code === 'ENOENT' ? `${root} does not exist` : `cannot read ${root}: ${e.message}`);
  }
  if (!rootStat.isDirectory())
    throw new BackupInputError(`${root} is not a directory: a backup archives a directory (back up the folder that holds it)`);
  yield { header: headerOf('./', rootStat, 'directory') };

  const links = new Map<string, string>();
  // Explicit stack of directories to visit, so deep trees do not recurse.
  const stack: Array<{ abs: Buffer; rel: string }> = [{ abs: pathBytes(root), rel: '.' }];
  while (stack.length > 0) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const dir = stack.pop()!;
    let names: Buffer[];
    try {
      names = (await fsp.readdir(dir.abs, { encoding: 'buffer' })).sort(Buffer.compare);
    } catch (err) {
      if (opts.unreadable && dir.rel !== '.' && denied(err)) {
        opts.unreadable.push(relOf(dir.rel));
        continue;
      }
      throw new BackupInputError(`cannot list ${showName(dir.abs)}: ${(err as Error).message}`);
    }
    const subdirs: Array<{ abs: Buffer; rel: string }> = [];
    for (const raw of names) {
      const abs = Buffer.concat([dir.abs, Buffer.from('/'), raw]);
      const rel = `${dir.rel}/${decodeName(raw)}`;
      let st: Stats;
      try {
        st = await fsp.lstat(abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
        if (opts.unreadable && denied(err)) {
          opts.unreadable.push(relOf(rel));
          continue;
        }
        throw new BackupInputError(`cannot read ${showName(abs)}: ${(err as Error).message}`);
      }
      if (st.isDirectory()) {
        if (opts.exclude?.has(inodeKey(st))) {
          opts.warnings.push(`skipped ${showName(abs)}: it is where the backups are written`);
          continue;
        }
        yield { header: headerOf(rel, st, 'directory') };
        subdirs.push({ abs, rel });
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = decodeName(await fsp.readlink(abs, { encoding: 'buffer' }));
        } catch (err) {
          throw new BackupInputError(`cannot read the symlink ${showName(abs)}: ${(err as Error).message}`);
        }
        yield { header: headerOf(rel, st, 'symlink', { linkname: target }) };
      } else if (st.isFile()) {
        const key = inodeKey(st);
        if (st.nlink > 1) {
          const first = links.get(key);
          if (first !== undefined) {
            yield { header: headerOf(rel, st, 'link', { linkname: first }) };
            continue;
          }
        }
        // opened before its header is written: a file that cannot be read is left out, not archived empty
        let fh: fsp.FileHandle;
        try {
          fh = await fsp.open(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
          if (opts.unreadable && denied(err)) {
            opts.unreadable.push(relOf(rel));
            continue;
          }
          throw new BackupInputError(`cannot read ${showName(abs)}: ${(err as Error).message}`);
        }
        if (st.nlink > 1) links.set(key, rel);
        const state = { started: false };
        try {
          yield { header: headerOf(rel, st, 'file'), body: fileBody(fh, abs, st.size, opts.warnings, state) };
        } finally {
          // a body nobody read still holds the file open
          if (!state.started) await fh.close().catch(() => undefined);
        }
      } else {
        const what = st.isSocket() ? 'a socket' : st.isFIFO() ? 'a fifo' : 'a device file';
        opts.warnings.push(`skipped ${showName(abs)}: ${what} holds no data to back up`);
      }
    }
    // depth first, in name order: push in reverse
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

const READ_CHUNK = 256 * 1024;

async function* fileBody(
  fh: fsp.FileHandle,
  absBytes: Buffer,
  size: number,
  warnings: string[],
  state: { started: boolean },
): AsyncGenerator<Buffer> {
  state.started = true;
  const abs = showName(absBytes);
  try {
    let done = 0;
    while (done < size) {
      const want = Math.min(READ_CHUNK, size - done);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, done);
      if (bytesRead === 0) {
        warnings.push(`${abs} shrank while it was read: padded with zeros to its size of ${size} bytes`);
        const zeros = Buffer.alloc(Math.min(READ_CHUNK, size - done));
        while (done < size) {
          const n = Math.min(zeros.length, size - done);
          yield zeros.subarray(0, n);
          done += n;
        }
        break;
      }
      done += bytesRead;
      yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
    }
    const st = await fh.stat();
    if (st.size > size) warnings.push(`${abs} grew while it was read: archived its first ${size} bytes`);
  } finally {
    await fh.close();
  }
}
