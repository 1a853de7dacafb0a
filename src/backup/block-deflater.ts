import { constants, createDeflateRaw, type DeflateRaw } from 'node:zlib';

/**
 * One raw deflate stream that compresses block after block, each from an empty dictionary and ending on a byte
 * boundary (a sync flush), so that the blocks of several deflaters can be laid end to end into one deflate
 * stream. The zlib stream is made once and reset between blocks (issue 13 point 20): a zlib stream per block
 * allocated and freed its ~300 KiB of deflate state on libuv's threads for every MiB of a backup, and glibc kept
 * what those threads freed in per-thread arenas, megabytes of resident memory each.
 */
export class BlockDeflater {
  private readonly stream: DeflateRaw;
  private pieces: Buffer[] = [];
  private failure: Error | undefined;
  private onFailure: ((err: Error) => void) | undefined;

  constructor(opts: { level: number; chunkSize?: number }) {
    this.stream = createDeflateRaw({ level: opts.level, chunkSize: opts.chunkSize ?? 64 * 1024 });
    this.stream.on('data', (piece: Buffer) => this.pieces.push(piece));
    this.stream.on('error', (err: Error) => {
      this.failure ??= err;
      this.onFailure?.(err);
    });
  }

  /** The raw deflate of `data`: non-final blocks ending with an empty stored block (byte-aligned). */
  compress(data: Buffer): Promise<Buffer[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Buffer[]>((resolve, reject) => {
      this.onFailure = reject;
      this.stream.write(data);
      this.stream.flush(constants.Z_SYNC_FLUSH, (err?: Error | null) => {
        this.onFailure = undefined;
        // closed mid-block (a cancelled backup): the stream cannot be reset, nor is the block wanted
        if (err || this.failure || this.stream.destroyed) return reject(err ?? this.failure ?? new Error('the deflater was closed'));
        // in flowing mode every piece was emitted before the flush's callback; read() hands over any held back
        while (this.stream.read() !== null);
        const out = this.pieces;
        this.pieces = [];
        this.stream.reset(); // an empty dictionary for the next block, the same deflate state
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}

/** The end of a deflate stream: an empty final block with fixed codes (what Z_FINISH adds after a sync flush). */
export const DEFLATE_END = Buffer.from([0x03, 0x00]);
