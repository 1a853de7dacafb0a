import type Dockerode from 'dockerode';
import { ENGINE_GENERATED_PATHS, existingPathsFromChanges, summarizeChanges, type ChangeEntry } from '../../core/changes';
import { inferHome } from '../../core/analyze';
import { normalizePosix } from '../../core/paths';
import type { Mount, TargetInput } from '../../core/types';
import { fetchChanges } from './changes';
import type { ChangesCache } from './changes-cache';
import type { DockerConnection } from './client';
import { userNamePart } from '../../core/user';

export interface ScanDockerOptions {
  /** Names or ids (an id prefix is enough) of the containers to scan; default: all, stopped and created ones included. */
  containers?: string[];
  /** Read each container's changes list (default true). */
  includeChanges?: boolean;
  /** The stopped containers' changes lists of earlier scans (see ChangesCache): those are not asked again. */
  changesCache?: ChangesCache;
}

export interface DockerScan {
  targets: TargetInput[];
  warnings: string[];
}

/** The label the engine (API 1.42+, Engine 23+) puts on the anonymous volumes it creates. */
export const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';

type ContainerInfo = Dockerode.ContainerInspectInfo;
type EngineMount = ContainerInfo['Mounts'][number];

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | undefined)?.statusCode === 404;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim();
}

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * Reads every container of a daemon (or the ones asked for) into the core's TargetInput. All calls go to the
 * Engine API, in parallel; nothing is spawned. A container or image removed while the scan runs is skipped with
 * a warning.
 */
export async function scanDocker(conn: DockerConnection, opts: ScanDockerOptions = {}): Promise<DockerScan> {
  const { docker } = conn;
  const warnings: string[] = [];
  const includeChanges = opts.includeChanges ?? true;

  const listed = await docker.listContainers({ all: true });
  const selected = opts.containers ? selectContainers(listed, opts.containers, warnings) : listed;

  // The changes lists are the daemon's slowest answers and need only the ids: asked at once, beside the inspects;
  // with a cache, a container that is not running waits for its inspect, which says whether its list is kept.
  const cache = opts.changesCache;
  const askedEarly = !includeChanges ? [] : cache ? selected.filter((c) => c.State === 'running') : selected;
  const early = fetchAllChanges(
    docker,
    askedEarly.map((c) => ({ id: c.Id, name: displayName(c.Names?.[0], c.Id) })),
    warnings,
  );
  const inspected = await Promise.all(
    selected.map(async (c) => {
      const name = displayName(c.Names?.[0], c.Id);
      try {
        return await docker.getContainer(c.Id).inspect();
      } catch (err) {
        warnings.push(
          isNotFound(err)
            ? `container ${name} (${short(c.Id)}) was removed while the scan ran; skipped`
            : `container ${name} (${short(c.Id)}) could not be inspected: ${messageOf(err)}; skipped`,
        );
        return undefined;
      }
    }),
  );
  const infos = inspected.filter((i): i is ContainerInfo => i !== undefined);

  const imageIds = [...new Set(infos.map((i) => i.Image).filter((id): id is string => Boolean(id)))];
  const needVolumeLabels = infos.some((i) => (i.Mounts ?? []).some((m) => m.Type === 'volume'));
  const [images, volumeLabels, changes] = await Promise.all([
    inspectImages(docker, imageIds, infos, warnings),
    needVolumeLabels ? listVolumeLabels(docker, warnings) : Promise.resolve(new Map<string, Record<string, string>>()),
    includeChanges && cache
      ? changesThroughCache(docker, cache, infos, { ids: new Set(askedEarly.map((c) => c.Id)), lists: early }, warnings)
      : early,
  ]);
  if (cache && !opts.containers) cache.keepOnly(listed.map((c) => c.Id));

  const targets = infos.map((info) => {
    const listedChanges = changes.get(info.Id);
    if (listedChanges === 'gone')
      warnings.push(`container ${displayName(info.Name, info.Id)} (${short(info.Id)}) was removed while its changes were read`);
    return toTarget(info, images.get(info.Image), volumeLabels, listedChanges === 'gone' ? undefined : listedChanges);
  });
  targets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { targets, warnings };
}

function displayName(name: string | undefined, id: string): string {
  return name ? name.replace(/^\//, '') : short(id);
}

/** Docker's own rules: an exact name or id, else a unique id prefix. */
function selectContainers(listed: Dockerode.ContainerInfo[], wanted: string[], warnings: string[]): Dockerode.ContainerInfo[] {
  const out = new Map<string, Dockerode.ContainerInfo>();
  for (const raw of wanted) {
    const q = raw.trim().replace(/^\//, '');
    if (!q) continue;
    const exact = listed.filter((c) => c.Id === q || (c.Names ?? []).some((n) => n.replace(/^\//, '') === q));
    const matches = exact.length > 0 ? exact : listed.filter((c) => c.Id.startsWith(q));
    if (matches.length === 0) warnings.push(`no container is named "${q}" or has an id starting with it`);
    else if (matches.length > 1 && exact.length === 0)
      warnings.push(`"${q}" is the start of ${matches.length} container ids; give more of the id`);
    else for (const m of matches) out.set(m.Id, m);
  }
  return [...out.values()];
}

async function inspectImages(
  docker: Dockerode,
  ids: string[],
  infos: ContainerInfo[],
  warnings: string[],
): Promise<Map<string, Dockerode.ImageInspectInfo>> {
  const entries = await Promise.all(
    ids.map(async (id) => {
      try {
        return [id, await docker.getImage(id).inspect()] as const;
      } catch (err) {
        const users = infos.filter((i) => i.Image === id).map((i) => i.Name.replace(/^\//, ''));
        const ref = infos.find((i) => i.Image === id)?.Config?.Image ?? short(id);
        warnings.push(
          isNotFound(err)
            ? `image ${ref} (${short(id)}) is gone; its VOLUME paths are unknown for ${users.join(', ')}`
            : `image ${ref} (${short(id)}) could not be inspected (${messageOf(err)}); its VOLUME paths are unknown for ${users.join(', ')}`,
        );
        return undefined;
      }
    }),
  );
  return new Map(entries.filter((e): e is readonly [string, Dockerode.ImageInspectInfo] => e !== undefined));
}

async function listVolumeLabels(docker: Dockerode, warnings: string[]): Promise<Map<string, Record<string, string>>> {
  try {
    const res = await docker.listVolumes();
    return new Map((res?.Volumes ?? []).map((v) => [v.Name, (v.Labels ?? {}) as Record<string, string>]));
  } catch (err) {
    warnings.push(`volumes could not be listed (${messageOf(err)}); anonymous volumes are told by their 64-hex names`);
    return new Map();
  }
}

type ChangesLists = Map<string, ChangeEntry[] | 'gone'>;

/**
 * The changes lists through the cache: those asked for early (the containers that ran when listed), the kept
 * ones, and the others asked for now (in parallel with the early ones) and kept.
 */
async function changesThroughCache(
  docker: Dockerode,
  cache: ChangesCache,
  infos: ContainerInfo[],
  early: { ids: ReadonlySet<string>; lists: Promise<ChangesLists> },
  warnings: string[],
): Promise<ChangesLists> {
  const out: ChangesLists = new Map();
  const toAsk: ContainerInfo[] = [];
  for (const info of infos) {
    const kept = early.ids.has(info.Id) ? undefined : cache.get(info);
    if (kept) out.set(info.Id, kept);
    else if (!early.ids.has(info.Id)) toAsk.push(info);
  }
  const [earlyLists, asked] = await Promise.all([
    early.lists,
    fetchAllChanges(
      docker,
      toAsk.map((i) => ({ id: i.Id, name: displayName(i.Name, i.Id) })),
      warnings,
    ),
  ]);
  // Asked while it ran: one that stopped since may have written more, so the next scan asks again.
  for (const [id, list] of earlyLists) out.set(id, list);
  for (const info of toAsk) {
    const list = asked.get(info.Id);
    if (list === undefined) continue;
    out.set(info.Id, list);
    if (list !== 'gone') cache.set(info, list);
  }
  return out;
}

/** Each container's changes, or `gone` when it was removed before the engine could list them. */
async function fetchAllChanges(
  docker: Dockerode,
  containers: Array<{ id: string; name: string }>,
  warnings: string[],
): Promise<ChangesLists> {
  const entries = await Promise.all(
    containers.map(async ({ id, name }): Promise<[string, ChangeEntry[] | 'gone'] | undefined> => {
      try {
        return [id, await fetchChanges(docker.getContainer(id))];
      } catch (err) {
        if (isNotFound(err)) return [id, 'gone'];
        warnings.push(`the writable layer of ${name} (${short(id)}) could not be listed (${messageOf(err)}); its changes are unknown`);
        return undefined;
      }
    }),
  );
  return new Map(entries.filter((e) => e !== undefined));
}

/** A volume is anonymous when the engine labels it so (API 1.42+), else when its name is 64 hex digits. */
export function isAnonymousVolume(name: string | undefined, labels: Record<string, string> | undefined): boolean {
  if (labels && ANONYMOUS_VOLUME_LABEL in labels) return true;
  return !!name && /^[0-9a-f]{64}$/.test(name);
}

export function parseEnv(list: readonly string[] | null | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    else if (i < 0 && kv) env[kv] = '';
  }
  return env;
}

function engineMount(
  m: EngineMount,
  imageVolumes: ReadonlySet<string>,
  volumeLabels: Map<string, Record<string, string>>,
): Mount | undefined {
  if (!m.Destination) return undefined;
  const target = normalizePosix(m.Destination);
  const readOnly = m.RW === false;
  switch (m.Type) {
    case 'volume': {
      const anonymous = isAnonymousVolume(m.Name, m.Name ? volumeLabels.get(m.Name) : undefined);
      const origin =
        anonymous && imageVolumes.has(target) ? 'image VOLUME' : anonymous ? 'anonymous volume (Mounts)' : 'named volume (Mounts)';
      return { target, status: anonymous ? 'anonymous-volume' : 'named-volume', ...(m.Name ? { source: m.Name } : {}), readOnly, origin };
    }
    case 'bind':
    case 'npipe':
      return { target, status: 'bind-mount', ...(m.Source ? { source: m.Source } : {}), readOnly, origin: 'bind (Mounts)' };
    case 'tmpfs':
      return { target, status: 'tmpfs', readOnly, origin: 'tmpfs (Mounts)' };
    case 'image':
      // API 1.47+: an image's content mounted in; it comes back from the image on every run and takes no writes.
      return {
        target,
        status: 'bind-mount',
        ...(m.Name || m.Source ? { source: m.Name || m.Source } : {}),
        readOnly: true,
        origin: 'image mount (Mounts)',
      };
    case 'cluster':
      return { target, status: 'named-volume', ...(m.Name ? { source: m.Name } : {}), readOnly, origin: 'cluster volume (Mounts)' };
    default:
      return undefined;
  }
}

/** The home when the engine tells it: HOME, else root's home for root; otherwise the core infers it. */
function homeOf(env: Record<string, string>, user: string): string | undefined {
  if (env.HOME?.startsWith('/')) return normalizePosix(env.HOME);
  if (user === '' || user === 'root' || user === '0') return '/root';
  return undefined;
}

/** One container, as the core reads it. Exported for tests. */
export function toTarget(
  info: ContainerInfo,
  image: Dockerode.ImageInspectInfo | undefined,
  volumeLabels: Map<string, Record<string, string>> = new Map(),
  changes?: ChangeEntry[],
): TargetInput {
  const config = (info.Config ?? {}) as Partial<ContainerInfo['Config']>;
  const hostConfig = (info.HostConfig ?? {}) as Dockerode.HostConfig;
  const imageVolumeSet = new Set(Object.keys(image?.Config?.Volumes ?? {}).map(normalizePosix));
  const imageVolumes = [...new Set([...Object.keys(config.Volumes ?? {}).map(normalizePosix), ...imageVolumeSet])];

  const mounts: Mount[] = [];
  for (const m of info.Mounts ?? []) {
    if (ENGINE_GENERATED_PATHS.includes(normalizePosix(m.Destination ?? ''))) continue;
    const mount = engineMount(m, imageVolumeSet, volumeLabels);
    if (mount) mounts.push(mount);
  }
  // `--tmpfs` and compose `tmpfs:` are only in HostConfig.Tmpfs, never in .Mounts.
  for (const [dest, options] of Object.entries(hostConfig.Tmpfs ?? {})) {
    const target = normalizePosix(dest);
    if (mounts.some((m) => m.target === target)) continue;
    const readOnly = String(options ?? '')
      .split(',')
      .map((o) => o.trim())
      .includes('ro');
    mounts.push({ target, status: 'tmpfs', readOnly, origin: 'HostConfig.Tmpfs' });
  }

  const env = parseEnv(config.Env);
  const rawUser = (config.User ?? '').trim();
  const userName = userNamePart(rawUser);
  const home = homeOf(env, userName);
  const labels = { ...(config.Labels ?? {}) };

  const target: TargetInput = {
    kind: 'container',
    name: (info.Name ?? '').replace(/^\//, '') || short(info.Id),
    id: info.Id,
    ...(config.Image ? { image: config.Image } : {}),
    ...(home ? { home } : {}),
    user: userName || 'root',
    env,
    ...(config.WorkingDir ? { workingDir: normalizePosix(config.WorkingDir) } : {}),
    mounts,
    imageVolumes,
    rootStatus: 'writable-layer',
    rootReadOnly: hostConfig.ReadonlyRootfs === true,
    labels,
    ...(info.State?.Status ? { state: info.State.Status } : {}),
  };

  if (changes) {
    const covering = [...mounts, ...imageVolumes.map((t) => ({ target: t }))];
    const groupHome = inferHome(target);
    target.changes = summarizeChanges(changes, { mounts: covering, ...(groupHome ? { home: groupHome } : {}) });
    target.existingPaths = existingPathsFromChanges(changes);
  }
  return target;
}
