import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { BackupListing } from '../../backup';
import { backend } from '../backend';
import { CONTEXT, VIEW } from '../ids';
import { backupItemView, errorMessage } from './describe';

/** An archive in the Backups view; commands contributed to the view get this as their argument. */
export interface BackupItem {
  kind: 'backup';
  listing: BackupListing;
}

/** A line of text: the folder could not be read. */
interface NoteItem {
  kind: 'note';
  text: string;
}

type Node = BackupItem | NoteItem;

/**
 * The Backups view: every archive in the backup folder, newest first, with its source, size, date and whether
 * a manifest vouches for it. Listing loads the backend bundle, so nothing happens until the view is opened
 * (it is collapsed by default). A watcher on the folder shows backups the CLI or another window makes.
 */
export class BackupsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly treeView: vscode.TreeView<Node>;
  private items: BackupItem[] = [];
  private watched?: { dir: string; watcher: vscode.FileSystemWatcher };
  private debounce: NodeJS.Timeout | undefined;

  /** `folder()`: the backup folder the settings name, undefined for the backend's default. */
  constructor(private readonly folder: () => string | undefined) {
    this.treeView = vscode.window.createTreeView(VIEW.backups, { treeDataProvider: this, showCollapseAll: false });
  }

  /** The folder the view lists (the backend's default when the setting is empty). */
  dir(): string {
    return this.folder() ?? backend().defaultBackupDir();
  }

  refresh(): void {
    this.changed.fire();
  }

  /** The archives, read now (the commands want the folder's state, not the view's last look). */
  async list(): Promise<BackupListing[]> {
    return backend().listBackups(this.dir());
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'note') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('error');
      item.tooltip = node.text;
      item.contextValue = 'plBackupsNote';
      return item;
    }
    const v = backupItemView(node.listing);
    const item = new vscode.TreeItem(v.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.listing.file;
    item.description = v.description;
    item.tooltip = new vscode.MarkdownString(v.tooltip);
    item.iconPath = new vscode.ThemeIcon(v.icon);
    item.contextValue = v.contextValue;
    item.resourceUri = vscode.Uri.file(node.listing.file);
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return [];
    const dir = this.dir();
    this.watch(dir);
    // which folder this is, beside the view's title (the setting may name another, the CLI's --out others)
    this.treeView.description = tildify(dir);
    let listings: BackupListing[];
    try {
      listings = await backend().listBackups(dir);
    } catch (err) {
      this.items = [];
      void vscode.commands.executeCommand('setContext', CONTEXT.backupsEmpty, false);
      return [{ kind: 'note', text: `Cannot list ${dir}: ${errorMessage(err)}` }];
    }
    this.items = listings.map((listing) => ({ kind: 'backup', listing }));
    void vscode.commands.executeCommand('setContext', CONTEXT.backupsEmpty, this.items.length === 0);
    return this.items;
  }

  getParent(): undefined {
    return undefined;
  }

  /** Shows an archive in the view (opening it), once the view has listed it. */
  async reveal(file: string): Promise<boolean> {
    this.refresh();
    await this.getChildren();
    const item = this.items.find((i) => i.listing.file === file);
    if (!item) return false;
    await this.treeView.reveal(item, { select: true, focus: true });
    return true;
  }

  /** What the view lists now (after listing the folder again). */
  async snapshot(): Promise<{ file: string; label: string; description: string; contextValue: string }[]> {
    await this.getChildren();
    return this.items.map((i) => {
      const v = backupItemView(i.listing);
      return { file: i.listing.file, label: v.label, description: v.description, contextValue: v.contextValue };
    });
  }

  private watch(dir: string): void {
    if (this.watched?.dir === dir) return;
    this.watched?.watcher.dispose();
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*'));
    // A backup writes a .partial, renames it, then writes the manifest: one refresh after the burst.
    const later = (): void => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.refresh(), 400);
    };
    watcher.onDidCreate(later);
    watcher.onDidDelete(later);
    watcher.onDidChange(later);
    this.watched = { dir, watcher };
  }

  dispose(): void {
    clearTimeout(this.debounce);
    this.watched?.watcher.dispose();
    this.treeView.dispose();
    this.changed.dispose();
  }
}

/** `/home/u/.local/share/x` → `~/.local/share/x`: the folder as a person reads it in a view's title bar. */
function tildify(dir: string): string {
  const home = homedir();
  return home && home !== '/' && (dir === home || dir.startsWith(`${home}/`)) ? `~${dir.slice(home.length)}` : dir;
}
