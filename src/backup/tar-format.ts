/**
 * The archive entry model and a tar writer (POSIX ustar, with PAX extended headers when a field does not fit:
 * non-ASCII or long names and link targets, large ids, sizes over 8 GiB).
 *
 * Names are written as their bytes ({@link encodeName}): a name that is not valid UTF-8 goes into a PAX `path`
 * (or `linkpath`) record with the raw bytes and a `hdrcharset=BINARY` record, as GNU tar writes it.
 *
 * Reading uses tar-stream (tar-read.ts), which understands every dialect found in the wild (GNU long names,
 * PAX, old v7). Writing is done here so the output is a plain Node stream with natural backpressure.
 */

import { encodeName, isUtf8 } from './names';

/** The entry kinds an archive of ours holds; readers also meet devices and fifos (refused on restore). */
export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'other';

export interface EntryHeader {
  /** Archive path: `./` is the root of a content archive, `./a/b` below it; rescue archives use `home/u/x`. */
  name: string;
  type: EntryType;
  /** Permission bits, including setuid/setgid/sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content; 0 for everything but regular files. */
  size: number;
  /** Modification time, whole seconds since the epoch. */
  mtime: number;
  /** Symlink target (as stored), or the archive path of a hard link's target. */
  linkname?: string;
  uname?: string;
  gname?: string;
  /** Extended attributes (PAX `SCHILY.xattr.*`), value as a binary string. */
  xattrs?: Record<string, string>;
  /** The type flag as read, for messages about unsupported entries. */
  rawType?: string;
}

/** One archive entry. `body` (regular files only) yields exactly `header.size` bytes and must be consumed in full. */
export interface ArchiveEntry {
  header: EntryHeader;
  body?: AsyncIterable<Buffer>;
}

const BLOCK = 512;
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(BLOCK * 2);
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : ZERO_BLOCK.subarray(0, BLOCK - rest);
}

const TYPEFLAG: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
  other: '0',
};

const isAscii = (s: string): boolean => /^[\x01-\x7f]*$/.test(s);

/** Splits a name into ustar prefix (≤155 bytes) and name (≤100 bytes) at a slash; undefined when impossible. */
function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (name.length <= 100) return { prefix: '', name };
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (rest.length > 100) return undefined;
    if (rest.length > 0 && prefix.length <= 155) return { prefix, name: rest };
  }
  return undefined;
}

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

const fits = (value: number, width: number): boolean => Number.isSafeInteger(value) && value >= 0 && value.toString(8).length <= width - 1;

function paxRecord(key: string, value: string | Buffer): Buffer {
  // "%d %s=%s\n" where the length counts itself; a Buffer value is written as it is (raw name bytes)
  const body = Buffer.concat([
    Buffer.from(` ${key}=`, 'utf8'),
    typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    Buffer.from('\n'),
  ]);
  const bodyLen = body.length;
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.concat([Buffer.from(String(len), 'ascii'), body]);
}

function ustarBlock(fields: {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(fields.name, 0, 100, 'utf8');
  b.write(octal(fields.mode & 0o7777, 8), 100, 8, 'ascii');
  b.write(octal(fits(fields.uid, 8) ? fields.uid : 0, 8), 108, 8, 'ascii');
  b.write(octal(fits(fields.gid, 8) ? fields.gid : 0, 8), 116, 8, 'ascii');
  if (fits(fields.size, 12)) b.write(octal(fields.size, 12), 124, 12, 'ascii');
  else {
    // GNU base-256 for sizes ≥ 8 GiB (the PAX size record says it too)
    b[124] = 0x80;
    let n = fields.size;
    for (let i = 135; i > 124; i--) {
      b[i] = n % 256;
      n = Math.floor(n / 256);
    }
  }
  b.write(octal(fits(fields.mtime, 12) ? fields.mtime : 0, 12), 136, 12, 'ascii');
  b.write('        ', 148, 8, 'ascii');
  b.write(fields.typeflag, 156, 1, 'ascii');
  b.write(fields.linkname, 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'ascii');
  b.write(fields.uname, 265, 32, 'utf8');
  b.write(fields.gname, 297, 32, 'utf8');
  b.write(octal(0, 8), 329, 8, 'ascii');
  b.write(octal(0, 8), 337, 8, 'ascii');
  b.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return b;
}

/** The header block(s) of one entry: a PAX extended header first when a field needs it. */
export function encodeHeader(h: EntryHeader): Buffer {
  if (h.type === 'other' || h.type === 'character-device' || h.type === 'block-device') {
    throw new Error(`cannot write an entry of type ${h.type} (${h.name})`);
  }
  let name = h.name;
  if (h.type === 'directory' && !name.endsWith('/')) name += '/';
  const linkname = h.linkname ?? '';
  const size = h.type === 'file' ? h.size : 0;
  const mtime = Math.max(0, Math.floor(h.mtime));
  const pax: Buffer[] = [];

  const split = isAscii(name) ? splitUstarName(name) : undefined;
  const nameBytes = split ? undefined : encodeName(name);
  const linkBytes = !isAscii(linkname) || linkname.length > 100 ? encodeName(linkname) : undefined;
  if ((nameBytes && !isUtf8(nameBytes)) || (linkBytes && !isUtf8(linkBytes))) pax.push(paxRecord('hdrcharset', 'BINARY'));
  if (nameBytes) pax.push(paxRecord('path', nameBytes));
  if (linkBytes) pax.push(paxRecord('linkpath', linkBytes));
  if (!fits(h.uid, 8)) pax.push(paxRecord('uid', String(h.uid)));
  if (!fits(h.gid, 8)) pax.push(paxRecord('gid', String(h.gid)));
  if (!fits(size, 12)) pax.push(paxRecord('size', String(size)));
  const uname = h.uname ?? '';
  const gname = h.gname ?? '';
  const unameFits = isAscii(uname) && uname.length <= 32;
  const gnameFits = isAscii(gname) && gname.length <= 32;
  if (!unameFits) pax.push(paxRecord('uname', uname));
  if (!gnameFits) pax.push(paxRecord('gname', gname));
  for (const [k, v] of Object.entries(h.xattrs ?? {})) pax.push(paxRecord(`SCHILY.xattr.${k}`, v));

  const main = ustarBlock({
    name: split ? split.name : asciiFallback(name, 100),
    prefix: split ? split.prefix : '',
    mode: h.mode,
    uid: h.uid,
    gid: h.gid,
    size,
    mtime,
    typeflag: TYPEFLAG[h.type],
    linkname: isAscii(linkname) && linkname.length <= 100 ? linkname : asciiFallback(linkname, 100),
    uname: unameFits ? uname : '',
    gname: gnameFits ? gname : '',
  });
  if (pax.length === 0) return main;

  const paxBody = Buffer.concat(pax);
  const base = name.replace(/\/$/, '').split('/').pop() || 'root';
  const paxHeader = ustarBlock({
    name: asciiFallback(`PaxHeaders/${base}`, 100),
    prefix: '',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: paxBody.length,
    mtime,
    typeflag: 'x',
    linkname: '',
    uname: '',
    gname: '',
  });
  return Buffer.concat([paxHeader, paxBody, padding(paxBody.length), main]);
}

/** A printable ASCII stand-in for a field that a PAX record carries in full. */
function asciiFallback(s: string, max: number): string {
  const ascii = s.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= max ? ascii : ascii.slice(ascii.length - max);
}

/** Running totals of what passes through an archive. */
export interface EntryCounters {
  /** Entries (not counting PAX/GNU meta headers). */
  entries: number;
  /** Bytes of regular-file content. */
  bytes: number;
  /** The entry being written. */
  current?: string;
}

const COALESCE = 64 * 1024;

export interface TarBytesOptions {
  /**
   * Pieces smaller than this are gathered into chunks of about this size (default 64 KiB: zlib does better with
   * fewer, larger writes). 0 yields every piece as it is: for a consumer that batches anyway (ParallelGzip
   * copies everything into its blocks), where gathering would only be one more copy and one more buffer.
   */
  coalesce?: number;
}

/**
 * Serializes entries as a tar byte stream, small pieces coalesced into chunks of about 64 KiB unless told
 * otherwise. A body that yields more or fewer bytes than its header says is an error: the archive would be
 * corrupt.
 */
export async function* tarBytes(
  entries: AsyncIterable<ArchiveEntry>,
  counters: EntryCounters,
  signal?: AbortSignal,
  opts: TarBytesOptions = {},
): AsyncGenerator<Buffer> {
  const coalesce = opts.coalesce ?? COALESCE;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): Buffer => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  function* push(b: Buffer): Generator<Buffer> {
    if (b.length === 0) return;
    if (b.length >= coalesce) {
      if (pendingBytes > 0) yield flush();
      yield b;
      return;
    }
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= coalesce) yield flush();
  }

  for await (const entry of entries) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    const h = entry.header;
    counters.current = h.name;
    yield* push(encodeHeader(h));
    if (h.type === 'file') {
      let written = 0;
      if (entry.body) {
        for await (const chunk of entry.body) {
          written += chunk.length;
          if (written > h.size) throw new Error(`${h.name}: more data than its size (${h.size} bytes)`);
          counters.bytes += chunk.length;
          yield* push(chunk);
        }
      }
      if (written !== h.size) throw new Error(`${h.name}: ${written} bytes of data where its header says ${h.size}`);
      yield* push(padding(h.size));
    }
    counters.entries++;
  }
  yield* push(END_OF_ARCHIVE);
  if (pendingBytes > 0) yield flush();
}

/** Collects a whole archive in memory: for tests and the small directory-creating archives only. */
export async function tarBuffer(entries: Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const counters: EntryCounters = { entries: 0, bytes: 0 };
  const source = (async function* () {
    yield* entries;
  })();
  for await (const b of tarBytes(source, counters)) parts.push(b);
  return Buffer.concat(parts);
}
