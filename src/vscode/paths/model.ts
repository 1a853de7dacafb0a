import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ScanResult } from '../../core/types';
import { engine } from '../engine';
import { windowScanRequest } from '../scan-request';
import { buildPathsTree, type PathsTree } from '../tree/build';
import type { MessageNode } from '../tree/nodes';

/** What the Paths view shows when it has no items: package.json's viewsWelcome read it as `persistenceLens.state`. */
export type ViewState = 'loading' | 'ready' | 'empty' | 'dockerUnreachable';

export interface ModelSnapshot {
  tree: PathsTree;
  state: ViewState;
  scan?: ScanResult;
  /** When the scan finished (ms since the epoch). */
  at: number;
}

/**
 * The latest scan of this window's world and the tree built from it. Scans never overlap: a refresh asked
 * for while one runs makes exactly one more run after it, so a burst of Docker events costs two scans.
 */
export class PathsModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelSnapshot>();
  readonly onDidChange = this.changed.event;
  private current: ModelSnapshot = { tree: buildPathsTree({ targets: [], warnings: [] }, { exists: () => false }), state: 'loading', at: 0 };
  private running: Promise<void> | undefined;
  private again = false;

  get snapshot(): ModelSnapshot {
    return this.current;
  }

  /** Resolves when a scan that started after this call has finished. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          this.publish(await this.scanOnce());
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private publish(next: ModelSnapshot): void {
    this.current = next;
    this.changed.fire(next);
  }

  private async scanOnce(): Promise<ModelSnapshot> {
    const request = windowScanRequest();
    const messages: MessageNode[] = [];
    let scan: ScanResult;
    try {
      scan = await engine().scan(request);
    } catch (err) {
      // A broken compose file must not hide the containers: say what is wrong, and scan without the files.
      messages.push({ kind: 'message', text: 'Could not read the configuration files', detail: (err as Error).message, severity: 'error' });
      try {
        scan = await engine().scan({ ...request, discover: false, extraComposeFiles: [] });
      } catch (again) {
        messages.push({ kind: 'message', text: 'Scan failed', detail: (again as Error).message, severity: 'error' });
        scan = { targets: [], warnings: [] };
      }
    }
    const docker = scan.docker;
    if (docker?.asked && !docker.reachable && scan.targets.length > 0) {
      messages.unshift({
        kind: 'message',
        text: 'No Docker Engine answered',
        detail: docker.error ?? `tried ${docker.endpoint ?? 'the default socket'}`,
        severity: 'warning',
        command: 'persistenceLens.openDockerSetting',
      });
    }
    if (!vscode.workspace.isTrusted && scan.targets.length > 0) {
      // The view's welcome text says this only when the view is empty; inside a container it never is.
      messages.unshift({
        kind: 'message',
        text: 'Restricted Mode: only the mount table is read',
        detail: "Trust this workspace to see the Docker Engine's containers and the compose and devcontainer files",
        severity: 'info',
        command: 'workbench.trust.manage',
      });
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const tree = buildPathsTree(scan, { exists: existsSync, ...(folder ? { workspaceRoot: folder } : {}), messages });
    let state: ViewState = 'ready';
    if (scan.targets.length === 0 && messages.length === 0) state = docker?.asked && !docker.reachable ? 'dockerUnreachable' : 'empty';
    return { tree, state, scan, at: Date.now() };
  }

  dispose(): void {
    this.changed.dispose();
  }
}
