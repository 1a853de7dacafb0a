import * as vscode from 'vscode';
import { describeSource, type BrowseSource } from '../../browse/source';
import type { PathNode } from '../tree/nodes';
import { backend } from '../backend';
import { pickBackup, pickContainerPath, pickVolume } from '../backup/pickers';
import { readBackupSettings } from '../backup/settings';
import type { Ui } from '../ui/ui';
import { browseUri, parseBrowseUri, SCHEME } from './uri';

/**
 * Browse Volume, Browse Container Path, Browse Backup: what to browse (a Paths view node, a Backups view item,
 * a name, or quick picks), then its root added as a workspace folder so it shows in the Explorer, read through
 * the `persistence-lens:` file system (provider.ts). Each returns the root's URI, or undefined when nothing was
 * chosen. Save a Copy… writes a browsed file wherever the user says (in a browser, the Explorer's own
 * Download… does the same).
 */

export interface BrowseDeps {
  ui: Ui;
}

const host = (): string | undefined => readBackupSettings().host;

function trusted(deps: BrowseDeps): boolean {
  if (vscode.workspace.isTrusted) return true;
  void deps.ui.show(
    'warning',
    'Browsing volumes, containers and backups needs a trusted workspace: Persistence Lens makes no Docker calls in an untrusted one.',
  );
  return false;
}

async function asking<T>(deps: BrowseDeps, question: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await question();
  } catch (err) {
    void deps.ui.show('error', (err as Error).message);
    return undefined;
  }
}

const isPathNode = (a: unknown): a is PathNode =>
  (a as { kind?: unknown })?.kind === 'path' && typeof (a as { path?: unknown }).path === 'object';

/** The volume an argument names: a Paths view node of a named volume, `{ volume }` / `{ name }` (a Volumes view item), or a name. */
export function volumeOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (isPathNode(arg)) return arg.path.status === 'named-volume' ? arg.path.source : undefined;
  const o = arg as { volume?: unknown; name?: unknown } | undefined;
  if (typeof o?.volume === 'string') return o.volume;
  if (typeof o?.volume === 'object' && typeof (o.volume as { name?: unknown })?.name === 'string')
    return (o.volume as { name: string }).name;
  if (typeof o?.name === 'string') return o.name;
  return undefined;
}

/** The container folder a Paths view node stands for (a container's, or this container's through its id). */
export function containerPathOf(node: PathNode): { container: string; root: string } | undefined {
  const t = node.parent;
  const container = t.rootKind === 'container' ? (t.target.id ?? t.target.name) : t.rootKind === 'self' ? t.target.id : undefined;
  return container ? { container, root: node.path.path } : undefined;
}

/** Adds the source's root to the workspace (once) and shows the Explorer. */
export async function openRoot(source: BrowseSource): Promise<vscode.Uri> {
  const uri = browseUri(source);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.some((f) => f.uri.toString() === uri.toString())) {
    // A window of one folder becomes an untitled multi-root workspace (code-server reloads it): the URI alone
    // says what to read, so the folder shows again after the reload.
    const ok = vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: describeSource(source) });
    if (!ok) throw new Error(`the editor did not add ${describeSource(source)} to the workspace`);
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  return uri;
}

export async function browseVolumeCommand(deps: BrowseDeps, arg: unknown): Promise<vscode.Uri | undefined> {
  if (!trusted(deps)) return undefined;
  let volume = volumeOf(arg);
  if (arg !== undefined && volume === undefined) {
    void deps.ui.show('warning', 'This is not a named volume: use Browse Container Path on it instead.');
    return undefined;
  }
  volume ??= await asking(deps, () => pickVolume(deps.ui, host(), 'Browse Volume', false));
  return volume ? openRoot({ kind: 'volume', volume }) : undefined;
}

export async function browseContainerPathCommand(deps: BrowseDeps, arg: unknown): Promise<vscode.Uri | undefined> {
  if (!trusted(deps)) return undefined;
  let where: { container: string; root: string } | undefined;
  if (isPathNode(arg)) {
    where = containerPathOf(arg);
    if (!where) {
      void deps.ui.show(
        'warning',
        `${arg.path.path} of ${arg.parent.target.name} is not in a container the Docker Engine knows: there is nothing to browse through it.`,
      );
      return undefined;
    }
  } else {
    const picked = await asking(deps, () => pickContainerPath(deps.ui, host(), 'Browse Container Path', 'browse'));
    if (picked) where = { container: picked.container, root: picked.path };
  }
  return where ? openRoot({ kind: 'container', ...where }) : undefined;
}

export async function browseBackupCommand(deps: BrowseDeps, arg: unknown): Promise<vscode.Uri | undefined> {
  let file: string | undefined;
  const a = arg as { kind?: unknown; listing?: { file?: unknown } } | undefined;
  if (a?.kind === 'backup' && typeof a.listing?.file === 'string') file = a.listing.file;
  else if (arg instanceof vscode.Uri && arg.scheme === 'file') file = arg.fsPath;
  else if (typeof arg === 'string') file = arg;
  else {
    const e = backend();
    const listings = await asking(deps, () => e.listBackups(readBackupSettings().outDir ?? e.defaultBackupDir()));
    if (!listings) return undefined;
    file = (await pickBackup(deps.ui, listings, 'Browse Backup'))?.file;
  }
  return file ? openRoot({ kind: 'archive', file }) : undefined;
}

/** Save a Copy…: the browsed file's bytes written where the user says (`target` given: the tests). */
export async function saveCopyCommand(deps: BrowseDeps, arg: unknown, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== SCHEME) {
    void deps.ui.show('warning', 'Save a Copy… saves a file browsed with Persistence Lens: choose one in the Explorer.');
    return undefined;
  }
  const { rel } = parseBrowseUri(uri);
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1) || 'copy';
  const home = process.env.HOME ? vscode.Uri.file(`${process.env.HOME}/${name}`) : undefined;
  const to =
    target ??
    (await vscode.window.showSaveDialog({
      title: `Save a Copy of ${rel || name}`,
      saveLabel: 'Save Copy',
      ...(home ? { defaultUri: home } : {}),
    }));
  if (!to) return undefined;
  try {
    await vscode.workspace.fs.writeFile(to, await vscode.workspace.fs.readFile(uri));
  } catch (err) {
    void deps.ui.show('error', `Could not save a copy of ${rel}: ${(err as Error).message}`);
    return undefined;
  }
  void deps.ui.show('info', `Saved a copy of ${rel} as ${to.scheme === 'file' ? to.fsPath : to.toString()}.`);
  return to;
}
