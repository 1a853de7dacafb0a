import { isWithin, normalizePosix, parentPosix } from './paths';
import type { ChangeSummary, Mount } from './types';
import { homeOfPath } from './user';

/**
 * Summaries of a container's writable layer, from the engine's changes list (`docker diff`,
 * `GET /containers/{id}/changes`). Pure: the caller fetches the list.
 */

/** One entry of the engine's changes list: Kind 0 modified, 1 added, 2 deleted. */
export interface ChangeEntry {
  path: string;
  kind: 0 | 1 | 2;
}

/**
 * Files the engine puts into containers (bind-mounted from its own directory, or the `--init` binary, which
 * `docker diff` lists as added): never the user's data. Podman adds `/run/.containerenv`, the `/run/secrets`
 * of its mounts.conf and an `/etc/mtab` link, and `/run/notify` for sd-notify.
 */
export const ENGINE_GENERATED_PATHS: readonly string[] = [
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/sbin/docker-init',
  '/etc/mtab',
  '/run/.containerenv',
  '/run/secrets',
  '/run/notify',
];

/**
 * The directories that hold engine-generated files (`/etc`, `/run`, `/sbin`). Podman creates its files in the
 * writable layer as soon as a container is initialised (also when its start then fails, so it stays
 * `created`), and its changes list hides those files but not their directory: `/etc` comes back as modified
 * (Kind 0) with nothing under it. Such a lone modified directory is the engine's doing, not a file written.
 */
const ENGINE_GENERATED_DIRS: ReadonlySet<string> = new Set(
  ENGINE_GENERATED_PATHS.map((p) => parentPosix(p)).filter((p): p is string => p !== undefined),
);

export interface SummarizeOptions {
  /** The target's mounts: their mount points and whatever lies under them are not in the writable layer. */
  mounts: readonly Pick<Mount, 'target'>[];
  /** The user's home; a path under it groups at the home's first component (`~/.cache`). */
  home?: string;
  /** Example paths kept per group (default 5). */
  maxExamples?: number;
}

/** The directory a changed path is counted under. */
export function changeGroup(path: string, home?: string): string {
  const h = home ? normalizePosix(home) : undefined;
  // `/home/<user>` and `/root` group like a home even when the target's home is another one
  const homeOf = h && h !== '/' && isWithin(path, h) ? h : homeOfPath(path);
  if (homeOf) {
    if (path === homeOf) return homeOf;
    const first = path.slice(homeOf.length + 1).split('/')[0]!;
    return `${homeOf}/${first}`;
  }
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return '/';
  return `/${parts.slice(0, 2).join('/')}`;
}

function hasDescendant(sorted: readonly string[], index: number): boolean {
  // In a sorted list every entry that starts with the path follows it contiguously; its descendants are among
  // them, possibly after siblings such as `/a b` or `/a-c` (space, '-' and '.' sort before '/').
  const p = sorted[index]!;
  const prefix = p === '/' ? '/' : `${p}/`;
  for (let i = index + 1; i < sorted.length; i++) {
    const q = sorted[i]!;
    if (q.startsWith(prefix)) return true;
    if (!q.startsWith(p)) return false;
  }
  return false;
}

/**
 * Groups the changes list by directory and counts the files added, modified and deleted there.
 *
 * - Mount points, what lies under them, and the engine-generated /etc/hosts, /etc/hostname, /etc/resolv.conf
 *   and /sbin/docker-init (`--init`) (Podman's too, see ENGINE_GENERATED_PATHS) are dropped: they are not the
 *   writable layer's content. So is `/etc`, `/run` or `/sbin` listed as modified with nothing under it listed
 *   (Podman hides its own files there but not their directory).
 * - The engine lists directories too (a directory is "modified" when a file in it changes). An entry counts
 *   only when nothing under it is listed, so the counts reflect files (and empty or deleted directories).
 * - A path under the home groups at the home's first component (`/home/coder/.cache`), else at its first
 *   two components (`/var/lib`, `/opt/app`), else at its first component.
 * - Sorted by total count, largest first, then by directory.
 */
export function summarizeChanges(changes: ReadonlyArray<{ path: string; kind: 0 | 1 | 2 }>, opts: SummarizeOptions): ChangeSummary[] {
  const maxExamples = opts.maxExamples ?? 5;
  const mountTargets = opts.mounts.map((m) => normalizePosix(m.target)).filter((t) => t !== '/');
  const kinds = new Map<string, 0 | 1 | 2>();
  for (const c of changes) kinds.set(normalizePosix(c.path), c.kind);
  const sorted = [...kinds.keys()].sort();

  const groups = new Map<string, ChangeSummary>();
  for (let i = 0; i < sorted.length; i++) {
    const path = sorted[i]!;
    if (hasDescendant(sorted, i)) continue;
    if (ENGINE_GENERATED_PATHS.includes(path)) continue;
    if (kinds.get(path) === 0 && ENGINE_GENERATED_DIRS.has(path)) continue;
    if (mountTargets.some((t) => isWithin(path, t))) continue;
    const dir = changeGroup(path, opts.home);
    let g = groups.get(dir);
    if (!g) {
      g = { directory: dir, added: 0, modified: 0, deleted: 0, examples: [] };
      groups.set(dir, g);
    }
    const kind = kinds.get(path)!;
    if (kind === 1) g.added++;
    else if (kind === 2) g.deleted++;
    else g.modified++;
    if (g.examples.length < maxExamples) g.examples.push(path);
  }

  const total = (g: ChangeSummary): number => g.added + g.modified + g.deleted;
  return [...groups.values()].sort((a, b) => total(b) - total(a) || (a.directory < b.directory ? -1 : a.directory > b.directory ? 1 : 0));
}

/**
 * The paths the writable layer shows to exist: every added or modified path and all its ancestor directories
 * (deleted paths are gone). Lets catalog entries such as `~/.ssh` count as present.
 */
export function existingPathsFromChanges(changes: ReadonlyArray<{ path: string; kind: 0 | 1 | 2 }>): Set<string> {
  const out = new Set<string>();
  for (const c of changes) {
    if (c.kind === 2) continue;
    let p: string | undefined = normalizePosix(c.path);
    while (p !== undefined && !out.has(p)) {
      out.add(p);
      p = parentPosix(p);
    }
  }
  return out;
}
