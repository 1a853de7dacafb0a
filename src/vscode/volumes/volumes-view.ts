import * as vscode from 'vscode';
import type { VolumeReport } from '../../core/volume-inventory';
import { VIEW } from '../ids';
import type { VolumesModel, VolumesSnapshot } from './model';
import { volumeItem, volumesSummary } from './present';

/** One volume of the view; the commands get it as their argument. */
export interface VolumeNode {
  kind: 'plVolume';
  volume: VolumeReport;
}

/** The Volumes view's TreeDataProvider: a flat list (in use first, then the most critical), copied from present.ts. */
export class VolumesTreeProvider implements vscode.TreeDataProvider<VolumeNode> {
  private readonly changed = new vscode.EventEmitter<VolumeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: VolumeNode[] = [];

  constructor(private readonly model: VolumesModel) {}

  fire(s: VolumesSnapshot): void {
    this.nodes = s.volumes.map((volume) => ({ kind: 'plVolume', volume }));
    this.changed.fire(undefined);
  }

  getChildren(node?: VolumeNode): VolumeNode[] {
    return node ? [] : this.nodes;
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(node: VolumeNode): vscode.TreeItem {
    const view = volumeItem(node.volume, this.model.snapshot.sizes);
    const item = new vscode.TreeItem(view.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.volume.name;
    item.description = view.description;
    const tooltip = new vscode.MarkdownString(view.tooltip);
    tooltip.supportThemeIcons = true;
    item.tooltip = tooltip;
    item.contextValue = view.contextValue;
    item.iconPath = new vscode.ThemeIcon(view.icon.id, view.icon.color ? new vscode.ThemeColor(view.icon.color) : undefined);
    item.accessibilityInformation = { label: `volume ${view.label}: ${view.description}` };
    return item;
  }
}

/**
 * The Volumes view: the TreeView, its summary and message, and its visibility for the refresh triggers (the
 * engine is asked only while the view shows).
 */
export class VolumesView implements vscode.Disposable {
  readonly provider: VolumesTreeProvider;
  readonly treeView: vscode.TreeView<VolumeNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(model: VolumesModel) {
    this.provider = new VolumesTreeProvider(model);
    this.treeView = vscode.window.createTreeView(VIEW.volumes, { treeDataProvider: this.provider });
    this.treeView.message = 'Loading…';
    this.disposables.push(
      this.treeView,
      model.onDidChange((s) => this.show(s)),
    );
  }

  get visible(): boolean {
    return this.treeView.visible;
  }

  get onDidChangeVisibility(): vscode.Event<vscode.TreeViewVisibilityChangeEvent> {
    return this.treeView.onDidChangeVisibility;
  }

  private show(s: VolumesSnapshot): void {
    this.treeView.message = s.problem
      ? `${s.problem.text}: ${s.problem.detail}`
      : s.volumes.length === 0
        ? 'The engine has no volume.'
        : undefined;
    this.treeView.description = s.problem ? undefined : volumesSummary(s.volumes) + (s.sizes ? ` · sizes in ${s.sizes.ms} ms` : '');
    this.provider.fire(s);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
