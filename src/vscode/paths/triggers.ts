import * as vscode from 'vscode';
import type { EventWatch } from '../../backend';
import { backend } from '../backend';
import { SETTING } from '../ids';
import { affects, dockerHost } from '../settings';
import { KUBERNETES_CANDIDATE_GLOB } from '../../sources/workspace-files';

/** Files whose change changes what the workspace declares. */
const CONFIG_GLOBS = [
  '**/{compose,docker-compose}*.{yml,yaml}',
  '**/devcontainer.json',
  '**/.devcontainer.json',
  KUBERNETES_CANDIDATE_GLOB,
];
const DEBOUNCE_MS = 400;
const RECONNECT_MS = 10_000;

/** What the triggers refresh: the Paths model, the Volumes model. */
export interface RefreshableModel {
  refresh(): Promise<void>;
  /** Whether the engine's events are followed from now on (what was kept across a gap is dropped). */
  followingEvents(on: boolean): void;
  /** A container whose writable layer changed without starting (`docker cp` into it). */
  forgetChanges(id: string): void;
  readonly snapshot: { readonly at: number; readonly scan?: { readonly docker?: { readonly reachable: boolean } } };
}

interface Visibility {
  readonly visible: boolean;
  readonly onDidChangeVisibility: vscode.Event<unknown>;
}

/**
 * Decides when the Paths view is scanned again: Docker events (debounced), changes of compose and
 * devcontainer files, settings and trust, and on demand. Only a visible view is scanned; anything that
 * happens while it is hidden marks it stale, and it is scanned when it shows again. The event stream is
 * followed only while the view is visible, and re-opened after the daemon comes back.
 */
export class RefreshTriggers implements vscode.Disposable {
  private stale = true;
  private timer: NodeJS.Timeout | undefined;
  private watch: EventWatch | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private connecting = false;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly model: RefreshableModel,
    private readonly view: Visibility,
    /** false: the compose, devcontainer and Kubernetes files do not change what the model shows (the Volumes view). */
    watchConfigFiles = true,
  ) {
    for (const glob of watchConfigFiles ? CONFIG_GLOBS : []) {
      const watcher = vscode.workspace.createFileSystemWatcher(glob);
      const poke = () => this.changed();
      this.disposables.push(watcher, watcher.onDidChange(poke), watcher.onDidCreate(poke), watcher.onDidDelete(poke));
    }
    this.disposables.push(
      view.onDidChangeVisibility(() => this.visibilityChanged()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affects(e, SETTING.dockerHost)) this.restartEvents();
        if (affects(e, SETTING.dockerHost) || affects(e, SETTING.composeFiles)) this.changed();
      }),
    );
    if (view.visible) this.visibilityChanged();
  }

  /** Something the view shows may have changed: scan soon if visible, else when it shows. */
  changed(): void {
    this.stale = true;
    if (!this.view.visible) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), DEBOUNCE_MS);
  }

  /** Scan now (the Refresh command): nothing kept from earlier scans, and the daemon retried at once. */
  async now(): Promise<void> {
    this.model.followingEvents(this.watch !== undefined);
    await this.scan();
  }

  private async scan(): Promise<void> {
    clearTimeout(this.timer);
    this.stale = false;
    if (this.view.visible && !this.watch) this.startEvents();
    await this.model.refresh();
  }

  private visibilityChanged(): void {
    if (!this.view.visible) {
      this.stopEvents();
      return;
    }
    this.startEvents();
    if (this.stale) void this.scan();
  }

  private startEvents(): void {
    if (this.watch || this.connecting || this.disposed || !vscode.workspace.isTrusted) return;
    clearTimeout(this.reconnect);
    this.connecting = true;
    const host = dockerHost();
    backend()
      .watchEngineEvents(
        (e) => {
          // files copied into a container (`docker cp`): its kept changes list is out of date
          if (e.action === 'extract-to-dir' && e.id) this.model.forgetChanges(e.id);
          this.changed();
        },
        host ? { host } : {},
      )
      .then(
        (watch) => {
          this.connecting = false;
          if (this.disposed || !this.view.visible) return watch.close();
          this.watch = watch;
          this.model.followingEvents(true);
          // The daemon came back: the last finished scan did not see it.
          const last = this.model.snapshot;
          if (last.at > 0 && !last.scan?.docker?.reachable) this.changed();
          void watch.ended.then(() => {
            if (this.watch !== watch) return;
            this.watch = undefined;
            this.model.followingEvents(false);
            this.changed(); // shows the daemon as gone
            this.scheduleReconnect();
          });
        },
        () => {
          this.connecting = false;
          this.scheduleReconnect();
        },
      );
  }

  private scheduleReconnect(): void {
    if (this.disposed || !this.view.visible) return;
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => this.startEvents(), RECONNECT_MS);
  }

  private stopEvents(): void {
    clearTimeout(this.reconnect);
    const w = this.watch;
    this.watch = undefined;
    this.model.followingEvents(false);
    w?.close();
  }

  private restartEvents(): void {
    this.stopEvents();
    if (this.view.visible) this.startEvents();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.stopEvents();
    for (const d of this.disposables) d.dispose();
  }
}
