/**
 * The paths a user hands to `persist` (or an editor passes from a finding), checked before they are written
 * into mount syntax: a path pasted raw into `source=…,target=…` or `SOURCE:TARGET` can say more than a path.
 */
import { normalizePosix } from '../core/paths';
import type { SourceLocation } from '../core/types';
import { FixRefusal } from './types';

/** Linux's PATH_MAX: a longer path cannot be mounted. */
const PATH_MAX = 4096;

/** Control characters (NUL, line breaks, tabs...): no mount syntax or file format carries them safely. */
const CONTROL = /[\u0000-\u001f\u007f]/;

function show(path: string): string {
  return JSON.stringify(path);
}

/**
 * A container path a mount can go on: absolute, normalized (no `.`, `..`, `//` or trailing `/`, so what is
 * written is what Docker mounts on), not `/` itself (Docker refuses a mount there), without control
 * characters, at most PATH_MAX long.
 */
export function checkContainerPath(path: string, where?: SourceLocation): void {
  const refuse = (why: string): never => {
    throw new FixRefusal(`the container path ${show(path)} ${why}; nothing was changed`, where);
  };
  if (CONTROL.test(path)) refuse('holds a control character (NUL, a line break or a tab)');
  if (!path.startsWith('/')) throw new FixRefusal(`${show(path)} is not an absolute container path; nothing was changed`, where);
  if (path.length > PATH_MAX) refuse(`is longer than ${PATH_MAX} characters`);
  if (path === '/') refuse('is the root: no volume can be mounted on /');
  const normal = normalizePosix(path);
  if (normal !== path) refuse(`is not in normal form (write ${show(normal)})`);
}

/** A host folder for a bind, as the user wants it written: not empty, no control characters. */
export function checkBindSource(source: string, where?: SourceLocation): void {
  if (source.trim() === '') throw new FixRefusal('the host folder for the bind is empty; nothing was changed', where);
  if (CONTROL.test(source))
    throw new FixRefusal(
      `the host folder ${show(source)} holds a control character (NUL, a line break or a tab); nothing was changed`,
      where,
    );
  if (source.length > PATH_MAX)
    throw new FixRefusal(`the host folder ${show(source).slice(0, 80)}… is longer than ${PATH_MAX} characters; nothing was changed`, where);
}
