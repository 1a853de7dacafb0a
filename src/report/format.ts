import { pathsAtRisk } from '../core/analyze';
import { lostOn } from '../core/survival';
import { shortVolumeName } from '../core/volume-removal';
import { podFate, podStorageName } from './format-kubernetes';
import type { LifecycleEvent, PathReport, ScanResult, TargetReport } from '../core/types';
import { paint, table, type Style } from './style';

const KIND_TITLES: Record<TargetReport['kind'], string> = {
  self: 'this container',
  container: 'container',
  'compose-service': 'compose service',
  devcontainer: 'dev container',
  'kubernetes-container': 'pod container',
};

/** The human output fits this many columns: a terminal's default, and what a CI log shows unwrapped. */
export const OUTPUT_WIDTH = 120;

/** Shortens text to `max` characters by cutting its middle, where paths and names differ least. */
export function middleEllipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= 1) return '…';
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

function header(t: TargetReport, color: boolean): string {
  const bits = [paint(color, 'bold', `${KIND_TITLES[t.kind]} ${t.name}`)];
  if (t.id) bits.push(paint(color, 'gray', t.id.slice(0, 12)));
  if (t.image) bits.push(`image ${middleEllipsis(t.image, 48)}`);
  if (t.state) bits.push(`[${t.state}]`);
  const lines = [bits.join('  ')];
  const where = t.declaredAt ? `${t.declaredAt.file}:${t.declaredAt.line}` : t.file;
  if (where) lines.push(paint(color, 'gray', `  declared in ${middleEllipsis(where, OUTPUT_WIDTH - 14)}`));
  lines.push(paint(color, 'gray', `  ${t.role} (${middleEllipsis(t.roleReason, OUTPUT_WIDTH - 40)})${t.home ? `, home ${t.home}` : ''}`));
  return lines.join('\n');
}

function pathStyle(p: PathReport): Style {
  if (!p.atRisk) return 'green';
  if (p.criticality === 'critical' || p.criticality === 'high') return 'red';
  return 'yellow';
}

/** Event names short enough for a table cell; the JSON and Show Survival Details give the full sentences. */
const TABLE_EVENT_NAMES: Record<LifecycleEvent, string> = {
  restart: 'restart',
  recreate: 'recreate',
  composeUp: 'up',
  composeDownVolumes: 'down -v',
  reboot: 'reboot',
};

function fate(p: PathReport): string {
  if (p.readOnly) return 'read-only';
  if (p.pod) return podFate(p.pod);
  const lost = lostOn(p.survives);
  if (lost.length === 0) return 'survives everything';
  if (lost.includes('restart')) return 'lost on every stop';
  return `lost on ${lost.map((e) => TABLE_EVENT_NAMES[e]).join(', ')}`;
}

const STORAGE_NAMES: Record<PathReport['status'], string> = {
  'named-volume': 'volume',
  'anonymous-volume': 'anonymous',
  'bind-mount': 'bind',
  tmpfs: 'tmpfs',
  'writable-layer': 'writable layer',
};

function storage(p: PathReport): string {
  if (p.pod) return podStorageName(p.pod);
  return p.source ? `${STORAGE_NAMES[p.status]} ${shortVolumeName(p.source)}` : STORAGE_NAMES[p.status];
}

/** The catalog's labels without their parenthetical (the path beside them already says it). */
function shortLabel(p: PathReport): string {
  return (p.label ?? p.category).replace(/ \([^)]*\)$/, '');
}

/** ✗ at risk, ✗! at risk and holding data now, ✓ kept. */
function mark(p: PathReport): string {
  return p.atRisk ? (p.holdsData ? '✗!' : '✗') : '✓';
}

/**
 * Cuts the middle of cells until the rows fit `width`: the columns named in `shrink`, in that order, each
 * down to its minimum. Paths stay whole as long as anything else can give.
 */
function fit(rows: string[][], width: number, shrink: ReadonlyArray<{ column: number; min: number }>, gap = 2): string[][] {
  const widthOf = (col: number): number => Math.max(0, ...rows.map((r) => [...(r[col] ?? '')].length));
  const total = (): number => (rows[0] ? rows[0].reduce((sum, _, i) => sum + widthOf(i) + (i === rows[0]!.length - 1 ? 0 : gap), 0) : 0);
  for (const { column, min } of shrink) {
    const over = total() - width;
    if (over <= 0) break;
    const target = Math.max(min, widthOf(column) - over);
    for (const r of rows) if (r[column] !== undefined) r[column] = middleEllipsis(r[column]!, target);
  }
  return rows;
}

/** Human output: the targets with something at risk first, at-risk paths first, 120 columns, a summary line last. */
export function formatScan(result: ScanResult, color: boolean): string {
  const blocks: string[] = [];
  const ordered = [...result.targets].sort((a, b) => Number(pathsAtRisk(b).length > 0) - Number(pathsAtRisk(a).length > 0));
  for (const t of ordered) {
    const rows = t.paths.map((p) => [mark(p), p.path, storage(p), p.criticality, shortLabel(p), fate(p)]);
    // Two spaces of indent: the table gets the rest. Sources give first (their middle is the least telling),
    // then labels, and paths last.
    const aligned = table(
      fit(rows, OUTPUT_WIDTH - 2, [
        { column: 2, min: 22 },
        { column: 4, min: 12 },
        { column: 1, min: 26 },
        { column: 5, min: 18 },
      ]),
    );
    const body = aligned.map((cells, i) => `  ${paint(color, pathStyle(t.paths[i]!), cells.join(''))}`);
    const atRisk = pathsAtRisk(t).length;
    const summary =
      atRisk === 0 ? paint(color, 'green', '  nothing at risk') : paint(color, 'red', `  ${atRisk} path${atRisk === 1 ? '' : 's'} at risk`);
    const layer = (t.changes ?? []).slice(0, 8).map((c) => {
      const n = c.added + c.modified;
      return paint(
        color,
        'gray',
        `    ${middleEllipsis(c.directory, OUTPUT_WIDTH - 40)}: ${n} file${n === 1 ? '' : 's'} written${c.deleted ? `, ${c.deleted} deleted` : ''}`,
      );
    });
    blocks.push(
      [header(t, color), summary, ...body, ...(layer.length ? [paint(color, 'gray', '  the writable layer holds:'), ...layer] : [])].join(
        '\n',
      ),
    );
  }
  if (result.targets.length === 0)
    blocks.push('No targets found: not inside a container, no Docker Engine answered, and no compose file or devcontainer.json here.');
  const warnings = result.warnings.map((w) => paint(color, 'yellow', `warning: ${w}`));
  const tail = result.targets.length > 0 ? [summaryLine(result, color)] : [];
  return [...blocks, ...warnings, ...tail].join('\n\n') + '\n';
}

/** "2 of 3 targets have paths at risk: 14 paths, 3 of them critical, 2 holding data now." */
export function summaryLine(result: ScanResult, color: boolean): string {
  const risky = result.targets.map(pathsAtRisk);
  const paths = risky.flat();
  const n = result.targets.length;
  if (paths.length === 0) return paint(color, 'green', `${n} target${n === 1 ? '' : 's'}, nothing at risk.`);
  const withRisk = risky.filter((r) => r.length > 0).length;
  const critical = paths.filter((p) => p.criticality === 'critical').length;
  const holding = paths.filter((p) => p.holdsData).length;
  const details = [
    `${paths.length} path${paths.length === 1 ? '' : 's'}`,
    ...(critical ? [`${critical} of them critical`] : []),
    ...(holding ? [`${holding} holding data now (✗!)`] : []),
  ];
  return paint(
    color,
    'red',
    `${withRisk} of ${n} target${n === 1 ? '' : 's'} ${withRisk === 1 ? 'has' : 'have'} paths at risk: ${details.join(', ')}.`,
  );
}

/**
 * The documented, stable JSON of `scan --json` (README, "JSON output"). Every object has all its keys, in the
 * documented order; an absent optional field is `undefined`, which JSON.stringify leaves out. One object shape
 * for all 1,500 paths of a 100-container scan, made in one allocation each, instead of spreading optional parts.
 */
export function scanJson(result: ScanResult): unknown {
  return { targets: result.targets.map(targetJson), warnings: result.warnings };
}

function targetJson(t: TargetReport): unknown {
  return {
    kind: t.kind,
    platform: t.platform || undefined,
    name: t.name,
    id: t.id || undefined,
    file: t.file || undefined,
    image: t.image || undefined,
    state: t.state || undefined,
    home: t.home || undefined,
    labels: t.labels || undefined,
    role: t.role,
    roleReason: t.roleReason,
    atRisk: pathsAtRisk(t).length,
    paths: t.paths.map(pathJson),
    changes: t.changes || undefined,
  };
}

function pathJson(p: PathReport): unknown {
  return {
    path: p.path,
    // A pod's path speaks Kubernetes: its pod status, the pod table's events, and the storage's facts.
    status: p.pod ? p.pod.status : p.status,
    storage: p.pod ? p.pod.storage : undefined,
    source: p.source,
    readOnly: p.readOnly,
    atRisk: p.atRisk,
    holdsData: p.holdsData ? true : undefined,
    criticality: p.criticality,
    category: p.category,
    label: p.label || undefined,
    mountPoint: p.mountPoint || undefined,
    origin: p.origin,
    survives: p.pod ? p.pod.survives : p.survives,
    reason: p.reason,
    declaredAt: p.declaredAt || undefined,
  };
}
