// The backup features came first with these hooks; they are now every command's (src/vscode/ui).
export {
  TEST_HOOKS_COMMAND,
  hookedUi,
  registerTestHooks,
  type BackupTestHooks,
  type UiTestHooks,
  type PickQuestion,
  type InputQuestion,
  type FolderQuestion,
} from '../ui/test-hooks';
