/**
 * The backup engine: streaming archives of volumes, container directories and local directories; verified,
 * validated restores; rescue of a container's writable layer; listing and retention.
 *
 * Every long operation takes `{ signal, onProgress }` (see progress.ts): the editor shows a cancellable
 * progress notification with bytes and, when the total is known, a percentage.
 */
export { backup, DEFAULT_KEEP, type BackupOptions, type BackupResult, type BackupSource } from './backup';
export { restore, type RestoreOptions, type RestoreResult, type RestoreTarget } from './restore';
export { verifyArchive, type ArchiveCheck } from './archive-check';
export { isRestoreRefusal, RestoreRefusedError, type RestoreRefusalKind, type TargetContent } from './restore-refusal';
export { rescue, type RescueResult } from './rescue';
export { listBackups, pruneBackups, type BackupListing, type ManifestStatus } from './catalog';
export { defaultBackupDir } from './location';
export { classifyDestination, assertPersistentDestination, type DestinationVerdict } from './destination';
export { ArchiveRefusedError, BackupAbortedError, BackupFailedError, BackupInputError, isAbortError } from './errors';
export { DEFAULT_GZIP_LEVEL } from './archive-file';
export { manifestPathFor, type Manifest, type ManifestSource, type SourceKind, type Layout } from './manifest';
export type { Progress, ProgressListener, OperationOptions, Phase } from './progress';
export type { RescueGroup, RescuePlan, RescueRoot } from './rescue-plan';
export type { DockerOptions } from './docker-access';
export {
  backupSet,
  restoreSet,
  listSets,
  readSet,
  type SetBackupOptions,
  type SetBackupResult,
  type SetRestoreResult,
  type SetListing,
  type SetSource,
  type SetTarget,
} from './project-set';
export { planMembers, SET_SUFFIX, type SetManifest, type SetMember, type PlannedMember } from './set-plan';
