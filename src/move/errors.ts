import { InputError } from '../core/types';
import { isAbortError, messageOf } from '../backup/errors';

/**
 * A move that cannot be done, or that failed part way. The message says what was being done, why it stopped,
 * and in what state things were left (the file unedited, the container running again, the new volume removed).
 * It is an InputError so the CLI prints it as a sentence and exits 2.
 */
export class MoveError extends InputError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, undefined, options);
    this.name = 'MoveError';
  }
}

/** Any error of a step as a MoveError that says what was being done. */
export function moveFailure(err: unknown, doing: string): MoveError {
  if (err instanceof MoveError) return err;
  if (isAbortError(err)) return new MoveError(`${doing} was cancelled`, { cause: err });
  const why =
    (err as { code?: unknown }).code === 'ENOSPC' || /no space left on device/i.test(messageOf(err))
      ? `no space left on the device (${messageOf(err)})`
      : messageOf(err);
  return new MoveError(`${doing} failed: ${why}`, { cause: err });
}
