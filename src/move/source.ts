import type Dockerode from 'dockerode';

/**
 * Where a container path's bytes live now, decided from the container's inspect: the longest mount point that
 * covers the path (whole path components), else the writable layer. tmpfs mounts made with `--tmpfs` or compose
 * `tmpfs:` are only in `HostConfig.Tmpfs`; those made with `--mount type=tmpfs` are in `Mounts`.
 */
export type SourceKind = 'writable-layer' | 'anonymous-volume' | 'tmpfs' | 'named-volume' | 'bind';

export interface PathSource {
  kind: SourceKind;
  /** The mount point that covers the path (absent for the writable layer). */
  mountPoint?: string;
  /** The volume's name (a named or anonymous volume). */
  volume?: string;
  /** A bind's host path. */
  hostPath?: string;
  /**
   * Mount points strictly below the path: what lies under them is not part of this move (they keep their
   * own storage, or are moved on their own); the mount point directories themselves are kept.
   */
  nested: string[];
}

interface MountPoint {
  target: string;
  kind: SourceKind;
  volume?: string;
  hostPath?: string;
}

const ANONYMOUS = /^[0-9a-f]{64}$/;

/** `/a/b/` → `/a/b`. */
export function cleanPath(p: string): string {
  const parts = p.split('/').filter((x) => x && x !== '.');
  return `/${parts.join('/')}`;
}

/** Whether `path` is `dir` or lies below it, comparing whole components (`/data2` is not under `/data`). */
export function isUnder(path: string, dir: string): boolean {
  if (dir === '/') return true;
  return path === dir || path.startsWith(`${dir}/`);
}

/** Every mount of an inspected container, tmpfs from both places. */
export function mountPointsOf(info: Pick<Dockerode.ContainerInspectInfo, 'Mounts' | 'HostConfig'>): MountPoint[] {
  const out: MountPoint[] = [];
  for (const m of info.Mounts ?? []) {
    const target = cleanPath(m.Destination);
    const type = m.Type as string;
    if (type === 'volume') {
      const name = m.Name ?? '';
      out.push({ target, kind: ANONYMOUS.test(name) ? 'anonymous-volume' : 'named-volume', volume: name });
    } else if (type === 'bind') out.push({ target, kind: 'bind', hostPath: m.Source });
    else if (type === 'tmpfs') out.push({ target, kind: 'tmpfs' });
    else out.push({ target, kind: 'bind', hostPath: m.Source });
  }
  const tmpfs = (info.HostConfig as { Tmpfs?: Record<string, string> } | undefined)?.Tmpfs ?? {};
  for (const p of Object.keys(tmpfs)) {
    const target = cleanPath(p);
    if (!out.some((m) => m.target === target)) out.push({ target, kind: 'tmpfs' });
  }
  return out;
}

/** Where `path` lives in the container, and which mounts lie below it. */
export function classifyPath(info: Pick<Dockerode.ContainerInspectInfo, 'Mounts' | 'HostConfig'>, path: string): PathSource {
  const p = cleanPath(path);
  const mounts = mountPointsOf(info);
  let cover: MountPoint | undefined;
  for (const m of mounts) if (isUnder(p, m.target) && (!cover || m.target.length > cover.target.length)) cover = m;
  const nested = mounts
    .filter((m) => m.target !== p && isUnder(m.target, p))
    .map((m) => m.target)
    .sort();
  if (!cover) return { kind: 'writable-layer', nested };
  return {
    kind: cover.kind,
    mountPoint: cover.target,
    ...(cover.volume !== undefined ? { volume: cover.volume } : {}),
    ...(cover.hostPath !== undefined ? { hostPath: cover.hostPath } : {}),
    nested,
  };
}

/** Whether the data at a path of this kind is lost by a recreate (so it has to be moved). */
export function mustMove(kind: SourceKind): boolean {
  return kind === 'writable-layer' || kind === 'anonymous-volume' || kind === 'tmpfs';
}

/** A short phrase for messages. */
export function describeSource(s: PathSource): string {
  switch (s.kind) {
    case 'writable-layer':
      return "the container's writable layer";
    case 'anonymous-volume':
      return `the anonymous volume ${s.volume?.slice(0, 12)}… at ${s.mountPoint}`;
    case 'tmpfs':
      return `the tmpfs at ${s.mountPoint}`;
    case 'named-volume':
      return `the named volume "${s.volume}" at ${s.mountPoint}`;
    case 'bind':
      return `the bind of ${s.hostPath ?? '?'} at ${s.mountPoint}`;
  }
}
