import * as vscode from 'vscode';
import { openMachineSetting } from '../settings';
import type {
  BackupListing,
  BackupResult,
  BackupSource,
  Progress,
  RescueResult,
  RestoreResult,
  RestoreTarget,
  SetBackupResult,
} from '../../backup';
import { describeTarget } from '../../backup/describe';
import { isAbortError, isRefusedDestination, isUnavailable } from '../../core/errors';
import { backend } from '../backend';
import { COMMAND, SETTING } from '../ids';
import type { BackupsView } from './backups-view';
import {
  backupDoneMessage,
  projectBackupDoneMessage,
  destinationRefusal,
  errorMessage,
  overwriteConfirmation,
  rescueDoneMessage,
  restoreDoneMessage,
} from './describe';
import type { BackupSettings } from './policy';
import { withBackendProgress } from './progress';
import { readStopContainers } from './settings';
import type { BackupTestHooks } from './test-hooks';
import type { BackupUi, MessageLevel } from './ui';

/**
 * The three long operations as the editor runs them: under a progress notification with a working Cancel,
 * then a message that names the archive (with Reveal), or the backend's error as it words it. The Backups
 * view is refreshed after each, whatever happened (a cancelled backup must not linger in it either).
 * Each returns the backend's result, or undefined when it did not complete (the user was told why).
 */

export interface BackupDeps {
  ui: BackupUi;
  settings(): BackupSettings;
  view: BackupsView;
  hooks(): BackupTestHooks | undefined;
}

export interface RunOptions {
  /** A scheduled run: status-bar progress, no message on success. */
  scheduled?: boolean;
  /** Aborts the operation (the window closing). */
  abort?: AbortSignal;
}

const OPEN_DOCKER_SETTING = 'Open Docker Host Setting';
const OPEN_FOLDER_SETTING = 'Open Backup Folder Setting';

function openSetting(key: string): void {
  void openMachineSetting(`${SETTING.section}.${key}`);
}

/** Shows a message; actions run when clicked. Not awaited: the command ends while the message stays. */
function tell(deps: BackupDeps, level: MessageLevel, text: string, actions: Record<string, () => unknown> = {}): void {
  void deps.ui.show(level, text, ...Object.keys(actions)).then((chosen) => (chosen ? actions[chosen]?.() : undefined));
}

function revealAction(archive: string): Record<string, () => unknown> {
  return { Reveal: () => vscode.commands.executeCommand(COMMAND.revealBackup, archive) };
}

/** The backend's error as it words it, with the setting that fixes its kind; a cancel is not an error. */
export function reportFailure(deps: BackupDeps, err: unknown, scheduledWhat?: string): void {
  const text = scheduledWhat ? `Scheduled backup of ${scheduledWhat}: ${errorMessage(err)}` : errorMessage(err);
  if (isAbortError(err)) return tell(deps, 'info', text);
  if (isUnavailable(err)) return tell(deps, 'error', text, { [OPEN_DOCKER_SETTING]: () => openSetting(SETTING.dockerHost) });
  if (isRefusedDestination(err)) return tell(deps, 'error', text, { [OPEN_FOLDER_SETTING]: () => openSetting(SETTING.backupsFolder) });
  tell(deps, 'error', text);
}

function backupOptions(
  s: BackupSettings,
  hooks: BackupTestHooks | undefined,
): { outDir?: string; host?: string; keep: number; helperLabels?: Record<string, string>; progressIntervalMs: number } {
  return {
    ...(s.outDir ? { outDir: s.outDir } : {}),
    ...(s.host ? { host: s.host } : {}),
    keep: s.keep,
    ...(hooks?.helperLabels ? { helperLabels: hooks.helperLabels } : {}),
    // The notification redraws at most a few times a second anyway.
    progressIntervalMs: 150,
  };
}

/** The editor's own check of the backup folder, so the refusal names the setting rather than the CLI's --out. */
function refuseDestination(deps: BackupDeps, dir: string): boolean {
  let problem: string | undefined;
  try {
    problem = destinationRefusal(dir, backend().classifyDestination(dir));
  } catch {
    return false; // an unreadable mount table: the backend checks again and says what is wrong
  }
  if (!problem) return false;
  tell(deps, 'error', problem, { [OPEN_FOLDER_SETTING]: () => openSetting(SETTING.backupsFolder) });
  return true;
}

/** What every backend call of the editor gets: the settings, and this run's signal and progress listener. */
type BackupRunOptions = ReturnType<typeof backupOptions> & { signal: AbortSignal; onProgress: (p: Progress) => void };

async function run<T>(deps: BackupDeps, title: string, opts: RunOptions, work: (e: BackupRunOptions) => Promise<T>): Promise<T> {
  const hooks = deps.hooks();
  const s = deps.settings();
  try {
    return await withBackendProgress(
      deps.ui,
      {
        title: opts.scheduled ? `Persistence Lens: ${title}` : title,
        location: opts.scheduled ? 'window' : 'notification',
        cancellable: !opts.scheduled,
      },
      (e) => work({ ...backupOptions(s, hooks), ...e }),
      { tokens: [hooks?.cancellation], observe: hooks?.onProgress, ...(opts.abort ? { abort: opts.abort } : {}) },
    );
  } finally {
    deps.view.refresh();
  }
}

export async function runBackup(deps: BackupDeps, source: BackupSource, opts: RunOptions = {}): Promise<BackupResult | undefined> {
  const what = describeTarget(source);
  if (refuseDestination(deps, deps.view.dir())) return undefined;
  try {
    const r = await run(deps, `Backing up ${what}`, opts, (e) => backend().backup(source, { ...e, stopContainers: readStopContainers() }));
    if (!opts.scheduled) tell(deps, 'info', backupDoneMessage(r, deps.settings().keep), revealAction(r.archive));
    return r;
  } catch (err) {
    reportFailure(deps, err, opts.scheduled ? what : undefined);
    return undefined;
  }
}

/**
 * Back Up Project…: every named volume and at-risk path of a compose project, each its own verified archive,
 * plus the set file that ties them together. Cancel stops it and removes what it half-wrote.
 */
export async function runProjectBackup(deps: BackupDeps, project: string): Promise<SetBackupResult | undefined> {
  if (refuseDestination(deps, deps.view.dir())) return undefined;
  try {
    const r = await run(deps, `Backing up compose project "${project}"`, {}, (e) =>
      backend().backupProject({ project }, { ...e, stopContainers: readStopContainers() }),
    );
    tell(deps, 'info', projectBackupDoneMessage(r, project, deps.settings().keep), revealAction(r.setFile));
    return r;
  } catch (err) {
    reportFailure(deps, err);
    return undefined;
  }
}

export async function runRescue(deps: BackupDeps, container: string): Promise<RescueResult | undefined> {
  if (refuseDestination(deps, deps.view.dir())) return undefined;
  try {
    const r = await run(deps, `Rescuing the writable layer of container "${container}"`, {}, (e) => backend().rescue({ container }, e));
    tell(deps, 'info', rescueDoneMessage(r, deps.settings().keep), r.archive ? revealAction(r.archive) : {});
    return r;
  } catch (err) {
    reportFailure(deps, err);
    return undefined;
  }
}

/**
 * Restores `archive` into `target`. A non-empty target is only written after the modal confirmation naming
 * it (the backend asks once it has verified the archive and looked at the target); then it is forced, and the
 * backend takes a safety backup of what is there first.
 */
export async function runRestore(
  deps: BackupDeps,
  archive: string,
  target: RestoreTarget,
  listing?: BackupListing,
): Promise<RestoreResult | undefined> {
  const what = describeTarget(target);
  let declined = false;
  const dir = deps.view.dir();
  try {
    const r = await run(deps, `Restoring into ${what}`, {}, (e) =>
      backend().restore(archive, target, {
        ...e,
        confirmOverwrite: async (question) => {
          const yes = await deps.ui.confirm(overwriteConfirmation(question, archive, listing, dir));
          declined = !yes;
          return yes;
        },
      }),
    );
    tell(
      deps,
      'info',
      restoreDoneMessage(r),
      r.safetyBackup ? { 'Reveal Safety Backup': () => vscode.commands.executeCommand(COMMAND.revealBackup, r.safetyBackup!.archive) } : {},
    );
    return r;
  } catch (err) {
    // The backend's refusal (kind needs-force) says the target is not empty; the user has just said no, so say what that did.
    if (declined) tell(deps, 'info', `Nothing was restored: ${what} was left as it was.`);
    else reportFailure(deps, err);
    return undefined;
  }
}
