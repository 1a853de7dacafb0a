import { isWithin, normalizePosix, parentPosix } from '../core/paths';
import { homeOfPath } from '../core/user';

/**
 * What a rescue archives, from the engine's changes list (`GET /containers/{id}/changes`: Kind 0 modified,
 * 1 added, 2 deleted). Pure.
 *
 * - Deleted paths are skipped (a deletion cannot be archived; the recreated container has the image's file).
 * - Mount points, anything under a mount, the engine-generated /etc/hosts, /etc/hostname, /etc/resolv.conf and
 *   the kernel's /proc, /sys, /dev are skipped: they are not the writable layer's content.
 * - An ADDED path whose parent was not added is a root, archived with everything under it.
 * - A MODIFIED file (or symlink) is a root. A modified DIRECTORY is only a container of changes (the image
 *   has it): it is not archived itself; its added or modified children are roots of their own.
 */

export type ChangeKind = 0 | 1 | 2;
export interface Change {
  path: string;
  kind: ChangeKind;
}

export const ENGINE_FILES: readonly string[] = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];
const KERNEL_TREES: readonly string[] = ['/proc', '/sys', '/dev'];

export interface RescueRoot {
  path: string;
  change: 'added' | 'modified';
  /** Where its bytes are: the writable layer (default), or a mount that a recreate loses with them. */
  storage?: 'anonymous-volume' | 'tmpfs';
  /** Changed paths the engine listed at or under this root. */
  listed: number;
  /** Whether the root is a directory (asked of the engine when the list does not tell). */
  isDir?: boolean;
}

export interface RescuePlan {
  roots: RescueRoot[];
  /** Modified directories: their changed children are roots; they are listed for the report. */
  modifiedDirs: string[];
  deleted: string[];
  /** Skipped because they are mount points, under mounts, engine files or kernel trees. */
  skipped: string[];
}

/** Whether a path is not the writable layer's content (a mount, the engine's files, the kernel's trees). */
export function excludedBy(path: string, mountTargets: readonly string[]): boolean {
  if (ENGINE_FILES.includes(path)) return true;
  if (KERNEL_TREES.some((t) => isWithin(path, t))) return true;
  return mountTargets.some((t) => t !== '/' && isWithin(path, t));
}

/**
 * `isDirectory(path)` tells whether a MODIFIED path is a directory (the changes list does not say): the
 * caller asks the engine. Without it, a modified path with listed children is taken for a directory.
 */
export async function planRescue(
  changes: readonly Change[],
  mountTargets: readonly string[],
  isDirectory?: (path: string) => Promise<boolean>,
): Promise<RescuePlan> {
  const kinds = new Map<string, ChangeKind>();
  for (const c of changes) kinds.set(normalizePosix(c.path), c.kind);
  const paths = [...kinds.keys()].sort();
  const mounts = mountTargets.map((t) => normalizePosix(t));
  const hasListedChild = new Set<string>();
  for (const p of paths) {
    const parent = parentPosix(p);
    if (parent) hasListedChild.add(parent);
  }

  const plan: RescuePlan = { roots: [], modifiedDirs: [], deleted: [], skipped: [] };
  const added = new Map<string, RescueRoot>();
  const addedAncestor = (p: string): RescueRoot | undefined => {
    for (let a = parentPosix(p); a !== undefined; a = parentPosix(a)) {
      const r = added.get(a);
      if (r) return r;
    }
    return undefined;
  };
  for (const p of paths) {
    const kind = kinds.get(p)!;
    if (excludedBy(p, mounts)) {
      plan.skipped.push(p);
      continue;
    }
    if (kind === 2) {
      plan.deleted.push(p);
      continue;
    }
    // under an added root already: archived with it
    const under = addedAncestor(p);
    if (under) {
      under.listed++;
      continue;
    }
    if (kind === 1) {
      const root: RescueRoot = { path: p, change: 'added', listed: 1 };
      plan.roots.push(root);
      added.set(p, root);
      continue;
    }
    const dir = isDirectory ? await isDirectory(p) : hasListedChild.has(p);
    if (dir) plan.modifiedDirs.push(p);
    else plan.roots.push({ path: p, change: 'modified', listed: 1, isDir: false });
  }
  for (const r of plan.roots) {
    if (r.isDir !== undefined) continue;
    r.isDir = r.listed > 1 || hasListedChild.has(r.path) || (isDirectory ? await isDirectory(r.path) : false);
  }
  return plan;
}

/**
 * Groups rescued paths by the directory a user would persist: under a home (`/home/<u>`, `/root`, or the
 * container's HOME) its first component (`/home/coder/.ssh`), else the first two components (`/var/lib`,
 * `/opt/app`), else the first.
 */
export function persistGroup(path: string, home?: string): string {
  const homes = [home, homeOfPath(path)].filter((h): h is string => !!h && h !== '/');
  for (const h of homes) {
    const hn = normalizePosix(h);
    if (isWithin(path, hn)) {
      if (path === hn) return hn;
      return `${hn}/${path.slice(hn.length + 1).split('/')[0]}`;
    }
  }
  const parts = path.split('/').filter(Boolean);
  if (parts.length <= 1) return `/${parts.join('/')}`;
  return `/${parts.slice(0, 2).join('/')}`;
}

export interface RescueGroup {
  directory: string;
  paths: string[];
}

export function groupRoots(roots: readonly RescueRoot[], home?: string): RescueGroup[] {
  const groups = new Map<string, string[]>();
  for (const r of roots) {
    let g = persistGroup(r.path, home);
    // a file is persisted through its directory
    if (g === r.path && r.isDir === false) g = parentPosix(r.path) ?? '/';
    const list = groups.get(g) ?? [];
    list.push(r.path);
    groups.set(g, list);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([directory, paths]) => ({ directory, paths }));
}

/** A mount whose content a recreate loses: an anonymous volume (a new empty one comes) or a tmpfs. */
export interface MountAtRisk {
  path: string;
  storage: 'anonymous-volume' | 'tmpfs';
  /** The anonymous volume's name. */
  volume?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The mounts of an inspected container that a rescue must cover besides the writable layer: anonymous volumes
 * (64-hex names, or the engine's anonymous label) and tmpfs mounts (`--tmpfs` lives only in HostConfig.Tmpfs).
 * Named volumes and binds keep their data by themselves. Kernel trees (/dev/shm) are not the user's.
 */
export function mountsAtRisk(
  mounts: ReadonlyArray<{ Type?: string; Name?: string; Destination: string }>,
  tmpfs: Readonly<Record<string, string>>,
): MountAtRisk[] {
  const out: MountAtRisk[] = [];
  for (const m of mounts) {
    const path = normalizePosix(m.Destination);
    if (KERNEL_TREES.some((t) => isWithin(path, t))) continue;
    if (m.Type === 'volume' && m.Name && HEX64.test(m.Name)) out.push({ path, storage: 'anonymous-volume', volume: m.Name });
    else if (m.Type === 'tmpfs') out.push({ path, storage: 'tmpfs' });
  }
  for (const t of Object.keys(tmpfs)) {
    const path = normalizePosix(t);
    if (!KERNEL_TREES.some((k) => isWithin(path, k)) && !out.some((o) => o.path === path)) out.push({ path, storage: 'tmpfs' });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Whether a path under a rescued mount belongs to it, not to another mount nested below it. */
export function underOnly(root: string, mountTargets: readonly string[]): (path: string) => boolean {
  const nested = mountTargets.map(normalizePosix).filter((t) => t !== root && isWithin(t, root));
  return (path) => !nested.some((t) => isWithin(path, t));
}
