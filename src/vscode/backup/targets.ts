import { isAbsolute, join, normalize } from 'node:path';
import type { BackupSource, ManifestSource, RestoreTarget } from '../../backup';
import type { PathNode, TargetNode } from '../tree/nodes';

/** The Paths view's node for a container's writable layer (its `kind: 'layer'` node): only its parent matters here. */
export interface LayerLike {
  kind: 'layer';
  parent: TargetNode;
}

/**
 * What the Paths view's nodes mean to the backend's backups: which volume, container directory or local folder a
 * node stands for. Pure (no vscode), so every case is unit-tested against real scan reports.
 */

export type Decision<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Decision<T> => ({ ok: true, value });
const no = <T>(reason: string): Decision<T> => ({ ok: false, reason });

/** `/a/./b/` → `/a/b`: paths compared or recorded without the spellings that mean the same. */
export function cleanPath(p: string): string {
  return normalize(p).replace(/(.)\/+$/, '$1');
}

/** The container a node's target is in the engine: its id when known (names can be reused), else its name. */
function engineContainer(t: TargetNode): string | undefined {
  if (t.rootKind === 'container') return t.target.id ?? t.target.name;
  if (t.rootKind === 'self') return t.target.id;
  return undefined;
}

/**
 * Where a path's bytes are, as the backend reaches them.
 *
 * - A named volume mounted exactly at the path is the volume itself (through Docker): it is what `compose down
 *   -v` would delete, and a restore puts back all of it. A path BELOW a volume's mount point is only a folder of
 *   it: backing up or restoring the whole volume would not be what was asked, so it is handled as a directory.
 * - On this machine (`self`), a directory is read locally: no socket needed, and the writable layer, a tmpfs
 *   and a bind mount all read the same way.
 * - In another container, a directory goes through the engine's archive endpoint on that container.
 * - A compose or devcontainer file's target does not run: there is nothing to read yet.
 */
function locate(node: PathNode, purpose: 'backup' | 'restore'): Decision<BackupSource> {
  const { path: p, parent } = node;
  if (parent.rootKind === 'file') {
    const file = parent.target.file ? ` from ${parent.target.file}` : '';
    return no(
      `${p.path} of ${parent.target.name} is read${file}: nothing runs it yet, so there is nothing to ${purpose === 'backup' ? 'back up' : 'restore into'}. Use its running container instead.`,
    );
  }
  const wholeVolume = p.status === 'named-volume' && p.source !== undefined && (p.mountPoint === undefined || p.mountPoint === p.path);
  if (wholeVolume && parent.dockerReachable) return ok({ kind: 'volume', volume: p.source! });
  if (parent.rootKind === 'self') return ok({ kind: 'local', path: p.path });
  const container = engineContainer(parent);
  if (!container) return no(`${parent.target.name} is not known to the Docker Engine`);
  if (!parent.dockerReachable)
    return no(
      `${p.path} of container "${parent.target.name}" is reached through the Docker Engine, which did not answer the last scan. Check the Docker host setting and refresh.`,
    );
  return ok({ kind: 'container-path', container, path: p.path });
}

/** The backup source a Paths view node stands for, or why it cannot be backed up. */
export function sourceForPath(node: PathNode): Decision<BackupSource> {
  return locate(node, 'backup');
}

/** Where a restore into a Paths view node writes, or why it cannot. */
export function restoreTargetForPath(node: PathNode): Decision<RestoreTarget> {
  if (node.path.readOnly) return no(`${node.path.path} is mounted read-only: nothing can be restored into it there`);
  return locate(node, 'restore');
}

/** The container whose writable layer a target (or its layer node) stands for. */
export function rescueContainerFor(node: TargetNode | LayerLike): Decision<string> {
  const t = node.kind === 'layer' ? node.parent : node;
  if (t.rootKind === 'file') return no(`${t.target.name} is read from a file: no container runs it yet, so it has no writable layer`);
  const container = engineContainer(t);
  if (!container)
    return no(
      `this machine is not a container the Docker Engine knows (no container id in its mount table): there is no writable layer to rescue through Docker`,
    );
  if (!t.dockerReachable)
    return no(
      `rescuing the writable layer of "${t.target.name}" needs the Docker Engine, which did not answer the last scan. Check the Docker host setting and refresh.`,
    );
  return ok(container);
}

/** Where an archive came from, as a restore target: the natural default when restoring it. */
export function originalTarget(source: ManifestSource): RestoreTarget {
  switch (source.kind) {
    case 'volume':
      return { kind: 'volume', volume: source.name };
    case 'container-path':
      return { kind: 'container-path', container: source.container ?? source.containerId ?? '', path: source.name };
    case 'local':
      return { kind: 'local', path: source.name };
    case 'rescue':
      return { kind: 'container', container: source.container ?? source.name };
  }
}

/**
 * One entry of `persistenceLens.backups.scheduledSources`: `volume:NAME`, `container:NAME:/path` or
 * `path:/local/path` (`~` is the home folder). Container names cannot hold `:`, so the path is everything
 * after the second colon.
 */
export function parseScheduledSource(spec: string, home: string): Decision<BackupSource> {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const usage = `"${spec}" is not a scheduled source: write volume:NAME, container:NAME:/path or path:/local/path`;
  switch (kind) {
    case 'volume':
      return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(rest)
        ? ok({ kind: 'volume', volume: rest })
        : no(`${usage} (a volume name holds letters, digits, "_", "." and "-")`);
    case 'container': {
      const i = rest.indexOf(':');
      const container = i < 0 ? '' : rest.slice(0, i);
      const path = i < 0 ? '' : rest.slice(i + 1);
      if (!container || !path.startsWith('/')) return no(`${usage} (the container path must be absolute)`);
      return ok({ kind: 'container-path', container, path: cleanPath(path) });
    }
    case 'path': {
      const path = rest === '~' ? home : rest.startsWith('~/') ? join(home, rest.slice(2)) : rest;
      if (!isAbsolute(path)) return no(`${usage} (the local path must be absolute or start with ~/)`);
      return ok({ kind: 'local', path: cleanPath(path) });
    }
    default:
      return no(usage);
  }
}

/**
 * Whether an archive's manifest records a backup of `source` (retention and the schedule group by it). A
 * container given by id matches the manifest's id; by name, its name.
 */
export function sameSource(source: BackupSource, recorded: ManifestSource): boolean {
  switch (source.kind) {
    case 'volume':
      return recorded.kind === 'volume' && recorded.name === source.volume;
    case 'container-path': {
      if (recorded.kind !== 'container-path' || cleanPath(recorded.name) !== cleanPath(source.path)) return false;
      const c = source.container.replace(/^\//, '');
      return recorded.container === c || (c.length >= 12 && /^[0-9a-f]+$/.test(c) && (recorded.containerId?.startsWith(c) ?? false));
    }
    case 'local':
      return recorded.kind === 'local' && cleanPath(recorded.name) === cleanPath(source.path);
  }
}
