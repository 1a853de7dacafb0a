import { criticalityRank } from './survival';
import type { Criticality, ScanResult } from './types';
import type { VolumeSighting } from './volume-sightings';

/** One volume of the engine, with who uses it and what it is for. */
export interface VolumeReport {
  name: string;
  anonymous: boolean;
  driver: string;
  createdAt?: string;
  /** Containers that mount it, running or not, and where. */
  users: Array<{ container: string; state?: string; path: string; readOnly: boolean }>;
  project?: string;
  /** The compose project's key for it (`com.docker.compose.volume`). */
  key?: string;
  /** `compose down -v` of its project removes it (compose made it and it is not `external`). */
  removedByDownV: boolean;
  /** The most critical data it serves (the paths it is mounted at), as the scan rates them. */
  criticality?: Criticality;
  /** What it serves, in words ("PostgreSQL data", "SSH keys"). */
  serves: string[];
  /** Used by no container any more: where it was last seen mounted, when a scan saw it. */
  lastSeen?: VolumeSighting;
  /** Bytes, when asked for (`/system/df` is slow on big engines). */
  size?: number;
}

export interface EngineVolume {
  Name: string;
  Driver: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The inventory of an engine's volumes: each with the containers and paths that use it (from a scan of every
 * container, which also rates how critical those paths are), its compose project and key, and for one that no
 * container uses, where it was last seen. Pure: the caller lists the volumes and scans.
 */
export function volumeInventory(
  volumes: readonly EngineVolume[],
  scan: Pick<ScanResult, 'targets'>,
  sightings: Readonly<Record<string, VolumeSighting>>,
): VolumeReport[] {
  const byName = new Map<string, VolumeReport>();
  for (const v of volumes) {
    const labels = v.Labels ?? {};
    const project = labels['com.docker.compose.project'];
    const key = labels['com.docker.compose.volume'];
    byName.set(v.Name, {
      name: v.Name,
      anonymous: HEX64.test(v.Name) || labels['com.docker.volume.anonymous'] !== undefined,
      driver: v.Driver,
      ...(v.CreatedAt ? { createdAt: v.CreatedAt } : {}),
      users: [],
      ...(project ? { project } : {}),
      ...(key ? { key } : {}),
      // compose labels the volumes it creates; an `external` one it did not create carries none
      removedByDownV: project !== undefined,
      serves: [],
    });
  }
  for (const t of scan.targets) {
    if (t.kind !== 'container' && t.kind !== 'self') continue;
    for (const p of t.paths) {
      if ((p.status !== 'named-volume' && p.status !== 'anonymous-volume') || !p.source || p.mountPoint !== p.path) continue;
      const v = byName.get(p.source);
      if (!v) continue;
      v.users.push({ container: t.name, ...(t.state ? { state: t.state } : {}), path: p.path, readOnly: p.readOnly });
      if (p.criticality !== 'none' && (!v.criticality || criticalityRank(p.criticality) > criticalityRank(v.criticality)))
        v.criticality = p.criticality;
      const what = p.label ?? p.category;
      if (!v.serves.includes(what)) v.serves.push(what);
    }
  }
  for (const v of byName.values()) {
    const seen = sightings[v.name];
    if (v.users.length > 0 || !seen) continue;
    // no container uses it now: what it served when it was last seen mounted
    v.lastSeen = seen;
    if (seen.criticality && seen.criticality !== 'none') v.criticality = seen.criticality;
    if (seen.label) v.serves.push(seen.label);
  }
  // in use first, then the most critical, then by name
  return [...byName.values()].sort(
    (a, b) =>
      Number(b.users.length > 0) - Number(a.users.length > 0) ||
      (b.criticality ? criticalityRank(b.criticality) : -1) - (a.criticality ? criticalityRank(a.criticality) : -1) ||
      a.name.localeCompare(b.name),
  );
}
