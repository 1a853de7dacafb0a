/** When the backup schedule runs (src/vscode/backup/schedule-policy.ts): "is it due", and when to look again. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HOUR_MS,
  MAX_CHECK_MS,
  MIN_CHECK_MS,
  planSchedule,
  scheduleIntervalMs,
  type ScheduleInput,
} from '../../../../src/vscode/backup/schedule-policy';

const now = Date.parse('2026-06-01T12:00:00Z');
const ago = (ms: number): number => now - ms;
const input = (over: Partial<ScheduleInput>): ScheduleInput => ({
  hours: 6,
  sources: ['volume:a'],
  lastBackupAt: new Map(),
  lastAttemptAt: new Map(),
  now,
  ...over,
});

describe('planSchedule', () => {
  it('off: an interval of 0, a negative or non-number one, or no sources', () => {
    for (const hours of [0, -2, Number.NaN, Infinity]) assert.deepEqual(planSchedule(input({ hours })), { due: [] }, String(hours));
    assert.deepEqual(planSchedule(input({ sources: [] })), { due: [] });
    assert.equal(scheduleIntervalMs(0.5), HOUR_MS / 2);
    assert.equal(scheduleIntervalMs(0), undefined);
  });

  it('a source never backed up is due', () => {
    assert.deepEqual(planSchedule(input({})).due, ['volume:a']);
  });

  it('due exactly when its newest backup is one interval old, not a millisecond before', () => {
    assert.deepEqual(planSchedule(input({ lastBackupAt: new Map([['volume:a', ago(6 * HOUR_MS)]]) })).due, ['volume:a']);
    const plan = planSchedule(input({ lastBackupAt: new Map([['volume:a', ago(6 * HOUR_MS - 1)]]) }));
    assert.deepEqual(plan.due, []);
    assert.equal(plan.nextCheckMs, MIN_CHECK_MS, 'due in 1 ms: looked at again after the minimum wait');
  });

  it('a recent attempt (a failure, or another window running it) counts like a backup', () => {
    const plan = planSchedule(
      input({ lastBackupAt: new Map([['volume:a', ago(30 * HOUR_MS)]]), lastAttemptAt: new Map([['volume:a', ago(HOUR_MS)]]) }),
    );
    assert.deepEqual(plan.due, []);
    assert.equal(plan.nextCheckMs, MAX_CHECK_MS, 'due in 5 h: the timer still wakes every hour');
  });

  it('a backup from the future (a clock set back) waits one interval, not forever', () => {
    const plan = planSchedule(input({ hours: 0.25, lastBackupAt: new Map([['volume:a', now + 100 * HOUR_MS]]) }));
    assert.deepEqual(plan.due, []);
    assert.equal(plan.nextCheckMs, 0.25 * HOUR_MS);
  });

  it('several sources: only the due ones, in order; the next look is when the next one falls due', () => {
    const plan = planSchedule(
      input({
        hours: 1,
        sources: ['volume:a', 'path:/b', 'container:c:/d'],
        lastBackupAt: new Map([
          ['volume:a', ago(2 * HOUR_MS)],
          ['path:/b', ago(HOUR_MS - 10 * 60_000)],
        ]),
      }),
    );
    assert.deepEqual(plan.due, ['volume:a', 'container:c:/d']);
    assert.equal(plan.nextCheckMs, 10 * 60_000);
  });

  it('after running what is due, the next look is one interval away (capped at an hour)', () => {
    assert.equal(planSchedule(input({ hours: 0.5 })).nextCheckMs, 0.5 * HOUR_MS);
    assert.equal(planSchedule(input({ hours: 24 })).nextCheckMs, MAX_CHECK_MS);
    assert.equal(planSchedule(input({ hours: 0.001 })).nextCheckMs, MIN_CHECK_MS, 'never more often than once a minute');
  });
});
