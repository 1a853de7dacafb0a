import type { Criticality, LifecycleEvent, Mount, Status, Survival } from './types';
import { CRITICALITIES } from './types';

/**
 * What each kind of storage survives. This table is the product's central claim; the integration tests
 * prove every cell on a real Docker Engine (test/integration/survival.test.ts).
 */
const SURVIVAL_TABLE: Readonly<Record<Status, Readonly<Survival>>> = {
  'named-volume': { restart: true, recreate: true, composeUp: true, composeDownVolumes: false, reboot: true },
  'anonymous-volume': { restart: true, recreate: false, composeUp: true, composeDownVolumes: false, reboot: true },
  'bind-mount': { restart: true, recreate: true, composeUp: true, composeDownVolumes: true, reboot: true },
  tmpfs: { restart: false, recreate: false, composeUp: false, composeDownVolumes: false, reboot: false },
  'writable-layer': { restart: true, recreate: false, composeUp: false, composeDownVolumes: false, reboot: true },
};

/** The table row of a status, before the exceptions a particular mount brings. */
export function baseSurvival(status: Status): Survival {
  return { ...SURVIVAL_TABLE[status] };
}

/** Facts about one storage that move it off its table row. */
export interface StorageFacts {
  /** `external: true`: `compose down -v` does not remove the volume. */
  external?: boolean;
  /** The bind's host path is on a tmpfs, so a host reboot empties it. */
  hostOnTmpfs?: boolean;
}

export function survivalOf(status: Status, facts: StorageFacts = {}): Survival {
  const s = baseSurvival(status);
  if (status === 'named-volume' && facts.external) s.composeDownVolumes = true;
  if (status === 'bind-mount' && facts.hostOnTmpfs) s.reboot = false;
  return s;
}

export function survivalOfMount(mount: Pick<Mount, 'status' | 'external' | 'hostOnTmpfs'>): Survival {
  return survivalOf(mount.status, mount);
}

/** At risk: writes are possible and would not survive the container being recreated. */
export function isAtRisk(survives: Survival, readOnly: boolean): boolean {
  return !readOnly && !survives.recreate;
}

/** The events a storage does not survive, in table order. */
export function lostOn(survives: Survival): LifecycleEvent[] {
  return (Object.keys(survives) as LifecycleEvent[]).filter((e) => !survives[e]);
}

export const EVENT_DESCRIPTIONS: Readonly<Record<LifecycleEvent, string>> = {
  restart: 'a restart (docker restart, stop and start, a daemon restart)',
  recreate: 'recreating the container (docker rm + run, compose down + up, a dev container rebuild)',
  composeUp: 'docker compose up recreating a changed service',
  composeDownVolumes: 'docker compose down -v',
  reboot: 'a host reboot',
};

/** Short names of the events, for tables and status bar texts. */
export const EVENT_SHORT_NAMES: Readonly<Record<LifecycleEvent, string>> = {
  restart: 'restart',
  recreate: 'recreate',
  composeUp: 'compose up',
  composeDownVolumes: 'down -v',
  reboot: 'reboot',
};

/** Higher is more important; lets callers compare criticalities with `>=`. */
export function criticalityRank(c: Criticality): number {
  return CRITICALITIES.length - 1 - CRITICALITIES.indexOf(c);
}

export function isCriticality(value: string): value is Criticality {
  return (CRITICALITIES as readonly string[]).includes(value);
}
