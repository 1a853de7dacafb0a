import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { survivalOf } from '../../../src/core/survival';
import type { PathReport, TargetReport } from '../../../src/core/types';
import { scanReportMarkdown } from '../../../src/vscode/scan-report-markdown';

const path = (p: string, status: PathReport['status'], extra: Partial<PathReport> = {}): PathReport =>
  ({
    path: p,
    status,
    survives: survivalOf(status),
    atRisk: status !== 'named-volume',
    readOnly: false,
    criticality: 'high',
    category: 'data',
    reason: 'r',
    ...extra,
  }) as PathReport;

describe('the scan report as a Markdown document', () => {
  it('has a section per target, at-risk targets first, a table of paths with escaped cells, and the summary', () => {
    const safe: TargetReport = {
      kind: 'container',
      name: 'calm',
      role: 'service',
      roleReason: 'a test',
      paths: [path('/v', 'named-volume', { source: 'cfg' })],
    };
    const risky: TargetReport = {
      kind: 'compose-service',
      name: 'app',
      file: '/w/compose.yaml',
      role: 'service',
      roleReason: 'a test',
      paths: [path('/data', 'anonymous-volume', { source: 'a'.repeat(64), label: 'cache | store', holdsData: true })],
    };
    const md = scanReportMarkdown(
      { targets: [safe, risky], warnings: ['odd | thing'] },
      '1 of 2 targets has paths at risk.',
      new Date('2026-12-04T10:00:00Z'),
    );
    assert.match(md, /^# Persistence Lens: scan report\n\n1 of 2 targets has paths at risk\. Scanned 2026-12-04 10:00:00 UTC\./);
    assert.ok(md.indexOf('## compose service app') < md.indexOf('## container calm'), 'at risk first');
    assert.match(md, /\| ✗ holds data \| `\/data` \| anonymous volume `aaaaaaaaaaaa` \| high \| cache \\\| store \| lost on recreate/);
    assert.match(md, /\*\*1 path at risk\.\*\*/);
    assert.match(md, /\*\*Nothing at risk\.\*\*/);
    assert.match(md, /## Warnings\n\n- odd \\\| thing/);
  });
});
