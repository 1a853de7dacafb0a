import * as vscode from 'vscode';
import { BackupsView } from './backups-view';
import { registerBackupCommands } from './commands';
import type { BackupDeps } from './operations';
import { BackupSchedule } from './schedule';
import { affectsBackupFolder, affectsSchedule, readBackupSettings } from './settings';
import type { UiSeam } from '../ui/index';

/**
 * Backups in the editor: the Back Up…, Restore… and Rescue Writable Layer… commands (Paths view context
 * menus and the palette), the Backups view, retention and the optional schedule. Registration only: the
 * backend loads when a command runs or the Backups view is opened.
 */
export function registerBackupFeatures(context: vscode.ExtensionContext, { ui, hooks }: UiSeam): void {
  const view = new BackupsView(() => readBackupSettings().outDir);
  const deps: BackupDeps = { ui, settings: readBackupSettings, view, hooks };
  registerBackupCommands(context, deps);
  const schedule = new BackupSchedule(deps, context.globalState);
  context.subscriptions.push(
    view,
    schedule,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsBackupFolder(e)) view.refresh();
      if (affectsSchedule(e)) schedule.reconfigure();
    }),
  );
  schedule.start();
}
