import { basename, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { PersistOutcome } from '../../backend';
import { linkCancellation } from '../backup/progress';
import { dockerHost } from '../settings';
import type { UiTestHooks } from '../ui/test-hooks';
import type { Ui } from '../ui/ui';

// What Persist Path… and the move share: the editor's side of an edit, the options of its Docker calls, cancellable progress.

export type PlannedFix = Extract<PersistOutcome, { status: 'planned' }>['plan'];

/** What every Docker call of these commands gets from the editor: the configured host, the tests' labels. */
export function dockerCallOptions(deps: { hooks(): UiTestHooks | undefined }): { host?: string; helperLabels?: Record<string, string> } {
  const host = dockerHost();
  const labels = deps.hooks()?.helperLabels;
  return { ...(host ? { host } : {}), ...(labels ? { helperLabels: labels } : {}) };
}

/** Unsaved editor text of the files the backend reads, so a plan matches what the user sees. */
export function unsavedTexts(): Map<string, string> {
  const overlay = new Map<string, string>();
  for (const doc of vscode.workspace.textDocuments)
    if (doc.uri.scheme === 'file' && doc.isDirty) overlay.set(resolve(doc.uri.fsPath), doc.getText());
  return overlay;
}

/**
 * Applies a planned edit in the editor (one undo step) and saves the file unless it had unsaved changes
 * before. Throws when the file changed since the plan, or the edit is refused: a move then undoes itself.
 */
export async function applyPlanInEditor(plan: PlannedFix, opts: { reveal: boolean }): Promise<void> {
  const uri = vscode.Uri.file(plan.file);
  const wasDirty = vscode.workspace.textDocuments.some((d) => d.uri.fsPath === uri.fsPath && d.isDirty);
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.getText() !== plan.originalText) throw new Error(`${basename(plan.file)} changed while the fix was planned: nothing was edited`);
  const edit = new vscode.WorkspaceEdit();
  for (const e of plan.edits) edit.replace(uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.text);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`the editor refused the edit of ${plan.file}`);
  if (!wasDirty && !(await doc.save())) {
    // a move undoes itself on this error: the buffer must not keep an edit that declares a removed volume
    const back = new vscode.WorkspaceEdit();
    back.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), plan.originalText);
    await vscode.workspace.applyEdit(back);
    await doc.save();
    throw new Error(`${plan.file} could not be saved; the edit was taken back`);
  }
  if (opts.reveal) await revealEdit(plan);
}

export async function revealEdit(plan: PlannedFix): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(plan.file));
  const first = plan.edits[0];
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (first)
    editor.revealRange(
      new vscode.Range(doc.positionAt(first.offset), doc.positionAt(first.offset + first.text.length)),
      vscode.TextEditorRevealType.InCenterIfOutsideViewport,
    );
}

/** Runs `work` under a cancellable notification; Cancel (or the tests' token) aborts the backend's signal. */
export async function withCancellableProgress<T>(
  ui: Ui,
  hooks: UiTestHooks | undefined,
  title: string,
  work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
): Promise<T> {
  return ui.withProgress({ title, location: 'notification', cancellable: true }, async (report, token) => {
    const controller = new AbortController();
    const links = linkCancellation([token, hooks?.cancellation], controller);
    try {
      return await work(controller.signal, (message) => report({ message }));
    } finally {
      links.dispose();
    }
  });
}
