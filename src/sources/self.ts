import { existsSync, promises as fsp, readFileSync, realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveCatalog } from '../core/catalog';
import { definedOnly } from '../core/env';
import { MountTable } from '../core/mount-table';
import { InputError, type PodStatus, type PodStorage, type PodSurvival, type Status, type Survival, type TargetInput } from '../core/types';
import { podSurvivalOf } from '../core/pod-survival';
import { interpretMountInfo, parseMountInfo, type MountInfoView } from './mountinfo';

/**
 * The machine this process runs on, seen from inside: `/proc/self/mountinfo` plus the paths that exist.
 * Works without the Docker socket; the only source that also works on a bare host.
 */

export const DEFAULT_MOUNTINFO = '/proc/self/mountinfo';
const DEFAULT_CGROUP = '/proc/self/cgroup';
const CONTAINER_MARKERS = ['/.dockerenv', '/run/.containerenv'];

/** Reads a mountinfo file; an unreadable one gives an error that names it. */
export function readMountInfoFile(file: string = DEFAULT_MOUNTINFO): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    const hint = file === DEFAULT_MOUNTINFO ? ' (not a Linux system? pass a captured file with --mountinfo FILE)' : '';
    throw new InputError(`cannot read the mount table ${file}: ${why}${hint}`);
  }
}

function readView(file: string | undefined, cgroupFile?: string): MountInfoView {
  const name = file ?? DEFAULT_MOUNTINFO;
  const entries = parseMountInfo(readMountInfoFile(name), name);
  // The live cgroup only describes the live mount table, not a captured one.
  const cgroupPath = cgroupFile ?? (file === undefined ? DEFAULT_CGROUP : undefined);
  let cgroup: string | undefined;
  if (cgroupPath) {
    try {
      cgroup = readFileSync(cgroupPath, 'utf8');
    } catch {
      cgroup = undefined;
    }
  }
  return interpretMountInfo(entries, cgroup !== undefined ? { cgroup } : {});
}

/**
 * Whether this process runs in a container: a union-file-system root (or engine files) in the mount
 * table, or the marker file Docker (`/.dockerenv`) or Podman (`/run/.containerenv`) leaves. Never throws:
 * an unreadable mount table just leaves the markers to decide. `markers` exists for tests.
 */
export function isInsideContainer(mountinfoFile?: string, markers: readonly string[] = CONTAINER_MARKERS): boolean {
  try {
    if (readView(mountinfoFile).insideContainer) return true;
  } catch {
    // fall through to the marker files
  }
  return markers.some((m) => existsSync(m));
}

/** Directories of well-known databases (images' VOLUME lines): their presence is evidence in self mode. */
const DATABASE_DIRS = ['/var/lib/postgresql', '/var/lib/postgresql/data', '/var/lib/mysql', '/data', '/data/db', '/data/configdb'];
const ALWAYS_PROBED = ['/workspace', '/workspaces', '/nix', ...DATABASE_DIRS];

/** Which of `paths` exist, and where the symlinked ones really are (so a link into a volume counts as the volume). */
async function probe(paths: Iterable<string>): Promise<{ existing: Set<string>; resolved: Map<string, string> }> {
  const unique = [...new Set(paths)];
  const real = await Promise.all(unique.map((p) => fsp.realpath(p).catch(() => (existsSync(p) ? p : undefined))));
  const existing = new Set<string>();
  const resolved = new Map<string, string>();
  unique.forEach((p, i) => {
    const r = real[i];
    if (r === undefined) return;
    existing.add(p);
    if (r !== p) resolved.set(p, r);
  });
  return { existing, resolved };
}

function userName(env: Record<string, string>): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME;
  }
}

/**
 * This machine as a target: its mounts from mountinfo, its environment, and which catalog paths exist.
 * `home` defaults to `env.HOME` when an environment is given with one, else to os.homedir().
 */
export async function readSelfTarget(
  opts: { mountinfoFile?: string; env?: NodeJS.ProcessEnv; home?: string; cgroupFile?: string } = {},
): Promise<TargetInput> {
  const view = readView(opts.mountinfoFile, opts.cgroupFile);
  const env = definedOnly(Object.entries(opts.env ?? process.env));
  const home = opts.home ?? (opts.env && env.HOME?.startsWith('/') ? env.HOME : os.homedir());
  const user = userName(env);
  const catalogPaths = resolveCatalog(home, env).map((r) => r.path);
  const { existing: existingPaths, resolved: resolvedPaths } = await probe([...catalogPaths, ...ALWAYS_PROBED]);
  let hostname = '';
  try {
    hostname = os.hostname();
  } catch {
    hostname = '';
  }
  const name = hostname || view.containerId?.slice(0, 12) || 'self';
  return {
    kind: 'self',
    name,
    ...(view.containerId ? { id: view.containerId } : {}),
    ...(home ? { home } : {}),
    ...(user ? { user } : {}),
    env,
    // workingDir stays unset: the CLI's cwd is not the container's working directory.
    mounts: view.mounts,
    imageVolumes: [],
    rootStatus: view.rootStatus,
    rootReadOnly: view.rootReadOnly,
    existingPaths,
    ...(resolvedPaths.size > 0 ? { resolvedPaths } : {}),
  };
}

/** Where one path's bytes live, after symlinks are followed. */
export interface WhereResult {
  /** The path asked about, made absolute (relative paths against the process's cwd). */
  path: string;
  /** The same with symlinks resolved (through its nearest existing ancestor when it does not exist yet). */
  resolvedPath: string;
  status: Status;
  /** The mount point that decides; absent when the root's storage does. */
  mountPoint?: string;
  source?: string;
  readOnly: boolean;
  /**
   * What it survives. In a pod, the pod table's answer in these words: `restart` is a container restart (the
   * kubelet starts a new container), `recreate` and `composeUp` are the pod being deleted or rescheduled,
   * `reboot` the node's; `pod` has the pod's own words.
   */
  survives: Survival;
  pod?: { status: PodStatus; survives: PodSurvival; lifecycleUnknown?: string };
}

/**
 * The live mount table of this process, parsed once. `where` is what a save guard calls on every save:
 * one native realpath and a handful of map probes, no file read.
 */
export class LiveMountTable {
  private current!: MountTable;
  private currentView!: MountInfoView;

  private constructor(private readonly file: string | undefined) {
    this.refresh();
  }

  static load(mountinfoFile?: string): LiveMountTable {
    return new LiveMountTable(mountinfoFile);
  }

  /** Re-reads the mount table (after a mount or unmount). On failure the previous table stays. */
  refresh(): void {
    const view = readView(this.file);
    this.current = new MountTable(view.mounts, view.rootStatus, view.rootReadOnly);
    this.currentView = view;
  }

  get table(): MountTable {
    return this.current;
  }

  /** The interpreted mount table (container id, whether inside a container). */
  get view(): MountInfoView {
    return this.currentView;
  }

  where(p: string): WhereResult {
    const absolute = path.resolve(p);
    // realpath sees `link/..` physically; a lexical normalization first would get it wrong.
    const resolvedPath = resolveExisting(path.isAbsolute(p) ? p : `${process.cwd()}${path.sep}${p}`);
    const c = this.current.classify(resolvedPath);
    const m = c.mount;
    const pod = this.currentView.insidePod ? podView(m?.pod) : undefined;
    return {
      path: absolute,
      resolvedPath,
      status: c.status,
      ...(m && m.target !== '/' ? { mountPoint: m.target } : {}),
      ...(m?.source !== undefined ? { source: m.source } : {}),
      readOnly: c.readOnly,
      survives: pod ? inDockerWords(pod.survives) : c.survives,
      ...(pod ? { pod } : {}),
    };
  }
}

/** realpath of `p`, or of its nearest existing ancestor with the missing rest appended. */
function resolveExisting(p: string): string {
  const rest: string[] = [];
  let cur = p;
  for (;;) {
    try {
      const real = realpathSync.native(cur);
      return rest.length === 0 ? real : path.join(real, ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return p;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** A path's pod storage (the root's is the writable layer, which the kubelet does not keep across a restart). */
function podView(storage: PodStorage | undefined): NonNullable<WhereResult['pod']> {
  const s = storage ?? { status: 'writable-layer' as const };
  return { status: s.status, survives: podSurvivalOf(s), ...(s.lifecycleUnknown ? { lifecycleUnknown: s.lifecycleUnknown } : {}) };
}

/** The pod table's answer for what asks in Docker's words (the status bar, the save warning). */
function inDockerWords(p: PodSurvival): Survival {
  return {
    restart: p.containerRestart,
    recreate: p.podDelete,
    composeUp: p.podDelete,
    composeDownVolumes: p.pvcDelete && p.releaseDelete,
    reboot: p.nodeReboot,
  };
}
