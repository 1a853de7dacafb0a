import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { COMMAND, CONTEXT, VIEW } from '../ids';
import type { ModelSnapshot, PathsModel } from '../paths/model';
import { contextValueOf, declaringFiles } from './build';
import type { PathGroup, PathsNode } from './nodes';
import {
  changesDescription,
  changesTooltip,
  orphanDescription,
  orphanTooltip,
  pathDescription,
  pathIcon,
  pathTooltip,
  targetDescription,
  targetIcon,
  targetLabel,
  type IconSpec,
} from './present';

const GROUP_TITLES: Readonly<Record<PathGroup, string>> = { 'at-risk': 'At risk', persistent: 'Persistent', temporary: 'Temporary' };
const GROUP_ICONS: Readonly<Record<PathGroup, IconSpec>> = {
  'at-risk': { id: 'warning', color: 'charts.orange' },
  persistent: { id: 'shield', color: 'charts.green' },
  temporary: { id: 'clock' },
};

function themeIcon(spec: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(spec.id, spec.color ? new vscode.ThemeColor(spec.color) : undefined);
}

function markdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text);
  md.supportThemeIcons = true;
  return md;
}

/** The Paths view's TreeDataProvider: copies the pure presentation (present.ts, build.ts) onto TreeItems. */
export class PathsTreeProvider implements vscode.TreeDataProvider<PathsNode> {
  private readonly changed = new vscode.EventEmitter<PathsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: PathsModel) {}

  fire(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: PathsNode): PathsNode[] {
    const tree = this.model.snapshot.tree;
    return node ? tree.childrenOf(node) : tree.roots;
  }

  getParent(node: PathsNode): PathsNode | undefined {
    return this.model.snapshot.tree.parentOf(node);
  }

  getTreeItem(node: PathsNode): vscode.TreeItem {
    const tree = this.model.snapshot.tree;
    const expandable = tree.childrenOf(node).length > 0;
    const item = new vscode.TreeItem(this.label(node), expandable ? this.initialState(node) : vscode.TreeItemCollapsibleState.None);
    item.id = tree.idOf(node);
    item.contextValue = contextValueOf(node, existsSync);
    switch (node.kind) {
      case 'target': {
        const file = node.target.file ?? declaringFiles(node.target)[0];
        item.description = targetDescription(node.target, node.rootKind, file ? vscode.workspace.asRelativePath(file) : undefined);
        item.iconPath = themeIcon(targetIcon(node.target, node.rootKind));
        item.tooltip = markdown(
          [
            `**${node.rootKind === 'self' ? 'This container' : node.target.name}**`,
            node.target.image && `Image: \`${node.target.image}\``,
            node.target.id && `Id: \`${node.target.id}\``,
            `A ${node.target.role}: ${node.target.roleReason}`,
            file && `Declared in ${file}`,
          ]
            .filter(Boolean)
            .join('\n\n'),
        );
        break;
      }
      case 'project':
        item.description = node.files.length > 0 ? node.files.map((f) => vscode.workspace.asRelativePath(f)).join(', ') : undefined;
        item.iconPath = new vscode.ThemeIcon(node.targets.every((t) => t.rootKind === 'file') ? 'file-code' : 'layers');
        if (node.files.length > 0 && node.targets.every((t) => t.rootKind === 'file')) item.resourceUri = vscode.Uri.file(node.files[0]!);
        break;
      case 'group':
        item.iconPath = themeIcon(GROUP_ICONS[node.group]);
        if (node.group === 'temporary')
          item.tooltip = 'Lost on a restart or a recreate, by design (/tmp, /run): nothing there is meant to be kept.';
        break;
      case 'path':
        item.description = pathDescription(node.path);
        item.iconPath = themeIcon(pathIcon(node.path));
        item.tooltip = markdown(pathTooltip(node.path));
        item.accessibilityInformation = { label: `${node.path.path}: ${pathDescription(node.path)}${node.path.atRisk ? ', at risk' : ''}` };
        // Enter or a click opens what the tooltip says, as a read-only document
        item.command = { command: COMMAND.showSurvivalDetails, title: 'Show Survival Details', arguments: [node] };
        break;
      case 'layer': {
        const totals = node.changes.reduce(
          (t, c) => ({ added: t.added + c.added, modified: t.modified + c.modified, deleted: t.deleted + c.deleted }),
          { added: 0, modified: 0, deleted: 0 },
        );
        item.description = changesDescription(totals);
        item.iconPath = new vscode.ThemeIcon('layers', new vscode.ThemeColor('charts.red'));
        item.tooltip = markdown(
          'What only the writable layer holds, per directory: lost when the container is recreated. **Rescue Writable Layer…** archives it.',
        );
        break;
      }
      case 'changes':
        item.description = changesDescription(node.change);
        item.iconPath = new vscode.ThemeIcon('folder');
        item.tooltip = markdown(changesTooltip(node.change));
        break;
      case 'message':
        item.description = node.detail;
        item.tooltip = node.detail;
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : node.severity === 'warning' ? 'warning' : 'info');
        if (node.command) item.command = { command: node.command, title: node.text };
        break;
      case 'orphans':
        item.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('charts.yellow'));
        item.tooltip = markdown(
          'Anonymous volumes that no container, running or stopped, mounts any more: what they held is still there. **Recover Into…** copies one into a named volume.',
        );
        break;
      case 'orphan':
        item.description = orphanDescription(node.orphan);
        item.iconPath = new vscode.ThemeIcon('database', new vscode.ThemeColor('charts.yellow'));
        item.tooltip = markdown(orphanTooltip(node.orphan));
        break;
    }
    return item;
  }

  private label(node: PathsNode): string {
    switch (node.kind) {
      case 'target':
        return targetLabel(node.target, node.rootKind);
      case 'project':
        return node.name;
      case 'group':
        return `${GROUP_TITLES[node.group]} (${node.paths.length})`;
      case 'path':
        return node.path.path;
      case 'layer':
        return 'Writable layer holds';
      case 'changes':
        return node.change.directory;
      case 'message':
        return node.text;
      case 'orphans':
        return `Orphaned volumes (${node.orphans.length})`;
      case 'orphan':
        return node.orphan.name.slice(0, 12);
    }
  }

  private initialState(node: PathsNode): vscode.TreeItemCollapsibleState {
    const { Expanded, Collapsed } = vscode.TreeItemCollapsibleState;
    if (node.kind === 'group') return node.group === 'at-risk' ? Expanded : Collapsed;
    if (node.kind === 'target') return node.rootKind === 'self' ? Expanded : Collapsed;
    if (node.kind === 'project') return node.targets.every((t) => t.rootKind === 'file') ? Expanded : Collapsed;
    return Collapsed;
  }
}

/**
 * The Paths view: creates the TreeView, keeps the welcome context keys in step with the model, and tells
 * its owner when it becomes visible (scans run only for a visible view).
 */
export class PathsView implements vscode.Disposable {
  readonly provider: PathsTreeProvider;
  readonly treeView: vscode.TreeView<PathsNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(model: PathsModel) {
    this.provider = new PathsTreeProvider(model);
    this.treeView = vscode.window.createTreeView(VIEW.paths, { treeDataProvider: this.provider, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      model.onDidChange((s) => this.show(s)),
    );
    void vscode.commands.executeCommand('setContext', CONTEXT.state, 'loading');
  }

  get visible(): boolean {
    return this.treeView.visible;
  }

  get onDidChangeVisibility(): vscode.Event<vscode.TreeViewVisibilityChangeEvent> {
    return this.treeView.onDidChangeVisibility;
  }

  private show(s: ModelSnapshot): void {
    void vscode.commands.executeCommand('setContext', CONTEXT.state, s.state);
    void vscode.commands.executeCommand('setContext', CONTEXT.dockerReachable, s.scan?.docker?.reachable ?? false);
    const docker = s.scan?.docker;
    // The welcome content cannot show variable text: the address tried goes in the view's message.
    this.treeView.message =
      s.state === 'dockerUnreachable' ? (docker?.error ?? `No Docker Engine at ${docker?.endpoint ?? 'the default socket'}`) : undefined;
    this.provider.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
