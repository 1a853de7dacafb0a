import type { BackupListing, BackupSource, RestoreTarget } from '../../backup';
import type { PathNode, TargetNode } from '../tree/nodes';
import type { LayerLike } from './targets';

/**
 * What a backup command was given. VS Code passes a view's node (and, from a context menu, the selection as a
 * second argument, ignored here); the palette passes nothing; other features and tests may pass a request
 * directly. Anything unrecognised is treated as nothing: the command asks.
 */
export type CommandArg =
  | { kind: 'path'; node: PathNode }
  | { kind: 'target'; node: TargetNode | LayerLike }
  | { kind: 'backup'; listing: BackupListing }
  | { kind: 'source'; source: BackupSource }
  /** `{ archive, target? }`: restore this archive (into this target, else ask where). */
  | { kind: 'restore'; archive: string; target?: RestoreTarget }
  /** `{ container }`: rescue this container. */
  | { kind: 'container'; container: string }
  | { kind: 'none' };

type Loose = Record<string, unknown> | undefined;

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isRestoreTarget(v: unknown): v is RestoreTarget {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'volume':
      return isString(v.volume);
    case 'container-path':
      return isString(v.container) && isString(v.path);
    case 'local':
      return isString(v.path);
    case 'container':
      return isString(v.container);
    default:
      return false;
  }
}

export function classifyArg(arg: unknown): CommandArg {
  const a = arg as Loose;
  if (!isObject(a)) return { kind: 'none' };
  if (a.kind === 'path' && isObject(a.path) && isObject(a.parent) && (a.parent as Loose)?.kind === 'target')
    return { kind: 'path', node: a as unknown as PathNode };
  if (a.kind === 'target' && isObject(a.target)) return { kind: 'target', node: a as unknown as TargetNode };
  if (a.kind === 'layer' && isObject(a.parent) && (a.parent as Loose)?.kind === 'target')
    return { kind: 'target', node: a as unknown as LayerLike };
  if (a.kind === 'backup' && isObject(a.listing) && isString((a.listing as Loose)?.file))
    return { kind: 'backup', listing: a.listing as unknown as BackupListing };
  if (isString(a.archive)) return { kind: 'restore', archive: a.archive, ...(isRestoreTarget(a.target) ? { target: a.target } : {}) };
  if ((a.kind === 'volume' || a.kind === 'container-path' || a.kind === 'local') && isRestoreTarget(a))
    return { kind: 'source', source: a as BackupSource };
  if (a.kind === undefined && isString(a.container)) return { kind: 'container', container: a.container };
  return { kind: 'none' };
}
