import { CRITICALITIES, type Criticality, type Status, type TargetReport } from '../core/types';

/**
 * The pure part of project sets (project-set.ts): which volumes and paths of a compose project or a container
 * make up its set, in which order, the set manifest, and where each member goes back on a restore.
 */

export const SET_FORMAT = 'persistence-lens-set/1';
export const SET_SUFFIX = '.set.json';
export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';
export const COMPOSE_VOLUME = 'com.docker.compose.volume';

/** One container of the project, as the engine describes it (from inspect). */
export interface SetContainer {
  name: string;
  id: string;
  /** The compose service (label), when it is one. */
  service?: string;
  /** Its volume mounts: engine name, mount point, compose volume key (the volume's label), read-only. */
  volumes: Array<{ name: string; target: string; key?: string; anonymous: boolean }>;
  /** Every mount point (volumes, binds, tmpfs): a path under one is not archived from the container. */
  mountPoints: string[];
}

export type MemberKind = 'volume' | 'container-path';

export interface PlannedMember {
  /** Unique in the set, file-name safe: the compose volume key, or `<service|container>-<path>`. */
  key: string;
  kind: MemberKind;
  /** A named volume: its engine name. */
  volume?: string;
  /** A path: the container (name) and the service it runs. */
  container?: string;
  service?: string;
  /** The container path: where the volume is mounted (the first user seen), or the path archived. */
  path: string;
  /** The storage of the path (named-volume for volumes; writable-layer, anonymous-volume or tmpfs for paths). */
  status: Status;
  criticality: Criticality;
}

export interface PlanResult {
  members: PlannedMember[];
  /** What was left out and why (a sentence each). */
  skipped: string[];
}

const rank = (c: Criticality): number => CRITICALITIES.indexOf(c);
const under = (path: string, mount: string): boolean => mount === '/' || path === mount || path.startsWith(`${mount}/`);
const strictlyUnder = (path: string, mount: string): boolean => path !== mount && under(path, mount);

/** `/home/coder/.ssh` → `home-coder-.ssh` (file-name safe, never empty). */
export function pathKey(path: string): string {
  return (
    path
      .replace(/^\/+|\/+$/g, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+/, '') || 'root'
  );
}

/** The compose key of a volume: its label, else its name without the `<project>_` prefix, else its name. */
export function volumeKey(name: string, label: string | undefined, project: string | undefined): string {
  if (label) return label;
  if (project && name.startsWith(`${project}_`)) return name.slice(project.length + 1);
  return name;
}

/**
 * The members of a set, most critical first: every named volume the containers mount (a volume's criticality is
 * the highest of the scan's paths it keeps), and every path the scan calls at risk that holds data (writable
 * layer, anonymous volume, tmpfs; criticality above none), except a path under another mount (its mount's own
 * member or a bind keeps it) or under another at-risk path of the same container (archived with it).
 */
export function planMembers(targets: TargetReport[], containers: SetContainer[], project?: string): PlanResult {
  const skipped: string[] = [];
  const volumes = new Map<string, PlannedMember>();
  const paths: PlannedMember[] = [];
  const byName = new Map(containers.map((c) => [c.name, c]));
  const byId = new Map(containers.map((c) => [c.id, c]));
  for (const c of containers) {
    for (const v of c.volumes) {
      if (v.anonymous || volumes.has(v.name)) continue;
      volumes.set(v.name, {
        key: volumeKey(v.name, v.key, project),
        kind: 'volume',
        volume: v.name,
        path: v.target,
        status: 'named-volume',
        criticality: 'none',
        ...(c.service ? { service: c.service } : {}),
      });
    }
  }
  for (const t of targets) {
    const c = (t.id ? byId.get(t.id) : undefined) ?? byName.get(t.name);
    if (!c) continue;
    const candidates: PlannedMember[] = [];
    for (const p of t.paths) {
      if (p.status === 'named-volume' && p.source && volumes.has(p.source)) {
        const m = volumes.get(p.source)!;
        if (rank(p.criticality) < rank(m.criticality)) m.criticality = p.criticality;
        continue;
      }
      if (p.status !== 'writable-layer' && p.status !== 'anonymous-volume' && p.status !== 'tmpfs') continue;
      if (!p.atRisk) continue;
      if (p.criticality === 'none') {
        skipped.push(`${p.path} of ${c.name}: nothing worth keeping (criticality none)`);
        continue;
      }
      // the writable layer: only what holds data now (the engine's changes list says so)
      if (p.status === 'writable-layer' && p.holdsData !== true) continue;
      const inside = c.mountPoints.find((m) => strictlyUnder(p.path, m) && (p.status === 'writable-layer' || m !== p.mountPoint));
      if (inside !== undefined) {
        skipped.push(`${p.path} of ${c.name}: under the mount ${inside}, archived with it or kept by it`);
        continue;
      }
      candidates.push({
        key: `${pathKeyPrefix(c)}-${pathKey(p.path)}`,
        kind: 'container-path',
        container: c.name,
        ...(c.service ? { service: c.service } : {}),
        path: p.path,
        status: p.status,
        criticality: p.criticality,
      });
    }
    // an at-risk path inside another one of the same container is archived with it (keeps the higher criticality)
    for (const m of candidates) {
      const outer = candidates.find((o) => o !== m && strictlyUnder(m.path, o.path));
      if (outer) {
        if (rank(m.criticality) < rank(outer.criticality)) outer.criticality = m.criticality;
        continue;
      }
      if (!paths.some((x) => x.container === m.container && x.path === m.path)) paths.push(m);
    }
  }
  const members = [...volumes.values(), ...paths].sort(memberOrder);
  // keys unique: a second `data` becomes `data-2`
  const seen = new Set<string>();
  for (const m of members) {
    let k = m.key;
    for (let i = 2; seen.has(k); i++) k = `${m.key}-${i}`;
    m.key = k;
    seen.add(k);
  }
  return { members, skipped };
}

function pathKeyPrefix(c: SetContainer): string {
  return (c.service ?? c.name).replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** Most critical first; then volumes before paths; then by key. */
export function memberOrder(
  a: Pick<PlannedMember, 'criticality' | 'kind' | 'key'>,
  b: Pick<PlannedMember, 'criticality' | 'kind' | 'key'>,
): number {
  return (
    rank(a.criticality) - rank(b.criticality) ||
    (a.kind === b.kind ? 0 : a.kind === 'volume' ? -1 : 1) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

/** One member as the set manifest records it. */
export interface SetMember extends PlannedMember {
  /** File name of the member's archive, in the set's folder (its manifest beside it). */
  archive: string;
  sha256: string;
  archiveBytes: number;
  entries: number;
  bytes: number;
}

export interface SetManifest {
  format: typeof SET_FORMAT;
  /** What the set is of: a compose project, or one container. */
  kind: 'project' | 'container';
  /** The compose project (kind project), or the container's (kind container, when it is in one). */
  project?: string;
  /** kind container: the container's name. */
  container?: string;
  createdAt: string;
  /** Order of the sets of one project/container in the folder (retention), one more than the highest there. */
  sequence: number;
  engine?: string;
  members: SetMember[];
  skipped?: string[];
}

const isStr = (x: unknown): x is string => typeof x === 'string';

export function isSetManifest(value: unknown): value is SetManifest {
  const m = value as Partial<SetManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== SET_FORMAT) return false;
  if (m.kind !== 'project' && m.kind !== 'container') return false;
  if (!isStr(m.createdAt) || typeof m.sequence !== 'number' || !Array.isArray(m.members)) return false;
  return m.members.every(
    (x: Partial<SetMember>) =>
      typeof x === 'object' &&
      x !== null &&
      isStr(x.key) &&
      /^[A-Za-z0-9._-]+$/.test(x.key) &&
      (x.kind === 'volume' || x.kind === 'container-path') &&
      isStr(x.path) &&
      isStr(x.archive) &&
      // a member is a file of the set's own folder, never a path elsewhere
      !x.archive.includes('/') &&
      x.archive !== '..' &&
      isStr(x.sha256) &&
      /^[0-9a-f]{64}$/.test(x.sha256) &&
      (x.kind === 'volume' ? isStr(x.volume) : isStr(x.container)),
  );
}

/** What a set groups by for retention: its project, else its container. */
export function setOwner(m: Pick<SetManifest, 'kind' | 'project' | 'container'>): string {
  return m.kind === 'project' ? `project:${m.project ?? ''}` : `container:${m.container ?? ''}`;
}

/**
 * Where a volume member goes: the original volume when restoring into the project it came from, else
 * `<project>_<key>` (the name compose gives the project's volume `key`).
 */
export function targetVolumeName(member: Pick<SetMember, 'volume' | 'key'>, set: Pick<SetManifest, 'project'>, project: string): string {
  if (set.project === project && member.volume) return member.volume;
  return `${project}_${member.key}`;
}

/**
 * Retention of sets: the sets of the same owner newest first (by sequence, then name); those beyond `keep` go.
 * Returns the sets to delete and, for each, the member archives that may be deleted with it: those no kept set
 * names (an archive shared with a kept set stays).
 */
export function setsToPrune<T extends { file: string; manifest: SetManifest }>(
  sets: T[],
  owner: string,
  keep: number,
  justMade?: string,
): Array<{ set: T; archives: string[] }> {
  if (!(keep > 0)) return [];
  const same = sets
    .filter((s) => setOwner(s.manifest) === owner)
    .sort((a, b) => b.manifest.sequence - a.manifest.sequence || (a.file < b.file ? 1 : -1));
  if (justMade !== undefined) {
    const i = same.findIndex((s) => s.file === justMade);
    if (i > 0) same.unshift(...same.splice(i, 1));
  }
  const kept = same.slice(0, keep);
  const inKept = new Set(kept.flatMap((s) => s.manifest.members.map((m) => m.archive)));
  // any set of another owner that names an archive keeps it too
  for (const s of sets) if (setOwner(s.manifest) !== owner) for (const m of s.manifest.members) inKept.add(m.archive);
  return same
    .slice(keep)
    .filter((s) => s.file !== justMade)
    .map((set) => ({ set, archives: set.manifest.members.map((m) => m.archive).filter((a) => !inKept.has(a)) }));
}
