import { EVENT_DESCRIPTIONS, EVENT_SHORT_NAMES, lostOn } from '../../core/survival';
import { formatBytes } from '../../core/bytes';
import { shortVolumeName } from '../../core/volume-removal';
import { describeSighting } from '../../core/volume-sightings';
import type { OrphanedVolume } from '../../sources/docker/orphans';
import { LIFECYCLE_EVENTS, type ChangeSummary, type PathReport, type Status, type Survival, type TargetReport } from '../../core/types';

/**
 * The words, icons and tooltips of the Paths view, as plain strings (codicon ids and theme color ids), so the
 * tree adapter only copies them onto TreeItems and tests can read them without an editor.
 */

export const STATUS_WORDS: Readonly<Record<Status, string>> = {
  'named-volume': 'named volume',
  'anonymous-volume': 'anonymous volume',
  'bind-mount': 'bind mount',
  tmpfs: 'tmpfs',
  'writable-layer': 'writable layer',
};

export interface IconSpec {
  /** A codicon id ("database", "warning"). */
  id: string;
  /** A theme color id ("charts.green"), absent for the default foreground. */
  color?: string;
}

const STATUS_ICONS: Readonly<Record<Status, IconSpec>> = {
  'named-volume': { id: 'database', color: 'charts.green' },
  'bind-mount': { id: 'file-symlink-directory', color: 'charts.green' },
  'anonymous-volume': { id: 'question', color: 'charts.yellow' },
  tmpfs: { id: 'flame', color: 'charts.orange' },
  'writable-layer': { id: 'warning', color: 'charts.red' },
};

/** "holds data · writable layer", "named volume · cfg", "bind mount · /srv/app · read-only". */
export function pathDescription(p: PathReport): string {
  const parts = [STATUS_WORDS[p.status]];
  if (p.holdsData) parts.unshift('holds data');
  if (p.source !== undefined) parts.push(shortVolumeName(p.source)); // the tooltip has the whole name
  if (p.readOnly) parts.push('read-only');
  return parts.join(' · ');
}

/**
 * The icon says how alarming a path is, not only where it lives: a critical path at risk (a database in an
 * anonymous volume, SSH keys in the writable layer) or one that holds data now is a red warning, whatever its
 * storage; a high one orange; the rest keep their storage's icon.
 */
export function pathIcon(p: PathReport): IconSpec {
  if (p.readOnly && !p.atRisk) return { id: 'lock' };
  if (p.atRisk && (p.criticality === 'critical' || p.holdsData)) return { id: 'warning', color: 'charts.red' };
  if (p.atRisk && p.criticality === 'high') return { id: STATUS_ICONS[p.status].id, color: 'charts.orange' };
  // A named volume that `down -v` removes is still the right storage; only the data paths at risk are red.
  return STATUS_ICONS[p.status];
}

/** "a restart, recreating the container (…) and a host reboot": the survival row in words. */
function eventList(events: readonly (keyof Survival)[]): string {
  const words = events.map((e) => EVENT_DESCRIPTIONS[e]);
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join('; ')}; and ${words[words.length - 1]}`;
}

export function survivalSentences(survives: Survival): { survives: string; lost: string } {
  const lost = lostOn(survives);
  const kept = LIFECYCLE_EVENTS.filter((e) => survives[e]);
  return {
    survives: kept.length === 0 ? 'nothing: not even a restart' : eventList(kept),
    lost: lost.length === 0 ? 'none of the events Persistence Lens tracks' : eventList(lost),
  };
}

/** A Markdown table row: "restart ✓ · recreate ✗ · …". */
export function survivalRow(survives: Survival): string {
  const head = `| ${LIFECYCLE_EVENTS.map((e) => EVENT_SHORT_NAMES[e]).join(' | ')} |`;
  const rule = `|${LIFECYCLE_EVENTS.map(() => ':-:').join('|')}|`;
  const row = `| ${LIFECYCLE_EVENTS.map((e) => (survives[e] ? '✓' : '✗')).join(' | ')} |`;
  return [head, rule, row].join('\n');
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** The Markdown tooltip of a path: what keeps it, why, and what it survives. */
export function pathTooltip(p: PathReport): string {
  const title = p.label ? `**${escapeMarkdown(p.path)}**: ${escapeMarkdown(p.label)}` : `**${escapeMarkdown(p.path)}**`;
  const storage = `${p.holdsData ? '**Holds data now:** the writable layer has files here.\n\n' : ''}Stored in: ${STATUS_WORDS[p.status]}${p.source !== undefined ? ` \`${p.source.replace(/`/g, "'")}\`` : ''}${
    p.mountPoint && p.mountPoint !== p.path ? ` (mounted at ${escapeMarkdown(p.mountPoint)})` : ''
  }${p.readOnly ? ', read-only' : ''}`;
  const s = survivalSentences(p.survives);
  const lines = [
    title,
    '',
    storage,
    '',
    escapeMarkdown(p.reason),
    '',
    `**Survives:** ${escapeMarkdown(s.survives)}.`,
    '',
    `**Lost on:** ${escapeMarkdown(s.lost)}.`,
    '',
    survivalRow(p.survives),
  ];
  if (p.declaredAt) lines.push('', `Declared at ${escapeMarkdown(`${p.declaredAt.file}:${p.declaredAt.line}`)}`);
  return lines.join('\n');
}

/**
 * A target's name as a person recognises it: under a compose project its service ("db", or "web #2" when the
 * service is scaled), else the container or config name. The full name and id go in the tooltip.
 */
export function targetLabel(t: TargetReport, rootKind: 'self' | 'container' | 'file'): string {
  if (rootKind === 'self') return t.platform === 'kubernetes' ? 'This pod' : 'This container';
  const service = rootKind === 'container' ? t.labels?.['com.docker.compose.service'] : undefined;
  if (!service) return t.name;
  const n = Number(t.labels?.['com.docker.compose.container-number'] ?? '1');
  return n > 1 ? `${service} #${n}` : service;
}

/** Description of a root: "running · postgres:17", "this container · code-server", "compose.yaml". */
export function targetDescription(t: TargetReport, rootKind: 'self' | 'container' | 'file', relativeFile?: string): string {
  if (rootKind === 'self') return [t.name, t.image].filter(Boolean).join(' · ');
  if (rootKind === 'container') return [t.state, t.image].filter(Boolean).join(' · ');
  return [t.image, relativeFile].filter(Boolean).join(' · ');
}

export function targetIcon(t: TargetReport, rootKind: 'self' | 'container' | 'file'): IconSpec {
  if (rootKind === 'self') return { id: 'vm-active', color: 'charts.blue' };
  if (rootKind === 'file') return { id: t.kind === 'devcontainer' ? 'remote-explorer' : 'symbol-class' };
  return t.state === 'running' ? { id: 'vm-running', color: 'charts.green' } : { id: 'vm-outline' };
}

/** "12 added · 3 modified" (deleted entries are counted but take nothing to rescue). */
export function changesDescription(c: Pick<ChangeSummary, 'added' | 'modified' | 'deleted'>): string {
  const parts: string[] = [];
  if (c.added) parts.push(`${c.added} added`);
  if (c.modified) parts.push(`${c.modified} modified`);
  if (c.deleted) parts.push(`${c.deleted} deleted`);
  return parts.join(' · ') || 'nothing';
}

export function changesTooltip(c: ChangeSummary): string {
  const examples = c.examples.map((e) => `- ${escapeMarkdown(e)}`).join('\n');
  return `**${escapeMarkdown(c.directory)}** in the writable layer: ${changesDescription(c)}.\n\nLost when the container is recreated.${
    examples ? `\n\n${examples}` : ''
  }`;
}

/** "was /data of cache (project demo)", or what is known without a sighting. */
export function orphanDescription(o: OrphanedVolume): string {
  return o.lastSeen ? `was ${describeSighting(o.lastSeen)}` : 'never seen mounted by a scan';
}

/** The whole id, where it was last seen and when (Markdown). */
export function orphanTooltip(o: OrphanedVolume): string {
  const lines = [`**Anonymous volume used by no container**`, '', `Id: \`${o.name}\``];
  if (o.lastSeen) {
    const s = o.lastSeen;
    lines.push(
      '',
      `Last seen mounted at ${escapeMarkdown(s.path)} of ${escapeMarkdown(s.container)}${s.project ? ` (project ${escapeMarkdown(s.project)}${s.service ? `, service ${escapeMarkdown(s.service)}` : ''})` : ''}${s.image ? `, image \`${s.image.replace(/`/g, "'")}\`` : ''}`,
    );
    lines.push(
      '',
      `Last seen: ${s.seenAt
        .slice(0, 19)
        .replace('T', ' ')
        .replace(/[^0-9: -]/g, '')} UTC`,
    );
  } else lines.push('', 'No scan saw it mounted: what it was for is not known.');
  if (o.createdAt) lines.push('', `Created: ${escapeMarkdown(o.createdAt)}`);
  lines.push('', '**Recover Into…** copies it into a named volume, verified; the volume itself is left as it is.');
  return lines.join('\n');
}

/** The name Recover Into… proposes: `<project>_<basename>`, `<container>-<basename>`, or `recovered-<12 hex>`. */
export function defaultRecoverName(o: OrphanedVolume): string {
  const s = o.lastSeen;
  const clean = (x: string) =>
    x
      .replace(/[^a-zA-Z0-9_.-]+/g, '-')
      .replace(/^[^a-zA-Z0-9]+/, '')
      .replace(/-+$/, '');
  const base = s ? clean(s.path.split('/').filter(Boolean).pop() ?? '') || 'root' : '';
  const name = !s ? `recovered-${o.name.slice(0, 12)}` : s.project ? `${clean(s.project)}_${base}` : `${clean(s.container)}-${base}`;
  return VOLUME_NAME.test(name) ? name : `recovered-${o.name.slice(0, 12)}`;
}

/** A volume name Docker accepts. */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** "Recovered 3 files (1.2 MB) into demo_data, verified". */
export function recoveredMessage(r: { files: number; bytes: number; into: string; from: string }): string {
  return `Recovered ${r.files} file${r.files === 1 ? '' : 's'} (${formatBytes(r.bytes)}) into ${r.into}, verified. Volume ${r.from.slice(0, 12)} is unchanged.`;
}
