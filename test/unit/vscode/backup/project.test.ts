import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetReport } from '../../../../src/core/types';
import { projectBackupDoneMessage } from '../../../../src/vscode/backup/describe';
import { buildPathsTree, contextValueOf } from '../../../../src/vscode/tree/build';

const container = (name: string, labels: Record<string, string>): TargetReport => ({
  kind: 'container',
  name,
  id: name.padEnd(12, '0'),
  role: 'service',
  roleReason: 'test',
  paths: [],
  labels,
});

describe('Back Up Project…', () => {
  it('is offered on a compose project of running containers when the engine answered, not on a file of services', () => {
    const scan = {
      targets: [
        container('demo-db-1', { 'com.docker.compose.project': 'demo' }),
        { kind: 'compose-service' as const, name: 'web', file: '/w/compose.yaml', role: 'service' as const, roleReason: 't', paths: [] },
      ],
      warnings: [],
      docker: { asked: true, reachable: true },
    };
    const tree = buildPathsTree(scan as never, { exists: () => false });
    const [project, file] = tree.roots;
    assert.equal(project?.kind === 'project' && project.name, 'demo');
    assert.match(
      contextValueOf(project!, () => false),
      /\bcomposeProject\b/,
    );
    assert.doesNotMatch(
      contextValueOf(file!, () => false),
      /\bcomposeProject\b/,
    );
    const offline = buildPathsTree({ ...scan, docker: { asked: true, reachable: false } } as never, { exists: () => false });
    assert.doesNotMatch(
      contextValueOf(offline.roots[0]!, () => false),
      /\bcomposeProject\b/,
    );
  });

  it('says how many members, where the set is, and what was left out', () => {
    const text = projectBackupDoneMessage(
      {
        setFile: '/b/demo.set.json',
        members: [{ result: { manifest: { bytes: 1000 } } }, { result: { manifest: { bytes: 24 } } }],
        skipped: ['/tmp of db: not there'],
        warnings: [],
        pruned: [],
      },
      'demo',
      5,
    );
    assert.match(
      text,
      /^Backed up compose project "demo": 2 members, .* set demo\.set\.json \(in \/b\)\. Not in the set: \/tmp of db: not there\.$/,
    );
  });
});
