/**
 * Giving back the memory of dead data buffers while an archive streams (issue 13 point 20).
 *
 * A backup's live heap is small (11-16 MB); its peak RSS is not: every chunk that passes (the engine's HTTP
 * chunks, tar pieces, gzip output) is a Buffer whose bytes live outside the JavaScript heap, and they are freed
 * only when the young generation holding their small wrappers is collected. Between V8's own scavenges tens of
 * MB of such dead bytes pile up. Asking for a young-generation collection every few MiB of data bounds them to
 * about that much, for a fraction of a millisecond each (the young generation is nearly all garbage).
 *
 * It only works where the process can ask for a collection (`globalThis.gc`: the CLI's archive commands make
 * it available, src/cli/memory.ts); anywhere else (the editor's extension host) it does nothing and the engine
 * behaves as before.
 */

/** Data passed between two collections. */
export const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * Data passed between two full collections. What survives two young-generation collections (8 MiB of data:
 * the objects of a file being archived, its stream and promises) is promoted to the old generation and dies
 * there; V8 left that garbage to grow by ~10 MB over a 1 GB backup before collecting it (its peak RSS: 113 ->
 * 108 MB). A full collection of a ~20 MB heap takes milliseconds, once every few seconds of a backup.
 */
export const FULL_COLLECTION_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * What {@link ReclaimEvery} asks for by default, when this process can ask for collections at all: a
 * young-generation collection each time, a full one every {@link FULL_COLLECTION_EVERY_BYTES} of data.
 */
export function periodicCollection(everyBytes = RECLAIM_EVERY_BYTES): (() => void) | undefined {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') return undefined;
  const fullEvery = Math.max(1, Math.round(FULL_COLLECTION_EVERY_BYTES / everyBytes));
  let collections = 0;
  return () => gc({ type: ++collections % fullEvery === 0 ? 'major' : 'minor' });
}

export class ReclaimEvery {
  private sinceLast = 0;
  /** Collections asked for so far. */
  collections = 0;

  private readonly everyBytes: number;
  private readonly collect: (() => void) | undefined;

  /**
   * `everyBytes`: data between two collections (default 4 MiB). `collect`: how to collect (default
   * {@link periodicCollection}; `null`: never, as where the process cannot ask for a collection).
   */
  constructor(opts: { everyBytes?: number; collect?: (() => void) | null } = {}) {
    this.everyBytes = opts.everyBytes ?? RECLAIM_EVERY_BYTES;
    if (!(this.everyBytes > 0)) throw new RangeError(`the reclaim interval must be a positive number of bytes (got ${this.everyBytes})`);
    this.collect = opts.collect === undefined ? periodicCollection(this.everyBytes) : (opts.collect ?? undefined);
  }

  /** Whether collections are asked for at all. */
  get active(): boolean {
    return this.collect !== undefined;
  }

  /** Counts `bytes` of data passed; asks for a collection each time another interval's worth has passed. */
  passed(bytes: number): void {
    if (!this.collect) return;
    this.sinceLast += bytes;
    if (this.sinceLast < this.everyBytes) return;
    this.sinceLast %= this.everyBytes;
    this.collections++;
    this.collect();
  }

  /** `chunks` unchanged, counted as they pass. */
  async *through<T extends { length: number }>(chunks: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const c of chunks) {
      this.passed(c.length);
      yield c;
    }
  }
}
