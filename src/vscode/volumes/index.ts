import type * as vscode from 'vscode';
import { RefreshTriggers } from '../paths/triggers';
import type { UiSeam } from '../ui/index';
import { VolumesCommands } from './commands';
import { VolumesModel } from './model';
import { VolumesView } from './volumes-view';

/** What the editor tests reach through the extension's exports. */
export interface VolumesFeatures {
  model: VolumesModel;
  view: VolumesView;
  commands: VolumesCommands;
}

/**
 * The Volumes view. Creating it asks nothing of the engine: the inventory is gathered when the view shows, and
 * again on the engine's events (the Paths view's triggers) while it stays visible. Sizes only on Show Sizes.
 */
export function registerVolumesFeatures(context: vscode.ExtensionContext, seam: UiSeam): VolumesFeatures {
  const model = new VolumesModel(context.globalState);
  const view = new VolumesView(model);
  const triggers = new RefreshTriggers(model, view, false);
  const commands = new VolumesCommands({ ui: seam.ui, hooks: seam.hooks, model });
  context.subscriptions.push(model, view, triggers, ...commands.register());
  return { model, view, commands };
}
