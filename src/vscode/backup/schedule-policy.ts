/**
 * When the backup schedule runs: pure, so "is it due" is unit-tested without waiting hours.
 *
 * A source is due when its newest backup (from the backup folder, whoever made it: this window, another
 * window, the CLI) and its last scheduled attempt (remembered across windows, so a source that keeps failing
 * is not retried every minute, and two windows do not both back it up) are both at least one interval old.
 */

export const HOUR_MS = 3_600_000;
/** Never check more often than this (a clock that jumps, many sources due at once). */
export const MIN_CHECK_MS = 60_000;
/** Never sleep longer than this: a laptop that slept, or a setting changed in another window, is caught within it. */
export const MAX_CHECK_MS = HOUR_MS;
/** After activation, wait this long before the first check: activation stays light, and a window opened for a moment does no I/O. */
export const FIRST_CHECK_MS = 2 * 60_000;

export interface ScheduleInput {
  /** `persistenceLens.backups.scheduleHours`; 0 (or anything not a positive number) is off. */
  hours: number;
  /** Keys of the scheduled sources (their specs as written). */
  sources: readonly string[];
  /** Newest backup of each source, ms since the epoch. */
  lastBackupAt: ReadonlyMap<string, number>;
  /** Last scheduled attempt of each source (success or not), ms since the epoch. */
  lastAttemptAt: ReadonlyMap<string, number>;
  now: number;
}

export interface SchedulePlan {
  /** Sources to back up now, in the order given. */
  due: string[];
  /** When to look again, ms from now; undefined when the schedule is off. */
  nextCheckMs?: number;
}

export function scheduleIntervalMs(hours: number): number | undefined {
  return Number.isFinite(hours) && hours > 0 ? hours * HOUR_MS : undefined;
}

export function planSchedule(input: ScheduleInput): SchedulePlan {
  const interval = scheduleIntervalMs(input.hours);
  if (interval === undefined || input.sources.length === 0) return { due: [] };
  const due: string[] = [];
  let soonest = Infinity;
  for (const key of input.sources) {
    const last = Math.max(input.lastBackupAt.get(key) ?? -Infinity, input.lastAttemptAt.get(key) ?? -Infinity);
    // A time in the future (a clock set back) counts as now: the source waits one interval, no more.
    const since = input.now - Math.min(last, input.now);
    if (since >= interval) due.push(key);
    else soonest = Math.min(soonest, interval - since);
  }
  // After running what is due, the next look is one interval away for those, or sooner for the others.
  const next = Math.min(soonest, due.length ? interval : Infinity);
  return { due, nextCheckMs: Math.min(MAX_CHECK_MS, Math.max(MIN_CHECK_MS, next)) };
}
