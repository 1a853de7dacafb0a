import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VolumeReport } from '../../../src/core/volume-inventory';
import { holdsText, inUseText, prunePlan, removalDecision, shortVolumeName } from '../../../src/core/volume-removal';
import { volumeDescription, volumeItem, volumesSummary, volumeTooltip } from '../../../src/vscode/volumes/present';

const A = 'ab12cd34ef56'.padEnd(64, '0');

function volume(over: Partial<VolumeReport>): VolumeReport {
  return { name: 'v', anonymous: false, driver: 'local', users: [], removedByDownV: false, serves: [], ...over };
}

const inUse = volume({
  name: 'shop_pg',
  users: [{ container: 'shop-db-1', state: 'exited', path: '/var/lib/postgresql/data', readOnly: false }],
  criticality: 'critical',
  serves: ['PostgreSQL data'],
  project: 'shop',
  key: 'pg',
  removedByDownV: true,
});
const orphan = volume({
  name: A,
  anonymous: true,
  criticality: 'high',
  serves: ['Application state'],
  lastSeen: {
    volume: A,
    path: '/var/lib/app',
    container: 'demo-app-1',
    service: 'app',
    project: 'demo',
    seenAt: '2026-12-04T10:11:12.000Z',
    criticality: 'high',
  },
});
const namedData = volume({ name: 'keepme', criticality: 'critical', serves: ['Redis data'] });
const spare = volume({ name: 'spare' });
const cache = volume({ name: 'cache', criticality: 'medium', serves: ['Cache'] });

describe('the volume removal policy', () => {
  it('refuses a volume a container mounts, even a stopped one, naming it', () => {
    const d = removalDecision(inUse);
    assert.equal(d.kind, 'in-use');
    assert.equal(
      inUseText(inUse.name, inUse.users),
      'volume shop_pg is in use by shop-db-1:/var/lib/postgresql/data (exited): remove or recreate that container first',
    );
  });

  it('asks before data of criticality high or more goes, naming what it holds; an orphaned anonymous volume is offered Recover Into… first', () => {
    const d = removalDecision(orphan);
    assert.deepEqual(d, {
      kind: 'ask',
      criticality: 'high',
      holds: 'Application state (high), last mounted at /var/lib/app of app (project demo)',
      offers: ['recover', 'back-up'],
    });
    const n = removalDecision(namedData);
    assert.equal(n.kind, 'ask');
    assert.deepEqual(n.kind === 'ask' && n.offers, ['back-up'], 'a named volume is not an orphan: a backup only');
  });

  it('removes an unused volume that serves nothing, or nothing above medium', () => {
    assert.equal(removalDecision(spare).kind, 'remove');
    assert.equal(removalDecision(cache).kind, 'remove');
  });

  it('a prune plan: removes the low ones, asks for the rest, leaves volumes in use out', () => {
    const plan = prunePlan([inUse, orphan, namedData, spare, cache]);
    assert.deepEqual(
      plan.remove.map((v) => v.name),
      ['spare', 'cache'],
    );
    assert.deepEqual(
      plan.ask.map((v) => v.name),
      [A, 'keepme'],
    );
    assert.equal(plan.inUse, 1);
  });

  it('short ids for anonymous volumes only; what a volume holds without any record', () => {
    assert.equal(shortVolumeName(A), 'ab12cd34ef56');
    assert.equal(shortVolumeName('my_volume'), 'my_volume');
    assert.equal(holdsText(volume({ criticality: 'high' })), 'data (high)');
  });
});

describe('the Volumes view model', () => {
  it('an orphan: short id, where it was, menus for Recover Into… and a Remove that asks', () => {
    const item = volumeItem(orphan);
    assert.equal(item.label, 'ab12cd34ef56');
    assert.equal(item.description, 'unused, was /var/lib/app of app (project demo) · high');
    assert.equal(item.contextValue, 'plVolume unused orphan holdsData');
    assert.ok(item.tooltip.includes(A), 'the full id in the tooltip');
    assert.match(item.tooltip, /Last seen at `\/var\/lib\/app` of demo-app-1 \(project demo\), 2026-12-04 10:11:12 UTC/);
    assert.deepEqual(item.icon, { id: 'warning', color: 'charts.orange' });
  });

  it('a volume in use: who, where, in which state; its project and key; what down -v does', () => {
    const item = volumeItem(inUse);
    assert.equal(item.label, 'shop_pg');
    assert.equal(item.contextValue, 'plVolume inUse');
    assert.equal(item.description, 'shop-db-1:/var/lib/postgresql/data (exited) · critical');
    assert.match(item.tooltip, /Compose project `shop`, key `pg`/);
    assert.match(item.tooltip, /`compose down -v` of its project deletes it/);
    assert.match(item.tooltip, /Holds: PostgreSQL data \(criticality critical\)/);
    assert.match(volumeTooltip(spare), /`compose down -v` keeps it/);
  });

  it('sizes only once measured, with how long /system/df took', () => {
    assert.equal(volumeDescription(spare), 'unused');
    assert.doesNotMatch(volumeTooltip(spare), /Size/);
    const sized = { ...spare, size: 2048 };
    assert.equal(volumeDescription(sized), 'unused · 2.05 kB');
    assert.match(
      volumeTooltip(sized, { ms: 1234, at: Date.UTC(2026, 11, 5, 3, 4, 5) }),
      /Size: 2\.05 kB \(measured 03:04:05 UTC; \/system\/df took 1234 ms\)/,
    );
    assert.match(volumeTooltip(spare, { ms: 10, at: 0 }), /Size: not counted by the engine/);
    assert.equal(volumeItem(spare).contextValue, 'plVolume unused');
    assert.equal(volumesSummary([inUse, orphan, spare]), '3 volumes, 2 unused');
  });
});
