import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes } from '../../../../src/core/bytes';
import type { OrphanedVolume } from '../../../../src/sources/docker/orphans';
import { buildPathsTree, contextValueOf } from '../../../../src/vscode/tree/build';
import type { OrphanNode } from '../../../../src/vscode/tree/nodes';
import { defaultRecoverName, orphanDescription, orphanTooltip, recoveredMessage } from '../../../../src/vscode/tree/present';

const ID = 'ab12cd34ef56'.padEnd(64, '0');
const seen: OrphanedVolume = {
  name: ID,
  driver: 'local',
  lastSeen: {
    volume: ID,
    path: '/data',
    container: 'demo-cache-1',
    project: 'demo',
    service: 'cache',
    image: 'redis:7',
    seenAt: '2026-12-04T10:11:12.000Z',
  },
};
const plain: OrphanedVolume = {
  name: 'ff'.repeat(32),
  driver: 'local',
  lastSeen: { volume: 'ff'.repeat(32), path: '/srv/my data/', container: 'web', seenAt: '2026-12-01T00:00:00.000Z' },
};
const unknown: OrphanedVolume = { name: '11'.repeat(32), driver: 'local', createdAt: '2026-11-30T00:00:00Z' };

describe('orphaned anonymous volumes in the Paths view', () => {
  it('get a root "Orphaned volumes" only when there are any, each volume a plOrphan child', () => {
    assert.equal(buildPathsTree({ targets: [], warnings: [] }, { exists: () => false }).roots.length, 0);
    assert.equal(buildPathsTree({ targets: [], warnings: [] }, { exists: () => false, orphans: [] }).roots.length, 0);
    const tree = buildPathsTree({ targets: [], warnings: [] }, { exists: () => false, orphans: [seen, unknown] });
    const root = tree.roots.at(-1)!;
    assert.equal(root.kind, 'orphans');
    assert.equal(
      contextValueOf(root, () => false),
      'plOrphans',
    );
    const kids = tree.childrenOf(root) as OrphanNode[];
    assert.deepEqual(
      kids.map((k) => k.orphan.name),
      [ID, unknown.name],
    );
    assert.equal(tree.parentOf(kids[0]!), root);
    assert.equal(
      contextValueOf(kids[0]!, () => false),
      'plOrphan',
    );
    assert.equal(tree.idOf(kids[0]!), `orphans/${ID}`);
  });

  it('say what each was for, with the whole id and the time it was last seen in the tooltip', () => {
    assert.equal(orphanDescription(seen), 'was /data of cache (project demo)');
    assert.equal(orphanDescription(unknown), 'never seen mounted by a scan');
    const tip = orphanTooltip(seen);
    assert.ok(tip.includes(ID), tip);
    assert.match(tip, /2026-12-04 10:11:12 UTC/);
    assert.match(tip, /demo\\-cache\\-1|demo-cache-1/);
  });

  it('propose a volume name Docker accepts: <project>_<basename>, <container>-<basename>, or recovered-<id>', () => {
    assert.equal(defaultRecoverName(seen), 'demo_data');
    assert.equal(defaultRecoverName(plain), 'web-my-data');
    assert.equal(defaultRecoverName(unknown), `recovered-${unknown.name.slice(0, 12)}`);
  });

  it('report what was recovered in one line', () => {
    assert.equal(
      recoveredMessage({ files: 1, bytes: 2048, into: 'demo_data', from: ID }),
      `Recovered 1 file (${formatBytes(2048)}) into demo_data, verified. Volume ab12cd34ef56 is unchanged.`,
    );
  });
});
