/**
 * The backend as the editor layer uses it (scan, fixes, backups, moves), built as its own bundle (dist/backend.js).
 * The extension loads it on first use (src/vscode/backend.ts), so activation never parses dockerode, yaml or the
 * sources.
 */
export { scan, type ScanRequest } from './scan';
export { formatScan, summaryLine } from './report/format';
export { planPersist, type PersistRequest, type PersistOutcome } from './fixes/persist';
export { singleFileFix, type SingleFileFix } from './fixes/single-files';
export { watchEngineEvents, type EngineEvent, type EventWatch } from './sources/docker/events';
// Backups (src/vscode/backup): the engine's operations, listing, and a connection for the pickers' lists.
export {
  backup,
  restore,
  rescue,
  listBackups,
  defaultBackupDir,
  classifyDestination,
  manifestPathFor,
  type BackupListing,
  type BackupResult,
  type BackupSource,
  type RestoreResult,
  type RestoreTarget,
  type RescueResult,
  type Progress,
  type DestinationVerdict,
} from './backup';
export { connectDocker, type DockerConnection } from './sources/docker/client';
export { ChangesCache } from './sources/docker/changes-cache';
// Diagnostics and quick fixes on compose files and devcontainer.json (src/vscode/diagnostics).
export {
  diagnoseConfigFile,
  type DiagnoseRequest,
  type Finding,
  type FindingCode,
  type PlannedFixes,
  type QuickFix,
  type TextRange,
} from './fixes/diagnose/index';
// Persist a path with what it holds now (src/vscode/paths/persist-command.ts, src/vscode/paths/moved-path-check.ts).
export {
  persistWithData,
  recreateAndVerify,
  recreateInstructions,
  moveOffer,
  type PersistMoveOutcome,
  type PersistMoveRequest,
  type Recreator,
  type MoveOffer,
} from './move/persist-flow';
export type { MoveProgress, MoveResult } from './move/index';
export {
  copyAgainIntoVolume,
  manifestFor,
  writeMoveManifest,
  checkMovedPath,
  MOVE_MANIFEST,
  type MoveManifest,
  type MovedPathCheck,
} from './move/own-container-manifest';
export { containerPathDigest } from './move/index';
export { digestSummary, localTreeDigest } from './move/own-container-manifest';
// Sets: a compose project or a container backed up as one unit (the editor's Back Up Project… on a project node).
export {
  backupSet as backupProject,
  restoreSet,
  listSets,
  readSet,
  SET_SUFFIX,
  type SetBackupOptions,
  type SetBackupResult,
  type SetRestoreResult,
  type SetListing,
  type SetManifest,
  type SetMember,
  type PlannedMember,
  type SetSource,
  type SetTarget,
} from './backup';
// Orphaned anonymous volumes in the Paths view, with where each was last seen, and Recover Into… (src/vscode/paths/orphans.ts).
export { findOrphanedVolumes, type OrphanedVolume } from './sources/docker/orphans';
export { recoverVolume, type RecoverResult } from './move/recover';
// Browsing a volume, a container's folder or a backup archive read-only in the Explorer (src/vscode/browse).
export { openBrowseSession, BrowseError, MAX_READ_BYTES, type BrowseSession, type BrowseEntry, type BrowseSource } from './browse';
// The Volumes view (src/vscode/volumes): the inventory, sizes on demand, removal refusing a volume in use.
export { gatherVolumes, type GatheredVolumes } from './scan';
export { volumeSizes, applySizes, removeVolume, VolumeInUseError, type VolumeSizes } from './sources/docker/volumes';
