import * as vscode from 'vscode';
import type { FileStorage } from '../file-storage';
import { COMMAND, CONTEXT } from '../ids';
import { persistRefusal, saveActionsFor, type FileAssessment } from '../save/policy';
import type { Ui } from '../ui/ui';
import { describeFileStatus } from './describe';

/** Not contributed: the status bar item's click, which depends on what the item shows. */
export const STATUS_ACTIONS_COMMAND = 'persistenceLens.fileStatusActions';

/**
 * The status bar item for the active editor's file: persistent (and what keeps it) or at risk (and what
 * destroys it). Hidden where storage cannot be known: untitled files, other URI schemes, no mount table.
 */
export class FileStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private shown: FileAssessment | undefined;

  constructor(
    private readonly storage: FileStorage,
    private readonly can: { canShow(file: string): Promise<boolean> } = { canShow: async () => true },
    private readonly ui?: Pick<Ui, 'show' | 'pick'>,
  ) {
    this.item = vscode.window.createStatusBarItem('persistenceLens.fileStatus', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Persistence Lens: file storage';
    this.item.command = STATUS_ACTIONS_COMMAND;
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidSaveTextDocument((d) => {
        // A file saved for the first time may now resolve through a different folder (a new symlink).
        if (d === vscode.window.activeTextEditor?.document) this.update();
      }),
      storage.onDidChange(() => this.update()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.update()),
      vscode.commands.registerCommand(STATUS_ACTIONS_COMMAND, () => this.actions()),
    );
    // Off the activation path: the first look at the mount table happens after activate() returns.
    setImmediate(() => this.update());
  }

  /** What the item shows now (for tests and the commands that act on the active file). */
  get current(): FileAssessment | undefined {
    return this.shown;
  }

  get text(): string | undefined {
    return this.shown ? this.item.text : undefined;
  }

  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const assessment = doc && doc.uri.scheme === 'file' && !doc.isUntitled ? this.storage.assess(doc.uri.fsPath) : undefined;
    this.shown = assessment;
    void vscode.commands.executeCommand('setContext', CONTEXT.activeFileKnown, assessment !== undefined);
    void vscode.commands.executeCommand('setContext', CONTEXT.activeFileAtRisk, assessment?.atRisk ?? false);
    if (!assessment) {
      this.item.hide();
      return;
    }
    const view = describeFileStatus(assessment, vscode.workspace.isTrusted);
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip);
    tooltip.supportThemeIcons = true;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = view.atRisk ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: view.text.replace(/\$\([^)]*\)\s*/g, '') };
    this.item.show();
  }

  /** What a click offers now: only what works for the file (the save warning's policy, without "Don't Warn Here"). */
  async offered(): Promise<('persist' | 'show')[]> {
    const a = this.shown;
    if (!a) return [];
    const refusal = a.atRisk ? persistRefusal(a.folder) : 'it is persistent already';
    const listed = await this.can.canShow(a.file).catch(() => false);
    return saveActionsFor({ trusted: vscode.workspace.isTrusted, listed, persistRefusal: refusal }).filter(
      (x): x is 'persist' | 'show' => x !== 'ignore',
    );
  }

  private async actions(): Promise<void> {
    const a = this.shown;
    if (!a) return;
    const offered = await this.offered();
    const title = describeFileStatus(a).text.replace(/\$\([^)]*\)\s*/g, '');
    if (offered.length === 0) {
      const refusal = persistRefusal(a.folder);
      void this.ui?.show(
        'info',
        `${title}: ${a.folder} is not listed in the Persistence view${refusal ? `, and nothing can persist it: ${refusal}` : ''}.`,
      );
      return;
    }
    if (offered.length === 1 && offered[0] === 'show') {
      await vscode.commands.executeCommand(COMMAND.revealActiveFile);
      return;
    }
    const items = [
      { action: 'persist', label: '$(shield) Persist…', detail: `Persist ${a.folder}`, value: COMMAND.persistActiveFolder },
      { action: 'show', label: '$(eye) Show', detail: 'Show it in the Persistence view', value: COMMAND.revealActiveFile },
    ].filter((i) => offered.includes(i.action as 'persist' | 'show'));
    const command = await this.ui?.pick(items, { title });
    if (command) await vscode.commands.executeCommand(command);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
