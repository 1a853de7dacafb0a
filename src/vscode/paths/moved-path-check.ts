import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MovedPathCheck } from '../../backend';
import { backend } from '../backend';
import type { FileStorage } from '../file-storage';
import type { Ui } from '../ui/ui';
import { filesAndSize } from './persist-policy';
import type { LiveMoves } from './move-flow';

/** The manifest a live move leaves at the volume's root: src/move/own-container-manifest.ts MOVE_MANIFEST (a unit test keeps them equal). */
export const MOVE_MANIFEST_NAME = '.persistence-lens-move.json';
/** Long enough after activation that the check costs the start of the window nothing. */
const DELAY_MS = 4_000;

/**
 * When the editor starts in a container recreated after a live move of one of its paths (this container, or a
 * rebuilt dev container): the mounted volumes are looked at for the manifest the move left (one existsSync per
 * volume mount point, nothing else, and only after startup), and a path that has one is verified against it
 * (the backend loads only then), reported once, and the manifest removed.
 */
export class MovedPathChecker {
  private timer: NodeJS.Timeout | undefined;
  /** The results of the last run, for the tests. */
  last: { dir: string; check: MovedPathCheck | undefined }[] = [];

  constructor(
    private readonly storage: FileStorage,
    private readonly ui: Ui,
    private readonly liveMoves: LiveMoves,
  ) {}

  start(): void {
    this.timer = setTimeout(() => void this.run().catch(() => undefined), DELAY_MS);
  }

  /** Checks `dirs` (default: the volume mount points of this container) and reports what it finds. */
  async run(dirs: string[] = this.storage.volumeMountPoints()): Promise<{ dir: string; check: MovedPathCheck | undefined }[]> {
    const withManifest = dirs.filter((d) => existsSync(join(d, MOVE_MANIFEST_NAME)));
    const results: { dir: string; check: MovedPathCheck | undefined }[] = [];
    for (const dir of withManifest) {
      let check: MovedPathCheck | undefined;
      try {
        check = await backend().checkMovedPath(dir);
      } catch (err) {
        void this.ui.show(
          'warning',
          `Persistence Lens could not check ${dir} against the copy made before the recreate: ${(err as Error).message}`,
        );
        continue;
      }
      results.push({ dir, check });
      if (!check) continue;
      const m = check.manifest;
      await this.liveMoves.forget(m.volume);
      if (check.status === 'verified') {
        void this.ui.show(
          'info',
          `${dir} holds what was copied into volume ${m.volume} before the recreate: ${filesAndSize(m.files, m.bytes)}, verified in the recreated container.`,
        );
      } else {
        void this.ui.show(
          'warning',
          `${dir} in the recreated container differs from what was copied into volume ${m.volume} at ${m.copiedAt}: ${filesAndSize(m.files, m.bytes)} were copied, ${filesAndSize(check.found.files, check.found.bytes)} are there now. What was written after the copy is not in it, and whatever ran since may have changed it.`,
        );
      }
    }
    this.last = results;
    return results;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
