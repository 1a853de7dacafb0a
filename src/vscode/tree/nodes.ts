import type { ChangeSummary, PathReport, TargetReport } from '../../core/types';
import type { OrphanedVolume } from '../../sources/docker/orphans';

/**
 * The Paths view's nodes, as plain data (no vscode import, so what the tree shows is unit-testable).
 * Commands contributed to the view receive these objects as their first argument.
 *
 * contextValue is a space-separated list of tokens that package.json's `when` clauses match with
 * `viewItem =~ /\btoken\b/`:
 *   plTarget | plProject | plGroup | plPath | plLayer | plChanges | plMessage | plOrphans | plOrphan   what the node is
 *   persistable   a quick fix can make it persistent (at risk, and a file to edit is known or findable)
 *   declared      a declaring file and line are known (reveal declaration)
 *   reachable     the path exists on this machine's file system (open folder)
 *   backupable    a named volume, a container path (through Docker), or a local path
 *   restorable    a named volume or a path that a backup can be restored into
 *   browsableVolume  a whole named volume, through an engine that answered (Browse Volume)
 *   browsable     a path of a container the engine knows, through an engine that answered (Browse Container Path)
 *   rescuable     a container (or this container, through Docker) whose writable layer can be archived
 *   composeProject  a compose project's containers, through an engine that answered (Back Up Project…)
 */
export type RootKind = 'self' | 'container' | 'file';

export interface TargetNode {
  kind: 'target';
  rootKind: RootKind;
  target: TargetReport;
  /** The Docker Engine answered in the scan that produced this node. */
  dockerReachable: boolean;
}

export type PathGroup = 'at-risk' | 'persistent' | 'temporary';

/** A compose project (containers grouped by `com.docker.compose.project`) or a config file's services. */
export interface ProjectNode {
  kind: 'project';
  name: string;
  /** Compose file(s) or devcontainer.json, when known. */
  files: string[];
  targets: TargetNode[];
}

export interface GroupNode {
  kind: 'group';
  /** at-risk: lost on a recreate and worth keeping; persistent: kept (or read-only); temporary: lost, by design (`/tmp`, `/run`). */
  group: PathGroup;
  parent: TargetNode;
  paths: PathReport[];
}

export interface PathNode {
  kind: 'path';
  parent: TargetNode;
  path: PathReport;
}

/** What a container's writable layer holds, in all (expands to one ChangesNode per directory). */
export interface LayerNode {
  kind: 'layer';
  parent: TargetNode;
  changes: ChangeSummary[];
}

/** The writable layer's contents under one directory (from the engine's changes list). */
export interface ChangesNode {
  kind: 'changes';
  parent: LayerNode;
  change: ChangeSummary;
}

/** A line of text: a warning, an unreachable daemon ("tried unix:///var/run/docker.sock"). */
export interface MessageNode {
  kind: 'message';
  text: string;
  detail?: string;
  severity: 'info' | 'warning' | 'error';
  /** A command id run on click (e.g. open the Docker host setting). */
  command?: string;
}

/** "Orphaned volumes (N)": the anonymous volumes no container mounts any more. */
export interface OrphansNode {
  kind: 'orphans';
  orphans: OrphanNode[];
}

/** One orphaned anonymous volume, with where a scan last saw it mounted (Recover Into…). */
export interface OrphanNode {
  kind: 'orphan';
  parent: OrphansNode;
  orphan: OrphanedVolume;
}

export type PathsNode = TargetNode | ProjectNode | GroupNode | PathNode | LayerNode | ChangesNode | MessageNode | OrphansNode | OrphanNode;
