import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { criticalityRank, isAtRisk, lostOn, survivalOf } from '../../../src/core/survival';
import { STATUSES } from '../../../src/core/types';

describe('survival table', () => {
  // The table as the issue states it, restated here on purpose: the code's table must not drift from the
  // product's documented promise. The integration tier proves the same cells on a real engine.
  const documented = {
    'named-volume': [true, true, true, false, true],
    'anonymous-volume': [true, false, true, false, true],
    'bind-mount': [true, true, true, true, true],
    tmpfs: [false, false, false, false, false],
    'writable-layer': [true, false, false, false, true],
  } as const;

  for (const status of STATUSES) {
    it(`${status} matches the documented row`, () => {
      const s = survivalOf(status);
      assert.deepEqual([s.restart, s.recreate, s.composeUp, s.composeDownVolumes, s.reboot], [...documented[status]]);
    });
  }

  it('an external named volume survives compose down -v', () => {
    assert.equal(survivalOf('named-volume', { external: true }).composeDownVolumes, true);
    assert.equal(survivalOf('anonymous-volume', { external: true }).composeDownVolumes, false);
  });

  it('a bind whose host path is on a tmpfs does not survive a reboot', () => {
    assert.equal(survivalOf('bind-mount', { hostOnTmpfs: true }).reboot, false);
    assert.equal(survivalOf('bind-mount', { hostOnTmpfs: true }).recreate, true);
  });

  it('at risk means writable and lost on recreate', () => {
    assert.equal(isAtRisk(survivalOf('writable-layer'), false), true);
    assert.equal(isAtRisk(survivalOf('writable-layer'), true), false, 'a read-only path cannot lose writes');
    assert.equal(isAtRisk(survivalOf('anonymous-volume'), false), true);
    assert.equal(isAtRisk(survivalOf('named-volume'), false), false);
  });

  it('lists the events a storage does not survive', () => {
    assert.deepEqual(lostOn(survivalOf('writable-layer')), ['recreate', 'composeUp', 'composeDownVolumes']);
    assert.deepEqual(lostOn(survivalOf('bind-mount')), []);
  });

  it('ranks criticality', () => {
    assert.ok(criticalityRank('critical') > criticalityRank('high'));
    assert.ok(criticalityRank('low') > criticalityRank('none'));
  });
});
