import * as vscode from 'vscode';
import type { FixPlan } from '../../fixes/types';
import { editorEdits } from './plan-edits';

/**
 * A plan as a WorkspaceEdit (so Undo takes it back), or undefined when the file it edits no longer holds
 * the text the plan was made against: a stale plan is never applied to other text. A plan for another
 * file (the compose file of a dev container, an included file) opens that file to check and place it.
 */
export async function planToWorkspaceEdit(plan: FixPlan, current: vscode.TextDocument): Promise<vscode.WorkspaceEdit | undefined> {
  const uri = vscode.Uri.file(plan.file);
  let target: vscode.TextDocument;
  try {
    target = uri.toString() === current.uri.toString() ? current : await vscode.workspace.openTextDocument(uri);
  } catch {
    return undefined; // gone, or unreadable: nothing to apply to
  }
  if (target.getText() !== plan.originalText) return undefined;
  const edit = new vscode.WorkspaceEdit();
  for (const e of editorEdits(plan.edits)) {
    edit.replace(target.uri, new vscode.Range(target.positionAt(e.offset), target.positionAt(e.offset + e.length)), e.text);
  }
  return edit;
}
