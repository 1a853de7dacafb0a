import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTarget } from '../../../src/core/analyze';
import type { TargetInput } from '../../../src/core/types';
import { volumeInventory } from '../../../src/core/volume-inventory';
import { safeToPrune } from '../../../src/core/volume-removal';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function container(over: Partial<TargetInput>): TargetInput {
  return { kind: 'container', name: 'c', env: {}, mounts: [], imageVolumes: [], rootStatus: 'writable-layer', ...over };
}

describe('the volume inventory', () => {
  const db = analyzeTarget(
    container({
      name: 'demo-db-1',
      image: 'postgres:17',
      state: 'running',
      mounts: [{ target: '/var/lib/postgresql/data', status: 'named-volume', source: 'demo_pg', readOnly: false }],
    }),
  );
  const volumes = [
    { Name: 'demo_pg', Driver: 'local', Labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.volume': 'pg' } },
    { Name: 'external-data', Driver: 'local', Labels: null },
    { Name: A, Driver: 'local' },
    { Name: B, Driver: 'local' },
  ];
  const sightings = {
    [A]: {
      volume: A,
      path: '/data',
      container: 'demo-cache-1',
      service: 'cache',
      project: 'demo',
      seenAt: '2026-12-04T10:00:00Z',
      criticality: 'critical' as const,
      label: 'Redis data',
    },
  };
  const inv = volumeInventory(volumes, { targets: [db] }, sightings);
  const by = new Map(inv.map((v) => [v.name, v]));

  it('names users, project and key, what down -v does, and what each serves', () => {
    const pg = by.get('demo_pg')!;
    assert.deepEqual(pg.users, [{ container: 'demo-db-1', state: 'running', path: '/var/lib/postgresql/data', readOnly: false }]);
    assert.equal(pg.project, 'demo');
    assert.equal(pg.key, 'pg');
    assert.equal(pg.removedByDownV, true);
    assert.equal(pg.criticality, 'critical');
    assert.deepEqual(pg.serves, ['PostgreSQL data']);
    assert.equal(by.get('external-data')!.removedByDownV, false, 'compose did not make it: down -v leaves it');
    assert.equal(inv[0]!.name, 'demo_pg', 'volumes in use first');
  });

  it('an orphan carries where it was last seen and what it served then', () => {
    const orphan = by.get(A)!;
    assert.equal(orphan.anonymous, true);
    assert.equal(orphan.lastSeen?.path, '/data');
    assert.equal(orphan.criticality, 'critical');
    assert.deepEqual(orphan.serves, ['Redis data']);
  });

  it('a prune removes only what is unused and served nothing of criticality high or more', () => {
    assert.equal(safeToPrune(by.get('demo_pg')!), false, 'in use');
    assert.equal(safeToPrune(by.get(A)!), false, 'served critical data');
    assert.equal(safeToPrune(by.get(B)!), true, 'unused, never seen serving anything');
    assert.equal(safeToPrune(by.get('external-data')!), true);
  });
});
