import * as vscode from 'vscode';
import type { FileStorage } from '../file-storage';
import { SETTING } from '../ids';
import { affects, ignoreFolderForSaveWarnings, saveWarningSettings } from '../settings';
import {
  ignoreScope,
  persistRefusal,
  SAVE_ACTION_LABELS,
  saveActionsFor,
  saveWarningFor,
  type SaveWarning,
  type SaveWarningSettings,
} from './policy';
import type { Ui } from '../ui/ui';

export const SAVE_ACTIONS = SAVE_ACTION_LABELS;

/** The notification, behind a seam so the editor tests can answer it (a real notification cannot be clicked there). */

export interface SaveGuardActions {
  persistFolder(folder: string): Promise<unknown>;
  showFolder(folder: string): Promise<unknown>;
  /** Whether the Persistence view lists a path that holds `file` (scanning first if it never did). */
  canShow(file: string): Promise<boolean>;
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
  /** The warnings given in this window, newest last (for the tests and the "Show in Persistence view" reveal). */
  readonly history: SaveWarning[] = [];
  /** What each warning said and offered, newest last (for the tests). */
  readonly offered: { file: string; message: string; actions: string[] }[] = [];

  constructor(
    private readonly storage: FileStorage,
    private readonly actions: SaveGuardActions,
    private readonly ui: Pick<Ui, 'show'>,
  ) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          affects(e, SETTING.saveWarningsEnabled) ||
          affects(e, SETTING.saveWarningsIgnoredFolders) ||
          affects(e, SETTING.saveWarningsMinimumCriticality)
        ) {
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
    void this.ask(warning, doc.uri.fsPath);
  }

  /** Offers only what works for this file: no persist where none can help (or untrusted), no Show for a path the view does not list. */
  private async ask(warning: SaveWarning, file: string): Promise<void> {
    const trusted = vscode.workspace.isTrusted;
    const refusal = persistRefusal(warning.folder);
    const listed = await this.actions.canShow(file).catch(() => false);
    const offered = saveActionsFor({ trusted, listed, ...(refusal ? { persistRefusal: refusal } : {}) });
    const message = refusal ? `${warning.message} Nothing can persist it: ${refusal}.` : warning.message;
    this.offered.push({ file, message, actions: offered.map((a) => SAVE_ACTIONS[a]) });
    // through the UI seam: the editor tests click its buttons with the test hooks' `answer`
    const choice = await this.ui.show('warning', message, ...offered.map((a) => SAVE_ACTIONS[a]));
    try {
      if (choice === SAVE_ACTIONS.persist) await this.actions.persistFolder(warning.folder);
      else if (choice === SAVE_ACTIONS.show) await this.actions.showFolder(warning.folder);
      else if (choice === SAVE_ACTIONS.ignore) {
        const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
        await ignoreFolderForSaveWarnings(warning.folder, ignoreScope(warning.folder, folders, trusted));
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
