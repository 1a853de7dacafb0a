/**
 * Why a browse request failed, as a code the editor maps to its FileSystemError kinds, and a sentence.
 *
 * - not-found: nothing at that path (or the volume, container or archive is gone);
 * - not-directory / is-directory: listing a file, reading a folder;
 * - refused: a symbolic link that leaves the browsed root (never followed), an archive the validator refuses;
 * - too-large: a file bigger than an editor buffer should hold;
 * - unavailable: the engine did not answer, the archive cannot be read.
 */
export type BrowseErrorCode = 'not-found' | 'not-directory' | 'is-directory' | 'refused' | 'too-large' | 'unavailable';

export class BrowseError extends Error {
  constructor(
    readonly code: BrowseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrowseError';
  }
}

export const notFound = (what: string): BrowseError => new BrowseError('not-found', `${what} does not exist`);
