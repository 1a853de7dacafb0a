import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { PARTIAL_SUFFIX } from './archive-file';
import { hashFile, isManifest, manifestPathFor, readManifestText, MANIFEST_SUFFIX, type Manifest } from './manifest';
import { sourceKey } from './location';

/** The backups in a directory: listing with each one's manifest status, and retention. */

export type ManifestStatus =
  /** The manifest is there and agrees with the archive's size (sha256 not computed). */
  | 'ok'
  /** sha256 computed and equal to the manifest's (with `verify`). */
  | 'verified'
  /** No manifest beside the archive: it cannot be verified (e.g. made by `tar czf`). */
  | 'no-manifest'
  /** The manifest disagrees with the archive (size or sha256): the archive is damaged or was changed. */
  | 'mismatch'
  /** The manifest is unreadable or not ours. */
  | 'invalid-manifest';

export interface BackupListing {
  archive: string;
  file: string;
  size: number;
  /** The archive file's mtime (ms): the order of backups whose manifest has no sequence. */
  mtimeMs?: number;
  /** From the manifest, else the archive's mtime. */
  createdAt: string;
  status: ManifestStatus;
  manifest?: Manifest;
  /** A sentence when the status is not ok/verified. */
  problem?: string;
}

/** The names in a backup folder; none when the folder does not exist yet (nothing was backed up there). */
export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const isArchiveName = (name: string): boolean => (name.endsWith('.tar.gz') || name.endsWith('.tgz')) && !name.endsWith(PARTIAL_SUFFIX);

/**
 * Archives in `dir`, newest first. `.partial` files (a backup in progress, or one a killed process left) are
 * never listed. With `verify`, every archive's sha256 is computed (reads every byte).
 */
export async function listBackups(dir: string, opts: { verify?: boolean; signal?: AbortSignal } = {}): Promise<BackupListing[]> {
  const names = await readdirOrEmpty(dir);
  const out: BackupListing[] = [];
  for (const name of names.filter(isArchiveName)) {
    const file = join(dir, name);
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st?.isFile()) continue;
    const listing: BackupListing = {
      archive: name,
      file,
      size: st.size,
      mtimeMs: st.mtimeMs,
      createdAt: st.mtime.toISOString(),
      status: 'no-manifest',
    };
    let text: string | undefined;
    let unreadable = false;
    try {
      text = await readManifestText(manifestPathFor(file));
    } catch (err) {
      text = undefined;
      // no manifest is normal (tar czf); one that is there but cannot be read (too large, a fifo) is not ours
      unreadable = (err as NodeJS.ErrnoException).code !== 'ENOENT';
    }
    if (unreadable) {
      listing.status = 'invalid-manifest';
      listing.problem = 'the manifest beside it cannot be read (too large, or not a regular file)';
    } else if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!isManifest(parsed) || parsed.archive !== name) {
        listing.status = 'invalid-manifest';
        listing.problem = 'the manifest beside it is unreadable or describes another archive';
      } else {
        listing.manifest = parsed;
        listing.createdAt = parsed.createdAt;
        if (parsed.archiveBytes !== st.size) {
          listing.status = 'mismatch';
          listing.problem = `the archive has ${st.size} bytes, its manifest says ${parsed.archiveBytes}`;
        } else if (opts.verify) {
          const h = await hashFile(file, opts.signal ? { signal: opts.signal } : {});
          listing.status = h.sha256 === parsed.sha256 ? 'verified' : 'mismatch';
          if (listing.status === 'mismatch') listing.problem = 'its sha256 differs from the manifest: the archive is damaged';
        } else listing.status = 'ok';
      }
    } else listing.problem = 'no manifest: it cannot be verified';
    out.push(listing);
  }
  out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.archive < b.archive ? 1 : -1));
  return out;
}

/**
 * Backups of the same source and purpose, newest first, in the order this tool made them: by the manifest's
 * `sequence` (one more than the highest of the folder when written), then, for manifests written before there
 * was one, by the archive's mtime. Never by `createdAt`: that is the clock of the moment, and a backup made while
 * the clock was ahead (a wrong RTC, a VM resumed) would sort after every later one for as long as it exists.
 */
export function newestFirst(list: BackupListing[]): BackupListing[] {
  const seq = (l: BackupListing): number =>
    typeof l.manifest?.sequence === 'number' && Number.isFinite(l.manifest.sequence) ? l.manifest.sequence : -1;
  return [...list].sort((a, b) => seq(b) - seq(a) || (b.mtimeMs ?? 0) - (a.mtimeMs ?? 0) || (a.archive < b.archive ? 1 : -1));
}

async function sameSource(dir: string, like: Pick<Manifest, 'source' | 'purpose'>): Promise<BackupListing[]> {
  const key = sourceKey(like.source);
  // members of a set are kept and deleted with their set (project-set.ts), never by the retention of single backups
  return (await listBackups(dir)).filter(
    (l) => l.manifest && l.manifest.purpose === like.purpose && sourceKey(l.manifest.source) === key && l.manifest.set === undefined,
  );
}

/** The sequence number of the next backup of this source in `dir`: one more than the highest there. */
export async function nextSequence(dir: string, like: Pick<Manifest, 'source' | 'purpose'>): Promise<number> {
  let max = 0;
  for (const l of await sameSource(dir, like)) {
    const s = l.manifest?.sequence;
    if (typeof s === 'number' && Number.isSafeInteger(s) && s > max) max = s;
  }
  return max + 1;
}

/**
 * Keeps the newest `keep` backups of the same source and purpose as `manifest` (ours only: archives with a
 * manifest, ordered by {@link newestFirst}), deleting the others (archive first, then its manifest). `keep` 0
 * keeps everything. `justMade` (the archive's name) is never deleted, whatever the order says.
 * Returns the archive names deleted.
 */
export async function pruneBackups(
  dir: string,
  like: Pick<Manifest, 'source' | 'purpose'>,
  keep: number,
  justMade?: string,
): Promise<string[]> {
  if (!(keep > 0)) return [];
  const same = newestFirst(await sameSource(dir, like));
  if (justMade !== undefined) {
    const i = same.findIndex((l) => l.archive === justMade);
    if (i > 0) same.unshift(...same.splice(i, 1));
  }
  const removed: string[] = [];
  for (const old of same.slice(keep)) {
    if (old.archive === justMade) continue;
    try {
      await fsp.rm(old.file, { force: true });
      await fsp.rm(manifestPathFor(old.file), { force: true });
      removed.push(old.archive);
    } catch {
      // leave it; the next prune tries again
    }
  }
  return removed;
}

/** Manifests whose archive is gone (a prune interrupted between its two deletions). */
export async function removeOrphanManifests(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  const set = new Set(names);
  for (const n of names) {
    if (!n.endsWith(MANIFEST_SUFFIX)) continue;
    const stem = n.slice(0, -MANIFEST_SUFFIX.length);
    if (set.has(`${stem}.tar.gz`) || set.has(`${stem}.tgz`)) continue;
    try {
      const m = JSON.parse(await readManifestText(join(dir, n))) as unknown;
      if (isManifest(m)) await fsp.rm(join(dir, n), { force: true });
    } catch {
      // not ours or unreadable: leave it
    }
  }
}
