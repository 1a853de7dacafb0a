import { pathsAtRisk } from '../core/analyze';
import { lostOn, EVENT_SHORT_NAMES } from '../core/survival';
import type { PathReport, ScanResult, TargetReport } from '../core/types';
import { paint, table, type Style } from './output';

const KIND_TITLES: Record<TargetReport['kind'], string> = {
  self: 'this container',
  container: 'container',
  'compose-service': 'compose service',
  devcontainer: 'dev container',
};

function header(t: TargetReport, color: boolean): string {
  const bits = [paint(color, 'bold', `${KIND_TITLES[t.kind]} ${t.name}`)];
  if (t.id) bits.push(paint(color, 'gray', t.id.slice(0, 12)));
  if (t.image) bits.push(`image ${t.image}`);
  if (t.state) bits.push(`[${t.state}]`);
  const lines = [bits.join('  ')];
  const where = t.declaredAt ? `${t.declaredAt.file}:${t.declaredAt.line}` : t.file;
  if (where) lines.push(paint(color, 'gray', `  declared in ${where}`));
  lines.push(paint(color, 'gray', `  home ${t.home ?? 'unknown'}`));
  return lines.join('\n');
}

function pathStyle(p: PathReport): Style {
  if (!p.atRisk) return 'green';
  if (p.criticality === 'critical' || p.criticality === 'high') return 'red';
  if (p.criticality === 'none') return 'gray';
  return 'yellow';
}

function fate(p: PathReport): string {
  if (p.readOnly) return 'read-only';
  const lost = lostOn(p.survives).map((e) => EVENT_SHORT_NAMES[e]);
  return lost.length === 0 ? 'survives everything' : `lost on ${lost.join(', ')}`;
}

function storage(p: PathReport): string {
  return p.source ? `${p.status} ${p.source}` : p.status;
}

/** Human output: one block per target, at-risk paths first, columns aligned, colored on a TTY. */
export function formatScan(result: ScanResult, color: boolean): string {
  const blocks: string[] = [];
  for (const t of result.targets) {
    const rows = t.paths.map((p) => [p.atRisk ? '✗' : '✓', p.path, storage(p), p.criticality, `${p.label ?? p.category}${p.holdsData ? ' (holds data now)' : ''}`, fate(p)]);
    const aligned = table(rows);
    const body = aligned.map((cells, i) => `  ${paint(color, pathStyle(t.paths[i]!), cells.join(''))}`);
    const atRisk = pathsAtRisk(t).length;
    const summary = atRisk === 0 ? paint(color, 'green', '  nothing at risk') : paint(color, 'red', `  ${atRisk} path${atRisk === 1 ? '' : 's'} at risk`);
    const layer = (t.changes ?? []).slice(0, 8).map((c) => {
      const n = c.added + c.modified;
      return paint(color, 'gray', `    ${c.directory}: ${n} file${n === 1 ? '' : 's'} written${c.deleted ? `, ${c.deleted} deleted` : ''}`);
    });
    blocks.push(
      [header(t, color), summary, ...body, ...(layer.length ? [paint(color, 'gray', '  the writable layer holds:'), ...layer] : [])].join('\n'),
    );
  }
  if (result.targets.length === 0) blocks.push('No targets found: not inside a container, no Docker Engine answered, and no compose file or devcontainer.json here.');
  const warnings = result.warnings.map((w) => paint(color, 'yellow', `warning: ${w}`));
  return [...blocks, ...warnings].join('\n\n') + '\n';
}

/** The documented, stable JSON of `scan --json` (README, "JSON output"). */
export function scanJson(result: ScanResult): unknown {
  return {
    targets: result.targets.map((t) => ({
      kind: t.kind,
      name: t.name,
      ...(t.id ? { id: t.id } : {}),
      ...(t.file ? { file: t.file } : {}),
      ...(t.image ? { image: t.image } : {}),
      ...(t.state ? { state: t.state } : {}),
      ...(t.home ? { home: t.home } : {}),
      ...(t.labels ? { labels: t.labels } : {}),
      role: t.role,
      roleReason: t.roleReason,
      atRisk: pathsAtRisk(t).length,
      paths: t.paths.map((p) => ({
        path: p.path,
        status: p.status,
        ...(p.source !== undefined ? { source: p.source } : {}),
        readOnly: p.readOnly,
        atRisk: p.atRisk,
        ...(p.holdsData ? { holdsData: true } : {}),
        criticality: p.criticality,
        category: p.category,
        ...(p.label ? { label: p.label } : {}),
        ...(p.mountPoint ? { mountPoint: p.mountPoint } : {}),
        origin: p.origin,
        survives: p.survives,
        reason: p.reason,
        ...(p.declaredAt ? { declaredAt: p.declaredAt } : {}),
      })),
      ...(t.changes ? { changes: t.changes } : {}),
    })),
    warnings: result.warnings,
  };
}
