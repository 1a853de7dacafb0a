import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { SETTING } from '../ids';
import { normalizeSettings, type BackupSettings } from './policy';

/** The backup settings now (read on every use: a change applies to the next operation without a reload). */
export function readBackupSettings(): BackupSettings {
  const c = vscode.workspace.getConfiguration(SETTING.section);
  return normalizeSettings(
    {
      folder: c.get(SETTING.backupsFolder),
      keep: c.get(SETTING.backupsKeep),
      scheduleHours: c.get(SETTING.backupsScheduleHours),
      scheduledSources: c.get(SETTING.backupsScheduledSources),
      dockerHost: c.get(SETTING.dockerHost),
    },
    homedir(),
  );
}

/**
 * `persistenceLens.backups.stopContainers`: stop the containers that write to a volume while it is backed up
 * (the backup's `stopContainers`; default false: stopping a database is an outage the user chooses).
 */
export function readStopContainers(): boolean {
  return vscode.workspace.getConfiguration(SETTING.section).get<boolean>('backups.stopContainers') === true;
}

export function affectsBackupFolder(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SETTING.section}.${SETTING.backupsFolder}`);
}

export function affectsSchedule(e: vscode.ConfigurationChangeEvent): boolean {
  return [SETTING.backupsScheduleHours, SETTING.backupsScheduledSources, SETTING.backupsFolder].some((k) =>
    e.affectsConfiguration(`${SETTING.section}.${k}`),
  );
}
