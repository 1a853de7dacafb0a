import { PersistenceLensError } from '../../core/errors';
import type { EngineVolume, VolumeReport } from '../../core/volume-inventory';
import { inUseText } from '../../core/volume-removal';
import type { DockerConnection } from './client';

/**
 * The engine's volume calls behind the inventory (scan/volumes.ts gathers it): the volumes listed, removal
 * refusing a volume in use, and the sizes, which only `/system/df` knows and which is slow on big engines:
 * asked on demand only.
 */

export async function listVolumes(conn: DockerConnection, labels?: Record<string, string>): Promise<EngineVolume[]> {
  const filter = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const listed = await conn.docker.listVolumes(filter.length ? { filters: { label: filter } } : {});
  return (listed.Volumes ?? []) as EngineVolume[];
}

export interface VolumeSizes {
  /** Bytes per volume name, as the engine counted them (a volume it could not count is left out). */
  sizes: Record<string, number>;
  /** How long `/system/df` took: said to the user, since it grows with the engine's data. */
  ms: number;
}

/** The size of every volume of the engine, from `/system/df` (which walks every volume on disk). */
export async function volumeSizes(conn: DockerConnection): Promise<VolumeSizes> {
  const started = Date.now();
  const df = (await conn.docker.df()) as { Volumes?: Array<{ Name: string; UsageData?: { Size?: number } | null }> | null };
  const ms = Date.now() - started;
  const sizes: Record<string, number> = {};
  for (const v of df.Volumes ?? []) {
    const size = v.UsageData?.Size;
    if (typeof size === 'number' && size >= 0) sizes[v.Name] = size;
  }
  return { sizes, ms };
}

/** The sizes put into the reports (in place); those the engine did not count stay without one. */
export function applySizes(volumes: VolumeReport[], sizes: Readonly<Record<string, number>>): void {
  for (const v of volumes) {
    const size = sizes[v.name];
    if (size !== undefined) v.size = size;
  }
}

/** A volume a container (running or stopped) mounts: it is not removed. */
export class VolumeInUseError extends PersistenceLensError<'input'> {
  constructor(
    readonly volume: string,
    readonly users: VolumeReport['users'],
  ) {
    super('input', inUseText(volume, users));
    this.name = 'VolumeInUseError';
  }
}

/**
 * Removes a volume that no container mounts. Asked again right before the removal (the inventory may be
 * minutes old): a container made since then that mounts it makes this refuse, naming the container.
 */
export async function removeVolume(conn: DockerConnection, name: string): Promise<void> {
  const users = await containersUsing(conn, name);
  if (users.length > 0) throw new VolumeInUseError(name, users);
  try {
    await conn.docker.getVolume(name).remove();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    // created in between: the engine refuses, and says so in its own words; ours name the container
    if (status === 409) throw new VolumeInUseError(name, await containersUsing(conn, name));
    if (status === 404) throw new Error(`there is no volume "${name}" on ${conn.endpoint.description} (removed already?)`);
    throw err;
  }
}

async function containersUsing(conn: DockerConnection, name: string): Promise<VolumeReport['users']> {
  const listed = await conn.docker.listContainers({ all: true, filters: { volume: [name] } });
  return listed.map((c) => ({
    container: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    state: c.State,
    path: c.Mounts?.find((m) => m.Name === name)?.Destination ?? '?',
    readOnly: c.Mounts?.find((m) => m.Name === name)?.RW === false,
  }));
}
