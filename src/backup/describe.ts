import { resolve } from 'node:path';
import type { BackupSource } from './backup';
import type { ManifestSource } from './manifest';
import type { RestoreTarget } from './restore';

/*
 * Backup sources and restore targets in words, one spelling for the backend's messages, the CLI and the editor
 * (the editor imports this file directly: it is pure, and its imports are types only).
 */

/** What an archive holds, from its manifest: `volume "data"`, `/srv of container "web"`, `writable layer of container "web"`. */
export function describeSource(s: ManifestSource): string {
  switch (s.kind) {
    case 'volume':
      return `volume "${s.name}"`;
    case 'container-path':
      return `${s.name} of container "${s.container ?? s.containerId?.slice(0, 12) ?? '?'}"`;
    case 'local':
      return s.name;
    case 'rescue':
      return `writable layer of container "${s.name}"`;
  }
}

/** Where a backup reads or a restore writes: `volume "data"`, `/srv of container "web"`, `/home/me/notes`, `container "web"`. */
export function describeTarget(t: RestoreTarget | BackupSource): string {
  switch (t.kind) {
    case 'volume':
      return `volume "${t.volume}"`;
    case 'container-path':
      return `${t.path} of container "${t.container}"`;
    case 'local':
      return resolve(t.path);
    case 'container':
      return `container "${t.container}"`;
  }
}
