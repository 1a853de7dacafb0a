import * as zlib from 'node:zlib';

/**
 * CRC-32 (the one gzip's trailer carries) of `data`, continuing from `value`. zlib's own (`zlib.crc32`, Node
 * 20.15 and later) where there is one; a table-driven one otherwise (the CLI runs on any Node 20).
 */
export function crc32(data: Uint8Array, value = 0): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return native ? native(data, value) : crc32Table(data, value);
}

let table: Uint32Array | undefined;

/** The reflected CRC-32 of RFC 1952 §8, a byte at a time. */
export function crc32Table(data: Uint8Array, value = 0): number {
  table ??= makeTable();
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
