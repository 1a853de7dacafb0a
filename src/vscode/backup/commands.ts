import { existsSync, promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import type { BackupListing, BackupResult, BackupSource, RescueResult, RestoreResult, RestoreTarget, SetBackupResult } from '../../backup';
import { describeTarget } from '../../backup/describe';
import { backend } from '../backend';
import { COMMAND } from '../ids';
import { classifyArg } from './args';
import { deleteConfirmation, errorMessage } from './describe';
import { runBackup, runProjectBackup, runRescue, runRestore, reportFailure, type BackupDeps } from './operations';
import { composeProjects } from './docker-choices';
import { pickBackup, pickBackupSource, pickContainer, pickRestoreTarget } from './pickers';
import { restoreCandidates, revealStrategy } from './policy';
import { rescueContainerFor, restoreTargetForPath, sourceForPath } from './targets';

/**
 * The backup commands: what each argument means (a Paths view node, a Backups view item, a request, or nothing
 * and then quick picks), then the operation. Every command returns what it did (the backend's result, or
 * undefined when it did not happen), so other features and the editor tests can use it.
 */

/** Backups read Docker and write files: not in a workspace the user has not trusted (package.json hides them too). */
function trusted(deps: BackupDeps): boolean {
  if (vscode.workspace.isTrusted) return true;
  void deps.ui.show(
    'warning',
    'Backups, restores and rescues need a trusted workspace: Persistence Lens makes no Docker calls and writes nothing in an untrusted one.',
  );
  return false;
}

/** Says why nothing is done; the command then returns undefined. */
function refuse(deps: BackupDeps, reason: string): undefined {
  void deps.ui.show('warning', reason);
  return undefined;
}

/** A question that lists Docker objects may fail to reach the Docker Engine: say so, as the backend words it. */
async function asking<T>(deps: BackupDeps, question: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await question();
  } catch (err) {
    reportFailure(deps, err);
    return undefined;
  }
}

export async function backupCommand(deps: BackupDeps, arg: unknown): Promise<BackupResult | undefined> {
  if (!trusted(deps)) return undefined;
  const a = classifyArg(arg);
  let source: BackupSource | undefined;
  if (a.kind === 'path') {
    const d = sourceForPath(a.node);
    if (!d.ok) return refuse(deps, d.reason);
    source = d.value;
  } else if (a.kind === 'source') source = a.source;
  else source = await asking(deps, () => pickBackupSource(deps.ui, deps.settings().host));
  return source ? runBackup(deps, source) : undefined;
}

/** The listing of an archive, when it is in the backup folder (for the confirmation's words). */
async function listingOf(deps: BackupDeps, archive: string): Promise<BackupListing | undefined> {
  const file = resolve(archive);
  return (await deps.view.list().catch(() => [])).find((l) => l.file === file);
}

export async function restoreCommand(deps: BackupDeps, arg: unknown): Promise<RestoreResult | undefined> {
  if (!trusted(deps)) return undefined;
  const a = classifyArg(arg);
  const host = deps.settings().host;
  let archive: string | undefined;
  let listing: BackupListing | undefined;
  let target: RestoreTarget | undefined;
  if (a.kind === 'backup') {
    listing = a.listing;
    archive = listing.file;
    target = await asking(deps, () => pickRestoreTarget(deps.ui, host, a.listing));
  } else if (a.kind === 'path') {
    const d = restoreTargetForPath(a.node);
    if (!d.ok) return refuse(deps, d.reason);
    target = d.value;
    const listings = await asking(deps, () => deps.view.list());
    if (!listings) return undefined;
    listing = await pickBackup(
      deps.ui,
      restoreCandidates(listings, target),
      `Restore into ${describeTarget(target)}`,
      describeTarget(target),
    );
    archive = listing?.file;
  } else if (a.kind === 'restore') {
    archive = resolve(a.archive);
    listing = await listingOf(deps, archive);
    target = a.target;
    if (!target) {
      if (!listing) return refuse(deps, `${archive} is not in the backup folder (${deps.view.dir()}): give the target to restore it into.`);
      const l = listing;
      target = await asking(deps, () => pickRestoreTarget(deps.ui, host, l));
    }
  } else {
    const listings = await asking(deps, () => deps.view.list());
    if (!listings) return undefined;
    listing = await pickBackup(deps.ui, restoreCandidates(listings), 'Restore');
    archive = listing?.file;
    const l = listing;
    if (l) target = await asking(deps, () => pickRestoreTarget(deps.ui, host, l));
  }
  if (!archive || !target) return undefined;
  return runRestore(deps, archive, target, listing);
}

export async function rescueCommand(deps: BackupDeps, arg: unknown): Promise<RescueResult | undefined> {
  if (!trusted(deps)) return undefined;
  const a = classifyArg(arg);
  let container: string | undefined;
  if (a.kind === 'target') {
    const d = rescueContainerFor(a.node);
    if (!d.ok) return refuse(deps, d.reason);
    container = d.value;
  } else if (a.kind === 'container') container = a.container;
  else container = (await asking(deps, () => pickContainer(deps.ui, deps.settings().host, 'Rescue Writable Layer')))?.name;
  return container ? runRescue(deps, container) : undefined;
}

/** The archive a Backups view item, a path or a URI names. */
function archiveOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : undefined;
  if (typeof arg === 'string') return resolve(arg);
  const a = classifyArg(arg);
  return a.kind === 'backup' ? a.listing.file : a.kind === 'restore' ? resolve(a.archive) : undefined;
}

export async function revealCommand(deps: BackupDeps, arg: unknown): Promise<void> {
  const file = archiveOf(arg);
  if (!file) return;
  const uri = vscode.Uri.file(file);
  const manifest = backend().manifestPathFor(file);
  const strategy = revealStrategy({
    desktopLocal: vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined,
    inWorkspace: vscode.workspace.getWorkspaceFolder(uri) !== undefined,
    hasManifest: existsSync(manifest),
  });
  switch (strategy) {
    case 'os':
      await vscode.commands.executeCommand('revealFileInOS', uri);
      return;
    case 'explorer':
      await vscode.commands.executeCommand('revealInExplorer', uri);
      return;
    case 'manifest':
      await deps.view.reveal(file).catch(() => false);
      await vscode.window.showTextDocument(vscode.Uri.file(manifest), { preview: true });
      return;
    case 'path':
      await deps.view.reveal(file).catch(() => false);
      void deps.ui.show('info', `The archive is ${file}.`, 'Copy Path').then((a) => (a ? vscode.env.clipboard.writeText(file) : undefined));
  }
}

/**
 * Back Up Project…: from a compose project node of the Paths view (its containers, not a file's services), a
 * `{ project }` request, or the palette (a pick of the engine's compose projects).
 */
export async function backupProjectCommand(deps: BackupDeps, arg: unknown): Promise<SetBackupResult | undefined> {
  if (!trusted(deps)) return undefined;
  const a = arg as { kind?: string; name?: string; project?: string; targets?: { rootKind: string }[] } | undefined;
  let project: string | undefined;
  if (a?.kind === 'project') {
    if (!a.targets?.some((t) => t.rootKind === 'container'))
      return refuse(deps, `${a.name} is a file, not a running compose project: bring it up first, then back it up.`);
    project = a.name;
  } else if (typeof a?.project === 'string') project = a.project;
  else {
    const projects = await asking(deps, () => composeProjects(deps.settings().host));
    if (!projects) return undefined;
    if (projects.length === 0)
      return refuse(deps, 'The Docker Engine has no compose project: no container carries a com.docker.compose.project label.');
    project = await deps.ui.pick(
      projects.map((p) => ({
        label: p.name,
        description: `${p.containers.length} container${p.containers.length === 1 ? '' : 's'}`,
        detail: p.containers.join(', '),
        value: p.name,
      })),
      { title: 'Back Up Project…', placeholder: 'The compose project to back up as one set' },
    );
  }
  return project ? runProjectBackup(deps, project) : undefined;
}

/** Deletes an archive and its manifest after a modal confirmation. True when deleted. */
export async function deleteCommand(deps: BackupDeps, arg: unknown): Promise<boolean> {
  const file = archiveOf(arg);
  if (!file) return false;
  const a = classifyArg(arg);
  const listing = a.kind === 'backup' ? a.listing : await listingOf(deps, file);
  if (!listing) {
    void deps.ui.show('warning', `${file} is not in the backup folder (${deps.view.dir()}) any more.`);
    deps.view.refresh();
    return false;
  }
  if (!(await deps.ui.confirm(deleteConfirmation(listing)))) return false;
  try {
    // The archive first: a manifest without its archive is cleaned up by the next backup; the reverse would
    // leave an archive that can no longer be verified.
    await fsp.rm(listing.file, { force: true });
    await fsp.rm(backend().manifestPathFor(listing.file), { force: true });
    return true;
  } catch (err) {
    void deps.ui.show('error', `Could not delete ${listing.file}: ${errorMessage(err)}`);
    return false;
  } finally {
    deps.view.refresh();
  }
}

export function registerBackupCommands(context: vscode.ExtensionContext, deps: BackupDeps): void {
  const register = (id: string, fn: (arg: unknown) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  register(COMMAND.backup, (arg) => backupCommand(deps, arg));
  register(COMMAND.restore, (arg) => restoreCommand(deps, arg));
  register(COMMAND.rescue, (arg) => rescueCommand(deps, arg));
  register(COMMAND.backupProject, (arg) => backupProjectCommand(deps, arg));
  register(COMMAND.refreshBackups, () => {
    deps.view.refresh();
    return deps.view.snapshot();
  });
  register(COMMAND.revealBackup, (arg) => revealCommand(deps, arg));
  register(COMMAND.deleteBackup, (arg) => deleteCommand(deps, arg));
}
