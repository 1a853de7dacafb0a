import type * as vscode from 'vscode';
import { FileStorage } from '../file-storage';
import { SaveGuard } from '../save/save-guard';
import { FileStatusBar } from '../status/status-bar';
import { PathsView } from '../tree/paths-view';
import { PathsCommands } from './commands';
import { PathsModel } from './model';
import { LiveMoves } from './move-flow';
import { MovedPathChecker } from './moved-path-check';
import { RefreshTriggers } from './triggers';
import type { UiSeam } from '../ui/index';

/** How often the mount table is checked for a mount or an unmount (a read of one small file). */
const MOUNT_CHECK_MS = 3_000;

/** What the editor tests reach through the extension's exports; nothing else depends on it. */
export interface PathsFeatures {
  model: PathsModel;
  view: PathsView;
  statusBar: FileStatusBar;
  saveGuard: SaveGuard;
  commands: PathsCommands;
  storage: FileStorage;
  movedPathCheck: MovedPathChecker;
}

/**
 * The Paths view, the status bar item and the save guard. Creating them costs no Docker call and no file
 * read: the first scan happens when the view shows, the first mount table read after activation returns.
 */
export function registerPathsFeatures(context: vscode.ExtensionContext, seam: UiSeam): PathsFeatures {
  const storage = new FileStorage();
  const model = new PathsModel(context.globalState);
  const view = new PathsView(model);
  const triggers = new RefreshTriggers(model, view);
  const liveMoves = new LiveMoves(context.globalState);
  const commands = new PathsCommands({ model, view, triggers, storage, ...seam, liveMoves });
  const movedPathCheck = new MovedPathChecker(storage, seam.ui, liveMoves);
  movedPathCheck.start();
  const statusBar = new FileStatusBar(storage, { canShow: (file) => commands.canShowFile(file) }, seam.ui);
  const saveGuard = new SaveGuard(
    storage,
    {
      persistFolder: (folder) => commands.persistFolder(folder),
      showFolder: (folder) => commands.showFile(folder),
      canShow: (file) => commands.canShowFile(file),
    },
    seam.ui,
  );
  const mountCheck = setInterval(() => storage.checkForChanges(), MOUNT_CHECK_MS);
  context.subscriptions.push(model, view, triggers, statusBar, saveGuard, movedPathCheck, ...commands.register(), {
    dispose: () => clearInterval(mountCheck),
  });
  return { model, view, statusBar, saveGuard, commands, storage, movedPathCheck };
}
