import { criticalityRank } from './survival';
import type { VolumeReport } from './volume-inventory';

/**
 * Whether a volume may be removed, and how: the one decision the CLI's `volumes --prune` and the editor's
 * Remove and Prune Unused share. Pure: the callers list the volumes, ask the user and call the engine.
 */
export type RemovalDecision =
  /** A container (running or stopped) mounts it: the engine would refuse, and so do we. */
  | { kind: 'in-use'; users: VolumeReport['users'] }
  /** It served data of criticality high or more: ask first, naming what it holds, with what to do instead. */
  | { kind: 'ask'; criticality: NonNullable<VolumeReport['criticality']>; holds: string; offers: RemovalOffer[] }
  /** Used by no container and known to serve nothing that matters: remove it (after the caller's confirmation). */
  | { kind: 'remove' };

/** What is offered before removing a volume that holds data: a backup; for an orphaned anonymous volume, a copy into a named one. */
export type RemovalOffer = 'back-up' | 'recover';

/** From this criticality on a volume's data is asked about before it goes. */
export const ASK_FROM = 'high';

export function removalDecision(v: VolumeReport): RemovalDecision {
  if (v.users.length > 0) return { kind: 'in-use', users: v.users };
  if (v.criticality && criticalityRank(v.criticality) >= criticalityRank(ASK_FROM)) {
    const offers: RemovalOffer[] = v.anonymous ? ['recover', 'back-up'] : ['back-up'];
    return { kind: 'ask', criticality: v.criticality, holds: holdsText(v), offers };
  }
  return { kind: 'remove' };
}

/** What a prune does with an inventory: the unused volumes it removes, those it asks about; volumes in use are left out. */
export interface PrunePlan {
  remove: VolumeReport[];
  ask: VolumeReport[];
  inUse: number;
}

export function prunePlan(inventory: readonly VolumeReport[]): PrunePlan {
  const plan: PrunePlan = { remove: [], ask: [], inUse: 0 };
  for (const v of inventory) {
    const d = removalDecision(v);
    if (d.kind === 'in-use') plan.inUse++;
    else if (d.kind === 'ask') plan.ask.push(v);
    else plan.remove.push(v);
  }
  return plan;
}

/** What a prune may remove without asking (kept for callers of the first version). */
export function safeToPrune(v: VolumeReport): boolean {
  return removalDecision(v).kind === 'remove';
}

/** Anonymous volumes are shown by the first 12 hex digits, as `docker volume ls` does; named ones in full. */
export function shortVolumeName(name: string): string {
  return /^[0-9a-f]{64}$/.test(name) ? name.slice(0, 12) : name;
}

/** "PostgreSQL data (critical), last mounted at /var/lib/postgresql/data of db (project shop)". */
export function holdsText(v: VolumeReport): string {
  const what = v.serves.length ? v.serves.join(', ') : 'data';
  const where = v.lastSeen
    ? `, last mounted at ${v.lastSeen.path} of ${v.lastSeen.service ?? v.lastSeen.container}${v.lastSeen.project ? ` (project ${v.lastSeen.project})` : ''}`
    : '';
  return `${what}${v.criticality ? ` (${v.criticality})` : ''}${where}`;
}

/** Why a removal is refused: who mounts it. */
export function inUseText(name: string, users: VolumeReport['users']): string {
  const who = users.map((u) => `${u.container}:${u.path}${u.state && u.state !== 'running' ? ` (${u.state})` : ''}`).join(', ');
  return `volume ${shortVolumeName(name)} is in use by ${who}: remove or recreate ${users.length === 1 ? 'that container' : 'those containers'} first`;
}
