import { comparePaths } from '../../core/analyze';
import { composeConfigFiles } from '../../sources/docker/compose-labels';
import type { PathReport, ScanResult, TargetReport } from '../../core/types';
import type { OrphanedVolume } from '../../sources/docker/orphans';
import type {
  GroupNode,
  LayerNode,
  MessageNode,
  OrphanNode,
  OrphansNode,
  PathGroup,
  PathNode,
  PathsNode,
  ProjectNode,
  RootKind,
  TargetNode,
} from './nodes';

/**
 * Turns a scan into the Paths view's whole tree at once: children and parents are known up front, so
 * `getParent` (which `TreeView.reveal` needs) is a map lookup and node identities stay stable per scan.
 */
export interface PathsTree {
  roots: PathsNode[];
  childrenOf(node: PathsNode): PathsNode[];
  parentOf(node: PathsNode): PathsNode | undefined;
  /** The self root (this container), when the editor runs in one. */
  self?: TargetNode;
  /** A stable id per node, for TreeItem.id (keeps expansion state across refreshes). */
  idOf(node: PathsNode): string;
}

export interface BuildOptions {
  /** Whether a path exists on this machine (folders to open, local paths to back up). */
  exists(path: string): boolean;
  /** The workspace folder, to show config files relative to it. */
  workspaceRoot?: string;
  /** A message to put first (e.g. "No Docker Engine at …"): the tree adapter decides when. */
  messages?: MessageNode[];
  /** Anonymous volumes no container mounts any more: a root "Orphaned volumes (N)" when there are any. */
  orphans?: readonly OrphanedVolume[];
}

const COMPOSE_PROJECT = 'com.docker.compose.project';
const DEVCONTAINER_FILE = 'devcontainer.config_file';

export function rootKindOf(t: TargetReport): RootKind {
  if (t.kind === 'self') return 'self';
  if (t.kind === 'container') return 'container';
  return 'file';
}

/**
 * Files that declare a running container, from the labels compose and the dev container CLI set (Compose v1's
 * relative config files resolved against its working dir).
 */
export function declaringFiles(t: TargetReport): string[] {
  const labels = t.labels ?? {};
  const files = composeConfigFiles(labels);
  if (labels[DEVCONTAINER_FILE]) files.unshift(labels[DEVCONTAINER_FILE]);
  return files;
}

/**
 * Which group a path goes in: at risk; kept (it survives a recreate, or nothing written there can be lost); or
 * temporary: lost, and by design (`/tmp`, `/run`: criticality none), so neither alarming nor "persistent".
 */
export function groupOf(p: PathReport): PathGroup {
  if (p.atRisk) return 'at-risk';
  const kept = p.pod ? p.pod.survives.podDelete : p.survives.recreate;
  return kept || p.readOnly ? 'persistent' : 'temporary';
}

/** The core's order (at risk, critical, holding data, criticality, path), so the tree and the CLI agree. */
export const comparePathsForTree = comparePaths;

function relativeTo(root: string | undefined, file: string): string {
  return root && file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}

export function buildPathsTree(scan: ScanResult, opts: BuildOptions): PathsTree {
  const children = new Map<PathsNode, PathsNode[]>();
  const parents = new Map<PathsNode, PathsNode>();
  const ids = new Map<PathsNode, string>();
  const dockerReachable = scan.docker?.reachable ?? false;
  const link = (parent: PathsNode, kids: PathsNode[]) => {
    children.set(parent, kids);
    for (const k of kids) parents.set(k, parent);
  };

  const targetNode = (target: TargetReport, idPrefix: string): TargetNode => {
    const node: TargetNode = { kind: 'target', rootKind: rootKindOf(target), target, dockerReachable };
    const key = `${idPrefix}/${node.rootKind}:${target.id ?? `${target.file ?? ''}#${target.name}`}`;
    ids.set(node, key);
    const kids: PathsNode[] = [];
    const sorted = [...target.paths].sort(comparePathsForTree);
    for (const group of ['at-risk', 'persistent', 'temporary'] as const) {
      const paths = sorted.filter((p) => groupOf(p) === group);
      if (paths.length === 0) continue;
      const g: GroupNode = { kind: 'group', group, parent: node, paths };
      ids.set(g, `${key}/${group}`);
      const pathNodes = paths.map((p): PathNode => {
        const pn: PathNode = { kind: 'path', parent: node, path: p };
        ids.set(pn, `${key}/${group}/${p.path}`);
        return pn;
      });
      link(g, pathNodes);
      kids.push(g);
    }
    const changes = (target.changes ?? []).filter((c) => c.added + c.modified > 0);
    if (changes.length > 0) {
      const layer: LayerNode = { kind: 'layer', parent: node, changes };
      ids.set(layer, `${key}/layer`);
      link(
        layer,
        changes.map((change) => {
          const c = { kind: 'changes' as const, parent: layer, change };
          ids.set(c, `${key}/layer/${change.directory}`);
          return c;
        }),
      );
      kids.push(layer);
    }
    link(node, kids);
    return node;
  };

  const roots: PathsNode[] = [];
  for (const [i, m] of (opts.messages ?? []).entries()) {
    ids.set(m, `message/${i}`);
    roots.push(m);
  }

  let self: TargetNode | undefined;
  const selfTarget = scan.targets.find((t) => t.kind === 'self');
  if (selfTarget) {
    self = targetNode(selfTarget, 'root');
    roots.push(self);
  }

  // Containers, grouped by compose project; containers of no project stand alone, after the projects.
  const projects = new Map<string, TargetReport[]>();
  const standalone: TargetReport[] = [];
  for (const t of scan.targets.filter((x) => x.kind === 'container')) {
    const project = t.labels?.[COMPOSE_PROJECT];
    if (project) projects.set(project, [...(projects.get(project) ?? []), t]);
    else standalone.push(t);
  }
  for (const [name, targets] of [...projects].sort(([a], [b]) => a.localeCompare(b))) {
    const files = [...new Set(targets.flatMap(declaringFiles))];
    const projectNode: ProjectNode = { kind: 'project', name, files, targets: [] };
    ids.set(projectNode, `project/${name}`);
    projectNode.targets = targets.sort((a, b) => a.name.localeCompare(b.name)).map((t) => targetNode(t, `project/${name}`));
    link(projectNode, projectNode.targets);
    roots.push(projectNode);
  }
  for (const t of standalone.sort((a, b) => a.name.localeCompare(b.name))) roots.push(targetNode(t, 'root'));

  // Config files: one node per declaring file, its services (or dev container) under it.
  const byFile = new Map<string, TargetReport[]>();
  for (const t of scan.targets.filter(
    (x) => x.kind === 'compose-service' || x.kind === 'devcontainer' || x.kind === 'kubernetes-container',
  )) {
    const file = t.file ?? t.declaredAt?.file ?? '';
    byFile.set(file, [...(byFile.get(file) ?? []), t]);
  }
  for (const [file, targets] of byFile) {
    const fileNode: ProjectNode = { kind: 'project', name: relativeTo(opts.workspaceRoot, file), files: file ? [file] : [], targets: [] };
    ids.set(fileNode, `file/${file}`);
    fileNode.targets = targets.map((t) => targetNode(t, `file/${file}`));
    link(fileNode, fileNode.targets);
    roots.push(fileNode);
  }

  if (opts.orphans && opts.orphans.length > 0) {
    const orphansNode: OrphansNode = { kind: 'orphans', orphans: [] };
    ids.set(orphansNode, 'orphans');
    orphansNode.orphans = opts.orphans.map((orphan): OrphanNode => {
      const n: OrphanNode = { kind: 'orphan', parent: orphansNode, orphan };
      ids.set(n, `orphans/${orphan.name}`);
      return n;
    });
    link(orphansNode, orphansNode.orphans);
    roots.push(orphansNode);
  }

  return {
    roots,
    ...(self ? { self } : {}),
    childrenOf: (n) => (n.kind === 'project' ? n.targets : (children.get(n) ?? [])),
    parentOf: (n) => parents.get(n),
    idOf: (n) => ids.get(n) ?? `${n.kind}/?`,
  };
}

/**
 * The 1-based line of a compose service's key (`  db:` under `services:`), or undefined. A plain text search,
 * enough to put the cursor on the service: the files are the user's own, already parsed by the scan.
 */
export function declarationLineOf(text: string, service: string): number | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^services\s*:/.test(l));
  if (start < 0) return undefined;
  const key = new RegExp(`^["']?${service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
  let indent: number | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || /^\s*#/.test(line)) continue;
    if (/^\S/.test(line)) break;
    const own = line.length - line.trimStart().length;
    indent ??= own; // the services' own keys are the first level under `services:`
    if (own === indent && key.test(line.trimStart())) return i + 1;
  }
  return undefined;
}

/** Whether a quick fix can be looked for: a file declares (or may declare) the target. */
export function canPersist(node: PathNode): boolean {
  if (!node.path.atRisk) return false;
  const { rootKind, target } = node.parent;
  if (rootKind === 'file') return target.file !== undefined;
  // This container: the workspace may hold its compose file or devcontainer.json even without labels.
  if (rootKind === 'self') return true;
  return declaringFiles(target).length > 0;
}

/** The contextValue tokens of a node (see nodes.ts for their meaning). */
export function contextValueOf(node: PathsNode, exists: (path: string) => boolean): string {
  const tokens: string[] = [];
  switch (node.kind) {
    case 'target': {
      tokens.push('plTarget', node.rootKind);
      if (node.target.declaredAt || (node.rootKind === 'container' && declaringFiles(node.target).some(exists))) tokens.push('declared');
      const inEngine = node.rootKind === 'container' || (node.rootKind === 'self' && node.target.id !== undefined);
      if (inEngine && node.dockerReachable) tokens.push('rescuable');
      break;
    }
    case 'project':
      tokens.push('plProject');
      // a compose project's containers (not a file's services), through an engine that answered
      if (node.targets.length > 0 && node.targets.every((t) => t.rootKind === 'container') && node.targets.some((t) => t.dockerReachable))
        tokens.push('composeProject');
      break;
    case 'group':
      tokens.push('plGroup', node.group);
      break;
    case 'layer':
      tokens.push('plLayer');
      if ((node.parent.rootKind === 'container' || node.parent.target.id !== undefined) && node.parent.dockerReachable)
        tokens.push('rescuable');
      break;
    case 'changes':
      tokens.push('plChanges');
      break;
    case 'message':
      tokens.push('plMessage');
      break;
    case 'orphans':
      tokens.push('plOrphans');
      break;
    case 'orphan':
      tokens.push('plOrphan');
      break;
    case 'path': {
      const { path: p, parent } = node;
      tokens.push('plPath', p.status);
      if (p.atRisk) tokens.push('atRisk');
      if (canPersist(node)) tokens.push('persistable');
      if (p.declaredAt) tokens.push('declared');
      if (localFolderOf(node, exists)) tokens.push('reachable');
      const viaDocker =
        parent.dockerReachable && (p.status === 'named-volume' || parent.rootKind === 'container' || parent.target.id !== undefined);
      const local = parent.rootKind === 'self' && exists(p.path);
      // browsed read-only through the engine: a whole named volume, a folder of a container it knows
      if (parent.dockerReachable && p.status === 'named-volume' && p.source && (p.mountPoint === undefined || p.mountPoint === p.path))
        tokens.push('browsableVolume');
      if (parent.dockerReachable && (parent.rootKind === 'container' || (parent.rootKind === 'self' && parent.target.id !== undefined)))
        tokens.push('browsable');
      if (parent.rootKind !== 'file' && (viaDocker || local)) {
        tokens.push('backupable');
        if (!p.readOnly) tokens.push('restorable');
      }
      break;
    }
  }
  return tokens.join(' ');
}

/** The folder on this machine that holds a path's bytes, when there is one to open. */
export function localFolderOf(node: PathNode, exists: (path: string) => boolean): string | undefined {
  const { path: p, parent } = node;
  if (parent.rootKind === 'self') return exists(p.path) ? p.path : undefined;
  // On a host, a bind mount's source is a folder here.
  if (p.status === 'bind-mount' && p.source?.startsWith('/') && p.mountPoint === p.path && exists(p.source)) return p.source;
  return undefined;
}

/**
 * The path node of the self root that decides where `file` lives: the deepest listed path containing it.
 * Used by "Show in Persistence view" from the status bar and the save warning.
 */
export function nodeForFile(tree: PathsTree, file: string): PathNode | undefined {
  if (!tree.self) return undefined;
  let best: PathNode | undefined;
  for (const group of tree.childrenOf(tree.self)) {
    for (const n of tree.childrenOf(group)) {
      if (n.kind !== 'path') continue;
      const p = n.path.path;
      const contains = file === p || file.startsWith(p === '/' ? '/' : `${p}/`);
      if (contains && (!best || p.length > best.path.path.length)) best = n;
    }
  }
  return best;
}
