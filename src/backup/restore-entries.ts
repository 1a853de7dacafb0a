import type { ArchiveCheck } from './archive-check';
import { openArchive, type ArchiveHandle } from './archive-check';
import { BackupFailedError } from './errors';
import type { ExtractEntry } from './local-extract';
import type { ProgressReporter } from './progress';
import { readTar } from './tar-read';
import type { ArchiveEntry, EntryHeader } from './tar-format';
import { ancestors } from './target-check';
import { ArchiveValidator, printable, type ValidatedEntry } from './validate';

/*
 * The entries a restore writes: read again from the verified descriptor, validated again one by one, privileges
 * stripped unless asked for, and put in the form the engine's unpacker takes.
 */
/** What {@link dropPrivileges} took away, for the warning. */
export interface Dropped {
  setid: string[];
  capabilities: string[];
}

/**
 * The privilege policy of a restore: owners, permission bits and times are data and are restored as the archive
 * recorded them (a database volume must stay owned by its uid 999; a non-root user who may use the Docker socket
 * can be root anyway). What is stripped, unless `keepPrivileges`, is what makes a file grant privileges to
 * whoever runs it: the setuid and setgid bits of non-directories, and file capabilities (`security.capability`).
 * An archive from elsewhere could carry a setuid-root shell; a backup of a volume hardly ever holds one that
 * should be restored without being asked. A directory keeps its setgid (new files inherit its group, nothing
 * runs with it) and sticky bits; its setuid means nothing on Linux and goes. Devices stay refused (validate.ts).
 */
export function dropPrivileges(v: ValidatedEntry, dropped: Dropped): ValidatedEntry {
  const h = v.header;
  const setid = h.type === 'directory' ? h.mode & 0o4000 : h.type === 'file' ? h.mode & 0o6000 : 0;
  const cap = h.xattrs !== undefined && 'security.capability' in h.xattrs;
  if (!setid && !cap) return v;
  const header: EntryHeader = { ...h, mode: h.mode & ~setid };
  if (setid && h.type !== 'directory') dropped.setid.push(v.path);
  if (cap) {
    const { ['security.capability']: _, ...rest } = h.xattrs!;
    void _;
    if (Object.keys(rest).length > 0) header.xattrs = rest;
    else delete header.xattrs;
    dropped.capabilities.push(v.path);
  }
  return { ...v, header };
}

export function droppedWarnings(d: Dropped): string[] {
  const list = (paths: string[]): string =>
    paths
      .slice(0, 10)
      .map((p) => printable(p))
      .join(', ') + (paths.length > 10 ? `, and ${paths.length - 10} more` : '');
  const out: string[] = [];
  if (d.setid.length)
    out.push(
      `${d.setid.length} file(s) were restored without their setuid/setgid bits (${list(d.setid)}): pass --keep-privileges to restore them as the archive has them`,
    );
  if (d.capabilities.length)
    out.push(
      `${d.capabilities.length} file(s) were restored without their file capabilities (security.capability) (${list(d.capabilities)}): pass --keep-privileges to restore them`,
    );
  return out;
}

/**
 * The archive's entries, validated again one by one as they are written (the file is read a second time), with
 * the raw bytes hashed: a file that changed since it was verified stops the restore.
 */
export async function* validatedEntries(
  check: ArchiveCheck,
  handle: ArchiveHandle,
  opts: { signal?: AbortSignal; reporter: ProgressReporter; counters: { entries: number; bytes: number }; dropped?: Dropped },
): AsyncGenerator<ExtractEntry> {
  const validator = new ArchiveValidator();
  let raw = 0;
  const report = (): void => opts.reporter.update({ entries: opts.counters.entries, bytes: opts.counters.bytes, compressedBytes: raw });
  const { tar, tap } = await openArchive(handle, { onBytes: (n) => (raw = n) });
  for await (const entry of readTar(tar, opts.signal ? { signal: opts.signal } : {})) {
    const checked = validator.check(entry.header);
    const v = opts.dropped ? dropPrivileges(checked, opts.dropped) : checked;
    const body = entry.body;
    // file content is counted as it is written, so the percentage moves inside big files too
    yield body
      ? {
          ...v,
          body: (async function* () {
            for await (const chunk of body) {
              opts.counters.bytes += chunk.length;
              report();
              yield chunk;
            }
          })(),
        }
      : v;
    opts.counters.entries++;
    report();
  }
  if (tap.hash.digest('hex') !== check.sha256) throw new BackupFailedError(`${check.archive} changed while it was being restored`);
}

/** The entries whose path `keep` takes; the others are read past (their bodies drained, so the tar moves on). */
export async function* only(entries: AsyncIterable<ExtractEntry>, keep: (path: string) => boolean): AsyncGenerator<ExtractEntry> {
  for await (const e of entries) {
    if (keep(e.path)) yield e;
    else if (e.body) for await (const _ of e.body) void _;
  }
}

/**
 * Validated entries as a tar for the engine: names `./path`, hard links `./target`.
 *
 * With `parentHeader`, every parent of an entry that the archive did not put before it gets a directory entry
 * first: the engine refuses a directory entry over a non-directory (`noOverwriteDirNonDir`), so a symlink planted
 * in a parent after the target was checked (target-check.ts) stops the restore there instead of being followed.
 * `parentHeader` gives the entry for that parent: an existing directory's own header (from the safety backup's
 * listing, so nothing about it changes), a plain one for a missing directory, or undefined to leave it alone
 * (an existing parent whose owner and times are not known: sending anything would change them).
 */
export function forEngine(
  entries: AsyncIterable<ExtractEntry>,
  parentHeader?: (path: string) => EntryHeader | undefined,
): AsyncIterable<ArchiveEntry> {
  return (async function* () {
    const dirs = new Set<string>(['']);
    for await (const e of entries) {
      if (parentHeader) {
        for (const parent of ancestors(e.path)) {
          if (dirs.has(parent)) continue;
          dirs.add(parent);
          const h = parentHeader(parent);
          if (h) yield { header: { ...h, name: `./${parent}`, type: 'directory', size: 0 } };
        }
      }
      if (e.header.type === 'directory') dirs.add(e.path);
      const header: EntryHeader = { ...e.header, name: e.path === '' ? './' : `./${e.path}` };
      if (e.linkPath !== undefined) header.linkname = `./${e.linkPath}`;
      yield e.body ? { header, body: e.body } : { header };
    }
  })();
}

/** A directory the restore creates: what the engine itself would make (0755, root, now). */
export const newDirHeader = (): EntryHeader => ({
  name: '',
  type: 'directory',
  mode: 0o755,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: Math.floor(Date.now() / 1000),
});
