import { errorKind, PersistenceLensError } from '../core/errors';

/**
 * Why a browse request failed, as a code the editor maps to its FileSystemError kinds, and a sentence.
 *
 * - not-found: nothing at that path (or the volume, container or archive is gone);
 * - not-directory / is-directory: listing a file, reading a folder;
 * - refused: a symbolic link that leaves the browsed root (never followed), an archive the validator refuses;
 * - too-large: a file bigger than an editor buffer should hold;
 * - unavailable: the engine did not answer, the archive cannot be read.
 *
 * In the error vocabulary (core/errors.ts) an unavailable one is a failure, the others are input.
 */
export type BrowseErrorCode = 'not-found' | 'not-directory' | 'is-directory' | 'refused' | 'too-large' | 'unavailable';

const CODES: ReadonlySet<string> = new Set<BrowseErrorCode>([
  'not-found',
  'not-directory',
  'is-directory',
  'refused',
  'too-large',
  'unavailable',
]);

export class BrowseError extends PersistenceLensError<'input' | 'failed'> {
  constructor(
    readonly code: BrowseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code === 'unavailable' ? 'failed' : 'input', message, options?.cause !== undefined ? { cause: options.cause } : {});
    this.name = 'BrowseError';
  }
}

/** The code of a browse error, from this bundle or the engine's (the editor's file system provider asks). */
export function browseErrorCode(e: unknown): BrowseErrorCode | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return errorKind(e) !== undefined && typeof code === 'string' && CODES.has(code) ? (code as BrowseErrorCode) : undefined;
}

export const notFound = (what: string): BrowseError => new BrowseError('not-found', `${what} does not exist`);
