// The backup features came first with this seam; it is now every command's (src/vscode/ui).
export type { Ui as BackupUi, MessageLevel, PickItem, ProgressOptions, ProgressUpdate } from '../ui/ui';
