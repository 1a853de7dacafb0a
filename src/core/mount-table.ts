import { normalizePosix, parentPosix } from './paths';
import { survivalOfMount, survivalOf } from './survival';
import type { Mount, Status, Survival } from './types';

/** The storage that decides a path's fate: the covering mount, or the root's storage when none covers it. */
export interface Classification {
  status: Status;
  /** The covering mount; undefined when the path is on the root (writable layer). */
  mount?: Mount;
  readOnly: boolean;
  survives: Survival;
}

/**
 * A target's mounts indexed by mount point. `classify` walks the path's ancestors, so a lookup costs a
 * handful of map probes whatever the number of mounts: this is what the save guard calls on every save.
 */
export class MountTable {
  private readonly byTarget = new Map<string, Mount>();
  private readonly rootClassification: Classification;

  constructor(
    mounts: Iterable<Mount>,
    readonly rootStatus: Status = 'writable-layer',
    rootReadOnly = false,
  ) {
    // Later mounts at the same point stack on top of earlier ones and hide them, as in mountinfo order.
    for (const m of mounts) this.byTarget.set(normalizePosix(m.target), m);
    this.rootClassification = { status: rootStatus, readOnly: rootReadOnly, survives: survivalOf(rootStatus) };
    const rootMount = this.byTarget.get('/');
    if (rootMount) this.rootClassification = this.fromMount(rootMount);
  }

  get mounts(): Mount[] {
    return [...this.byTarget.values()];
  }

  get size(): number {
    return this.byTarget.size;
  }

  /** The mount exactly at `target`, if any. */
  at(target: string): Mount | undefined {
    return this.byTarget.get(normalizePosix(target));
  }

  /** The longest mount point that contains `path`, by whole components. `path` must be absolute. */
  covering(path: string): Mount | undefined {
    let p: string | undefined = path.length > 1 && path.endsWith('/') ? normalizePosix(path) : path;
    while (p !== undefined) {
      const m = this.byTarget.get(p);
      if (m) return m;
      p = parentPosix(p);
    }
    return undefined;
  }

  classify(path: string): Classification {
    const m = this.covering(path);
    if (!m || m.target === '/') return this.rootClassification;
    return this.fromMount(m);
  }

  private fromMount(m: Mount): Classification {
    return { status: m.status, mount: m, readOnly: m.readOnly, survives: survivalOfMount(m) };
  }
}
