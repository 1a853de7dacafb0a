import * as vscode from 'vscode';
import type { ScanResult } from '../../core/types';
import type { VolumeReport } from '../../core/volume-inventory';
import { parseSightings, withSightings } from '../../core/volume-sightings';
import type { GatheredVolumes } from '../../backend';
import { backend } from '../backend';
import { SIGHTINGS_KEY, type SightingStore } from '../paths/model';
import { dockerHost } from '../settings';
import type { MeasuredSizes } from './present';

export interface VolumesSnapshot {
  volumes: VolumeReport[];
  /** Why there is nothing to show: untrusted, or the engine did not answer (the message says what was tried). */
  problem?: { text: string; detail: string };
  /** The sizes, when Show Sizes measured them (kept until it is asked again: never on a refresh). */
  sizes?: MeasuredSizes;
  /** What the triggers read: whether the engine answered. */
  scan?: Pick<ScanResult, 'docker'>;
  /** When the inventory was gathered (ms since the epoch; 0 before the first). */
  at: number;
}

/**
 * Every volume of the engine with who uses it, gathered by the backend (the same inventory as the CLI's `volumes`).
 * Gatherings never overlap: a refresh asked for while one runs makes exactly one more after it. The sightings
 * are the Paths view's (one record in the global state), so an orphan is known by whichever view saw it mounted.
 */
export class VolumesModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<VolumesSnapshot>();
  readonly onDidChange = this.changed.event;
  private current: VolumesSnapshot = { volumes: [], at: 0 };
  private sizes: { sizes: Record<string, number>; measured: MeasuredSizes } | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly store: SightingStore) {}

  get snapshot(): VolumesSnapshot {
    return this.current;
  }

  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          this.publish(await this.gatherOnce());
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** The inventory, gathered now (Prune Unused works on a fresh one, limited to `labels` when given). */
  async gather(labels?: Record<string, string>): Promise<GatheredVolumes> {
    const host = dockerHost();
    return backend().gatherVolumes({
      ...(host ? { host } : {}),
      ...(labels ? { labels } : {}),
      remember: async (seen) => {
        const record = withSightings(parseSightings(this.store.get(SIGHTINGS_KEY)), seen);
        await this.store.update(SIGHTINGS_KEY, record);
        return record.volumes;
      },
    });
  }

  /** Asks the engine for every volume's size (`/system/df`, slow on big engines); returns how long it took. */
  async measureSizes(): Promise<MeasuredSizes> {
    const host = dockerHost();
    const conn = await backend().connectDocker(host ? { host } : {});
    const r = await backend().volumeSizes(conn);
    const measured = { ms: r.ms, at: Date.now() };
    this.sizes = { sizes: r.sizes, measured };
    const volumes = this.current.volumes.map((v) => ({ ...v }));
    backend().applySizes(volumes, r.sizes);
    this.publish({ ...this.current, volumes, sizes: measured });
    return measured;
  }

  /** The triggers' hooks: the inventory keeps nothing between gatherings, so there is nothing to drop. */
  followingEvents(_on: boolean): void {}
  forgetChanges(_id: string): void {}

  private publish(next: VolumesSnapshot): void {
    this.current = next;
    this.changed.fire(next);
  }

  private async gatherOnce(): Promise<VolumesSnapshot> {
    if (!vscode.workspace.isTrusted) {
      return {
        volumes: [],
        problem: { text: 'Restricted Mode: the Docker Engine is not asked', detail: 'Trust this workspace to see its volumes' },
        at: Date.now(),
      };
    }
    try {
      const { volumes, scan } = await this.gather();
      if (this.sizes) backend().applySizes(volumes, this.sizes.sizes);
      return { volumes, scan, at: Date.now(), ...(this.sizes ? { sizes: this.sizes.measured } : {}) };
    } catch (err) {
      return {
        volumes: [],
        problem: { text: 'No Docker Engine answered', detail: (err as Error).message },
        scan: { docker: { asked: true, reachable: false } },
        at: Date.now(),
      };
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
