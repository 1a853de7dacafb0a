import type Dockerode from 'dockerode';
import type { ChangeEntry } from '../../core/changes';

/**
 * The changes lists of containers that are not running, kept between the scans of a long-lived process (the
 * editor's Paths view): listing a writable layer is the daemon's costliest answer in a scan, and a stopped
 * container's layer changes only when it starts again (its StartedAt moves, which the key sees) or when files
 * are copied into it (`docker cp`, the `extract-to-dir` event), which the owner reports with forget().
 *
 * Valid only while the owner follows the engine's events without a gap: it must clear() whenever it was not
 * listening (the view hidden, the stream reconnected) and when the user asks for a fresh scan.
 */
export class ChangesCache {
  private readonly entries = new Map<string, { key: string; changes: ChangeEntry[] }>();

  /** The cached list, when the container is still stopped in the same run it was when listed. */
  get(info: Dockerode.ContainerInspectInfo): ChangeEntry[] | undefined {
    const key = stoppedKey(info);
    const entry = key === undefined ? undefined : this.entries.get(info.Id);
    return entry && entry.key === key ? entry.changes : undefined;
  }

  /** Keeps the list of a container that is not running (a running one's changes at every moment). */
  set(info: Dockerode.ContainerInspectInfo, changes: ChangeEntry[]): void {
    const key = stoppedKey(info);
    if (key === undefined) this.entries.delete(info.Id);
    else this.entries.set(info.Id, { key, changes });
  }

  /** Drops what no longer exists: the ids a full scan did not see. */
  keepOnly(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of this.entries.keys()) if (!keep.has(id)) this.entries.delete(id);
  }

  forget(id: string): void {
    for (const key of this.entries.keys()) if (key === id || key.startsWith(id)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What a stopped container's layer depends on; undefined for one that runs (or pauses, or restarts). */
function stoppedKey(info: Dockerode.ContainerInspectInfo): string | undefined {
  const s = info.State;
  if (!s || s.Running || s.Paused || s.Restarting || (s.Status !== 'exited' && s.Status !== 'created' && s.Status !== 'dead'))
    return undefined;
  return `${s.Status}|${s.StartedAt}|${s.FinishedAt}`;
}
