import type { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
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

type ExtractInternals = { _decodeLongHeader?: (buf: Buffer) => void; _header?: { type?: string }; _pax: unknown; _paxGlobal: unknown };

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

function toHeader(h: tarStream.Header): EntryHeader {
  const type = TYPES[h.type ?? 'file'] ?? 'other';
  const pax = (h.pax ?? undefined) as Record<string, string> | undefined;
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
    rawType: String(h.type ?? 'unknown'),
  };
  if (h.linkname) header.linkname = nameOf(h.linkname);
  if (h.uname) header.uname = h.uname;
  if (h.gname) header.gname = h.gname;
  if (Object.keys(xattrs).length > 0) header.xattrs = xattrs;
  return header;
}
