import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackupAbortedError } from './errors';

/**
 * A tap in a byte stream: passes every chunk on unchanged, hashing it (sha256) and counting its bytes. Writing
 * an archive puts one after the compressor, reading one puts one before the gunzip: both hash the file's bytes.
 */
export class HashCount extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  /** `onBytes` gets the running count after each chunk. */
  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}

/**
 * sha256 (hex) and size of a stream, read to its end. `onBytes` gets the running count after each chunk; a
 * `signal` that fires stops it before the next chunk (a stream that watches a signal of its own needs none).
 */
export async function hashStream(
  stream: AsyncIterable<Buffer>,
  opts: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new BackupAbortedError();
    hash.update(chunk);
    bytes += chunk.length;
    opts.onBytes?.(bytes);
  }
  return { sha256: hash.digest('hex'), bytes };
}
