/**
 * Which at-risk paths of one target deserve a warning in the file being diagnosed, and on which line.
 *
 * A warning belongs where the user can act on it: on the `volumes:`/`tmpfs:` entry (or `mounts` entry) that
 * declares the mount, on the `image:` line of a database image that has no volume on its data, or on the
 * environment variable that points a program's state at a path no volume covers. Paths that no line of this
 * file places (the home the image implies, a cache) stay in the tree view and the CLI: a squiggle nobody can
 * click away is noise.
 */
import { isWithin, normalizePosix } from '../../core/paths';
import { criticalityRank } from '../../core/survival';
import type { Category, Criticality, PathReport, SourceLocation, TargetReport } from '../../core/types';
import type { FindingCode } from './types';

/** Where one target's declarations are written, as far as the diagnosed file is concerned. */
export interface TargetPlaces {
  /** The diagnosed file (absolute): only locations in it become findings. */
  file: string;
  /** The service key (compose) or the object (devcontainer.json). */
  serviceAt?: SourceLocation;
  imageAt?: SourceLocation;
  /** Where each environment variable is written; values come from {@link env}. */
  environmentAt: Readonly<Record<string, SourceLocation>>;
  /** The target's environment after interpolation and merging. */
  env: Readonly<Record<string, string>>;
  /**
   * Whether a mount declared at `loc` is this target's own. A service that takes another's volumes through
   * `volumes_from` sees them too, but the warning (and its fix) belongs to the service that writes them.
   */
  ownsMountAt(loc: SourceLocation): boolean;
}

/** A warning before its fixes are planned. */
export interface RiskDraft {
  code: FindingCode;
  /** The path the fixes persist: the declared mount point, or the path itself. */
  path: string;
  at: SourceLocation;
  criticality: Criticality;
  category: Category;
  message: string;
  /** Declared by a mount entry at exactly {@link path} (the entry itself has to change). */
  declaredMount: boolean;
}

export function sameLocation(a: SourceLocation | undefined, b: SourceLocation | undefined): boolean {
  return !!a && !!b && a.file === b.file && a.line === b.line && a.column === b.column;
}

function byCriticality(a: PathReport, b: PathReport): number {
  return criticalityRank(b.criticality) - criticalityRank(a.criticality);
}

function named(p: PathReport): string {
  return p.label ? `${p.label} (${p.path})` : p.path;
}

/** A home-wide volume has a cost worth saying before the user accepts the fix. */
const HOME_CAVEAT =
  ' A volume on the whole home also hides what newer images put there (Docker fills only an empty volume); persisting the folders that matter is an alternative.';

export function findRisks(report: TargetReport, places: TargetPlaces, minimum: Criticality): RiskDraft[] {
  const inFile = (loc: SourceLocation | undefined): loc is SourceLocation => !!loc && loc.file === places.file;
  const floor = criticalityRank(minimum);
  const atRisk = report.paths.filter((p) => p.atRisk && p.criticality !== 'none' && criticalityRank(p.criticality) >= floor);

  // Declared mounts: one warning per entry, about the most critical data it holds.
  const groups = new Map<string, { at: SourceLocation; mountPoint: string; paths: PathReport[] }>();
  const undeclared: PathReport[] = [];
  for (const p of atRisk) {
    if (!p.declaredAt) {
      undeclared.push(p);
      continue;
    }
    if (!inFile(p.declaredAt) || !p.mountPoint || !places.ownsMountAt(p.declaredAt)) continue;
    const key = `${p.declaredAt.line}:${p.declaredAt.column}:${p.mountPoint}`;
    const group = groups.get(key) ?? { at: p.declaredAt, mountPoint: p.mountPoint, paths: [] };
    group.paths.push(p);
    groups.set(key, group);
  }

  const drafts: RiskDraft[] = [];
  for (const g of groups.values()) {
    const top = [...g.paths].sort(byCriticality)[0]!;
    const holding = top.path === g.mountPoint ? (top.label ? ` (${top.label})` : '') : `, which holds ${named(top)}`;
    const tmpfs = top.status === 'tmpfs';
    drafts.push({
      code: tmpfs ? 'tmpfs-over-data' : 'anonymous-volume',
      path: g.mountPoint,
      at: g.at,
      criticality: top.criticality,
      category: top.category,
      message: tmpfs
        ? `tmpfs at ${g.mountPoint}${holding}: it is in memory and wiped on every stop, restart and reboot.`
        : `Anonymous volume at ${g.mountPoint}${holding}: a recreated container (docker rm + run, compose down + up, a rebuild) gets a new, empty volume and this one is orphaned.`,
      declaredMount: true,
    });
  }

  const variables = Object.entries(places.environmentAt).filter(([name]) => places.env[name]?.startsWith('/'));
  const loose: RiskDraft[] = [];
  for (const p of undeclared) {
    if (p.category === 'database') {
      const at = inFile(places.imageAt) ? places.imageAt : inFile(places.serviceAt) ? places.serviceAt : undefined;
      if (!at) continue;
      loose.push({
        code: 'database-without-volume',
        path: p.mountPoint ?? p.path,
        at,
        criticality: p.criticality,
        category: p.category,
        message: `${p.label ?? 'Database data'} at ${p.path} has no volume of its own. ${p.reason}`,
        declaredMount: false,
      });
      continue;
    }
    const pointing = variables.find(([name, loc]) => inFile(loc) && normalizePosix(places.env[name]!) === p.path);
    if (!pointing) continue;
    const [name, at] = pointing;
    const isHome = name === 'HOME';
    loose.push({
      code: isHome ? 'home-not-persisted' : p.category === 'agent-state' ? 'agent-state-not-persisted' : 'env-path-not-persisted',
      path: p.path,
      at,
      criticality: p.criticality,
      category: p.category,
      message: `${name} points at ${isHome ? 'the home directory' : (p.label ?? 'data')} ${p.path}, ${uncovered(p.reason)}${isHome ? HOME_CAVEAT : ''}`,
      declaredMount: false,
    });
  }

  // Persisting a folder persists what is inside, except what another mount covers: a path under another
  // warned path, in the same storage and no more critical, adds nothing.
  const all = [...drafts, ...loose];
  const covered = (d: RiskDraft): boolean =>
    !d.declaredMount &&
    all.some(
      (o) => o !== d && o.path !== d.path && isWithin(d.path, o.path) && criticalityRank(o.criticality) >= criticalityRank(d.criticality),
    );
  return all.filter((d) => !covered(d));
}

/** "which no volume covers: it lives in …", without the reason saying "No volume covers this path" again. */
function uncovered(reason: string): string {
  const rest = /^No volume covers this path: (.*)$/s.exec(reason)?.[1];
  return rest ? `which no volume covers: ${rest}` : `which no volume covers. ${reason}`;
}
