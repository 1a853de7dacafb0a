import * as vscode from 'vscode';
import type { BackupSource } from '../../backup';
import { describeTarget } from '../../backup/describe';
import { backend } from '../backend';
import { runBackup, type BackupDeps } from './operations';
import { FIRST_CHECK_MS, MAX_CHECK_MS, MIN_CHECK_MS, planSchedule } from './schedule-policy';
import { sameSource } from './targets';

/** Scheduled attempts per source (spec → ms), shared by the windows through globalState. */
const ATTEMPTS_KEY = 'persistenceLens.backups.scheduledAttempts';

/**
 * The optional backup schedule (`backups.scheduleHours` > 0, `backups.scheduledSources`): while a window is
 * open, a timer backs up each source whose newest backup is older than the interval. Off by default; nothing
 * is read until the first check, a while after activation. Scheduled backups show in the status bar, not as
 * notifications; a failure is reported, and tried again an interval later. Closing the window
 * cancels a scheduled backup in progress (the backend removes its partial file).
 */
export class BackupSchedule implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly warned = new Set<string>();

  constructor(
    private readonly deps: BackupDeps,
    private readonly state: vscode.Memento,
  ) {}

  start(): void {
    this.arm(FIRST_CHECK_MS);
  }

  /** The settings changed: look again soon (not at once: settings are often typed one character at a time). */
  reconfigure(): void {
    this.arm(MIN_CHECK_MS);
  }

  private enabled(): boolean {
    const s = this.deps.settings();
    return s.scheduleHours > 0 && s.scheduled.length > 0;
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.abort.signal.aborted || !this.enabled()) return;
    const delay = this.deps.hooks()?.scheduleDelayMs ?? ms;
    this.timer = setTimeout(() => {
      this.running ??= this.check().finally(() => (this.running = undefined));
    }, delay);
  }

  /** One look: back up what is due, then sleep until the next source falls due. */
  async check(): Promise<void> {
    const s = this.deps.settings();
    let next = MAX_CHECK_MS;
    try {
      if (!vscode.workspace.isTrusted) return;
      const valid: { spec: string; source: BackupSource }[] = [];
      for (const { spec, source } of s.scheduled) {
        if (source.ok) valid.push({ spec, source: source.value });
        else if (!this.warned.has(spec)) {
          this.warned.add(spec);
          void this.deps.ui.show('warning', `Backup schedule: ${source.reason}`);
        }
      }
      const listings = await backend().listBackups(this.deps.view.dir());
      const lastBackupAt = new Map<string, number>();
      for (const { spec, source } of valid) {
        const newest = listings.find((l) => l.manifest?.purpose === 'backup' && sameSource(source, l.manifest.source));
        if (newest) lastBackupAt.set(spec, Date.parse(newest.createdAt));
      }
      const attempts = { ...this.state.get<Record<string, number>>(ATTEMPTS_KEY, {}) };
      const plan = planSchedule({
        hours: s.scheduleHours,
        sources: valid.map((v) => v.spec),
        lastBackupAt,
        lastAttemptAt: new Map(Object.entries(attempts)),
        now: Date.now(),
      });
      next = plan.nextCheckMs ?? MAX_CHECK_MS;
      for (const spec of plan.due) {
        if (this.abort.signal.aborted) return;
        const source = valid.find((v) => v.spec === spec)!.source;
        // Recorded before the run: another window looking meanwhile sees it as taken.
        attempts[spec] = Date.now();
        await this.state.update(ATTEMPTS_KEY, attempts);
        const r = await runBackup(this.deps, source, { scheduled: true, abort: this.abort.signal });
        if (r) vscode.window.setStatusBarMessage(`$(archive) Backed up ${describeTarget(source)}`, 10_000);
      }
    } catch (err) {
      void this.deps.ui.show('warning', `Backup schedule: ${(err as Error).message}`);
    } finally {
      this.arm(next);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.abort.abort();
  }
}
