/**
 * Identifiers shared by package.json's contributions and the code that implements them. A rename here
 * without one there (or the reverse) is caught by test/unit/vscode/contributions.test.ts.
 */
export const VIEW = {
  paths: 'persistenceLens.paths',
  backups: 'persistenceLens.backups',
  volumes: 'persistenceLens.volumes',
} as const;

export const COMMAND = {
  refresh: 'persistenceLens.refresh',
  persistPath: 'persistenceLens.persistPath',
  revealDeclaration: 'persistenceLens.revealDeclaration',
  copyPath: 'persistenceLens.copyPath',
  openFolder: 'persistenceLens.openFolder',
  showSurvivalDetails: 'persistenceLens.showSurvivalDetails',
  toggleSaveWarnings: 'persistenceLens.toggleSaveWarnings',
  persistActiveFolder: 'persistenceLens.persistActiveFolder',
  revealActiveFile: 'persistenceLens.revealActiveFile',
  openDockerSetting: 'persistenceLens.openDockerSetting',
  showScanReport: 'persistenceLens.showScanReport',
  backup: 'persistenceLens.backup',
  restore: 'persistenceLens.restore',
  rescue: 'persistenceLens.rescue',
  refreshBackups: 'persistenceLens.refreshBackups',
  revealBackup: 'persistenceLens.revealBackup',
  deleteBackup: 'persistenceLens.deleteBackup',
  copyAgain: 'persistenceLens.copyAgain',
  recoverOrphan: 'persistenceLens.recoverOrphan',
  backupProject: 'persistenceLens.backupProject',
  browseVolume: 'persistenceLens.browseVolume',
  browseContainerPath: 'persistenceLens.browseContainerPath',
  browseBackup: 'persistenceLens.browseBackup',
  saveBrowsedCopy: 'persistenceLens.saveBrowsedCopy',
  refreshVolumes: 'persistenceLens.refreshVolumes',
  showVolumeSizes: 'persistenceLens.showVolumeSizes',
  removeVolume: 'persistenceLens.removeVolume',
  pruneVolumes: 'persistenceLens.pruneVolumes',
  recoverVolume: 'persistenceLens.recoverVolume',
  backupVolume: 'persistenceLens.backupVolume',
} as const;

/** Commands the extension runs itself (a quick fix's action), not contributed: no title, no menu. */
export const INTERNAL_COMMAND = {
  /** Persist Path… for a file, service and path known already: `{ file, service?, path }`. */
  persistFromFile: 'persistenceLens.persistFromFile',
} as const;

/** Context keys read by `when` clauses in package.json. */
export const CONTEXT = {
  /** 'loading' | 'ready' | 'empty' | 'dockerUnreachable' */
  state: 'persistenceLens.state',
  dockerReachable: 'persistenceLens.dockerReachable',
  activeFileKnown: 'persistenceLens.activeFileKnown',
  activeFileAtRisk: 'persistenceLens.activeFileAtRisk',
  backupsEmpty: 'persistenceLens.backupsEmpty',
  /** A path of this container was copied live into a volume and the container is not recreated yet (Copy Again). */
  liveMovePending: 'persistenceLens.liveMovePending',
} as const;

export const SETTING = {
  section: 'persistenceLens',
  dockerHost: 'dockerHost',
  composeFiles: 'composeFiles',
  saveWarningsEnabled: 'saveWarnings.enabled',
  saveWarningsIgnoredFolders: 'saveWarnings.ignoredFolders',
  saveWarningsMinimumCriticality: 'saveWarnings.minimumCriticality',
  backupsFolder: 'backups.folder',
  backupsKeep: 'backups.keep',
  backupsScheduleHours: 'backups.scheduleHours',
  backupsScheduledSources: 'backups.scheduledSources',
} as const;
