/**
 * Errors of the backup engine. Every one names the problem in a sentence a user can act on.
 *
 * - {@link BackupInputError}: what was asked cannot be done as given (no such volume, container or path, an
 *   archive that fails verification or is refused, a non-empty target without force, a destination that
 *   would not survive a recreate). The CLI exits 2.
 * - {@link BackupFailedError}: an operation that started failed (the Docker Engine stopped answering, a
 *   disk filled up, an I/O error). The CLI exits 1.
 * - {@link BackupAbortedError}: the caller's AbortSignal fired. The CLI exits 1.
 *
 * Whatever the error, nothing half-written is left: the `.partial` file is removed and helper containers are
 * removed (when the engine answers; otherwise the message names the one left behind).
 */
export class BackupInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupInputError';
  }
}

export class BackupFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupFailedError';
  }
}

/**
 * A hostile or unsupported archive: an entry that would escape the target, a device file, a write through a
 * symlink. `kind` says which of the two (see restore-refusal.ts: callers test it, not the class).
 */
export class ArchiveRefusedError extends BackupInputError {
  constructor(
    message: string,
    readonly entry?: string,
    readonly kind: 'archive-refused' | 'link-in-target' = 'archive-refused',
  ) {
    super(message);
    this.name = 'ArchiveRefusedError';
  }
}

export class BackupAbortedError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

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
