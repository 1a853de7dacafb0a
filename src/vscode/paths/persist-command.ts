import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { PersistRequest } from '../../engine';
import { engine } from '../engine';
import type { TargetNode } from '../tree/nodes';
import { persistCandidates, type PersistCandidate } from './persist-candidates';
import type { PathsModel } from './model';

/** A path of a target to make persistent. */
export interface PersistSubject {
  path: string;
  parent: TargetNode;
}

/**
 * "Persist Path…": find the file that declares the target (asking when several fit), let the user pick a
 * named volume or a host folder, plan the edit with the quick-fix engine, and apply it as a WorkspaceEdit
 * (undoable, and made against the editor's text when the file is open with unsaved changes).
 */
export async function persistPath(subject: PersistSubject, model: PathsModel): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Persistence Lens edits no files in an untrusted workspace.');
    return false;
  }
  const candidates = persistCandidates(subject.parent, model.snapshot.scan).filter((c) => existsSync(c.file));
  if (candidates.length === 0) {
    void vscode.window.showWarningMessage(
      `No compose file or devcontainer.json that declares ${subject.parent.rootKind === 'self' ? 'this container' : subject.parent.target.name} was found, so ${subject.path} cannot be persisted from here. Add a volume for it where the container is created.`,
    );
    return false;
  }
  const candidate = candidates.length === 1 ? candidates[0] : await pickCandidate(candidates, subject.path);
  if (!candidate) return false;

  const how = await vscode.window.showQuickPick(
    [
      { label: '$(database) Named volume', detail: 'Docker manages it; it survives recreating the container and compose down (not down -v).', mode: 'volume' as const },
      { label: '$(folder) Bind a host folder…', detail: 'The files stay in a folder of the host that you choose.', mode: 'bind' as const },
    ],
    { title: `Persist ${subject.path}`, placeHolder: `How should ${subject.path} be kept? (${vscode.workspace.asRelativePath(candidate.file)})` },
  );
  if (!how) return false;
  let bindSource: string | undefined;
  if (how.mode === 'bind') {
    bindSource = await vscode.window.showInputBox({
      title: `Host folder for ${subject.path}`,
      prompt: 'A path on the Docker host; relative paths are resolved from the compose file or devcontainer.json.',
      value: `./data/${basename(subject.path).replace(/^\.+/, '') || 'data'}`,
      validateInput: (v) => (v.trim() ? undefined : 'A folder is needed'),
    });
    if (!bindSource) return false;
  }
  return applyPersist({ file: candidate.file, ...(candidate.service ? { service: candidate.service } : {}), path: subject.path, ...(bindSource ? { bindSource: bindSource.trim() } : {}) });
}

async function pickCandidate(candidates: PersistCandidate[], path: string): Promise<PersistCandidate | undefined> {
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({ label: c.service ?? basename(dirname(c.file)) + '/' + basename(c.file), description: vscode.workspace.asRelativePath(c.file), detail: c.why, candidate: c })),
    { title: `Persist ${path}`, placeHolder: 'Which file should declare the volume?' },
  );
  return picked?.candidate;
}

/** Unsaved editor text of the files the engine reads, so a plan matches what the user sees. */
function unsavedTexts(): Map<string, string> {
  const overlay = new Map<string, string>();
  for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === 'file' && doc.isDirty) overlay.set(resolve(doc.uri.fsPath), doc.getText());
  return overlay;
}

/** Plans and applies one persist request; tells the user what happened. Exposed for the save warning. */
export async function applyPersist(request: PersistRequest): Promise<boolean> {
  const overlay = unsavedTexts();
  let outcome;
  try {
    outcome = await engine().planPersist({ ...request, overlay });
  } catch (err) {
    void vscode.window.showErrorMessage(`Cannot persist ${request.path}: ${(err as Error).message}`);
    return false;
  }
  if (outcome.status === 'already-persisted') {
    void vscode.window.showInformationMessage(outcome.message);
    return false;
  }
  const plan = outcome.plan;
  const uri = vscode.Uri.file(plan.file);
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.getText() !== plan.originalText) {
    void vscode.window.showWarningMessage(`${basename(plan.file)} changed while the fix was planned: try again.`);
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  for (const e of plan.edits) edit.replace(uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.text);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`Could not edit ${plan.file}.`);
    return false;
  }
  const wasDirty = overlay.has(resolve(plan.file));
  if (!wasDirty) await doc.save();
  const first = plan.edits[0];
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (first) editor.revealRange(new vscode.Range(doc.positionAt(first.offset), doc.positionAt(first.offset + first.text.length)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  void vscode.window.showInformationMessage(`${plan.title} in ${basename(plan.file)}. Recreate the container to use it (docker compose up -d, or Rebuild Container).`);
  return true;
}
