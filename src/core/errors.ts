/**
 * One error vocabulary for the backend, the CLI and the editor.
 *
 * An error says what kind of problem it is in `kind`, a string, and every caller tests that string through the
 * guards below: never `instanceof`, never `.name`. The extension (dist/extension.js) and the backend it loads
 * on first use (dist/backend.js) are separate bundles, each with its own copy of every class, so an error the
 * backend throws is no instance of the extension's class of the same name; a string survives the crossing, and a
 * class can be renamed without changing an exit code or a button.
 *
 * Each class keeps its own name and message: the vocabulary is about how a caller decides, not the wording.
 */
import type { SourceLocation } from './types';

/** A restore refused before anything was written (see backup/restore-refusal.ts: the caller words it). */
export type RestoreRefusalKind =
  /** The target is not empty and overwriting it was neither allowed nor confirmed. */
  | 'needs-force'
  /** A whole-container restore was asked for with an archive that is not (known to be) a rescue archive. */
  | 'not-a-rescue-archive'
  /** The target already has a symlink (or a file) where the archive needs to write through a directory. */
  | 'link-in-target'
  /** The archive itself is hostile or unsupported (an escaping name, a device, an unknown type). */
  | 'archive-refused';

/** What was asked cannot be done as given; nothing was changed. */
export type InputKind =
  /** No such volume, container, path or service; a file that cannot be read as the format it should be. */
  | 'input'
  /** Backups would go to a folder that does not survive (the container's writable layer, a tmpfs). */
  | 'refused-destination'
  | RestoreRefusalKind;

export type ErrorKind =
  /** The command line itself is wrong (an unknown flag, a missing argument): the CLI shows its usage. */
  | 'usage'
  | InputKind
  /** The Docker Engine did not answer (the address tried and why are in the message). */
  | 'unavailable'
  /** An operation that started failed (the engine stopped answering, a full disk, an I/O error). */
  | 'failed'
  /** The caller cancelled it (its AbortSignal fired). */
  | 'aborted';

const INPUT: readonly InputKind[] = [
  'input',
  'refused-destination',
  'needs-force',
  'not-a-rescue-archive',
  'link-in-target',
  'archive-refused',
];
const INPUT_KINDS: ReadonlySet<string> = new Set(INPUT);
const KINDS: ReadonlySet<string> = new Set<ErrorKind>(['usage', ...INPUT, 'unavailable', 'failed', 'aborted']);

/** `file:line:column`, the form compilers print and terminals and editors turn into a link. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/**
 * The base of every error the project throws on purpose. `reason` is what went wrong without where; the
 * message is `file:line:column: reason` when there is a `location`, else the reason (or a message of the
 * subclass's own, which then says more than the reason: what was done about it, what to do).
 */
export class PersistenceLensError<K extends ErrorKind = ErrorKind> extends Error {
  readonly location?: SourceLocation;

  constructor(
    readonly kind: K,
    readonly reason: string,
    options: { location?: SourceLocation | undefined; cause?: unknown; message?: string } = {},
  ) {
    super(
      options.message ?? (options.location ? `${formatLocation(options.location)}: ${reason}` : reason),
      options.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.name = 'PersistenceLensError';
    if (options.location) this.location = options.location;
  }
}

/** An error of this vocabulary from any bundle, as the guards see it. */
export type KindedError<K extends ErrorKind = ErrorKind> = Error & { kind: K; reason?: string; location?: SourceLocation };

/** The kind of `e` when it is one of ours (from this bundle or another), else undefined. */
export function errorKind(e: unknown): ErrorKind | undefined {
  const kind = (e as { kind?: unknown } | null | undefined)?.kind;
  return e instanceof Object && typeof kind === 'string' && KINDS.has(kind) ? (kind as ErrorKind) : undefined;
}

/** What was asked cannot be done as given: a wrong input, a refused destination or restore. Not `usage`. */
export function isInputError(e: unknown): e is KindedError<InputKind> {
  return INPUT_KINDS.has(errorKind(e) ?? '');
}

/** Backups refused for where they would be written: the fix is another backup folder. */
export function isRefusedDestination(e: unknown): e is KindedError<'refused-destination'> {
  return errorKind(e) === 'refused-destination';
}

/** The Docker Engine did not answer: the fix is the engine or its address (the docker host setting, --host). */
export function isUnavailable(e: unknown): e is KindedError<'unavailable'> {
  return errorKind(e) === 'unavailable';
}

/** An operation that started and failed. */
export function isFailure(e: unknown): e is KindedError<'failed'> {
  return errorKind(e) === 'failed';
}

/** Cancelled through our own errors (kind `aborted`). See {@link isAbortError} for the platform's too. */
export function isAborted(e: unknown): e is KindedError<'aborted'> {
  return errorKind(e) === 'aborted';
}

/**
 * Any cancellation: ours, or the platform's AbortError (what `fetch`, streams and `AbortSignal.throwIfAborted`
 * throw: a DOMException or Node's AbortError, known by their standard name and code, not by a class of ours).
 */
export function isAbortError(e: unknown): boolean {
  const x = e as { name?: unknown; code?: unknown } | null | undefined;
  return isAborted(e) || x?.name === 'AbortError' || x?.code === 'ABORT_ERR';
}

/** An error that names the input at fault (file, line, column) so a user can go and fix it. */
export class InputError extends PersistenceLensError<'input'> {
  constructor(reason: string, location?: SourceLocation, options: { cause?: unknown } = {}) {
    super('input', reason, { location, ...options });
    this.name = 'InputError';
  }
}
