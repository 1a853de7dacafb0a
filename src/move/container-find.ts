import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { composeConfigFiles } from '../sources/docker/compose-labels';
import type { DockerConnection } from '../sources/docker/client';
import { MoveError } from './errors';

/** A container that runs from a file, as the engine lists it. */
export interface FoundContainer {
  id: string;
  name: string;
  state: string;
}

const real = async (p: string): Promise<string> => realpath(p).catch(() => resolve(p));

/**
 * The containers that run from `file`: for a compose file, those of `service` whose project's config files
 * include it; for a devcontainer.json, those whose `devcontainer.config_file` is it (or, for containers made
 * before that label existed, whose `devcontainer.local_folder` is the folder holding `.devcontainer`).
 * Paths are compared after realpath (a symlinked checkout, /tmp vs /private/tmp).
 */
export async function containersFromFile(
  conn: DockerConnection,
  file: string,
  opts: { service?: string; devcontainer: boolean },
): Promise<FoundContainer[]> {
  const target = await real(file);
  let list: Array<{ Id: string; Names?: string[]; State?: string; Labels?: Record<string, string> }>;
  try {
    const filters: Record<string, string[]> = opts.devcontainer
      ? {}
      : { label: [`com.docker.compose.service${opts.service ? `=${opts.service}` : ''}`] };
    list = await conn.docker.listContainers({ all: true, filters });
  } catch (err) {
    throw new MoveError(`listing the containers of the Docker Engine at ${conn.endpoint.description} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const out: FoundContainer[] = [];
  for (const c of list) {
    const labels = c.Labels ?? {};
    let match = false;
    if (opts.devcontainer) {
      const cfg = labels['devcontainer.config_file'];
      if (cfg) match = (await real(cfg)) === target;
      else if (labels['devcontainer.local_folder']) {
        const folder = await real(labels['devcontainer.local_folder']);
        const d = dirname(target);
        match = folder === d || folder === dirname(d);
      }
    } else {
      for (const f of composeConfigFiles(labels)) if ((await real(f)) === target) match = true;
    }
    if (match) out.push({ id: c.Id, name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''), state: c.State ?? '' });
  }
  return out;
}

/** The one container a move takes its data from, or an error that says what to do. */
export async function containerForFile(
  conn: DockerConnection,
  file: string,
  opts: { service?: string; devcontainer: boolean },
): Promise<FoundContainer> {
  const found = await containersFromFile(conn, file, opts);
  const what = opts.devcontainer ? 'dev container' : `container of service "${opts.service ?? '?'}"`;
  if (found.length === 0) {
    throw new MoveError(
      `no ${what} made from ${file} is on the Docker Engine at ${conn.endpoint.description} (running or stopped): without a container there is no data to move. Run persist without --move-data to only edit the file, or name the container with --container`,
    );
  }
  if (found.length > 1) {
    throw new MoveError(
      `several containers run from ${file}: ${found.map((c) => `${c.name} (${c.state})`).join(', ')}. Say which one holds the data with --container NAME`,
    );
  }
  return found[0]!;
}
