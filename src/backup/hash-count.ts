import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

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
