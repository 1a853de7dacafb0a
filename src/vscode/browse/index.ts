import * as vscode from 'vscode';
import { COMMAND } from '../ids';
import { readBackupSettings } from '../backup/settings';
import type { UiSeam } from '../ui/index';
import { browseBackupCommand, browseContainerPathCommand, browseVolumeCommand, saveCopyCommand, type BrowseDeps } from './commands';
import { BrowseFileSystem } from './provider';
import { parseBrowseUri, SCHEME } from './uri';

export interface BrowseFeatures {
  provider: BrowseFileSystem;
  /** Ends every browse session (removes helper containers); deactivate awaits it. */
  closeAll(): Promise<string[]>;
}

/** Browsing volumes, container folders and backups read-only in the Explorer: the file system and its commands. */
export function registerBrowseFeatures(context: vscode.ExtensionContext, { ui }: UiSeam): BrowseFeatures {
  const provider = new BrowseFileSystem(() => readBackupSettings().host);
  const deps: BrowseDeps = { ui };
  context.subscriptions.push(
    provider,
    vscode.workspace.registerFileSystemProvider(SCHEME, provider, { isCaseSensitive: true, isReadonly: true }),
    vscode.commands.registerCommand(COMMAND.browseVolume, (arg: unknown) => browseVolumeCommand(deps, arg)),
    vscode.commands.registerCommand(COMMAND.browseContainerPath, (arg: unknown) => browseContainerPathCommand(deps, arg)),
    vscode.commands.registerCommand(COMMAND.browseBackup, (arg: unknown) => browseBackupCommand(deps, arg)),
    vscode.commands.registerCommand(COMMAND.saveBrowsedCopy, (arg: unknown, target?: vscode.Uri) => saveCopyCommand(deps, arg, target)),
    // a browsed folder removed from the workspace ends its session (its helper container goes)
    vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      const still = new Set((vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === SCHEME).map((f) => f.uri.toString()));
      for (const f of e.removed) {
        if (f.uri.scheme !== SCHEME || still.has(f.uri.toString())) continue;
        try {
          void provider.close(parseBrowseUri(f.uri).source).catch((err: Error) => void ui.show('warning', err.message));
        } catch {
          // not one of ours
        }
      }
    }),
  );
  return { provider, closeAll: () => provider.closeAll() };
}
