import { isAbsolute, join, normalize } from 'node:path';
import type { BackupListing, BackupSource, RestoreTarget } from '../../backup';
import { parseScheduledSource, sameSource, type Decision } from './targets';

/**
 * The decisions of the editor's backup features that do not need the editor: settings as the backend takes
 * them, which archives fit a restore target, how to reveal an archive. Pure: unit-tested.
 */

export const DEFAULT_KEEP = 5;

/** The settings as written (`persistenceLens.*`). */
export interface RawBackupSettings {
  folder?: unknown;
  keep?: unknown;
  scheduleHours?: unknown;
  scheduledSources?: unknown;
  dockerHost?: unknown;
}

export interface ScheduledSource {
  spec: string;
  source: Decision<BackupSource>;
}

export interface BackupSettings {
  /** The backup folder; undefined: the backend's default (`$XDG_DATA_HOME/persistence-lens/backups`). */
  outDir?: string;
  keep: number;
  scheduleHours: number;
  scheduled: ScheduledSource[];
  /** The Docker Engine's address; undefined: DOCKER_HOST, the context, the default socket. */
  host?: string;
}

/**
 * Settings edited by hand can hold anything. A keep below 1 is outside the schema (the backend would read 0 as
 * "keep everything", a negative number as nonsense): the documented default applies, never a value that
 * deletes more than the user could have meant.
 */
export function normalizeSettings(raw: RawBackupSettings, home: string): BackupSettings {
  const folder = typeof raw.folder === 'string' ? raw.folder.trim() : '';
  const keep = typeof raw.keep === 'number' && Number.isFinite(raw.keep) && raw.keep >= 1 ? Math.floor(raw.keep) : DEFAULT_KEEP;
  const hours =
    typeof raw.scheduleHours === 'number' && Number.isFinite(raw.scheduleHours) && raw.scheduleHours > 0 ? raw.scheduleHours : 0;
  const specs = Array.isArray(raw.scheduledSources)
    ? raw.scheduledSources.filter((s): s is string => typeof s === 'string' && s.trim() !== '')
    : [];
  const host = typeof raw.dockerHost === 'string' && raw.dockerHost.trim() ? raw.dockerHost.trim() : undefined;
  const outDir = folder ? expandHome(folder, home) : undefined;
  return {
    ...(outDir ? { outDir } : {}),
    keep,
    scheduleHours: hours,
    scheduled: specs.map((spec) => ({ spec, source: parseScheduledSource(spec, home) })),
    ...(host ? { host } : {}),
  };
}

/** `~/x` is in the home folder; a relative folder too (machine settings have no workspace to be relative to). */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? normalize(path) : join(home, path);
}

/** The archives that fit a restore target: rescue archives go back into a container, the others into a directory or volume. */
export function fitsTarget(l: BackupListing, target: RestoreTarget | undefined): boolean {
  const layout = l.manifest?.layout ?? 'content';
  if (!target) return true;
  return target.kind === 'container' ? layout === 'root' : layout === 'content';
}

/** A restore target as the source it would be backed up as, to find the archives of the same place. */
function asSource(t: RestoreTarget): BackupSource | undefined {
  return t.kind === 'container' ? undefined : t;
}

/**
 * The archives to offer for a restore into `target`: those that fit it, backups of the same place first (what
 * a user restoring a volume almost always wants), newest first within each group; damaged archives last (a
 * restore would refuse them, but hiding them would hide that they are damaged).
 */
export function restoreCandidates(listings: readonly BackupListing[], target?: RestoreTarget): BackupListing[] {
  const src = target ? asSource(target) : undefined;
  const rank = (l: BackupListing): number => {
    const damaged = l.status === 'mismatch' || l.status === 'invalid-manifest';
    const m = l.manifest?.source;
    const same =
      !m || !target
        ? false
        : src
          ? sameSource(src, m)
          : target.kind === 'container' && (m.container === target.container || (m.containerId?.startsWith(target.container) ?? false));
    return (damaged ? 2 : 0) + (same ? 0 : 1);
  };
  return listings
    .filter((l) => fitsTarget(l, target))
    .map((l, i) => ({ l, i, r: rank(l) }))
    .sort((a, b) => a.r - b.r || a.i - b.i) // listings come newest first; keep that within a rank
    .map((x) => x.l);
}

export type RevealStrategy = 'os' | 'explorer' | 'manifest' | 'path';

/**
 * How to show an archive to the user. The OS file manager exists only for a local desktop window (in a browser
 * or a remote window `revealFileInOS` would open nothing, or a folder on another machine); a folder inside the
 * workspace is shown in the Explorer; otherwise the manifest beside the archive (what it holds, its sha256, its
 * full path) opens in an editor, or, without a manifest, its path is shown.
 */
export function revealStrategy(env: { desktopLocal: boolean; inWorkspace: boolean; hasManifest: boolean }): RevealStrategy {
  if (env.desktopLocal) return 'os';
  if (env.inWorkspace) return 'explorer';
  return env.hasManifest ? 'manifest' : 'path';
}
