import { resolve } from 'node:path';
import type { RestoreTarget } from '../restore';

/** The target in words, as every message of the restore names it: `volume "data"`, `/data of container "web"`. */
export function describeTarget(t: RestoreTarget): string {
  switch (t.kind) {
    case 'local':
      return resolve(t.path);
    case 'volume':
      return `volume "${t.volume}"`;
    case 'container-path':
      return `${t.path} of container "${t.container}"`;
    case 'container':
      return `container "${t.container}"`;
  }
}
