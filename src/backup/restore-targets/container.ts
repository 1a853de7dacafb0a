import type Dockerode from 'dockerode';
import { printable } from '../validate';
import { ancestors, archiveRoots, type PathKind } from '../target-check';
import { hasRawBytes } from '../names';
import { isWithin } from '../../core/paths';
import { ArchiveRefusedError, BackupInputError } from '../errors';
import type { PathStat } from '../docker-access';

/*
 * A rescue archive back into its container: every top-level path of the archive where it was, what goes into a
 * tmpfs through tar inside the running container.
 */

/** Where a container has a tmpfs: `--tmpfs` (HostConfig.Tmpfs) and `--mount type=tmpfs` (Mounts). */
export function tmpfsMountPoints(info: Dockerode.ContainerInspectInfo): string[] {
  const points = new Set(Object.keys((info.HostConfig as { Tmpfs?: Record<string, string> }).Tmpfs ?? {}));
  for (const m of info.Mounts ?? []) if ((m.Type as string) === 'tmpfs') points.add(m.Destination);
  return [...points].map((p) => p.replace(/\/+$/, '') || '/');
}

/** What a path of the container is, as the engine's archive endpoint says (undefined: nothing there). */
export type ContainerStat = Pick<PathStat, 'isDir' | 'isSymlink' | 'linkTarget'> | undefined;

/**
 * Which of a rescue archive's top-level paths exist in the container (they are backed up first, and need an
 * overwrite), and what goes into a tmpfs. Refuses, before anything is written, an archive with an entry for `/`
 * or a name the engine cannot be asked about, and any path under a symlink or a file the container has. The
 * paths come from the archive's own entries, never from its manifest. `stat` asks the container (cached by the
 * caller: the write reads the same answers).
 */
export async function planRescueWrite(
  file: string,
  archivePaths: ReadonlyMap<string, PathKind>,
  at: { stat: (abs: string) => Promise<ContainerStat>; tmpfsPoints: string[]; running: boolean; containerName: string },
): Promise<{ conflicts: string[]; inTmpfs: (rel: string) => boolean; toTmpfs: string[] }> {
  const refused = (why: string, entry: string, kind: ArchiveRefusedError['kind'] = 'archive-refused'): ArchiveRefusedError =>
    new ArchiveRefusedError(`${file} is refused: ${why}; nothing was restored`, entry, kind);
  const tmpfsPoints = at.tmpfsPoints;
  // A tmpfs exists only in the running container's mount namespace: what goes into one is read and written
  // with tar inside the container (the archive endpoint works under it, on the host side).
  const inTmpfs = (rel: string): boolean => tmpfsPoints.some((t) => isWithin(`/${rel}`, t));
  const toTmpfs = [...archivePaths.keys()].filter(inTmpfs);
  if (toTmpfs.length > 0 && !at.running) {
    const points = tmpfsPoints.filter((t) => toTmpfs.some((p) => isWithin(`/${p}`, t)));
    throw new BackupInputError(
      `${points.join(', ')} of container "${at.containerName}" ${points.length === 1 ? 'is a tmpfs, which exists' : 'are tmpfs mounts, which exist'} only while the container runs: start it and restore again; nothing was restored`,
    );
  }
  const conflicts: string[] = [];
  for (const root of archiveRoots(archivePaths)) {
    if (root === '') throw refused('it has an entry for / itself, which a rescue archive never has', root);
    // the engine is asked by path in a URL, which carries UTF-8 only
    if (hasRawBytes(root))
      throw refused(`the path /${printable(root)} is not valid UTF-8, so what the container has there cannot be checked`, root);
    let parentMissing = false;
    for (const parent of ancestors(root)) {
      const st = await at.stat(`/${parent}`);
      if (!st) {
        parentMissing = true; // nothing exists below a missing directory
        break;
      }
      if (st.isSymlink)
        throw refused(
          `the container has a symlink at /${printable(parent)} (to ${printable(st.linkTarget)}): restoring /${printable(root)} would write through it`,
          root,
          'link-in-target',
        );
      if (!st.isDir)
        throw refused(
          `the container has a file at /${printable(parent)} where the archive needs a directory (for /${printable(root)})`,
          root,
          'link-in-target',
        );
    }
    if (!parentMissing && (await at.stat(`/${root}`))) conflicts.push(`/${root}`);
  }
  return { conflicts, inTmpfs, toTmpfs };
}
