import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { SourceLocation } from '../../core/types';
import type { FileStorage } from '../file-storage';
import { COMMAND, INTERNAL_COMMAND, SETTING, VIEW } from '../ids';
import { openMachineSetting, saveWarningSettings, setSaveWarningsEnabled } from '../settings';
import { declaringFiles, declarationLineOf, localFolderOf, nodeForFile } from '../tree/build';
import type { OrphanNode, PathNode, PathsNode, TargetNode } from '../tree/nodes';
import type { PathsView } from '../tree/paths-view';
import { pathTooltip } from '../tree/present';
import type { PathsModel } from './model';
import { copyAgain, type LiveMoves } from './move-flow';
import { recoverOrphan } from './orphans';
import { persistFromFile, persistPath, type PersistDeps } from './persist-command';
import type { RefreshTriggers } from './triggers';
import type { UiTestHooks } from '../ui/test-hooks';
import type { Ui } from '../ui/ui';
import type { ReadOnlyDocuments } from '../ui/documents';

export interface PathsCommandDeps {
  model: PathsModel;
  view: PathsView;
  triggers: RefreshTriggers;
  storage: FileStorage;
  ui: Ui;
  hooks(): UiTestHooks | undefined;
  liveMoves: LiveMoves;
  documents: ReadOnlyDocuments;
}

/** The Paths view's commands, and the ones the status bar and the save warning reuse. */
export class PathsCommands {
  constructor(private readonly deps: PathsCommandDeps) {}

  private get persistDeps(): PersistDeps {
    const { ui, hooks, model, liveMoves } = this.deps;
    return { ui, hooks, model, liveMoves };
  }

  register(): vscode.Disposable[] {
    const on = (id: string, fn: (...args: never[]) => unknown) =>
      vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown);
    return [
      on(COMMAND.refresh, () => vscode.window.withProgress({ location: { viewId: VIEW.paths } }, () => this.deps.triggers.now())),
      on(COMMAND.persistPath, (node?: PathNode) =>
        node?.kind === 'path' ? persistPath({ path: node.path.path, parent: node.parent }, this.persistDeps) : undefined,
      ),
      on(COMMAND.revealDeclaration, (node?: PathsNode) => this.revealDeclaration(node)),
      on(COMMAND.copyPath, (node?: PathNode) => (node?.kind === 'path' ? vscode.env.clipboard.writeText(node.path.path) : undefined)),
      on(COMMAND.openFolder, (node?: PathNode) => this.openFolder(node)),
      on(COMMAND.showSurvivalDetails, (node?: PathNode) => this.showSurvivalDetails(node)),
      on(COMMAND.toggleSaveWarnings, () => this.toggleSaveWarnings()),
      on(COMMAND.openDockerSetting, () => openMachineSetting(`${SETTING.section}.${SETTING.dockerHost}`)),
      on(COMMAND.revealActiveFile, () => this.revealActiveFile()),
      on(COMMAND.persistActiveFolder, () => this.persistActiveFolder()),
      on(COMMAND.recoverOrphan, (node?: OrphanNode) =>
        recoverOrphan(node, { ui: this.deps.ui, hooks: this.deps.hooks, model: this.deps.model }),
      ),
      on(COMMAND.copyAgain, (volume?: string) => copyAgain(this.deps, typeof volume === 'string' ? volume : undefined)),
      on(INTERNAL_COMMAND.persistFromFile, (req?: { file: string; service?: string; path: string; noBind?: boolean }) =>
        req?.file && req.path
          ? persistFromFile(
              { file: req.file, path: req.path, ...(req.service ? { service: req.service } : {}) },
              this.persistDeps,
              req.noBind ? { noBind: true } : undefined,
            )
          : undefined,
      ),
    ];
  }

  /** Persist a folder of this machine (the save warning's "Persist this folder…"). */
  async persistFolder(folder: string): Promise<boolean> {
    return persistPath({ path: folder, parent: await this.selfNode() }, this.persistDeps);
  }

  /** Whether the Persistence view lists a path that holds `file` (scanned first if it never was): Show can reveal it. */
  async canShowFile(file: string): Promise<boolean> {
    if (this.deps.model.snapshot.at === 0) await this.deps.triggers.now();
    const tree = this.deps.model.snapshot.tree;
    const where = this.deps.storage.assess(file)?.where;
    return (nodeForFile(tree, where?.resolvedPath ?? file) ?? nodeForFile(tree, file)) !== undefined;
  }

  /** Reveal the path node that decides where `file` lives ("Show in Persistence view"). */
  async showFile(file: string): Promise<boolean> {
    const { model, view } = this.deps;
    await vscode.commands.executeCommand(`${VIEW.paths}.focus`);
    if (model.snapshot.at === 0) await this.deps.triggers.now();
    const where = this.deps.storage.assess(file)?.where;
    const node = nodeForFile(model.snapshot.tree, where?.resolvedPath ?? file) ?? nodeForFile(model.snapshot.tree, file);
    if (!node) {
      void this.deps.ui.show('info', `${file} is not under any path the Persistence view lists for this container.`);
      return false;
    }
    await view.treeView.reveal(node, { select: true, focus: true, expand: true });
    return true;
  }

  private activeFile(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc?.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
  }

  private async revealActiveFile(): Promise<void> {
    const file = this.activeFile();
    if (file) await this.showFile(file);
  }

  private async persistActiveFolder(): Promise<void> {
    const file = this.activeFile();
    const assessment = file ? this.deps.storage.assess(file) : undefined;
    if (assessment) await this.persistFolder(assessment.folder);
  }

  /** This container's root, scanned if need be; a bare stand-in on a host so the workspace's files are offered. */
  private async selfNode(): Promise<TargetNode> {
    if (!this.deps.model.snapshot.tree.self) await this.deps.triggers.now();
    const self = this.deps.model.snapshot.tree.self;
    if (self) return self;
    return {
      kind: 'target',
      rootKind: 'self',
      target: { kind: 'self', name: 'this machine', role: 'workstation', roleReason: 'the machine this editor runs on', paths: [] },
      dockerReachable: false,
    };
  }

  private async revealDeclaration(node?: PathsNode): Promise<void> {
    let at: SourceLocation | undefined =
      node?.kind === 'path' ? node.path.declaredAt : node?.kind === 'target' ? node.target.declaredAt : undefined;
    if (!at && node?.kind === 'target') at = await this.containerDeclaration(node);
    if (!at) return;
    const position = new vscode.Position(Math.max(0, at.line - 1), Math.max(0, at.column - 1));
    await vscode.window.showTextDocument(vscode.Uri.file(at.file), { selection: new vscode.Range(position, position), preview: true });
  }

  /** A container's declaration from its labels: its service's line in the compose file, or the devcontainer.json. */
  private async containerDeclaration(node: TargetNode): Promise<SourceLocation | undefined> {
    const file = declaringFiles(node.target).find((f) => existsSync(f));
    if (!file) return undefined;
    const service = node.target.labels?.['com.docker.compose.service'];
    const text = service ? new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))) : '';
    return { file, line: (service && declarationLineOf(text, service)) || 1, column: 1 };
  }

  private async openFolder(node?: PathNode): Promise<void> {
    if (node?.kind !== 'path') return;
    const folder = localFolderOf(node, existsSync);
    if (!folder) return;
    const uri = vscode.Uri.file(folder);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
  }

  private async showSurvivalDetails(node?: PathNode): Promise<void> {
    if (node?.kind !== 'path') return;
    const where = node.parent.rootKind === 'self' ? 'this container' : node.parent.target.name;
    await this.deps.documents.show(
      `${where}${node.path.path}.md`.replace(/[/\\]+/g, ' '),
      `${pathTooltip(node.path).replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1')}\n\nIn ${where}.\n`,
    );
  }

  private async toggleSaveWarnings(): Promise<void> {
    const enabled = !saveWarningSettings().enabled;
    await setSaveWarningsEnabled(enabled);
    void this.deps.ui.show('info', `Persistence Lens: save warnings ${enabled ? 'on' : 'off'}.`);
  }
}
