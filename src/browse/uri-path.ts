import type { BrowseSource } from './source';

/**
 * A browsed file as the authority and path of a `persistence-lens:` URI, and back. Pure (no vscode, no I/O): the
 * editor layer builds its Uri from these strings, and the URI alone says what to read, so a window that reloads
 * with a browsed folder in its workspace reads it again without any state.
 *
 *   persistence-lens://volume/<volume>/a/b
 *   persistence-lens://container/<container>/<root, base64url>/a/b
 *   persistence-lens://archive/<archive file, base64url>/a/b
 *
 * The authority is only the kind (authorities are compared and shown lowercased); volume and container names
 * are single segments as Docker spells them; paths (a container's root, the archive's file) are base64url so a
 * `/` in them stays one segment.
 *
 * Names are bytes (src/backup/names.ts keeps a byte that is not UTF-8 as a lone surrogate U+DC80..U+DCFF), and a
 * lone surrogate cannot be percent-encoded in a URI. In a segment such a byte is written as U+FFFD and two hex
 * digits (`caf\xe9` → `caf�e9`: a replacement character, what a reader expects for a byte that is not text), and a
 * real U+FFFD of a name as U+FFFD twice, so every name maps to one segment and back.
 */

export const SCHEME = 'persistence-lens';
const MARK = '\ufffd';

export function toUriName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += name[i]! + name[i + 1]!;
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) out += MARK + (c - 0xdc00).toString(16).padStart(2, '0');
    else if (name[i] === MARK) out += MARK + MARK;
    else out += name[i]!;
  }
  return out;
}

export function fromUriName(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] !== MARK) {
      out += segment[i]!;
      continue;
    }
    if (segment[i + 1] === MARK) {
      out += MARK;
      i++;
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9a-f]{2}$/.test(hex) || parseInt(hex, 16) < 0x80)
      throw new Error(`"${segment}" is not a name of a browsed file (a lone \\ufffd)`);
    out += String.fromCharCode(0xdc00 + parseInt(hex, 16));
    i += 2;
  }
  return out;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
function unb64(s: string, what: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error(`the ${what} of a browse URI is not base64url: "${s}"`);
  return Buffer.from(s, 'base64url').toString('utf8');
}

/** Docker's names for volumes and containers (and a container's id). */
const DOCKER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export interface BrowseUriParts {
  authority: string;
  path: string;
}

/** The URI parts of `rel` (``: the root; `a/b` below it, names as the engine decodes them) in a source. */
export function toUriParts(source: BrowseSource, rel = ''): BrowseUriParts {
  let head: string;
  switch (source.kind) {
    case 'volume':
      if (!DOCKER_NAME.test(source.volume)) throw new Error(`"${source.volume}" is not a volume name`);
      head = `/${source.volume}`;
      break;
    case 'container':
      if (!DOCKER_NAME.test(source.container)) throw new Error(`"${source.container}" is not a container name or id`);
      if (!source.root.startsWith('/'))
        throw new Error(`the path to browse in container "${source.container}" must be absolute (got "${source.root}")`);
      head = `/${source.container}/${b64(source.root)}`;
      break;
    case 'archive':
      if (!source.file.startsWith('/')) throw new Error(`the archive to browse must be an absolute path (got "${source.file}")`);
      head = `/${b64(source.file)}`;
      break;
  }
  const tail = rel === '' ? '' : '/' + rel.split('/').map(toUriName).join('/');
  return { authority: source.kind, path: head + tail };
}

/** The source and the path in it a URI names; throws with a sentence on a URI this extension did not make. */
export function fromUriParts({ authority, path }: BrowseUriParts): { source: BrowseSource; rel: string } {
  const segs = path.split('/').slice(1);
  if (segs.length > 0 && segs[segs.length - 1] === '') segs.pop(); // a trailing slash
  const take = (what: string): string => {
    const s = segs.shift();
    if (!s) throw new Error(`the browse URI ${authority}${path} names no ${what}`);
    return s;
  };
  let source: BrowseSource;
  switch (authority.toLowerCase()) {
    case 'volume': {
      const volume = take('volume');
      if (!DOCKER_NAME.test(volume)) throw new Error(`"${volume}" is not a volume name`);
      source = { kind: 'volume', volume };
      break;
    }
    case 'container': {
      const container = take('container');
      if (!DOCKER_NAME.test(container)) throw new Error(`"${container}" is not a container name or id`);
      const root = unb64(take('path'), 'path');
      if (!root.startsWith('/')) throw new Error(`the browse URI's container path "${root}" is not absolute`);
      source = { kind: 'container', container, root };
      break;
    }
    case 'archive': {
      const file = unb64(take('archive'), 'archive');
      if (!file.startsWith('/')) throw new Error(`the browse URI's archive "${file}" is not an absolute path`);
      source = { kind: 'archive', file };
      break;
    }
    default:
      throw new Error(`"${authority}" is not something Persistence Lens browses (volume, container or archive)`);
  }
  const names = segs.map(fromUriName);
  for (const n of names) if (n === '' || n === '.' || n === '..') throw new Error(`the browse URI ${path} has a "${n}" segment`);
  return { source, rel: names.join('/') };
}
