import * as vscode from 'vscode';
import type { DiagnosedEntry, DiagnosticsUpdater, PublishedDiagnosis } from './diagnostics-updater';
import { DIAGNOSTIC_SOURCE } from './to-diagnostic';
import { planToWorkspaceEdit } from './workspace-edit';
import { INTERNAL_COMMAND } from '../ids';
import { MoveOffers } from './move-offers';

/** How many findings of a document get their fixes planned ahead; a file with more plans the rest when asked. */
const PLAN_AHEAD = 8;

function sameRange(a: vscode.Range, b: vscode.Range): boolean {
  return a.start.isEqual(b.start) && a.end.isEqual(b.end);
}

/**
 * The finding behind a diagnostic of the context: by the object itself when the context hands back ours,
 * else by what it says and where (the context may hold copies).
 */
function entryFor(
  d: vscode.Diagnostic,
  updater: DiagnosticsUpdater,
  doc: vscode.TextDocument,
  entries: DiagnosedEntry[],
): DiagnosedEntry | undefined {
  const key =
    updater.keyOf(d) ??
    updater
      .stored(doc)
      ?.entries.find((e) => e.diagnostic.code === d.code && e.diagnostic.message === d.message && sameRange(e.diagnostic.range, d.range))
      ?.key;
  if (key !== undefined) return entries.find((e) => e.key === key);
  return entries.find((e) => e.diagnostic.code === d.code && e.diagnostic.message === d.message);
}

/**
 * Quick fixes for the persistence diagnostics: each finding plans its fixes when the editor first asks for
 * them on its line, then keeps them. When the document changed since it was diagnosed, it is diagnosed again
 * first, so a fix is always planned against the text it will be applied to; a plan whose file no longer
 * holds its text is left out.
 */
export class PersistenceCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  private readonly moveOffers = new MoveOffers();

  constructor(private readonly updater: DiagnosticsUpdater) {}

  /**
   * Plans the fixes of a diagnosis as soon as it is published, and for a document just opened also asks whether
   * its paths' data can be moved, so that the first Ctrl+. is answered at once. The editor asks again for the
   * lightbulb 250 ms after the cursor moved, which cancels a Ctrl+. still waiting for its answer: the user, who
   * clicked on the line and pressed Ctrl+., would read "No code actions available".
   */
  planAhead({ doc, diagnosis, opened }: PublishedDiagnosis): void {
    for (const { finding } of diagnosis.entries.slice(0, PLAN_AHEAD)) {
      void finding
        .planFixes()
        .then(async (planned) => {
          if (opened && planned.fixes.length > 0 && finding.path && doc.uri.scheme === 'file')
            await this.moveOffers.movable(doc.uri.fsPath, finding.service, finding.path);
        })
        .catch(() => undefined); // asked again, and reported, when the editor asks for the fixes
    }
  }

  async provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.CodeAction[]> {
    if (!vscode.workspace.isTrusted) return [];
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0) return [];
    const diagnosis = await this.updater.current(doc);
    if (!diagnosis || token.isCancellationRequested) return [];

    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const finding = entryFor(d, this.updater, doc, diagnosis.entries)?.finding;
      if (!finding) continue;
      const planned = await finding
        .planFixes()
        .catch((err: unknown) => ({ fixes: [], noFixReason: `planning failed (${err instanceof Error ? err.message : String(err)})` }));
      if (token.isCancellationRequested) return [];
      for (const fix of planned.fixes) {
        const edit = await planToWorkspaceEdit(fix.plan, doc);
        if (!edit || token.isCancellationRequested) continue;
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [d];
        action.isPreferred = fix.preferred;
        action.edit = edit;
        actions.push(action);
      }
      if (planned.fixes.length === 0 && planned.noFixReason) actions.push(unavailable(d, finding.path, planned.noFixReason));
      // A container runs from this file and holds data at the path: the edits above would leave it behind.
      if (
        planned.fixes.length > 0 &&
        finding.path &&
        doc.uri.scheme === 'file' &&
        (await this.moveOffers.movable(doc.uri.fsPath, finding.service, finding.path))
      ) {
        if (token.isCancellationRequested) return [];
        // The recommended fix now: the editor lists preferred actions first, so the edit-only fixes of this
        // diagnostic give up that place (applying one would leave the data behind).
        for (const a of actions) if (a.diagnostics?.includes(d)) a.isPreferred = false;
        // the quick fixes planned no host folder (a database): the move's question offers none either
        actions.unshift(
          moveAction(d, doc.uri.fsPath, finding.service, finding.path, !planned.fixes.some((f) => f.plan.kind === 'bind-host-folder')),
        );
      }
    }
    return actions;
  }
}

/** "Move the data of PATH into a volume…": Persist Path…'s questions for this file and path, the move offered first. */
function moveAction(d: vscode.Diagnostic, file: string, service: string | undefined, path: string, noBind: boolean): vscode.CodeAction {
  const title = `Move the data of ${path} into a volume and persist it…`;
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [d];
  action.isPreferred = true;
  action.command = {
    title,
    command: INTERNAL_COMMAND.persistFromFile,
    arguments: [{ file, path, noBind, ...(service && !/\.jsonc?$/i.test(file) ? { service } : {}) }],
  };
  return action;
}

/**
 * A disabled "Persist PATH": where the editor lists disabled actions it shows it greyed out with the reason,
 * and a keybinding that applies the fix of a line names the reason instead of doing nothing.
 */
function unavailable(d: vscode.Diagnostic, path: string | undefined, reason: string): vscode.CodeAction {
  const action = new vscode.CodeAction(path ? `Persist ${path}` : 'Persist this path', vscode.CodeActionKind.QuickFix);
  action.diagnostics = [d];
  action.disabled = { reason: `No quick fix: ${reason}` };
  return action;
}
