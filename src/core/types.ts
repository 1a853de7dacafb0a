/**
 * The domain vocabulary of Persistence Lens. Pure data: no I/O, no editor.
 *
 * Sources (src/sources) read the world and produce a {@link TargetInput}; the core turns it into a
 * {@link TargetReport} (src/core/analyze.ts). Everything a user sees is derived from those reports.
 */

/** Where the bytes of a path actually live. */
export type Status = 'named-volume' | 'anonymous-volume' | 'bind-mount' | 'tmpfs' | 'writable-layer';

export const STATUSES: readonly Status[] = ['named-volume', 'anonymous-volume', 'bind-mount', 'tmpfs', 'writable-layer'];

/** The lifecycle events whose outcome the survival table states. */
export type LifecycleEvent = 'restart' | 'recreate' | 'composeUp' | 'composeDownVolumes' | 'reboot';

export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ['restart', 'recreate', 'composeUp', 'composeDownVolumes', 'reboot'];

export type Survival = Record<LifecycleEvent, boolean>;

export type Criticality = 'critical' | 'high' | 'medium' | 'low' | 'none';

/** Ordered most to least important; index 0 is the most critical. */
export const CRITICALITIES: readonly Criticality[] = ['critical', 'high', 'medium', 'low', 'none'];

export type Category =
  | 'workspace'
  | 'credentials'
  | 'agent-state'
  | 'editor'
  | 'shell-history'
  | 'database'
  | 'toolchain'
  | 'cache'
  | 'config'
  | 'data'
  | 'ephemeral'
  | 'system';

/** A 1-based position in a declaring file, for diagnostics and "reveal declaration". */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** Storage of a mount point; the writable layer is what no mount covers, so it is never a mount. */
export type MountStatus = Exclude<Status, 'writable-layer'>;

/**
 * One mount point of a target, as a source found it. Sources report every mount they see; the core
 * decides what is shown (pseudo file systems under /proc, /sys, /dev are kept for classification only).
 */
export interface Mount {
  /** Absolute, normalized container path of the mount point. */
  target: string;
  status: MountStatus;
  /** Volume name (as the engine or the file names it) or host path of a bind; absent for tmpfs. */
  source?: string;
  readOnly: boolean;
  /** A named volume declared `external: true`: `compose down -v` leaves it alone. */
  external?: boolean;
  /** A bind whose host path is itself on a tmpfs (known only where the host's mounts are visible). */
  hostOnTmpfs?: boolean;
  /** Not user data: proc, sysfs, cgroup, devpts, mqueue and the like. Kept for classification, never listed. */
  pseudo?: boolean;
  /** Where the file declares it (files mode), for diagnostics and reveal. */
  declaredAt?: SourceLocation;
  /** Why the source knows this mount, as a short phrase: "image VOLUME", "HostConfig.Tmpfs", "mountinfo"... */
  origin?: string;
  /**
   * A pod's storage, as Kubernetes names it (Kubernetes targets only). `status` above stays the nearest Docker
   * status so that code written for Docker keeps working; the pod table (pod-survival.ts) reads this instead.
   */
  pod?: PodStorage;
}

/** Which lifecycle a target follows: a container on a Docker (or Podman) engine, or a container in a pod. */
export type Platform = 'docker' | 'kubernetes';

/** Where a path of a pod's container lives, in Kubernetes' terms (../docs/kubernetes.md). */
export type PodStatus = 'writable-layer' | 'empty-dir' | 'pvc' | 'ephemeral-pvc' | 'host-path' | 'config' | 'image-volume';

export const POD_STATUSES: readonly PodStatus[] = [
  'writable-layer',
  'empty-dir',
  'pvc',
  'ephemeral-pvc',
  'host-path',
  'config',
  'image-volume',
];

/** The events of a pod's life whose outcome the pod table states. */
export type PodEvent = 'containerRestart' | 'podDelete' | 'nodeReboot' | 'releaseDelete' | 'pvcDelete';

export const POD_EVENTS: readonly PodEvent[] = ['containerRestart', 'podDelete', 'nodeReboot', 'releaseDelete', 'pvcDelete'];

export type PodSurvival = Record<PodEvent, boolean>;

/** One volume of a pod as mounted in one container, with what is known of its lifecycle. */
export interface PodStorage {
  status: PodStatus;
  /** The pod's name for the volume (`spec.volumes[].name`), or the kubelet directory's. */
  volume?: string;
  /** emptyDir: `Memory` for a tmpfs (counts against the memory limit), absent for the node's disk. */
  medium?: string;
  /** emptyDir `sizeLimit`, as written ("1Gi"). */
  sizeLimit?: string;
  /** pvc: the claim's name (for a StatefulSet template, `<template>-<pod>`). */
  claim?: string;
  storageClass?: string;
  accessModes?: string[];
  /** The bound PersistentVolume's or the StorageClass's reclaim policy: `Delete` (the default of dynamic provisioning) or `Retain`. */
  reclaimPolicy?: string;
  /** Who deletes the claim: "Helm release code-server", "StatefulSet/db (whenDeleted: Delete)"... */
  owner?: string;
  /** Whether the claim outlives its owner going (`helm.sh/resource-policy: keep`, a StatefulSet's Retain). */
  keptOnReleaseDelete?: boolean;
  /** config: which source (configMap, secret, projected, downwardAPI). */
  configKind?: string;
  /** hostPath or a local PV: the data stays on one node; a pod scheduled elsewhere does not see it. */
  nodeBound?: boolean;
  /** The volume's subPath or subPathExpr, when only part of it is mounted. */
  subPath?: string;
  /** Where the pod's volume (or the StatefulSet's claim template) is declared; the mount's own `declaredAt` is the volumeMount. */
  volumeDeclaredAt?: SourceLocation;
  /** What cannot be told from where the source looked (mountinfo), as a sentence; the status is then the likelier one. */
  lifecycleUnknown?: string;
}

/** What the writable layer holds under one directory, from the engine's changes list. */
export interface ChangeSummary {
  /** Directory (absolute) whose subtree the counts describe. */
  directory: string;
  added: number;
  modified: number;
  deleted: number;
  /** Up to a few example paths, for tooltips. */
  examples: string[];
}

export type TargetKind = 'self' | 'container' | 'compose-service' | 'devcontainer' | 'kubernetes-container';

/** A workstation is where a person works (its home catalog matters); a service only serves its data. */
export type TargetRole = 'workstation' | 'service';

/** Everything the core needs to know about one target, as a source read it. */
export interface TargetInput {
  kind: TargetKind;
  /** Absent means `docker`: the Docker survival table applies. `kubernetes`: the pod table does too. */
  platform?: Platform;
  name: string;
  id?: string;
  /** The declaring file (compose file or devcontainer.json) when there is one. */
  file?: string;
  /** Image reference, e.g. "postgres:17" or "ghcr.io/coder/code-server:4.100.3". */
  image?: string;
  /** The user's home, when known. */
  home?: string;
  /** The user name (for the `/home/<user>` guess and display). */
  user?: string;
  /** Environment of the target's processes (only what is known). */
  env: Record<string, string>;
  /** The container's working directory, when set. */
  workingDir?: string;
  /** Every mount point the source saw. */
  mounts: Mount[];
  /**
   * Paths declared VOLUME by the image (or the container's Config.Volumes). One that no mount covers
   * exactly becomes an anonymous volume in the report (the engine creates one at each run).
   */
  imageVolumes: string[];
  /** Storage of everything no mount covers: the writable layer in a container, a tmpfs root on an impermanent host. */
  rootStatus: Status;
  /** Host-side: the root file system is read-only (`--read-only`). */
  rootReadOnly?: boolean;
  /** What the writable layer holds, when the engine's changes list was read. */
  changes?: ChangeSummary[];
  /**
   * Paths known to exist in the target (from the file system in self mode, from the changes list...).
   * Catalog entries that apply only when present use this.
   */
  existingPaths?: ReadonlySet<string>;
  /**
   * Where symlinked paths really lead, where the file system is reachable (self mode): a path is classified
   * by its target, so `~/.claude` linked into a volume is as safe as the volume.
   */
  resolvedPaths?: ReadonlyMap<string, string>;
  /** Where this target's declaration lives (the service key, the devcontainer.json root), for diagnostics. */
  declaredAt?: SourceLocation;
  /** Engine or file labels that lead back to the declaring files (compose, devcontainer). */
  labels?: Record<string, string>;
  /** Container state: running, exited, created... (Docker mode). */
  state?: string;
}

/** How a reported path came to be listed. */
export type PathOrigin = 'mount' | 'image-volume' | 'catalog' | 'writable-layer';

/** One line of a report: a path, its storage and what it survives. */
export interface PathReport {
  path: string;
  status: Status;
  /** Volume name or host path that keeps it; absent for tmpfs and the writable layer. */
  source?: string;
  readOnly: boolean;
  criticality: Criticality;
  category: Category;
  survives: Survival;
  /** Not read-only, does not survive `recreate`, and worth keeping (criticality above `none`). */
  atRisk: boolean;
  /** Known to hold data now (the writable layer holds files there): at risk AND losing something today. */
  holdsData?: boolean;
  /** A sentence a user understands. */
  reason: string;
  /** A short name for the path ("SSH keys", "code-server settings and extensions"). */
  label?: string;
  /** The mount point that decides the status (absent for the writable layer). */
  mountPoint?: string;
  origin: PathOrigin;
  declaredAt?: SourceLocation;
  /** Kubernetes targets: the path's storage and fate by the pod table; `atRisk` then follows `podDelete`. */
  pod?: PodPathReport;
}

/** The pod table's view of one path (Kubernetes targets). */
export interface PodPathReport {
  status: PodStatus;
  survives: PodSurvival;
  /** What is known of the storage (claim, class, medium...), without `status`. */
  storage: Omit<PodStorage, 'status'>;
}

export interface TargetReport {
  kind: TargetKind;
  /** Absent means `docker`. */
  platform?: Platform;
  name: string;
  id?: string;
  file?: string;
  image?: string;
  home?: string;
  state?: string;
  labels?: Record<string, string>;
  declaredAt?: SourceLocation;
  role: TargetRole;
  /** Why the role was decided so ("a dev container", "redis:7 serves data (/data)"). */
  roleReason: string;
  paths: PathReport[];
  changes?: ChangeSummary[];
}

/** Whether a scan reached a Docker Engine, and where it looked. */
export interface DockerReach {
  /** Not asked: the request turned the engine off (an untrusted workspace, files-only mode). */
  asked: boolean;
  reachable: boolean;
  /** The address tried ("unix:///var/run/docker.sock"). */
  endpoint?: string;
  /** Why it did not answer, as a sentence. */
  error?: string;
}

export interface ScanResult {
  targets: TargetReport[];
  warnings: string[];
  docker?: DockerReach;
}

// InputError is one of the error vocabulary's classes (core/errors.ts); it is also here, where it always was.
// formatLocation is defined once, in core/errors.ts beside the errors whose message it builds; it is also here for
// the sources that still import it from here.
export { InputError } from './errors';
