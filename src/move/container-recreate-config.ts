import type Dockerode from 'dockerode';

/**
 * The create request that makes a container again as it was inspected, plus one mount. Pure: the engine calls
 * are in container-recreate.ts.
 */

export interface NewMount {
  Type: 'volume' | 'bind';
  Source: string;
  Target: string;
}

type EndpointSettings = Dockerode.EndpointSettings;

export interface RecreatePlan {
  /** `POST /containers/create` without the name. */
  create: Dockerode.ContainerCreateOptions;
  /** Networks to connect before the start: API 1.41 (Engine 20.10) takes one endpoint at create. */
  extraNetworks: Array<[string, Partial<EndpointSettings>]>;
}

/** `src:dst[:mode]` (Linux binds and volumes in HostConfig.Binds): the destination. */
export function bindDestination(bind: string): string | undefined {
  return bind.split(':')[1];
}

export function createOptionsFor(info: Dockerode.ContainerInspectInfo, image: string, mount: NewMount): RecreatePlan {
  const target = mount.Target;
  const config: Record<string, unknown> = { ...info.Config, Image: image };
  const host: Record<string, unknown> = { ...info.HostConfig };

  // Mounts: every one kept but the one at the new mount's target.
  const binds = (info.HostConfig.Binds ?? []).filter((b) => bindDestination(b) !== target);
  const byDestination = new Map((info.Mounts ?? []).map((m) => [m.Destination, m]));
  const mounts = ((host.Mounts as Array<Record<string, unknown>> | undefined) ?? [])
    .filter((m) => m.Target !== target)
    .map((m) => {
      // `--mount type=volume,target=/x` made an anonymous volume: name it, or the new container gets an empty one.
      if (m.Type !== 'volume' || m.Source) return m;
      const name = byDestination.get(String(m.Target))?.Name;
      return name ? { ...m, Source: name } : m;
    });
  const tmpfs = { ...(info.HostConfig.Tmpfs ?? {}) } as Record<string, string>;
  delete tmpfs[target];
  const declared = new Set<string>([
    ...binds.map((b) => bindDestination(b) ?? ''),
    ...mounts.map((m) => String(m.Target)),
    ...Object.keys(tmpfs),
  ]);
  // Anonymous volumes (`-v /x`, an image VOLUME no mount covers) are in Config.Volumes and nowhere in the
  // HostConfig: without this the engine would make new empty ones. Re-attached by name, as compose v1 does
  // (compose/service.py, get_container_data_volumes).
  const volumePaths = Object.keys((info.Config.Volumes as Record<string, unknown> | undefined) ?? {});
  for (const path of volumePaths) {
    const m = byDestination.get(path);
    if (path === target || declared.has(path) || !m || m.Type !== 'volume' || !m.Name) continue;
    binds.push(`${m.Name}:${path}${m.RW === false ? ':ro' : ''}`);
  }
  mounts.push({ Type: mount.Type, Source: mount.Source, Target: target });
  host.Binds = binds;
  host.Mounts = mounts;
  host.Tmpfs = tmpfs;
  // The file was written by the first create; a second create would refuse to overwrite it.
  host.ContainerIDFile = '';
  // Inspect shows legacy links as `/other:/this/alias`; create takes `other:alias`.
  if (Array.isArray(host.Links)) host.Links = (host.Links as string[]).map(linkForCreate);

  const netMode = String(info.HostConfig.NetworkMode ?? 'default');
  const sharesNetwork = netMode === 'host' || netMode.startsWith('container:');
  if (sharesNetwork) {
    // The engine refuses these with another container's or the host's network stack (runconfig, validateNetMode).
    delete config.Hostname;
    delete config.Domainname;
    delete config.MacAddress;
    if (netMode.startsWith('container:')) {
      delete config.ExposedPorts;
      for (const k of ['PortBindings', 'PublishAllPorts', 'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts']) delete host[k];
    }
  }
  // Config.Hostname is kept even when the engine made it up from the old id: software that keys its data on
  // the hostname (RabbitMQ's node name, for one) finds its data again.

  const { primary, extraNetworks } = networksOf(info, netMode);
  const create: Dockerode.ContainerCreateOptions = {
    ...(config as Dockerode.ContainerCreateOptions),
    HostConfig: host as Dockerode.HostConfig,
    ...(primary ? { NetworkingConfig: { EndpointsConfig: { [primary[0]]: primary[1] as EndpointSettings } } } : {}),
  };
  return { create, extraNetworks };
}

function linkForCreate(link: string): string {
  const m = /^\/?([^:]+):\/?(?:[^/]+\/)?([^/]+)$/.exec(link);
  return m ? `${m[1]}:${m[2]}` : link;
}

/** The primary network's endpoint (given at create) and the others (connected after). */
function networksOf(
  info: Dockerode.ContainerInspectInfo,
  netMode: string,
): { primary?: [string, Partial<EndpointSettings>]; extraNetworks: Array<[string, Partial<EndpointSettings>]> } {
  if (netMode === 'host' || netMode === 'none' || netMode.startsWith('container:')) return { extraNetworks: [] };
  const networks = Object.entries(info.NetworkSettings?.Networks ?? {});
  const primaryName = netMode === 'default' ? 'bridge' : netMode;
  const isPrimary = ([name, ep]: [string, EndpointSettings]) =>
    name === primaryName || (ep.NetworkID !== undefined && ep.NetworkID.startsWith(primaryName));
  const shortId = info.Id.slice(0, 12);
  const endpoint = (name: string, ep: EndpointSettings): Partial<EndpointSettings> => {
    // The default bridge takes no aliases nor addresses (the engine refuses them).
    if (name === 'bridge') return {};
    // The engine adds the container's short id as an alias by itself; the old one would point nowhere.
    const aliases = (ep.Aliases ?? []).filter((a) => a !== shortId);
    return {
      ...(aliases.length ? { Aliases: aliases } : {}),
      ...(ep.IPAMConfig ? { IPAMConfig: ep.IPAMConfig } : {}),
      ...(ep.Links?.length ? { Links: ep.Links } : {}),
      ...(ep.DriverOpts ? { DriverOpts: ep.DriverOpts } : {}),
    };
  };
  const found = networks.find(isPrimary);
  return {
    ...(found ? { primary: [found[0], endpoint(found[0], found[1])] as [string, Partial<EndpointSettings>] } : {}),
    extraNetworks: networks
      .filter((n) => n !== found)
      .map(([name, ep]) => [name, endpoint(name, ep)] as [string, Partial<EndpointSettings>]),
  };
}
