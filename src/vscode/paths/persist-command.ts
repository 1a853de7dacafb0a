import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { MoveOffer, PersistRequest } from '../../backend';
import { backend } from '../backend';
import type { TargetNode } from '../tree/nodes';
import type { UiTestHooks } from '../ui/test-hooks';
import type { Ui } from '../ui/ui';
import { persistCandidates, type PersistCandidate } from './persist-candidates';
import { canMove, defaultBindFolder, persistChoices, type PersistSituation } from './persist-policy';
import { moveAndPersist, type LiveMoves } from './move-flow';
import type { PathsModel } from './model';
import { applyPlanInEditor, dockerCallOptions, unsavedTexts } from './persist-support';

/** A path of a target to make persistent. */
export interface PersistSubject {
  path: string;
  parent: TargetNode;
}

/** What Persist Path… needs besides the subject: the widgets, the test hooks, the scan, this container's live moves. */
export interface PersistDeps {
  ui: Ui;
  hooks(): UiTestHooks | undefined;
  model: PathsModel;
  liveMoves: LiveMoves;
}

/**
 * "Persist Path…": find the file that declares the target (asking when several fit), ask how to keep the path
 * (moving what it holds now first, when a container runs from that file and the path holds data), plan the
 * edit with the backend's quick fixes and apply it as a WorkspaceEdit (undoable, and made against the editor's text
 * when the file is open with unsaved changes) — after the data is verified in the volume, for a move.
 */
export async function persistPath(subject: PersistSubject, deps: PersistDeps): Promise<boolean> {
  const { ui } = deps;
  if (!vscode.workspace.isTrusted) {
    void ui.show('warning', 'Persistence Lens edits no files in an untrusted workspace.');
    return false;
  }
  const candidates = persistCandidates(subject.parent, deps.model.snapshot.scan).filter((c) => existsSync(c.file));
  if (candidates.length === 0) {
    void ui.show(
      'warning',
      `No compose file or devcontainer.json that declares ${subject.parent.rootKind === 'self' ? 'this container' : subject.parent.target.name} was found, so ${subject.path} cannot be persisted from here. Add a volume for it where the container is created.`,
    );
    return false;
  }
  const candidate = candidates.length === 1 ? candidates[0] : await pickCandidate(ui, candidates, subject.path);
  if (!candidate) return false;
  // the container itself is known (its labels named the file): the move need not find it from the file, whose
  // path the editor may see elsewhere than the Docker host (throughBinds)
  const container = subject.parent.rootKind !== 'file' ? subject.parent.target.id : undefined;
  return persistFromFile(
    {
      file: candidate.file,
      ...(candidate.service ? { service: candidate.service } : {}),
      path: subject.path,
      ...(container ? { container } : {}),
    },
    deps,
    subject.parent.target.paths.find((p) => p.path === subject.path),
  );
}

/**
 * The questions once the file is known (also the quick fix's entry): how to keep the path, then the edit or
 * the move. `report` is the scan's view of the path, when it has one (its category, whether it holds data).
 */
export async function persistFromFile(
  req: { file: string; service?: string; path: string; container?: string },
  deps: PersistDeps,
  report?: { category?: string; holdsData?: boolean; noBind?: boolean },
): Promise<boolean> {
  const { ui } = deps;
  const offer = await probeOffer(req, deps);
  const situation: PersistSituation = {
    path: req.path,
    file: vscode.workspace.asRelativePath(req.file),
    ...(report?.category ? { category: report.category } : {}),
    ...(report?.holdsData !== undefined ? { holdsDataByScan: report.holdsData } : {}),
    ...(report?.noBind ? { noBind: true } : {}),
    ...(offer ? { offer } : {}),
  };
  const single = backend().singleFileFix(req.path);
  if (single && single.kind !== 'folder') situation.singleFile = single;
  const choices = persistChoices(situation);
  const how = await ui.pick(
    choices.map((c) => ({ label: c.label, detail: c.detail, value: c.mode })),
    { title: `Persist ${req.path}`, placeholder: `How should ${req.path} be kept? (${situation.file})` },
  );
  if (!how) return false;
  if (how === 'move') return moveAndPersist(req, offer!, deps, (plan) => applyPlanInEditor(plan, { reveal: false }));
  let bindSource: string | undefined;
  if (how === 'bind') {
    const file = situation.singleFile?.kind === 'advice';
    bindSource = await ui.input({
      title: `Host ${file ? 'file (create it first, or Docker makes a folder there)' : 'folder'} for ${req.path}`,
      prompt: 'A path on the Docker host; relative paths are resolved from the compose file or devcontainer.json.',
      value: defaultBindFolder(req.path),
      validate: (v) => (v.trim() ? undefined : file ? 'A file is needed' : 'A folder is needed'),
    });
    if (!bindSource) return false;
  }
  return applyPersist(
    { ...req, ...(bindSource ? { bindSource: bindSource.trim() } : {}) },
    ui,
    canMove(situation)
      ? `What ${req.path} holds now in ${offer!.container.name} stays behind: the recreated container starts with it empty.`
      : undefined,
  );
}

/** What the backend can move for this file and path; nothing (only the edit is offered) when Docker does not answer. */
async function probeOffer(
  req: { file: string; service?: string; path: string; container?: string },
  deps: PersistDeps,
): Promise<MoveOffer | undefined> {
  try {
    return await backend().moveOffer(req, dockerCallOptions(deps));
  } catch {
    // no engine, no container, no permission: the file can still be edited, which is what is offered then
    return undefined;
  }
}

async function pickCandidate(ui: Ui, candidates: PersistCandidate[], path: string): Promise<PersistCandidate | undefined> {
  return ui.pick(
    candidates.map((c) => ({
      label: c.service ?? basename(dirname(c.file)) + '/' + basename(c.file),
      description: vscode.workspace.asRelativePath(c.file),
      detail: c.why,
      value: c,
    })),
    { title: `Persist ${path}`, placeholder: 'Which file should declare the volume?' },
  );
}

/** Plans and applies one persist request (only the edit); tells the user what happened. Exposed for the save warning. */
export async function applyPersist(request: PersistRequest, ui: Ui, leftBehind?: string): Promise<boolean> {
  const overlay = unsavedTexts();
  let outcome;
  try {
    outcome = await backend().planPersist({ ...request, overlay });
  } catch (err) {
    void ui.show('error', `Cannot persist ${request.path}: ${(err as Error).message}`);
    return false;
  }
  if (outcome.status === 'already-persisted') {
    void ui.show('info', outcome.message);
    return false;
  }
  const plan = outcome.plan;
  try {
    await applyPlanInEditor(plan, { reveal: true });
  } catch (err) {
    void ui.show('warning', `Could not edit ${basename(plan.file)}: ${(err as Error).message}.`);
    return false;
  }
  // the next step first: a toast is read from its start, and cut short where it is long
  const text = `Recreate the container to use it (docker compose up -d, or Rebuild Container): ${plan.title} in ${basename(plan.file)}.`;
  void ui.show(leftBehind ? 'warning' : 'info', leftBehind ? `${text} ${leftBehind}` : text);
  return true;
}
