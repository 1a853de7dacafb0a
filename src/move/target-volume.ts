import { createdLabels, type DockerOptions } from '../backup/docker-access';
import type { DockerConnection } from '../sources/docker/client';
import { volumeHasContent } from './copy';
import { MoveError } from './errors';

/** The volume a move fills, named and labelled as the file that declares it would have it. */
export interface TargetVolume {
  name: string;
  labels: Record<string, string>;
  declaredBy: 'compose' | 'devcontainer' | 'plain';
}

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_VOLUME_LABEL = 'com.docker.compose.volume';
export const COMPOSE_VERSION_LABEL = 'com.docker.compose.version';

/**
 * A compose project's volume: `<project>_<key>`, or the top-level `name:` verbatim. The labels are what makes
 * compose adopt it silently:
 * - Compose v1 (1.29, compose/volume.py): `initialize()` creates a volume only when `exists()` is false; for an
 *   existing one `check_remote_volume_config` compares the driver, driver options and the labels that do NOT
 *   start with `com.docker.` — so our labels never trigger its "label has changed" warning.
 * - Compose v2 (pkg/compose/create.go, `ensureVolume`): warns "already exists but was not created by Docker
 *   Compose" when `com.docker.compose.project` is missing, "was not created for project" when it differs; asks
 *   to recreate only when a `com.docker.compose.config-hash` label is present and differs, so none is set here.
 */
export function composeTargetVolume(project: string, key: string, opts: { explicitName?: string; version?: string } = {}): TargetVolume {
  return {
    name: opts.explicitName ?? `${project}_${key}`,
    labels: { [COMPOSE_PROJECT_LABEL]: project, [COMPOSE_VOLUME_LABEL]: key, [COMPOSE_VERSION_LABEL]: opts.version ?? '' },
    declaredBy: 'compose',
  };
}

/** What a move did to the target volume, so that a failure can undo exactly that. */
export interface PreparedVolume {
  name: string;
  /** This move created it: a failure removes it. */
  created: boolean;
  /** It existed empty (made beforehand, e.g. with driver options): a failure empties it again by recreating it alike. */
  adopted?: { driver: string; options: Record<string, string>; labels: Record<string, string> };
}

/**
 * Creates the target volume, or adopts an existing EMPTY one (someone may have made it with driver options, or
 * compose made it already). One that holds anything is refused: a move never merges into someone's data.
 */
export async function prepareTargetVolume(
  conn: DockerConnection,
  target: TargetVolume,
  opts: DockerOptions & { signal?: AbortSignal },
): Promise<PreparedVolume> {
  const existing = await inspectVolume(conn, target.name);
  if (existing) {
    if (await volumeHasContent(conn, target.name, opts)) {
      throw new MoveError(
        `the volume "${target.name}" exists already and holds data: the move never mixes data into an existing volume. Nothing was changed. Look at it (docker run --rm -v ${target.name}:/v IMAGE ls -la /v), then remove it or choose another name with --volume`,
      );
    }
    return {
      name: target.name,
      created: false,
      adopted: { driver: existing.Driver, options: existing.Options ?? {}, labels: existing.Labels ?? {} },
    };
  }
  try {
    await conn.docker.createVolume({ Name: target.name, Labels: { ...createdLabels(opts), ...target.labels } });
  } catch (err) {
    throw new MoveError(`creating the volume "${target.name}" failed: ${(err as Error).message}`, { cause: err });
  }
  return { name: target.name, created: true };
}

/**
 * Undoes `prepareTargetVolume` after a failure: removes a volume it created; an adopted one is removed and made
 * again with its driver, options and labels (empty, as it was). Returns a sentence for the message.
 */
export async function discardTargetVolume(conn: DockerConnection, prepared: PreparedVolume): Promise<string> {
  const volume = conn.docker.getVolume(prepared.name);
  try {
    await volume.remove();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) {
      return `the volume "${prepared.name}" could not be removed (${(err as Error).message}): remove it with docker volume rm ${prepared.name}`;
    }
  }
  if (prepared.created) return `the new volume "${prepared.name}" was removed`;
  const a = prepared.adopted!;
  try {
    await conn.docker.createVolume({ Name: prepared.name, Driver: a.driver, DriverOpts: a.options, Labels: a.labels });
  } catch (err) {
    return `the volume "${prepared.name}" (empty before the move) was removed but could not be made again (${(err as Error).message})`;
  }
  return `the volume "${prepared.name}" is empty again, as it was before`;
}

interface VolumeInfo {
  Driver: string;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

async function inspectVolume(conn: DockerConnection, name: string): Promise<VolumeInfo | undefined> {
  try {
    return (await conn.docker.getVolume(name).inspect()) as unknown as VolumeInfo;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new MoveError(`looking up the volume "${name}" failed: ${(err as Error).message}`, { cause: err });
  }
}
