import { formatBytes } from '../../core/bytes';
import type { VolumeReport } from '../../core/volume-inventory';
import { removalDecision, shortVolumeName } from '../../core/volume-removal';
import { describeSighting } from '../../core/volume-sightings';
import type { OrphanedVolume } from '../../sources/docker/orphans';
import type { IconSpec } from '../tree/present';

/**
 * What the Volumes view shows of a volume: pure, so the unit tests read it without an editor. volumes-view.ts
 * copies it onto TreeItems.
 */
export interface VolumeItem {
  /** The 12-hex short id of an anonymous volume (the full one in the tooltip), a named volume's name. */
  label: string;
  description: string;
  tooltip: string;
  /**
   * `plVolume` and words the menus match: `inUse` | `unused`, `orphan` (an anonymous volume no container uses:
   * Recover Into…), `holdsData` (served data of criticality high or more: Remove asks first).
   */
  contextValue: string;
  icon: IconSpec;
}

/** Sizes as measured on demand (Show Sizes): when and how long `/system/df` took. */
export interface MeasuredSizes {
  ms: number;
  at: number;
}

export function volumeItem(v: VolumeReport, sizes?: MeasuredSizes): VolumeItem {
  const decision = removalDecision(v);
  const words = ['plVolume', v.users.length > 0 ? 'inUse' : 'unused'];
  if (isOrphan(v)) words.push('orphan');
  if (decision.kind === 'ask') words.push('holdsData');
  // Browse Volume (src/vscode/browse) matches `plVolume` too: every volume can be browsed, in use or not
  return {
    label: shortVolumeName(v.name),
    description: volumeDescription(v),
    tooltip: volumeTooltip(v, sizes),
    contextValue: words.join(' '),
    icon: volumeIcon(v),
  };
}

/** An anonymous volume no container (running or stopped) mounts: Recover Into… is offered. */
export function isOrphan(v: VolumeReport): boolean {
  return v.anonymous && v.users.length === 0;
}

/** The volume as Recover Into… knows it (the Paths view's orphans). */
export function asOrphan(v: VolumeReport): OrphanedVolume {
  return {
    name: v.name,
    driver: v.driver,
    ...(v.createdAt ? { createdAt: v.createdAt } : {}),
    ...(v.lastSeen ? { lastSeen: v.lastSeen } : {}),
  };
}

/** "db:/var/lib/postgresql/data · critical · 12 MB", "unused, was /data of cache (project demo)". */
export function volumeDescription(v: VolumeReport): string {
  const parts: string[] = [];
  if (v.users.length > 0) {
    parts.push(v.users.map((u) => `${u.container}:${u.path}${u.state && u.state !== 'running' ? ` (${u.state})` : ''}`).join(', '));
  } else {
    parts.push(v.lastSeen ? `unused, was ${describeSighting(v.lastSeen)}` : 'unused');
  }
  if (v.criticality) parts.push(v.criticality);
  if (v.size !== undefined) parts.push(formatBytes(v.size));
  return parts.join(' · ');
}

export function volumeTooltip(v: VolumeReport, sizes?: MeasuredSizes): string {
  const lines: string[] = [`**${v.anonymous ? 'Anonymous volume' : 'Volume'}** \`${v.name}\``];
  if (v.project) lines.push(`Compose project \`${v.project}\`${v.key ? `, key \`${v.key}\`` : ''}`);
  lines.push(
    v.removedByDownV ? '`compose down -v` of its project deletes it' : '`compose down -v` keeps it (not made by compose, or `external`)',
  );
  if (v.users.length > 0)
    lines.push(
      `Used by: ${v.users.map((u) => `${u.container} at \`${u.path}\`${u.state ? ` (${u.state})` : ''}${u.readOnly ? ', read-only' : ''}`).join('; ')}`,
    );
  else
    lines.push(
      v.lastSeen
        ? `Used by no container. Last seen at \`${v.lastSeen.path}\` of ${v.lastSeen.container}${v.lastSeen.project ? ` (project ${v.lastSeen.project})` : ''}, ${v.lastSeen.seenAt.slice(0, 19).replace('T', ' ')} UTC`
        : 'Used by no container',
    );
  if (v.criticality) lines.push(`Holds: ${v.serves.join(', ') || 'data'} (criticality ${v.criticality})`);
  if (v.size !== undefined)
    lines.push(
      `Size: ${formatBytes(v.size)}${sizes ? ` (measured ${new Date(sizes.at).toISOString().slice(11, 19)} UTC; /system/df took ${sizes.ms} ms)` : ''}`,
    );
  else if (sizes) lines.push('Size: not counted by the engine');
  lines.push(`Driver: ${v.driver}${v.createdAt ? `, created ${v.createdAt.slice(0, 19).replace('T', ' ')}` : ''}`);
  return lines.join('\n\n');
}

function volumeIcon(v: VolumeReport): IconSpec {
  if (v.users.length === 0) return removalDecision(v).kind === 'ask' ? { id: 'warning', color: 'charts.orange' } : { id: 'circle-slash' };
  return v.criticality === 'critical' || v.criticality === 'high' ? { id: 'database', color: 'charts.green' } : { id: 'database' };
}

/** The view's description: "52 volumes, 7 unused". */
export function volumesSummary(volumes: readonly VolumeReport[]): string {
  const unused = volumes.filter((v) => v.users.length === 0).length;
  return `${volumes.length} volume${volumes.length === 1 ? '' : 's'}, ${unused} unused`;
}
