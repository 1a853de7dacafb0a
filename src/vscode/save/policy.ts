import * as path from 'node:path';
import { nearestCatalogPath, type ResolvedCatalogPath } from '../../core/catalog';
import { criticalityRank, isAtRisk, lostOn } from '../../core/survival';
import type { Criticality, LifecycleEvent } from '../../core/types';
import type { WhereResult } from '../../sources/self';
import { STATUS_WORDS } from '../tree/present';

/**
 * What the editor says about the storage of one file, decided without the editor: the status bar's text
 * and whether (and how) a save is worth a warning. The adapters (status-bar.ts, save-guard.ts) only call these.
 */

export interface FileAssessment {
  file: string;
  /** The folder a warning is about, and that "Don't warn for this folder" remembers. */
  folder: string;
  where: WhereResult;
  atRisk: boolean;
  criticality: Criticality;
  /** "SSH keys", "home directory": what the catalog calls the place, when it knows it. */
  label?: string;
}

/** Files no catalog entry claims are user data: as important as the home directory. */
const DEFAULT_CRITICALITY: Criticality = 'medium';

export function assessFile(file: string, where: WhereResult, catalog: readonly ResolvedCatalogPath[]): FileAssessment {
  const place = nearestCatalogPath(where.resolvedPath, catalog) ?? nearestCatalogPath(where.path, catalog);
  return {
    file,
    folder: path.dirname(where.path),
    where,
    atRisk: isAtRisk(where.survives, where.readOnly),
    criticality: place?.entry.criticality ?? DEFAULT_CRITICALITY,
    ...(place ? { label: place.entry.label } : {}),
  };
}

export interface SaveWarningSettings {
  enabled: boolean;
  /** Absolute folders or globs (`/tmp/**`, `**\/node_modules/**`). */
  ignoredFolders: readonly string[];
  minimumCriticality: Criticality;
}

export interface SaveWarning {
  folder: string;
  message: string;
}

/** When the data is lost, as the end of a sentence: "when the container is recreated". */
const LOST_WHEN: Readonly<Record<LifecycleEvent, string>> = {
  restart: 'the container restarts',
  recreate: 'the container is recreated',
  composeUp: 'docker compose up recreates the service',
  composeDownVolumes: 'docker compose down -v runs',
  reboot: 'the host reboots',
};

export function lostWhen(a: Pick<FileAssessment, 'where'>): string {
  const first = lostOn(a.where.survives)[0];
  return first ? LOST_WHEN[first] : 'never';
}

/**
 * The warning a save deserves, or undefined. Once per folder per window: `warned` holds the folders already
 * warned about in this window.
 */
export function saveWarningFor(a: FileAssessment, settings: SaveWarningSettings, warned: ReadonlySet<string>): SaveWarning | undefined {
  if (!settings.enabled || !a.atRisk) return undefined;
  if (criticalityRank(a.criticality) < criticalityRank(settings.minimumCriticality)) return undefined;
  if (warned.has(a.folder)) return undefined;
  if (isIgnored(a.where.path, settings.ignoredFolders) || isIgnored(a.where.resolvedPath, settings.ignoredFolders)) return undefined;
  const words = STATUS_WORDS[a.where.status];
  const storage =
    a.where.status === 'writable-layer' ? "the container's writable layer" : `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
  return {
    folder: a.folder,
    message: `${path.basename(a.file)} is saved in ${a.folder}, which is on ${storage}: it will be lost when ${lostWhen(a)}.`,
  };
}

/** Whether `file` is inside one of the ignored folders (plain absolute paths) or matches one of the globs. */
export function isIgnored(file: string, patterns: readonly string[]): boolean {
  return patterns.some((raw) => {
    const pattern = raw.trim().replace(/\/+$/, '');
    if (!pattern) return false;
    if (!/[*?[{]/.test(pattern)) return file === pattern || file.startsWith(`${pattern}/`);
    const re = globToRegExp(pattern);
    // A glob naming a folder ("/data/*") covers what is inside it, as a plain folder does.
    return re.test(file) || re.test(path.dirname(file)) || ancestors(file).some((d) => re.test(d));
  });
}

function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(file); d !== '/' && d !== '.'; d = path.dirname(d)) out.push(d);
  return out;
}

/** `**` any number of path segments, `*` and `?` within one, `{a,b}` alternatives; the rest is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map(escapeRegExp)
          .join('|')})`;
        i = end;
      }
    } else re += escapeRegExp(c);
  }
  // A relative glob matches anywhere, as VS Code's files.exclude does.
  return new RegExp(`^${glob.startsWith('/') ? '' : '(?:.*/)?'}${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the save warning and the status bar item can offer for a file; only what works for its folder. */
export type SaveAction = 'persist' | 'show' | 'ignore';

/** The buttons' words: short enough that a notification shows them whole. */
export const SAVE_ACTION_LABELS: Readonly<Record<SaveAction, string>> = {
  persist: 'Persist…',
  show: 'Show',
  ignore: "Don't Warn Here",
};

/** Folders the engine makes for every container: no volume or bind of a compose file or devcontainer.json can replace them. */
const ENGINE_MADE: readonly { root: string; why: string }[] = [
  { root: '/dev', why: 'Docker makes /dev for every container (/dev/shm is sized with shm_size, not a volume)' },
  { root: '/proc', why: 'the kernel makes /proc' },
  { root: '/sys', why: 'the kernel makes /sys' },
];

/**
 * Why no persist can fix a folder (a volume there would not keep what is written), or undefined when one can:
 * the file system root, and what the engine or the kernel makes for every container.
 */
export function persistRefusal(folder: string): string | undefined {
  const f = path.posix.normalize(folder).replace(/\/+$/, '') || '/';
  if (f === '/') return 'the root of the file system cannot be a volume';
  const made = ENGINE_MADE.find((m) => f === m.root || f.startsWith(`${m.root}/`));
  return made ? `${made.why}: no volume can keep it` : undefined;
}

export interface ActionSituation {
  /** The workspace is trusted (an untrusted one gets no edit). */
  trusted: boolean;
  /** persistRefusal() of the folder. */
  persistRefusal?: string;
  /** The Persistence view lists a path that holds the file (so Show can reveal it). */
  listed: boolean;
}

/** The save warning's buttons, in order: only those that can work for this file. */
export function saveActionsFor(s: ActionSituation): SaveAction[] {
  const out: SaveAction[] = [];
  if (s.trusted && !s.persistRefusal) out.push('persist');
  if (s.listed) out.push('show');
  out.push('ignore');
  return out;
}

/**
 * Where "Don't Warn Here" remembers a folder: the workspace's settings only for a folder inside one of its
 * folders (and a trusted workspace); a machine path outside it (/tmp/x, /dev/shm) goes to the user settings,
 * where it means something on this machine and nothing is written into the project.
 */
export function ignoreScope(folder: string, workspaceFolders: readonly string[], trusted: boolean): 'workspace' | 'user' {
  if (!trusted) return 'user';
  return workspaceFolders.some((w) => folder === w || folder.startsWith(w.endsWith('/') ? w : `${w}/`)) ? 'workspace' : 'user';
}
