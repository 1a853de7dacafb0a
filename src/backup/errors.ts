import { errorKind, isAborted, isFailure, isInputError, PersistenceLensError, type InputKind, type KindedError } from '../core/errors';

/**
 * Errors of the backup engine. Every one names the problem in a sentence a user can act on. Callers tell them
 * apart by `kind` (core/errors.ts), never by class: the CLI's exit codes (cli/errors.ts) and the editor's
 * buttons depend on it.
 *
 * - {@link BackupInputError} (kind `input`, or a refusal's kind): what was asked cannot be done as given (no
 *   such volume, container or path, an archive that fails verification or is refused, a non-empty target
 *   without force, a destination that would not survive a recreate). The CLI exits 2.
 * - {@link BackupFailedError} (kind `failed`): an operation that started failed (the Docker Engine stopped
 *   answering, a disk filled up, an I/O error). The CLI exits 1.
 * - {@link BackupAbortedError} (kind `aborted`): the caller's AbortSignal fired. The CLI exits 1.
 *
 * Whatever the error, nothing half-written is left: the `.partial` file is removed and helper containers are
 * removed (when the engine answers; otherwise the message names the one left behind).
 */
export class BackupInputError<K extends InputKind = InputKind> extends PersistenceLensError<K> {
  /** `reason`: why, when the message says more (what was not done, what to do); else the message is the reason. */
  constructor(message: string, options?: { cause?: unknown; kind?: K; reason?: string }) {
    super(options?.kind ?? ('input' as K), options?.reason ?? message, {
      message,
      ...(options?.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.name = 'BackupInputError';
  }
}

export class BackupFailedError extends PersistenceLensError<'failed'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed', message, options?.cause !== undefined ? { cause: options.cause } : {});
    this.name = 'BackupFailedError';
  }
}

/**
 * A hostile or unsupported archive: an entry that would escape the target, a device file, a write through a
 * symlink. `kind` says which of the two (see restore-refusal.ts: callers test it, not the class).
 */
export class ArchiveRefusedError extends BackupInputError<'archive-refused' | 'link-in-target'> {
  constructor(
    message: string,
    readonly entry?: string,
    kind: 'archive-refused' | 'link-in-target' = 'archive-refused',
  ) {
    super(message, { kind });
    this.name = 'ArchiveRefusedError';
  }
}

/** Named AbortError with the code ABORT_ERR, as the platform's cancellations are, for code that knows only those. */
export class BackupAbortedError extends PersistenceLensError<'aborted'> {
  readonly code = 'ABORT_ERR';
  constructor(message = 'cancelled') {
    super('aborted', message);
    this.name = 'AbortError';
  }
}

/** An archive refused for an entry of its own or for what the target holds where it would write. */
export function isArchiveRefusal(err: unknown): err is Error & { kind: 'archive-refused' | 'link-in-target'; entry?: string } {
  const kind = errorKind(err);
  return kind === 'archive-refused' || kind === 'link-in-target';
}

/** Ours already: says what happened in the engine's words (an input problem, a failure or a cancellation). */
export function isBackupError(err: unknown): err is KindedError<InputKind | 'failed' | 'aborted'> {
  return isInputError(err) || isFailure(err) || isAborted(err);
}

export { isAbortError } from '../core/errors';

/** Throws a BackupAbortedError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'the operation'): void {
  if (signal?.aborted) throw new BackupAbortedError(`${what} was cancelled`);
}

/** The system error code of an error, when it has one (ENOENT, ECONNRESET...). */
export function errorCode(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
