import type { ScanResult } from '../core/types';
import { volumeInventory, type VolumeReport } from '../core/volume-inventory';
import { sightingsOf, type VolumeSighting } from '../core/volume-sightings';
import { connectDocker, type DockerConnection } from '../sources/docker/client';
import { listVolumes } from '../sources/docker/volumes';
import { scan } from './scan';

/**
 * The volume inventory, shared by the CLI's `volumes` and the editor's Volumes view: the scan of every container
 * (which rates the paths each volume serves), the volumes listed, and the sightings recorded by the caller (a
 * file for the CLI, the editor's global state). Removal and sizes are the engine's calls (sources/docker/volumes.ts).
 */
export interface GatherOptions {
  host?: string;
  /** Only the volumes with every one of these labels (a prune limited to what a script or a test made). */
  labels?: Record<string, string>;
  /** Records where this scan saw each volume mounted; resolves to the whole record, older sightings included. */
  remember(seen: VolumeSighting[]): Promise<Readonly<Record<string, VolumeSighting>>>;
}

export interface GatheredVolumes {
  volumes: VolumeReport[];
  scan: ScanResult;
  conn: DockerConnection;
}

export async function gatherVolumes(opts: GatherOptions): Promise<GatheredVolumes> {
  // the mounts are all it needs: every container's changes list (`docker diff`) would cost seconds on a busy engine
  const seen = await scan({ docker: true, includeChanges: false, ...(opts.host ? { dockerHost: opts.host } : {}) });
  const record = await opts.remember(sightingsOf(seen));
  const conn = await connectDocker(opts.host ? { host: opts.host } : {});
  const volumes = volumeInventory(await listVolumes(conn, opts.labels), seen, record);
  return { volumes, scan: seen, conn };
}
