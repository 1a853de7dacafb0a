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
  /** From the manifest, else the archive's mtime. */
  createdAt: string;
  status: ManifestStatus;
  manifest?: Manifest;
  /** A sentence when the status is not ok/verified. */
  problem?: string;
}

const isArchiveName = (name: string): boolean => (name.endsWith('.tar.gz') || name.endsWith('.tgz')) && !name.endsWith(PARTIAL_SUFFIX);

/**
 * Archives in `dir`, newest first. `.partial` files (a backup in progress, or one a killed process left) are
 * never listed. With `verify`, every archive's sha256 is computed (reads every byte).
 */
export async function listBackups(dir: string, opts: { verify?: boolean; signal?: AbortSignal } = {}): Promise<BackupListing[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: BackupListing[] = [];
  for (const name of names.filter(isArchiveName)) {
    const file = join(dir, name);
    const st = await fsp.stat(file).catch(() => undefined);
    if (!st?.isFile()) continue;
    const listing: BackupListing = { archive: name, file, size: st.size, createdAt: st.mtime.toISOString(), status: 'no-manifest' };
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
 * Keeps the newest `keep` backups of the same source and purpose as `manifest` (ours only: archives with a
 * manifest), deleting the others (archive first, then its manifest). `keep` 0 keeps everything.
 * Returns the archive names deleted.
 */
export async function pruneBackups(dir: string, like: Pick<Manifest, 'source' | 'purpose'>, keep: number): Promise<string[]> {
  if (!(keep > 0)) return [];
  const key = sourceKey(like.source);
  const same = (await listBackups(dir)).filter((l) => l.manifest && l.manifest.purpose === like.purpose && sourceKey(l.manifest.source) === key);
  const removed: string[] = [];
  for (const old of same.slice(keep)) {
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
