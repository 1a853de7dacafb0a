import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { resolveCatalog, type ResolvedCatalogPath } from '../core/catalog';
import { DEFAULT_MOUNTINFO, LiveMountTable } from '../sources/self';
import { assessFile, type FileAssessment } from './save/policy';

/**
 * The storage of files on this machine, for the status bar and the save guard: the mount table is read
 * once and re-read only when its text changes (checked on a timer, off the save path), so a lookup is one
 * realpath and a few map probes.
 */
export class FileStorage {
  private table: LiveMountTable | undefined;
  private catalog: ResolvedCatalogPath[] | undefined;
  private lastText: string | undefined;
  private readonly listeners = new Set<() => void>();

  /** undefined when the mount table cannot be read (not Linux): storage is then unknown, and nothing is shown. */
  assess(file: string): FileAssessment | undefined {
    const table = this.load();
    if (!table) return undefined;
    this.catalog ??= resolveCatalog(os.homedir(), process.env as Record<string, string>);
    return assessFile(file, table.where(file), this.catalog);
  }

  get insideContainer(): boolean {
    return this.load()?.view.insideContainer ?? false;
  }

  /** Re-reads the mount table when it changed since the last look; tells listeners. Cheap: one small file read. */
  checkForChanges(): void {
    let text: string;
    try {
      text = readFileSync(DEFAULT_MOUNTINFO, 'utf8');
    } catch {
      return;
    }
    if (this.lastText === undefined || text === this.lastText) {
      this.lastText = text;
      return;
    }
    this.lastText = text;
    try {
      this.table?.refresh();
    } catch {
      return; // the previous table stays
    }
    for (const l of this.listeners) l();
  }

  /** Mount points of Docker volumes (named or anonymous) in this machine's mount table; none outside a container. */
  volumeMountPoints(): string[] {
    const view = this.load()?.view;
    if (!view?.insideContainer) return [];
    return view.mounts.filter((m) => m.status === 'named-volume' || m.status === 'anonymous-volume').map((m) => m.target);
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private load(): LiveMountTable | undefined {
    if (this.table) return this.table;
    try {
      this.table = LiveMountTable.load();
      this.lastText = readFileSync(DEFAULT_MOUNTINFO, 'utf8');
    } catch {
      return undefined;
    }
    return this.table;
  }
}
