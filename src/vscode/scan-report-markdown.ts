import { pathsAtRisk } from '../core/analyze';
import { EVENT_SHORT_NAMES, lostOn } from '../core/survival';
import type { PathReport, ScanResult, TargetReport } from '../core/types';
import { shortVolumeName } from '../core/volume-removal';
import { STATUS_WORDS } from './tree/present';

/**
 * The scan report as a Markdown document (Show Scan Report): one section per target, its paths in a table, the
 * targets with something at risk first, the backend's one-line summary at the end. Pure: the command shows it.
 */

const KIND_TITLES: Record<TargetReport['kind'], string> = {
  self: 'this container',
  container: 'container',
  'compose-service': 'compose service',
  devcontainer: 'dev container',
} as Record<TargetReport['kind'], string>;

/** Text for a table cell: no line breaks, pipes and Markdown marks escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/([\\`*_[\]|<>])/g, '\\$1');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function fate(p: PathReport): string {
  if (p.readOnly) return 'read-only';
  const lost = lostOn(p.survives);
  if (lost.length === 0) return 'survives everything';
  if (lost.includes('restart')) return 'lost on every stop';
  return `lost on ${lost.map((e) => EVENT_SHORT_NAMES[e]).join(', ')}`;
}

function mark(p: PathReport): string {
  return p.atRisk ? (p.holdsData ? '✗ holds data' : '✗') : '✓';
}

function section(t: TargetReport): string {
  const title = `## ${KIND_TITLES[t.kind] ?? t.kind} ${cell(t.name)}`;
  const facts = [t.id && `id ${code(t.id.slice(0, 12))}`, t.image && `image ${code(t.image)}`, t.state].filter(Boolean).join(' · ');
  const where = t.declaredAt ? `${t.declaredAt.file}:${t.declaredAt.line}` : t.file;
  const atRisk = pathsAtRisk(t).length;
  const lines = [title, ''];
  if (facts) lines.push(facts, '');
  if (where) lines.push(`Declared in ${code(where)}`, '');
  lines.push(`A ${t.role}: ${cell(t.roleReason)}${t.home ? `; home ${code(t.home)}` : ''}.`, '');
  lines.push(atRisk === 0 ? '**Nothing at risk.**' : `**${atRisk} path${atRisk === 1 ? '' : 's'} at risk.**`, '');
  if (t.paths.length > 0) {
    lines.push('| | Path | Storage | Criticality | What | Fate |', '|:-:|---|---|---|---|---|');
    for (const p of t.paths) {
      const storage = `${STATUS_WORDS[p.status]}${p.source ? ` ${code(shortVolumeName(p.source))}` : ''}`;
      lines.push(
        `| ${mark(p)} | ${code(p.path)} | ${storage} | ${p.criticality} | ${cell((p.label ?? p.category).replace(/ \([^)]*\)$/, ''))} | ${fate(p)} |`,
      );
    }
    lines.push('');
  }
  const changes = (t.changes ?? []).filter((c) => c.added + c.modified > 0).slice(0, 8);
  if (changes.length > 0) {
    lines.push('The writable layer holds:', '');
    for (const c of changes)
      lines.push(
        `- ${code(c.directory)}: ${c.added + c.modified} file${c.added + c.modified === 1 ? '' : 's'} written${c.deleted ? `, ${c.deleted} deleted` : ''}`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

export function scanReportMarkdown(result: ScanResult, summary: string, at: Date = new Date()): string {
  const ordered = [...result.targets].sort((a, b) => Number(pathsAtRisk(b).length > 0) - Number(pathsAtRisk(a).length > 0));
  const out = [
    '# Persistence Lens: scan report',
    '',
    `${cell(summary)} Scanned ${at.toISOString().slice(0, 19).replace('T', ' ')} UTC.`,
    '',
  ];
  if (result.targets.length === 0)
    out.push('No targets found: not inside a container, no Docker Engine answered, and no compose file or devcontainer.json here.', '');
  for (const t of ordered) out.push(section(t));
  if (result.warnings.length > 0) out.push('## Warnings', '', ...result.warnings.map((w) => `- ${cell(w)}`), '');
  return out.join('\n');
}
