import { BrowseError } from './errors';
import type { RawEntry } from './entry';
import { showName } from '../backup/names';

/** Linux's limit of symlinks followed in one path lookup. */
export const MAX_LINK_HOPS = 40;

export interface ResolveContext {
  lstat(rel: string): Promise<RawEntry | undefined>;
  absoluteToRel(target: string): string | undefined;
  /** For messages: `volume "data"`. */
  rootLabel: string;
}

/**
 * Resolves a path inside the root, following symlinks ONLY while they stay in it: every component is looked up
 * as it is (lstat), a symlink's target is joined lexically to the folder that holds it (`..` may not climb
 * above the root; an absolute target lands in the root only when the reader says it does), and the walk
 * restarts on the result, so a link to a link is checked at every hop. A link that leaves the root is refused,
 * never followed: what is browsed is the volume, the container's folder or the archive, nothing beside it.
 *
 * `followLast`: whether a symlink as the LAST component is followed too (stat and read do; lstat does not).
 * Returns the resolved path; a last component that does not exist is returned as it is (the caller says so).
 */
export async function resolveInRoot(rel: string, ctx: ResolveContext, followLast: boolean): Promise<string> {
  let pending = rel === '' ? [] : rel.split('/');
  let done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    const path = [...done, part].join('/');
    const last = pending.length === 0;
    const e = await ctx.lstat(path);
    if (!e) {
      if (last) return path;
      throw new BrowseError('not-found', `${showName(path)} does not exist in ${ctx.rootLabel}`);
    }
    if (e.kind === 'symlink' && (!last || followLast)) {
      if (++hops > MAX_LINK_HOPS)
        throw new BrowseError('refused', `${showName(rel)} has more than ${MAX_LINK_HOPS} symbolic links on its way (a loop?)`);
      const target = e.linkTarget ?? '';
      let base: string[];
      let rest: string;
      if (target.startsWith('/')) {
        const inRoot = ctx.absoluteToRel(target);
        if (inRoot === undefined) throw outside(path, target, ctx.rootLabel);
        base = [];
        rest = inRoot;
      } else {
        base = done.slice();
        rest = target;
      }
      for (const seg of rest.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') {
          if (base.length === 0) throw outside(path, target, ctx.rootLabel);
          base.pop();
        } else base.push(seg);
      }
      pending = [...base, ...pending];
      done = [];
      continue;
    }
    if (!last && e.kind !== 'directory') throw new BrowseError('not-directory', `${showName(path)} in ${ctx.rootLabel} is not a folder`);
    done.push(part);
  }
  return done.join('/');
}

function outside(link: string, target: string, root: string): BrowseError {
  return new BrowseError(
    'refused',
    `${showName(link)} is a symbolic link to ${showName(target)}, outside ${root}: links are never followed out of what is browsed`,
  );
}
