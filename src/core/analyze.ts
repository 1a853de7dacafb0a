import { isInUse, sharedCatalog, type ResolvedCatalog } from './catalog';
import { wellKnownImageDataPaths } from './images';
import { MountTable, type Classification } from './mount-table';
import { decideRole } from './role';
import { isWithin, normalizePosix } from './paths';
import { explain } from './reasons';
import { criticalityRank, isAtRisk } from './survival';
import { explainPod } from './kubernetes-reasons';
import { isAtRiskInPod, podSurvivalOf } from './pod-survival';
import type {
  PodPathReport,
  PodStorage,
  Category,
  ChangeSummary,
  Criticality,
  Mount,
  PathOrigin,
  PathReport,
  SourceLocation,
  TargetInput,
  TargetReport,
} from './types';
import { homeOfPath } from './user';

/** A directory replaced at every start keeps nothing, whatever storage is under it. */
const NOTHING_SURVIVES = { restart: false, recreate: false, composeUp: false, composeDownVolumes: false, reboot: false } as const;

/** Listed for every workstation whose home is known, existing or not: the day they are created they are at risk. */
const ALWAYS_ON_WORKSTATIONS = new Set(['ssh', 'gitconfig']);

/** Directories whose mounts are plumbing, not data: never listed, still used to classify. */
const SYSTEM_PREFIXES = ['/proc', '/sys', '/dev'];

function isSystemPath(path: string): boolean {
  return SYSTEM_PREFIXES.some((p) => isWithin(path, p));
}

/**
 * The home of a target's user when the source could not read it: `HOME`, else an `XDG_*_HOME` under
 * `/home/<user>` or `/root`, else the `/home/<user>` the mounts point into, else root's.
 */
export function inferHome(input: Pick<TargetInput, 'home' | 'env' | 'mounts' | 'user'>): string | undefined {
  if (input.home) return normalizePosix(input.home);
  const fromEnv = input.env.HOME;
  if (fromEnv?.startsWith('/')) return normalizePosix(fromEnv);
  for (const v of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME']) {
    const h = input.env[v] && homeOfPath(input.env[v]!);
    if (h) return h;
  }
  for (const m of input.mounts) {
    const h = homeOfPath(m.target);
    if (h) return h;
  }
  if (input.user === 'root' || input.user === '0') return '/root';
  if (input.user && /^[a-z_][a-z0-9_-]*$/i.test(input.user)) return `/home/${input.user}`;
  return undefined;
}

/** The mounts of a target, plus an anonymous volume for every image VOLUME that no mount covers exactly. */
export function effectiveMounts(input: Pick<TargetInput, 'mounts' | 'imageVolumes' | 'image' | 'env'>): Mount[] {
  // A mount whose target is normal already (nearly all) is used as it is, not copied.
  const mounts = input.mounts.map((m) => {
    const target = normalizePosix(m.target);
    return target === m.target ? m : { ...m, target };
  });
  const data = wellKnownImageDataPaths(input.image);
  if (input.imageVolumes.length === 0 && !data.some((d) => d.imageVolume)) return mounts;
  const mounted = new Set(mounts.map((m) => m.target));
  const volumes = new Set(input.imageVolumes.map(normalizePosix));
  for (const d of data) if (d.imageVolume) volumes.add(d.path);
  const anonymous: Mount[] = [];
  for (const target of volumes) {
    if (mounted.has(target)) continue;
    anonymous.push({ target, status: 'anonymous-volume', readOnly: false, origin: 'image VOLUME' });
  }
  // Image volumes go first so that an explicit mount at the same point (already excluded) or a deeper one wins.
  return [...anonymous, ...mounts];
}

/** A path to report, before its storage is looked up. Every field is always present (one object shape). */
interface Candidate {
  path: string;
  origin: PathOrigin;
  orphanedEachStart: { instead: string } | undefined;
  label: string | undefined;
  criticality: Criticality | undefined;
  category: Category | undefined;
  declaredAt: SourceLocation | undefined;
}

/**
 * The candidates of one target by path (normalized by the caller). The first source of a path names it (mounts
 * come first); later ones may only fill in gaps.
 */
class Candidates extends Map<string, Candidate> {
  add(
    normal: string,
    origin: PathOrigin,
    label?: string,
    criticality?: Criticality,
    category?: Category,
    declaredAt?: SourceLocation,
    orphanedEachStart?: { instead: string },
  ): void {
    const existing = this.get(normal);
    if (existing) {
      existing.label ??= label;
      existing.criticality ??= criticality;
      existing.category ??= category;
      existing.declaredAt ??= declaredAt;
      return;
    }
    this.set(normal, { path: normal, origin, orphanedEachStart, label, criticality, category, declaredAt });
  }
}

/** How much a path matters when nothing in the catalog says so: by what was put there. */
function defaultImportance(origin: PathOrigin, c: Classification): { criticality: Criticality; category: Category } {
  if (origin === 'writable-layer') return { criticality: 'medium', category: 'data' };
  // A tmpfs somebody mounted on purpose is usually scratch space, but what lands there is gone on every stop:
  // flagged, at the lowest level. /tmp, /run and the runtime dir are `none` by the catalog.
  if (c.status === 'tmpfs') return { criticality: 'low', category: 'ephemeral' };
  // Somebody declared storage here (a mount or the image author's VOLUME): it holds data.
  return { criticality: c.status === 'anonymous-volume' ? 'high' : 'medium', category: 'data' };
}

export function analyzeTarget(input: TargetInput): TargetReport {
  const mounts = effectiveMounts(input);
  const table = new MountTable(mounts, input.rootStatus, input.rootReadOnly ?? false);
  const home = inferHome(input);
  const catalog = sharedCatalog(home, input.env);
  const candidates = new Candidates();

  // Mount points are normalized already (effectiveMounts).
  for (const m of mounts) {
    if (m.pseudo || isSystemPath(m.target) || m.target === '/') continue;
    candidates.add(m.target, m.origin === 'image VOLUME' ? 'image-volume' : 'mount', undefined, undefined, undefined, m.declaredAt);
  }

  const role = decideRole(input, home);
  // A service lists its mounts, its image's VOLUMEs, the known data directories and what its writable layer
  // holds; a person's home catalog and working directory only matter where a person works.
  if (role.role === 'workstation') {
    const evidence = { existingPaths: input.existingPaths, mounts };
    catalog.paths.forEach((r, i) => {
      if (!isInUse(r, evidence) && !ALWAYS_ON_WORKSTATIONS.has(r.entry.id)) return;
      const e = r.entry;
      candidates.add(catalog.normalPaths[i]!, 'catalog', e.label, e.criticality, e.category, undefined, e.orphanedEachStart);
    });
  }

  for (const d of wellKnownImageDataPaths(input.image)) {
    const moved = d.env ? input.env[d.env] : undefined;
    candidates.add(moved?.startsWith('/') ? normalizePosix(moved) : d.path, 'catalog', d.label, d.criticality, d.category);
  }

  const workingDir = input.workingDir && normalizePosix(input.workingDir);
  if (role.role === 'workstation' && workingDir && workingDir !== '/' && !isSystemPath(workingDir)) {
    candidates.add(workingDir, 'catalog', 'working directory', 'critical', 'workspace');
  }

  // Only what was written can be lost; a group of deletions alone holds nothing.
  for (const change of input.changes ?? []) {
    if (change.added + change.modified === 0) continue;
    candidates.add(normalizePosix(change.directory), 'writable-layer', 'written in the writable layer');
  }

  const kubernetes = input.platform === 'kubernetes';
  const paths: PathReport[] = [];
  for (const c of candidates.values()) {
    const realPath = input.resolvedPaths?.get(c.path);
    const report = toReport(c, table, catalog, realPath, input.changes);
    paths.push(kubernetes ? withPodTable(report, table.classify(realPath ?? c.path)) : report);
  }
  paths.sort(comparePaths);
  // Built field by field, in the documented order, rather than by spreading optional parts.
  const out = { kind: input.kind } as TargetReport;
  if (input.platform) out.platform = input.platform;
  out.name = input.name;
  if (input.id) out.id = input.id;
  if (input.file) out.file = input.file;
  if (input.image) out.image = input.image;
  if (home) out.home = home;
  if (input.state) out.state = input.state;
  if (input.labels) out.labels = input.labels;
  if (input.declaredAt) out.declaredAt = input.declaredAt;
  out.role = role.role;
  out.roleReason = role.reason;
  out.paths = paths;
  if (input.changes) out.changes = input.changes;
  return out;
}

/** The root of a pod's container: the writable layer, which a container restart already loses. */
const POD_ROOT: PodStorage = { status: 'writable-layer' };

/**
 * A Kubernetes target's path judged by the pod table: its pod status and fate, `atRisk` when the pod going
 * loses it, and the reason in Kubernetes' words. The Docker fields stay as the nearest Docker reading.
 */
function withPodTable(report: PathReport, cls: Classification): PathReport {
  // Coder's per-start script directories keep nothing, whatever the storage (toReport's reason says so).
  const orphaned = Object.values(report.survives).every((v) => !v) && report.reason.startsWith('Coder gives');
  const storage = cls.mount?.pod ?? (cls.mount ? undefined : POD_ROOT);
  if (!storage) return report; // a mount the source could not place in the pod's terms (pseudo, runtime files)
  const survives = orphaned
    ? { containerRestart: false, podDelete: false, nodeReboot: false, releaseDelete: false, pvcDelete: false }
    : podSurvivalOf(storage);
  const { status, ...facts } = storage;
  const pod: PodPathReport = { status, survives, storage: facts };
  const atRisk = report.criticality !== 'none' && isAtRiskInPod(survives, report.readOnly);
  const { holdsData, ...rest } = report;
  return {
    ...rest,
    atRisk,
    ...(holdsData && atRisk ? { holdsData } : {}),
    reason: orphaned ? report.reason : explainPod(report.path, storage, survives, report.readOnly, cls.mount?.target),
    pod,
  };
}

/**
 * Whether the writable layer holds files at `path`: a changes group inside it, or a group around it with an
 * example path inside it (groups are per home entry or two components deep, see changes.ts).
 */
function writableLayerHoldsData(path: string, changes: readonly ChangeSummary[] | undefined): boolean {
  return (changes ?? []).some(
    (s) =>
      s.added + s.modified > 0 &&
      (isWithin(s.directory, path) || (isWithin(path, s.directory) && s.examples.some((e) => isWithin(e, path)))),
  );
}

function toReport(
  c: Candidate,
  table: MountTable,
  catalog: ResolvedCatalog,
  realPath?: string,
  changes?: readonly ChangeSummary[],
): PathReport {
  const cls = table.classify(realPath ?? c.path);
  const nearest = c.criticality ? undefined : catalog.nearest(c.path);
  // A home-wide entry says little about a specific mount inside it; keep the mount's own importance then.
  const inherit = nearest && nearest.entry.id !== 'home' ? nearest.entry : undefined;
  let criticality = c.criticality ?? inherit?.criticality;
  let category = c.category ?? inherit?.category;
  if (criticality === undefined || category === undefined) {
    const fallback = defaultImportance(c.origin, cls);
    criticality ??= fallback.criticality;
    category ??= fallback.category;
  }
  const declaredAt = c.declaredAt ?? cls.mount?.declaredAt;
  const source = cls.mount?.source;
  const orphaned = c.orphanedEachStart ?? nearest?.entry.orphanedEachStart;
  const survives = orphaned ? NOTHING_SURVIVES : cls.survives;
  // Losing /tmp or /run is by design: such a path is never "at risk", wherever it is counted.
  const atRisk = criticality !== 'none' && isAtRisk(survives, cls.readOnly);
  const holdsData = atRisk && cls.status === 'writable-layer' && writableLayerHoldsData(realPath ?? c.path, changes);
  // Built field by field in this order (the order of the report's keys), rather than by spreading optional parts.
  const report = { path: c.path, status: cls.status } as PathReport;
  if (source !== undefined) report.source = source;
  report.readOnly = cls.readOnly;
  report.criticality = criticality;
  report.category = category;
  report.survives = survives;
  report.atRisk = atRisk;
  if (holdsData) report.holdsData = holdsData;
  report.reason = orphaned
    ? `Coder gives every script a new directory here at each start (its name holds an id that changes): whatever is written there is orphaned at the next start, even on a volume. Keep module state in ${orphaned.instead} instead.`
    : realPath
      ? `A symlink to ${realPath}. ${explain(realPath, cls)}`
      : explain(c.path, cls);
  if (c.label) report.label = c.label;
  if (cls.mount) report.mountPoint = cls.mount.target;
  report.origin = c.origin;
  if (declaredAt) report.declaredAt = declaredAt;
  return report;
}

/**
 * At risk first. Among those, critical paths lead (a database directory is the most alarming item of its
 * container, whether or not anything is known about its content); then the ones that hold data now above those
 * merely at risk; then by criticality, then by path.
 */
export function comparePaths(a: PathReport, b: PathReport): number {
  if (a.atRisk !== b.atRisk) return a.atRisk ? -1 : 1;
  const aCritical = a.criticality === 'critical';
  if (aCritical !== (b.criticality === 'critical')) return aCritical ? -1 : 1;
  if (!!a.holdsData !== !!b.holdsData) return a.holdsData ? -1 : 1;
  const byCriticality = criticalityRank(b.criticality) - criticalityRank(a.criticality);
  if (byCriticality !== 0) return byCriticality;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The paths at risk: the one definition the tree, the human output and the JSON count. */
export function pathsAtRisk(report: Pick<TargetReport, 'paths'>): PathReport[] {
  return report.paths.filter((p) => p.atRisk);
}

/** Whether a report has a path at risk at `level` or above (the CLI's --fail-on). */
export function hasRiskAtOrAbove(report: TargetReport, level: Criticality): boolean {
  const min = criticalityRank(level);
  return pathsAtRisk(report).some((p) => criticalityRank(p.criticality) >= min);
}
