import type { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { ArchiveRefusedError } from './errors';
import { decodeName } from './names';
import type { ArchiveEntry, EntryHeader, EntryType } from './tar-format';

/**
 * Names are bytes: the ustar fields and GNU long names are read as latin1 (one char per byte) and PAX
 * `path`/`linkpath` records too (tar-stream decodes PAX records as UTF-8, which turns every byte that is not
 * UTF-8 into U+FFFD: `f\xffo` and `f\xfeo` would both become `f�o`). {@link decodeName} then makes them the
 * engine's lossless strings. The PAX decoding is replaced on this one extract instance only.
 */
function decodePaxBinary(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  while (buf.length) {
    let i = 0;
    while (i < buf.length && buf[i] !== 32) i++;
    const len = parseInt(buf.subarray(0, i).toString('ascii'), 10);
    if (!len || len > buf.length || len <= i + 1) return result;
    const record = buf.subarray(i + 1, len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) return result;
    const key = record.subarray(0, eq).toString('utf8');
    const value = record.subarray(eq + 1);
    result[key] = key === 'path' || key === 'linkpath' ? value.toString('latin1') : value.toString('utf8');
    buf = buf.subarray(len);
  }
  return result;
}

type ExtractInternals = {
  _decodeLongHeader?: (buf: Buffer) => void;
  _consumeHeader?: () => boolean | undefined;
  _continueWrite?: (err: Error) => void;
  _buffer?: { shift?: (size: number) => Buffer | null };
  _header?: { type?: string | null; size?: number; raw?: Buffer } | null;
  _longHeader?: boolean;
  _missing?: number;
  _pax: unknown;
  _paxGlobal: unknown;
};

/**
 * The largest GNU long name (`L`/`K`) read: PATH_MAX (4096) with its NUL and some slack. Anything longer could
 * never be restored, and tar-stream would buffer it whole (up to 4 MiB each; 1,500 of them is 4.5 GiB of names).
 */
export const MAX_LONG_NAME_HEADER = 8 * 1024;
/** The largest PAX extended header read: a path, a link target and xattrs (each at most 64 KiB on Linux). */
export const MAX_PAX_HEADER = 1024 * 1024;

function binaryNames(extract: tarStream.Extract): void {
  const x = extract as unknown as ExtractInternals;
  const original = x._decodeLongHeader;
  // Without the hook (another tar-stream) names that are not UTF-8 would be damaged: refuse to go on.
  if (typeof original !== 'function') throw new Error('this version of tar-stream cannot read names that are not UTF-8 exactly');
  x._decodeLongHeader = function (this: ExtractInternals, buf: Buffer): void {
    const type = this._header?.type;
    if (type === 'pax-header') {
      this._pax = this._paxGlobal === null ? decodePaxBinary(buf) : Object.assign({}, this._paxGlobal, decodePaxBinary(buf));
    } else if (type === 'pax-global-header') {
      this._paxGlobal = decodePaxBinary(buf);
    } else original.call(this, buf);
  };
}

/**
 * Caps the size of the headers tar-stream buffers whole (GNU long names, PAX headers) where it reads them, before
 * a byte of them is buffered, and keeps every header's raw 512-byte block (`header.raw`): tar-stream turns a type
 * flag it does not know into `null`, and the flag itself is needed to refuse it by name (GNU sparse `S`).
 */
function boundedHeaders(extract: tarStream.Extract): void {
  const x = extract as unknown as ExtractInternals;
  const consume = x._consumeHeader;
  const buffer = x._buffer;
  const shift = buffer?.shift;
  if (typeof consume !== 'function' || typeof shift !== 'function' || typeof x._continueWrite !== 'function') {
    throw new Error('this version of tar-stream cannot be read with bounded headers');
  }
  const last: { block: Buffer | null } = { block: null };
  buffer!.shift = function (this: unknown, size: number): Buffer | null {
    const b = shift.call(this, size);
    if (size === 512) last.block = b;
    return b;
  };
  x._consumeHeader = function (this: ExtractInternals): boolean | undefined {
    last.block = null;
    const r = consume.call(this);
    const h = this._header;
    const block = last.block as Buffer | null;
    if (h && block && block.length === 512) Object.defineProperty(h, 'raw', { value: Buffer.from(block), enumerable: false });
    last.block = null;
    if (r !== false && this._longHeader === true && h) {
      const pax = h.type === 'pax-header' || h.type === 'pax-global-header';
      const max = pax ? MAX_PAX_HEADER : MAX_LONG_NAME_HEADER;
      if ((h.size ?? 0) > max) {
        this._longHeader = false;
        const what = pax ? 'a PAX extended header' : 'a GNU long name';
        this._continueWrite!(
          new ArchiveRefusedError(`it has ${what} of ${h.size} bytes (at most ${max} are read: no name may be longer than 4096 bytes)`, ''),
        );
        return false;
      }
    }
    return r;
  };
}

const nameOf = (latin1: string): string => decodeName(Buffer.from(latin1, 'latin1'));

/**
 * Parses a tar byte stream into entries, one at a time, with backpressure: the next entry is read only after
 * the body of the previous one was consumed (a body that was not is drained here). Errors of the input
 * stream (a connection reset, a gzip CRC error) end the iteration with that error. Breaking out of the loop
 * destroys the input.
 */
export async function* readTar(input: Readable, opts: { signal?: AbortSignal } = {}): AsyncGenerator<ArchiveEntry> {
  const extract = tarStream.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tarStream.extract>[0]);
  binaryNames(extract);
  boundedHeaders(extract);
  let inputError: unknown;
  const onInputError = (err: unknown): void => {
    inputError ??= err;
    extract.destroy(err as Error);
  };
  input.on('error', onInputError);
  const onAbort = (): void => onInputError(opts.signal?.reason ?? new Error('aborted'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  input.pipe(extract as unknown as NodeJS.WritableStream);
  let finished = false;
  try {
    for await (const raw of extract as AsyncIterable<AsyncIterable<Buffer> & { header: tarStream.Header }>) {
      const header = toHeader(raw.header);
      let consumed = false;
      const body: AsyncIterable<Buffer> | undefined =
        header.type === 'file'
          ? {
              [Symbol.asyncIterator]: async function* () {
                consumed = true;
                for await (const chunk of raw as AsyncIterable<Buffer>) yield chunk;
              },
            }
          : undefined;
      yield body ? { header, body } : { header };
      if (!consumed) {
        // drain what nobody read (directories have none; a skipped file has its size)
        for await (const _ of raw as AsyncIterable<Buffer>) void _;
      }
    }
    if (inputError) throw inputError;
    finished = true;
  } catch (err) {
    throw inputError ?? err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      input.unpipe(extract as unknown as NodeJS.WritableStream);
      input.destroy();
      extract.destroy();
    }
    input.off('error', onInputError);
    // A late error of the destroyed input must not be unhandled.
    input.on('error', () => undefined);
  }
}

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  link: 'link',
  symlink: 'symlink',
  directory: 'directory',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

function toHeader(h: tarStream.Header & { raw?: Buffer }): EntryHeader {
  // tar-stream gives `null` for a type flag it does not know: never a regular file (the flag is in the raw block)
  const flag = h.raw ? String.fromCharCode(h.raw[156]!) : undefined;
  const pax = (h.pax ?? undefined) as Record<string, string> | undefined;
  // GNU sparse files: old GNU (`S`), or PAX (0.0, 0.1, 1.0: a regular entry with GNU.sparse.* records)
  const sparse = flag === 'S' || (pax !== undefined && Object.keys(pax).some((k) => k.startsWith('GNU.sparse.')));
  const type = sparse ? 'other' : h.type ? (TYPES[h.type] ?? 'other') : 'other';
  const num = (v: string | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    return Number.isFinite(n) ? n : fallback;
  };
  const xattrs: Record<string, string> = {};
  if (pax) for (const [k, v] of Object.entries(pax)) if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
  const header: EntryHeader = {
    name: nameOf(h.name),
    type,
    mode: (h.mode ?? 0) & 0o7777,
    uid: num(pax?.uid, h.uid ?? 0),
    gid: num(pax?.gid, h.gid ?? 0),
    size: type === 'file' ? (h.size ?? 0) : 0,
    mtime: Math.floor(num(pax?.mtime, (h.mtime?.getTime() ?? 0) / 1000)),
    rawType: sparse ? 'GNU sparse' : h.type ? String(h.type) : flag !== undefined ? JSON.stringify(flag) : 'unknown',
  };
  if (h.linkname) header.linkname = nameOf(h.linkname);
  if (h.uname) header.uname = h.uname;
  if (h.gname) header.gname = h.gname;
  if (Object.keys(xattrs).length > 0) header.xattrs = xattrs;
  return header;
}
