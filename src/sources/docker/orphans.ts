import type { SightingRecord, VolumeSighting } from '../../core/volume-sightings';
import type { DockerConnection } from './client';

/** An anonymous volume that no container, running or stopped, mounts any more. */
export interface OrphanedVolume {
  name: string;
  createdAt?: string;
  driver: string;
  /** Where it was last seen mounted, when a scan saw it then. */
  lastSeen?: VolumeSighting;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The engine's dangling anonymous volumes (64-hex names; from API 1.42 on also the `com.docker.volume.anonymous`
 * label), newest first, each with the last place it was seen mounted. A named volume that nothing uses is not an
 * orphan: somebody named it to keep it.
 */
export async function findOrphanedVolumes(conn: DockerConnection, sightings: SightingRecord): Promise<OrphanedVolume[]> {
  const listed = await conn.docker.listVolumes({ filters: { dangling: ['true'] } });
  const out: OrphanedVolume[] = [];
  for (const v of listed.Volumes ?? []) {
    const anonymous = HEX64.test(v.Name) || v.Labels?.['com.docker.volume.anonymous'] !== undefined;
    if (!anonymous) continue;
    const seen = sightings.volumes[v.Name];
    const createdAt = (v as { CreatedAt?: string }).CreatedAt;
    out.push({ name: v.Name, driver: v.Driver, ...(createdAt ? { createdAt } : {}), ...(seen ? { lastSeen: seen } : {}) });
  }
  return out.sort((a, b) => (b.lastSeen?.seenAt ?? b.createdAt ?? '').localeCompare(a.lastSeen?.seenAt ?? a.createdAt ?? ''));
}
