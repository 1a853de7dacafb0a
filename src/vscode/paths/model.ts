import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ScanResult } from '../../core/types';
import { parseSightings, sightingsOf, withSightings, type SightingRecord } from '../../core/volume-sightings';
import type { ChangesCache, OrphanedVolume } from '../../backend';
import { backend } from '../backend';
import { windowScanRequest } from '../scan-request';
import { dockerHost } from '../settings';
import { buildPathsTree, type PathsTree } from '../tree/build';
import { scanBanners, type ScanProblem, type ViewState } from '../tree/banners';

export interface ModelSnapshot {
  tree: PathsTree;
  state: ViewState;
  scan?: ScanResult;
  /** Anonymous volumes no container mounts any more (asked after every scan that reached the engine). */
  orphans?: OrphanedVolume[];
  /** When the scan finished (ms since the epoch). */
  at: number;
}

/**
 * The latest scan of this window's world and the tree built from it. Scans never overlap: a refresh asked
 * for while one runs makes exactly one more run after it, so a burst of Docker events costs two scans.
 */
/** Where the editor keeps where each anonymous volume was last seen mounted (context.globalState). */
export const SIGHTINGS_KEY = 'persistenceLens.volumeSightings';

/** Where the sightings are kept: the extension's global state (a Memento). */
export interface SightingStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export class PathsModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelSnapshot>();
  readonly onDidChange = this.changed.event;
  private current: ModelSnapshot = {
    tree: buildPathsTree({ targets: [], warnings: [] }, { exists: () => false }),
    state: 'loading',
    at: 0,
  };
  private running: Promise<void> | undefined;
  private again = false;
  /**
   * Stopped containers' changes lists, kept only while the triggers follow the engine's events: a new one each
   * time they start or stop following, so nothing seen across a gap (or by a scan begun before) is kept.
   */
  private changesCache: ChangesCache | undefined;
  private following = false;

  /** `store` keeps the volume sightings across windows and restarts; without one, orphans are not looked for. */
  constructor(private readonly store?: SightingStore) {}

  /** Where each anonymous volume was last seen mounted, as recorded so far. */
  sightings(): SightingRecord {
    return parseSightings(this.store?.get(SIGHTINGS_KEY));
  }

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

  /** Whether the engine's events are followed from now on; either way, what was kept is dropped. */
  followingEvents(on: boolean): void {
    this.following = on;
    this.changesCache = undefined;
  }

  /** A container whose writable layer changed without starting (`docker cp` into it). */
  forgetChanges(id: string): void {
    this.changesCache?.forget(id);
  }

  private publish(next: ModelSnapshot): void {
    this.current = next;
    this.changed.fire(next);
  }

  private async scanOnce(): Promise<ModelSnapshot> {
    if (this.following) this.changesCache ??= new (backend().ChangesCache)();
    const request = { ...(await windowScanRequest()), ...(this.changesCache ? { changesCache: this.changesCache } : {}) };
    const problems: ScanProblem[] = [];
    let scan: ScanResult;
    try {
      scan = await backend().scan(request);
    } catch (err) {
      // A broken compose file must not hide the containers: say what is wrong, and scan without the files.
      problems.push({ text: 'Could not read the configuration files', detail: (err as Error).message });
      try {
        scan = await backend().scan({
          ...request,
          discover: false,
          extraComposeFiles: [],
          workspaceFiles: { compose: [], devcontainers: [] },
        });
      } catch (again) {
        problems.push({ text: 'Scan failed', detail: (again as Error).message });
        scan = { targets: [], warnings: [] };
      }
    }
    const docker = scan.docker;
    const { messages, state } = scanBanners(scan, { trusted: vscode.workspace.isTrusted, problems });
    const orphans = docker?.reachable ? await this.orphansAfter(scan) : undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const tree = buildPathsTree(scan, {
      exists: existsSync,
      ...(folder ? { workspaceRoot: folder } : {}),
      messages,
      ...(orphans ? { orphans } : {}),
    });
    return { tree, state, scan, ...(orphans ? { orphans } : {}), at: Date.now() };
  }

  /**
   * Records where this scan saw anonymous volumes mounted, then lists those no container mounts any more. A
   * failure here costs only the orphans' root: the scan is shown as it is.
   */
  private async orphansAfter(scan: ScanResult): Promise<OrphanedVolume[] | undefined> {
    if (!this.store) return undefined;
    try {
      const record = withSightings(this.sightings(), sightingsOf(scan));
      await this.store.update(SIGHTINGS_KEY, record);
      const host = dockerHost();
      const conn = await backend().connectDocker(host ? { host } : {});
      return await backend().findOrphanedVolumes(conn, record);
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
