import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { gzip, type ZlibOptions } from 'node:zlib';

/**
 * gzip with several cores, the way pigz does it: the input is cut into blocks (1 MiB), each block is compressed
 * as its own gzip member on libuv's thread pool, `parallelism` blocks at a time, and the members are written in
 * order. The concatenation is a valid gzip stream (RFC 1952 §2.2: a file is a series of members) that gzip,
 * tar, busybox, Go and Node all read as one. The ratio is within a fraction of a percent of a single stream
 * (each block starts with an empty dictionary; the deflate window is only 32 KiB anyway).
 *
 * Memory is bounded: at most `parallelism` blocks in flight plus the one being filled. Backpressure holds: a
 * new block is accepted only when fewer than `parallelism` are being compressed.
 */
export class ParallelGzip extends Transform {
  private readonly blockSize: number;
  private readonly parallelism: number;
  private readonly zopts: ZlibOptions;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inFlight: Array<Promise<Buffer>> = [];

  constructor(opts: { level: number; parallelism?: number; blockSize?: number }) {
    super({ highWaterMark: 1024 * 1024 });
    this.parallelism = Math.max(1, opts.parallelism ?? defaultParallelism());
    this.blockSize = opts.blockSize ?? 1024 * 1024;
    // an output buffer that holds a whole compressed block (deflate's bound is ~0.1% over the input): one
    // round trip to the thread pool per block instead of one per 16 KiB
    this.zopts = { level: opts.level, chunkSize: this.blockSize + (this.blockSize >> 6) + 1024 };
  }

  private startBlock(block: Buffer): void {
    const p = new Promise<Buffer>((resolve, reject) => gzip(block, this.zopts, (err, out) => (err ? reject(err) : resolve(out))));
    p.catch(() => undefined); // awaited in order below; an early rejection must not be "unhandled"
    this.inFlight.push(p);
  }

  private async drainTo(limit: number): Promise<void> {
    while (this.inFlight.length > limit) {
      const out = await this.inFlight.shift()!;
      this.push(out);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.blockSize) {
      cb();
      return;
    }
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let offset = 0;
    for (; offset + this.blockSize <= all.length; offset += this.blockSize) this.startBlock(all.subarray(offset, offset + this.blockSize));
    if (offset < all.length) {
      this.pending.push(all.subarray(offset));
      this.pendingBytes = all.length - offset;
    }
    this.drainTo(this.parallelism).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.pendingBytes > 0 || this.inFlight.length === 0) {
      this.startBlock(this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes));
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.drainTo(0).then(() => cb(), cb);
  }
}

export function defaultParallelism(): number {
  try {
    return Math.min(4, Math.max(1, availableParallelism()));
  } catch {
    return 1;
  }
}
