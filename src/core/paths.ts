/**
 * Container paths are POSIX whatever the host OS is, so these helpers never use node:path's platform
 * flavour (and keep the core free of Node imports).
 */

/** What normalizing would change: `//`, a `.` or `..` component, a trailing slash. */
const NOT_NORMAL = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

/** Collapses `//`, `.` and `..`, removes a trailing slash; keeps the result absolute when the input is. */
export function normalizePosix(path: string): string {
  // Nearly every path is normal already (mount points, catalog paths): a scan asks thousands of times.
  if (path.charCodeAt(0) === 47 /* / */ && !NOT_NORMAL.test(path)) return path;
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

export function isAbsolutePosix(path: string): boolean {
  return path.startsWith('/');
}

/** Joins POSIX segments and normalizes; an absolute segment restarts the path, as in a shell. */
export function joinPosix(...segments: string[]): string {
  let acc = '';
  for (const s of segments) {
    if (!s) continue;
    acc = s.startsWith('/') || acc === '' ? s : `${acc}/${s}`;
  }
  return normalizePosix(acc || '.');
}

/** Whether `path` is `ancestor` or lies under it, comparing whole components (`/data2` is not under `/data`). */
export function isWithin(path: string, ancestor: string): boolean {
  // Lengths and the separator first: most pairs a scan compares (thousands) differ there, without a prefix test.
  const n = ancestor.length;
  if (path.length <= n) return path === ancestor;
  if (ancestor === '/') return path.charCodeAt(0) === 47; /* / */
  return path.charCodeAt(n) === 47 /* / */ && path.startsWith(ancestor);
}

/** `/a/b/c` → `/a/b`; `/a` → `/`; `/` → undefined. */
export function parentPosix(path: string): string | undefined {
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basenamePosix(path: string): string {
  const n = normalizePosix(path);
  return n === '/' ? '' : n.slice(n.lastIndexOf('/') + 1);
}
