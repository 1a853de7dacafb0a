/**
 * The scan's Docker steps: the connection (required, or used when it answers), the containers read, and the
 * images' users, homes and VOLUMEs for the compose and devcontainer files. dockerode loads only when a scan asks.
 */
import { isUnavailable } from '../core/errors';
import type { DockerReach, TargetInput } from '../core/types';
import type { ImageInfoLookup } from '../sources/compose/index';
import type { DockerConnection, DockerUnavailableError } from '../sources/docker/client';
import type { ScanRequest } from './scan';

export async function connectForScan(
  host: string | undefined,
  mode: 'required' | 'optional',
  warnings: string[],
  reach: DockerReach,
): Promise<DockerConnection | undefined> {
  const { connectDocker } = await import('../sources/docker/client');
  try {
    const connection = await connectDocker(host ? { host } : {});
    reach.reachable = true;
    reach.endpoint = connection.endpoint.description;
    return connection;
  } catch (err) {
    if (mode === 'required' || !isUnavailable(err)) throw err;
    reach.endpoint = (err as DockerUnavailableError).endpoint.description;
    reach.error = err.message;
    warnings.push(`Docker Engine not used: ${err.message}`);
    return undefined;
  }
}

export async function scanDockerTargets(docker: DockerConnection, request: ScanRequest, warnings: string[]): Promise<TargetInput[]> {
  const { scanDocker } = await import('../sources/docker/scan');
  const containers = request.containers;
  const result = await scanDocker(docker, {
    ...(containers && containers.length > 0 ? { containers } : {}),
    ...(request.changesCache ? { changesCache: request.changesCache } : {}),
    ...(request.includeChanges === false ? { includeChanges: false } : {}),
  });
  warnings.push(...result.warnings);
  return result.targets;
}

/** Lets the files source learn an image's user, home and VOLUMEs when the image is present locally. */
export async function localImageInfoLookup(conn: DockerConnection): Promise<ImageInfoLookup> {
  const { parseEnv } = await import('../sources/docker/scan');
  const cache = new Map<string, Promise<Awaited<ReturnType<ImageInfoLookup>>>>();
  return (image) => {
    let hit = cache.get(image);
    if (!hit) {
      hit = conn.docker
        .getImage(image)
        .inspect()
        .then((info) => {
          const env = parseEnv(info.Config?.Env);
          const user = info.Config?.User?.split(':')[0] || 'root';
          return {
            user,
            ...(env.HOME ? { home: env.HOME } : {}),
            env,
            volumes: Object.keys(info.Config?.Volumes ?? {}),
            ...(info.Config?.WorkingDir ? { workingDir: info.Config.WorkingDir } : {}),
          };
        })
        .catch(() => undefined);
      cache.set(image, hit);
    }
    return hit;
  };
}
