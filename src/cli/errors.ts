import { isRestoreRefusal } from '../backup/restore-refusal';
import { errorKind, isAbortError, type ErrorKind } from '../core/errors';
import type { Output } from './output';
import { USAGE } from './usage';

/**
 * The exit code of every kind of error (core/errors.ts): the one place the CLI decides it. `unexpected` is an
 * error that is none of ours, which is a bug, except in the archive commands, where it is an operation that
 * failed (see {@link reportError}).
 *
 * | code | meaning |
 * | --- | --- |
 * | 1 | a backup, restore or rescue that failed or was cancelled |
 * | 2 | a usage or input error (bad flags, no such source, a refused archive, a non-empty target without --force), no Docker Engine |
 */
export const EXIT_CODES: Readonly<Record<ErrorKind | 'unexpected', number>> = {
  usage: 2,
  input: 2,
  'refused-destination': 2,
  'needs-force': 2,
  'not-a-rescue-archive': 2,
  'link-in-target': 2,
  'archive-refused': 2,
  unavailable: 2,
  failed: 1,
  aborted: 1,
  unexpected: 2,
};

/** The kind of an error as the CLI reports it: ours by its kind, node's argument parser's as usage, any cancel as aborted. */
export function cliErrorKind(err: unknown): ErrorKind | undefined {
  const kind = errorKind(err);
  if (kind) return kind;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return 'usage';
  return isAbortError(err) ? 'aborted' : undefined;
}

/**
 * Prints an error on stderr as `persistence-lens: <sentence>` (with the usage after a usage error) and returns
 * its exit code. An error that is none of ours gets its stack: as a bug (`unexpected`, exit 2), or in a command
 * that runs an operation, as the operation failing (`failed`, exit 1).
 */
export function reportError(io: Output, err: unknown, unclassified: 'unexpected' | 'failed' = 'unexpected'): number {
  const kind = cliErrorKind(err);
  const e = err as Error | undefined;
  if (kind === 'usage') io.err(`persistence-lens: ${e?.message}\n\n${USAGE}`);
  else if (kind) io.err(`persistence-lens: ${refusalInFlags(err) ?? e?.message}\n`);
  else io.err(`persistence-lens: ${unclassified === 'unexpected' ? 'unexpected error: ' : ''}${e?.stack ?? String(err)}\n`);
  return EXIT_CODES[kind ?? unclassified];
}

/** A refused restore in the CLI's words: what to pass to go on. The engine's own message names no flag. */
function refusalInFlags(err: unknown): string | undefined {
  if (!isRestoreRefusal(err) || err.reason === undefined) return undefined;
  switch (err.kind) {
    case 'needs-force':
      return `${err.reason}. Pass --force to restore anyway (what is there is backed up first); nothing was restored`;
    case 'not-a-rescue-archive':
      return `${err.reason}: restore it with --container C --path P, --volume NAME or --path DIR`;
    case 'link-in-target':
    case 'archive-refused':
      return undefined;
  }
}
