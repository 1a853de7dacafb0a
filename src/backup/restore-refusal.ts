import { errorKind, type RestoreRefusalKind } from '../core/errors';
import { BackupInputError } from './errors';

/**
 * A restore refused before anything was written, as data: a `kind` the caller turns into its own words (the CLI
 * names its flags, the editor asks or explains), and a plain sentence for everyone else.
 *
 * The guard tests `kind`, not `instanceof`: the CLI and the extension are separate bundles, each with its own
 * copy of this class. The kinds are part of the one error vocabulary (core/errors.ts).
 */
export type { RestoreRefusalKind };

/** What a non-empty target holds, as the engine saw it. */
export type TargetContent =
  /** A folder with this many entries at its top. */
  | { kind: 'entries'; count: number }
  /** Of a rescue archive's paths, these exist in the container. */
  | { kind: 'paths'; paths: string[] }
  /** Of a set's targets, these are not empty. */
  | { kind: 'targets'; targets: string[] }
  /** Something (an engine folder, only its first entries are read). */
  | { kind: 'some' };

export class RestoreRefusedError extends BackupInputError<RestoreRefusalKind> {
  constructor(
    kind: RestoreRefusalKind,
    /** Why, without what to do about it: `/srv/x is not empty (2 entries)`. */
    reason: string,
    message: string,
    readonly details: { target?: string; content?: TargetContent } = {},
  ) {
    super(message, { kind, reason });
    this.name = 'RestoreRefusedError';
  }
}

const KINDS: ReadonlySet<string> = new Set<RestoreRefusalKind>([
  'needs-force',
  'not-a-rescue-archive',
  'link-in-target',
  'archive-refused',
]);

/** Whether `e` is a refused restore (from this bundle's engine or another's). */
export function isRestoreRefusal(
  e: unknown,
): e is Error & { kind: RestoreRefusalKind; reason?: string; details?: RestoreRefusedError['details'] } {
  return KINDS.has(errorKind(e) ?? '');
}

/** `(2 entries)`, `: 1 of the archive's paths exist there (/etc/passwd)`: follows the target in a sentence. */
export function contentAfterTarget(c: TargetContent): string {
  switch (c.kind) {
    case 'entries':
      return ` (${c.count} entr${c.count === 1 ? 'y' : 'ies'})`;
    case 'paths':
    case 'targets':
      return `: ${contentAlone(c)}`;
    case 'some':
      return '';
  }
}

/** `2 entries`, `1 of the archive's paths exist there (/etc/passwd)`, or '' when nothing more is known. */
export function contentAlone(c: TargetContent): string {
  switch (c.kind) {
    case 'entries':
      return `${c.count} entr${c.count === 1 ? 'y' : 'ies'}`;
    case 'paths': {
      const shown = c.paths.slice(0, 10).join(', ') + (c.paths.length > 10 ? `, and ${c.paths.length - 10} more` : '');
      return `${c.paths.length} of the archive's paths exist there (${shown})`;
    }
    case 'targets':
      return `${c.targets.length} of the set's targets are not empty (${c.targets.join(', ')})`;
    case 'some':
      return '';
  }
}

/** A non-empty target that may not be overwritten. */
export function needsForce(target: string, content: TargetContent): RestoreRefusedError {
  const reason =
    content.kind === 'targets'
      ? `${target}: ${contentAlone(content)}: restoring would overwrite them`
      : `${target} is not empty${contentAfterTarget(content)}: restoring would overwrite it`;
  return new RestoreRefusedError('needs-force', reason, `${reason}; nothing was restored`, { target, content });
}

/** A content archive (or one without a manifest) asked to go back into a whole container. */
export function notARescueArchive(file: string, source: { kind: string; name: string } | undefined): RestoreRefusedError {
  const reason = source
    ? `${file} is a backup of ${source.kind} "${source.name}", not a rescue archive`
    : `${file} has no manifest, so it is not known to be a rescue archive`;
  return new RestoreRefusedError(
    'not-a-rescue-archive',
    reason,
    `${reason}: restore it into a volume, a folder of a container or a local folder`,
  );
}
