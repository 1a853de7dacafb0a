import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { BlockDeflater, DEFLATE_END } from './block-deflater';
import { crc32 } from './crc32';

/**
 * gzip with several cores, the way pigz does it: the input is cut into blocks (256 KiB), each block is deflated
 * on libuv's thread pool, `parallelism` blocks at a time, and the deflated blocks are written in order as one
 * gzip member (RFC 1952: a header, the deflate stream, the CRC-32 and length of the input). Each block starts
 * from an empty dictionary and ends byte-aligned (a sync flush), so the blocks lay end to end into one valid
 * deflate stream; the ratio is within a fraction of a percent of a single stream (the deflate window is only
 * 32 KiB anyway).
 *
 * Memory is bounded and, as far as JavaScript allows, not churned (issue 13 point 20): the input is copied into
 * `parallelism + 1` block buffers allocated once and reused (no concatenation, no slices that keep the
 * producer's chunks alive), `parallelism` zlib streams are made once and reset between blocks
 * (block-deflater.ts), and each block's output comes out in 64 KiB pieces pushed as they are. Backpressure
 * holds: a block is started only when fewer than `parallelism` are being compressed.
 */
/**
 * 256 KiB, not 1 MiB: a backup's peak RSS was ~8 MB lower (issue 13 point 20: fewer bytes in flight, each
 * block's output pushed at once is smaller), for an archive 0.03% larger and the same throughput.
 */
export const BLOCK_SIZE = 256 * 1024;

export class ParallelGzip extends Transform {
  private readonly blockSize: number;
  private readonly parallelism: number;
  private readonly level: number;
  /** Block buffers not in use. */
  private readonly free: Buffer[] = [];
  private block: Buffer | undefined;
  private filled = 0;
  private readonly idle: BlockDeflater[] = [];
  private readonly deflaters: BlockDeflater[] = [];
  private readonly inFlight: Array<{ done: Promise<Buffer[]>; buffer: Buffer; deflater: BlockDeflater }> = [];
  private headerSent = false;
  private crc = 0;
  private length = 0;

  constructor(opts: { level: number; parallelism?: number; blockSize?: number }) {
    super({ highWaterMark: 256 * 1024 });
    this.parallelism = Math.max(1, opts.parallelism ?? defaultParallelism());
    this.blockSize = opts.blockSize ?? BLOCK_SIZE;
    this.level = opts.level;
  }

  private startBlock(buffer: Buffer, length: number): void {
    if (!this.headerSent) {
      this.push(gzipHeader(this.level));
      this.headerSent = true;
    }
    const data = buffer.subarray(0, length);
    this.crc = crc32(data, this.crc);
    this.length += length;
    const deflater = this.idle.pop() ?? this.newDeflater();
    const done = deflater.compress(data);
    done.catch(() => undefined); // awaited in order below; an early rejection must not be "unhandled"
    this.inFlight.push({ done, buffer, deflater });
  }

  private newDeflater(): BlockDeflater {
    const d = new BlockDeflater({ level: this.level });
    this.deflaters.push(d);
    return d;
  }

  private async drainTo(limit: number): Promise<void> {
    while (this.inFlight.length > limit) {
      const { done, buffer, deflater } = this.inFlight.shift()!;
      for (const piece of await done) this.push(piece);
      this.free.push(buffer);
      this.idle.push(deflater);
    }
  }

  /** Copies `chunk` from `offset` into blocks, starting each block as it fills once a deflater is free. */
  private copyIn(chunk: Buffer, offset: number, cb: TransformCallback): void {
    while (offset < chunk.length) {
      this.block ??= this.free.pop() ?? Buffer.allocUnsafe(this.blockSize);
      const n = chunk.copy(this.block, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === this.blockSize) {
        if (this.inFlight.length >= this.parallelism) {
          const at = offset;
          this.drainTo(this.parallelism - 1).then(() => this.fullBlock(chunk, at, cb), cb);
          return;
        }
        this.startFilledBlock();
      }
    }
    cb();
  }

  private fullBlock(chunk: Buffer, offset: number, cb: TransformCallback): void {
    this.startFilledBlock();
    this.copyIn(chunk, offset, cb);
  }

  private startFilledBlock(): void {
    this.startBlock(this.block!, this.filled);
    this.block = undefined;
    this.filled = 0;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.copyIn(chunk, 0, cb);
  }

  override _flush(cb: TransformCallback): void {
    const finish = async (): Promise<void> => {
      if (this.filled > 0) {
        await this.drainTo(this.parallelism - 1);
        this.startFilledBlock();
      }
      await this.drainTo(0);
      if (!this.headerSent) this.push(gzipHeader(this.level));
      this.push(DEFLATE_END);
      this.push(gzipTrailer(this.crc, this.length));
      this.closeDeflaters();
    };
    finish().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.closeDeflaters();
    cb(err);
  }

  private closeDeflaters(): void {
    for (const d of this.deflaters.splice(0)) d.close();
    this.idle.length = 0;
  }
}

/** RFC 1952 §2.3: no name, no time; XFL and OS as zlib writes them. */
function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level === 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}

function gzipTrailer(crc: number, length: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(length % 2 ** 32, 4);
  return t;
}

export function defaultParallelism(): number {
  try {
    return Math.min(4, Math.max(1, availableParallelism()));
  } catch {
    return 1;
  }
}
