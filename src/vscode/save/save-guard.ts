import * as vscode from 'vscode';
import type { FileStorage } from '../file-storage';
import { SETTING } from '../ids';
import { affects, ignoreFolderForSaveWarnings, saveWarningSettings } from '../settings';
import { saveWarningFor, type SaveWarning, type SaveWarningSettings } from './policy';
import type { Ui } from '../ui/ui';

export const SAVE_ACTIONS = {
  persist: 'Persist this folder…',
  show: 'Show in Persistence view',
  ignore: "Don't warn for this folder",
} as const;

/** The notification, behind a seam so the editor tests can answer it (a real notification cannot be clicked there). */
export type WarningPrompt = (message: string, ...actions: string[]) => Thenable<string | undefined>;

export interface SaveGuardActions {
  persistFolder(folder: string): Promise<unknown>;
  showFolder(folder: string): Promise<unknown>;
}

/**
 * Warns once per folder per window when a file is saved on a path that does not survive recreating its
 * container. The save itself is never delayed: the handler does a cached lookup, and the notification is
 * not awaited by the save.
 */
export class SaveGuard implements vscode.Disposable {
  private readonly warned = new Set<string>();
  private settings: SaveWarningSettings = saveWarningSettings();
  private readonly disposables: vscode.Disposable[] = [];
  /** Replaced by the editor tests; the real one is the warning notification. */
  prompt: WarningPrompt = (message, ...actions) => vscode.window.showWarningMessage(message, ...actions);
  /** The warnings given in this window, newest last (for the tests and the "Show in Persistence view" reveal). */
  readonly history: SaveWarning[] = [];

  constructor(
    private readonly storage: FileStorage,
    private readonly actions: SaveGuardActions,
    private readonly ui: Pick<Ui, 'show'>,
  ) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, SETTING.saveWarningsEnabled) || affects(e, SETTING.saveWarningsIgnoredFolders) || affects(e, SETTING.saveWarningsMinimumCriticality)) {
          this.settings = saveWarningSettings();
        }
      }),
    );
  }

  private saved(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !this.settings.enabled) return;
    const assessment = this.storage.assess(doc.uri.fsPath);
    if (!assessment) return;
    const warning = saveWarningFor(assessment, this.settings, this.warned);
    if (!warning) return;
    this.warned.add(warning.folder);
    this.history.push(warning);
    void this.ask(warning);
  }

  private async ask(warning: SaveWarning): Promise<void> {
    // Untrusted, the extension edits no file: no persist to offer.
    const offered = vscode.workspace.isTrusted ? [SAVE_ACTIONS.persist, SAVE_ACTIONS.show, SAVE_ACTIONS.ignore] : [SAVE_ACTIONS.show, SAVE_ACTIONS.ignore];
    const choice = await this.prompt(warning.message, ...offered);
    try {
      if (choice === SAVE_ACTIONS.persist) await this.actions.persistFolder(warning.folder);
      else if (choice === SAVE_ACTIONS.show) await this.actions.showFolder(warning.folder);
      else if (choice === SAVE_ACTIONS.ignore) {
        await ignoreFolderForSaveWarnings(warning.folder);
        this.settings = saveWarningSettings();
      }
    } catch (err) {
      void this.ui.show('error', `Persistence Lens: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
