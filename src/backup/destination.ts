import { statSync } from 'node:fs';
import { isInsideContainer, LiveMountTable } from '../sources/self';
import { survivalOfMount } from '../core/survival';
import { BackupInputError } from './errors';

/**
 * Inside a container, a backup written to the writable layer or a tmpfs dies with the container it is meant to
 * protect. The engine's own classification of the destination (LiveMountTable.where) must say it survives a
 * recreate; otherwise the backup is refused and the message names the persistent mount points available.
 */
export interface DestinationCheckOptions {
  /** A captured mount table instead of /proc/self/mountinfo (tests). */
  mountinfoFile?: string;
  /** Whether this process runs in a container; detected when not given. */
  insideContainer?: boolean;
}

export interface DestinationVerdict {
  checked: boolean;
  persistent: boolean;
  status?: string;
  mountPoint?: string;
  /** Writable mount points that survive a recreate. */
  alternatives: string[];
}

export function classifyDestination(dir: string, opts: DestinationCheckOptions = {}): DestinationVerdict {
  const inside = opts.insideContainer ?? isInsideContainer(opts.mountinfoFile);
  if (!inside) return { checked: false, persistent: true, alternatives: [] };
  const table = LiveMountTable.load(opts.mountinfoFile);
  const w = table.where(dir);
  const alternatives = table.view.mounts
    .filter((m) => !m.pseudo && !m.readOnly && m.target !== '/' && survivalOfMount(m).recreate)
    // Files bound alone (a config file, the Docker socket) cannot hold a backup folder; the engine's files are
    // not in the list. Only the live table can be looked at on disk.
    .filter((m) => opts.mountinfoFile !== undefined || isDirectory(m.target))
    .map((m) => (m.source ? `${m.target} (${m.status} ${m.source})` : `${m.target} (${m.status})`));
  return {
    checked: true,
    persistent: w.survives.recreate && !w.readOnly,
    status: w.status,
    ...(w.mountPoint ? { mountPoint: w.mountPoint } : {}),
    alternatives,
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function assertPersistentDestination(dir: string, opts: DestinationCheckOptions = {}): DestinationVerdict {
  const v = classifyDestination(dir, opts);
  if (v.persistent) return v;
  const where =
    v.status === 'writable-layer'
      ? "the container's writable layer"
      : v.status === 'tmpfs'
        ? `a tmpfs (${v.mountPoint ?? ''})`
        : `${v.status} ${v.mountPoint ?? ''}`.trim();
  const why =
    v.status === 'writable-layer' || v.status === 'tmpfs' || v.status === 'anonymous-volume'
      ? 'it would be lost with the container when it is recreated'
      : 'it is read-only';
  const instead = v.alternatives.length
    ? `Put it under a persistent mount with --out DIR: ${v.alternatives.join(', ')}.`
    : 'No writable mount of this container survives a recreate: mount a named volume or a host folder and pass --out DIR under it.';
  throw new BackupInputError(`refusing to write backups to ${dir}: it is in ${where}, so ${why}. ${instead}`, {
    kind: 'refused-destination',
  });
}
