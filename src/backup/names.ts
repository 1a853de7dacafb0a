/**
 * Names are bytes on Linux, and not every byte string is UTF-8 (a file copied from an ISO-8859-1 system is
 * `caf\xe9`). The engine keeps names as JS strings, so they are decoded losslessly the way Python's
 * "surrogateescape" does: valid UTF-8 decodes as usual (so every ordinary name is the ordinary string), and each
 * byte that is not part of a valid sequence becomes the lone surrogate U+DC80..U+DCFF. Such code units never
 * come out of a valid UTF-8 decode, so encoding gives exactly the original bytes back.
 *
 * Everything that leaves the process as a name (tar headers, fs calls) goes through {@link encodeName}; every
 * name read (readdir, readlink, tar headers) through {@link decodeName}. Messages show escaped bytes as `\xNN`.
 */

/** Length of the valid UTF-8 sequence at `i`, or 0 (Unicode Table 3-7: no overlongs, no surrogates). */
function sequenceAt(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** Whether the bytes are valid UTF-8. */
export function isUtf8(b: Buffer): boolean {
  for (let i = 0; i < b.length;) {
    const n = sequenceAt(b, i);
    if (n === 0) return false;
    i += n;
  }
  return true;
}

/** Bytes of a name → the name (lossless, see above). */
export function decodeName(b: Buffer): string {
  let out = '';
  let start = 0;
  let i = 0;
  while (i < b.length) {
    const n = sequenceAt(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += b.toString('utf8', start, i) + String.fromCharCode(0xdc00 + b[i]!);
    i++;
    start = i;
  }
  return start === 0 ? b.toString('utf8') : out + b.toString('utf8', start);
}

const ESCAPED = /[\udc80-\udcff]/;

/** Whether a name holds bytes that are not UTF-8 (escaped by {@link decodeName}). */
export function hasRawBytes(name: string): boolean {
  return ESCAPED.test(name);
}

/** A name → its bytes (the inverse of {@link decodeName}). */
export function encodeName(name: string): Buffer {
  if (!ESCAPED.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++; // a real pair: an astral character, encoded as UTF-8 below
      continue;
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(name.slice(start, i), 'utf8'), Buffer.from([c - 0xdc00]));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(name.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** A local path (a folder given as a string) joined with a relative name, as bytes for fs calls. */
export function pathBytes(dir: string | Buffer, rel?: string): Buffer {
  const base = typeof dir === 'string' ? Buffer.from(dir, 'utf8') : dir;
  if (rel === undefined || rel === '') return base;
  const sep = base.length > 0 && base[base.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/');
  return Buffer.concat([base, sep, encodeName(rel)]);
}

/** For messages: a name with escaped bytes as `\xNN`. */
export function showName(name: string | Buffer): string {
  const s = typeof name === 'string' ? name : decodeName(name);
  return s.replace(/[\udc80-\udcff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16)}`);
}
