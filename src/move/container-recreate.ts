import type Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { translateDockerError } from '../backup/docker-access';
import { messageOf } from '../backup/errors';
import type { DockerConnection } from '../sources/docker/client';
import { createOptionsFor, type NewMount } from './container-recreate-config';

/**
 * Recreating a plain `docker run` container with one more mount, through the Engine API. Nothing declares
 * such a container but the container itself, so its inspected configuration is the recipe.
 *
 * The order keeps the old container restorable at every step:
 *   rename old → stop old (if it ran) → create new under the name → connect its other networks → start new
 *   (if the old ran) → remove old WITHOUT its volumes.
 * Any failure before the last step removes the half-made new container (without volumes: it shares the old
 * one's) and renames the old one back, starting it again if it ran.
 */
export async function recreateWithMount(
  conn: DockerConnection,
  containerId: string,
  mount: { Type: 'volume' | 'bind'; Source: string; Target: string },
  opts: { signal?: AbortSignal } = {},
): Promise<{ id: string; name: string }> {
  const { docker } = conn;
  const signal = opts.signal;
  const call = async <T>(doing: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw translateDockerError(err, conn, doing);
    }
  };

  signal?.throwIfAborted();
  const info = await call(`inspecting container ${containerId}`, () => docker.getContainer(containerId).inspect());
  // By id from here on: the name is about to change hands.
  const old = docker.getContainer(info.Id);
  const name = info.Name.replace(/^\//, '');
  if (info.HostConfig.AutoRemove) {
    // Stopping it would remove it, and its anonymous volumes with it: there would be nothing to go back to.
    throw new Error(
      `container ${name} was started with --rm: stopping it would remove it with its anonymous volumes, so it cannot be recreated safely; recreate it by hand with the new mount`,
    );
  }
  const image = await imageFor(docker, info);
  const { create, extraNetworks } = createOptionsFor(info, image, mount as NewMount);
  const wasRunning = info.State.Running || info.State.Restarting;
  const keptName = `${name}-pl-old-${randomBytes(3).toString('hex')}`;

  await call(`renaming container ${name} to ${keptName}`, () => old.rename({ name: keptName }));
  let created: Dockerode.Container | undefined;
  try {
    signal?.throwIfAborted();
    // Stopped before the new one starts: they may share ports, static addresses and volumes.
    if (wasRunning) await call(`stopping container ${keptName}`, () => old.stop()).catch(ignoreNotModified);
    signal?.throwIfAborted();
    created = await call(`creating container ${name} with ${mount.Target} mounted from ${mount.Source}`, () =>
      docker.createContainer({ ...create, name }),
    );
    for (const [network, endpoint] of extraNetworks) {
      await call(`connecting container ${name} to network ${network}`, () =>
        docker.getNetwork(network).connect({ Container: created!.id, EndpointConfig: endpoint }),
      );
    }
    signal?.throwIfAborted();
    if (wasRunning) await call(`starting container ${name}`, () => created!.start());
  } catch (err) {
    const problems = await restore(docker, { old, created, name, wasRunning });
    if (problems.length === 0) throw err;
    throw new Error(`${messageOf(err)}; restoring the old container failed too: ${problems.join('; ')}`, { cause: err });
  }
  // The point of no return: the new container runs under the name. The old one goes, its volumes stay
  // (the anonymous ones are mounted by the new container now).
  await call(`removing the old container ${keptName}`, () => old.remove({ v: false, force: true }));
  return { id: created.id, name };
}

/** Undoes what was done: the new container removed, the old one named and running as before. Returns what failed. */
async function restore(
  docker: Dockerode,
  s: { old: Dockerode.Container; created: Dockerode.Container | undefined; name: string; wasRunning: boolean },
): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      problems.push(`${what}: ${messageOf(err)}`);
    }
  };
  // v: false: the new container mounts the old one's anonymous volumes by name; they must stay.
  if (s.created) await attempt(`removing the new container ${s.name}`, () => s.created!.remove({ v: false, force: true }));
  else await attempt(`removing a half-made container ${s.name}`, () => removeIfOtherThan(docker, s.name, s.old.id));
  await attempt(`renaming the old container back to ${s.name}`, () => s.old.rename({ name: s.name }));
  if (s.wasRunning) await attempt(`starting the old container ${s.name}`, () => s.old.start().catch(ignoreNotModified));
  return problems;
}

/** A create that failed after the engine made the container (rare) leaves one under the name: it goes. */
async function removeIfOtherThan(docker: Dockerode, name: string, oldId: string): Promise<void> {
  try {
    const c = await docker.getContainer(name).inspect();
    if (c.Id !== oldId) await docker.getContainer(c.Id).remove({ v: false, force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/**
 * The image to create from: the name the container was made with while it still means the same image (so
 * `docker ps` shows it as before), else the image's id (the tag moved on: recreating must not upgrade).
 */
async function imageFor(docker: Dockerode, info: Dockerode.ContainerInspectInfo): Promise<string> {
  const named = info.Config.Image;
  try {
    const image = await docker.getImage(named).inspect();
    return image.Id === info.Image ? named : info.Image;
  } catch {
    return info.Image;
  }
}

/** A stop of a stopped container, or a start of a started one, answers 304: nothing to do. */
function ignoreNotModified(err: unknown): void {
  const status =
    (err as { statusCode?: number; cause?: { statusCode?: number } }).statusCode ??
    (err as { cause?: { statusCode?: number } }).cause?.statusCode;
  if (status !== 304) throw err;
}
