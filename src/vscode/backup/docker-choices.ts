import { backend } from '../backend';

/**
 * The volumes and containers of the Docker Engine, for the pickers of the palette commands (no node to say
 * what to back up). Through the backend bundle, loaded on first use; errors are the backend's (a
 * DockerUnavailableError names the address tried and why).
 */

export interface VolumeChoice {
  name: string;
  /** The compose project and volume key, when compose made it. */
  compose?: { project: string; volume: string };
  anonymous: boolean;
  /** Containers (names) using it. */
  usedBy: string[];
}

export interface ContainerChoice {
  id: string;
  name: string;
  image: string;
  state: string;
}

const ANONYMOUS = 'com.docker.volume.anonymous';

export async function dockerChoices(
  host: string | undefined,
): Promise<{ volumes: VolumeChoice[]; containers: ContainerChoice[]; endpoint: string }> {
  const { connectDocker } = backend();
  const conn = await connectDocker(host ? { host } : {});
  const [vols, conts] = await Promise.all([conn.docker.listVolumes(), conn.docker.listContainers({ all: true })]);
  const usedBy = new Map<string, string[]>();
  const containers: ContainerChoice[] = conts.map((c) => {
    const name = c.Names?.[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
    for (const m of c.Mounts ?? []) if (m.Type === 'volume' && m.Name) usedBy.set(m.Name, [...(usedBy.get(m.Name) ?? []), name]);
    return { id: c.Id, name, image: c.Image, state: c.State };
  });
  const volumes: VolumeChoice[] = (vols.Volumes ?? []).map((v) => {
    const labels = v.Labels ?? {};
    const project = labels['com.docker.compose.project'];
    const key = labels['com.docker.compose.volume'];
    return {
      name: v.Name,
      ...(project && key ? { compose: { project, volume: key } } : {}),
      // An anonymous volume is named by 64 hex digits (older engines did not label them).
      anonymous: ANONYMOUS in labels || /^[0-9a-f]{64}$/.test(v.Name),
      usedBy: usedBy.get(v.Name) ?? [],
    };
  });
  // Named volumes first, then by name: the ones people mean to back up.
  volumes.sort((a, b) => Number(a.anonymous) - Number(b.anonymous) || a.name.localeCompare(b.name));
  containers.sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running') || a.name.localeCompare(b.name));
  return { volumes, containers, endpoint: conn.endpoint.description };
}

/** The engine's compose projects (from its containers' labels), each with its containers' names, by name. */
export async function composeProjects(host: string | undefined): Promise<{ name: string; containers: string[] }[]> {
  const conn = await backend().connectDocker(host ? { host } : {});
  const byProject = new Map<string, string[]>();
  for (const c of await conn.docker.listContainers({ all: true, filters: { label: ['com.docker.compose.project'] } })) {
    const project = c.Labels?.['com.docker.compose.project'];
    if (project) byProject.set(project, [...(byProject.get(project) ?? []), c.Names?.[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)]);
  }
  return [...byProject].sort(([a], [b]) => a.localeCompare(b)).map(([name, containers]) => ({ name, containers: containers.sort() }));
}
