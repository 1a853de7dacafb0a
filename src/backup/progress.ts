/**
 * Progress of a long operation, for the CLI's progress line and the editor's progress notification.
 * Callbacks are throttled (at most one every `intervalMs`, plus every phase change and the end).
 */

export type Phase = 'preparing' | 'archiving' | 'verifying' | 'validating' | 'safety-backup' | 'restoring' | 'finishing';

export interface Progress {
  operation: 'backup' | 'restore' | 'rescue';
  phase: Phase;
  /** Entries passed so far in this phase. */
  entries: number;
  /** Bytes of file content passed so far in this phase (uncompressed). */
  bytes: number;
  /** Compressed bytes written (backup) or read (restore) so far in this phase. */
  compressedBytes: number;
  /** What `bytes` (or `compressedBytes` when restoring) runs up to, when known. */
  totalBytes?: number;
  /** 0..100 when the total is known. */
  percent?: number;
  /** The entry being processed. */
  current?: string;
  /** Time since the operation started, ms. */
  elapsedMs: number;
}

export type ProgressListener = (p: Progress) => void;

/** Options every operation of the engine takes. */
export interface OperationOptions {
  /** Cancels: the operation stops, removes what it half-wrote and rejects with an AbortError. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Minimum time between two progress callbacks (default 200 ms). */
  progressIntervalMs?: number;
}

export class ProgressReporter {
  private last = 0;
  private readonly started = Date.now();
  private phase: Phase = 'preparing';
  totalBytes: number | undefined;

  constructor(
    private readonly operation: Progress['operation'],
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 200,
  ) {}

  setPhase(phase: Phase, totalBytes?: number): void {
    this.phase = phase;
    this.totalBytes = totalBytes;
    this.emit({ entries: 0, bytes: 0, compressedBytes: 0 }, true);
  }

  /** The end of a phase that wrote `counts`: reported as 100%. */
  complete(phase: Phase, counts: { entries: number; bytes: number; compressedBytes: number }): void {
    this.phase = phase;
    this.totalBytes = counts.bytes;
    this.emit(counts, true);
  }

  /** `basis`: which count the percentage is of. */
  update(
    counts: { entries: number; bytes: number; compressedBytes: number; current?: string },
    force = false,
    basis: 'bytes' | 'compressedBytes' = 'bytes',
  ): void {
    this.emit(counts, force, basis);
  }

  private emit(
    counts: { entries: number; bytes: number; compressedBytes: number; current?: string },
    force: boolean,
    basis: 'bytes' | 'compressedBytes' = 'bytes',
  ): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const p: Progress = {
      operation: this.operation,
      phase: this.phase,
      entries: counts.entries,
      bytes: counts.bytes,
      compressedBytes: counts.compressedBytes,
      elapsedMs: now - this.started,
    };
    if (counts.current !== undefined) p.current = counts.current;
    if (this.totalBytes !== undefined && this.totalBytes > 0) {
      p.totalBytes = this.totalBytes;
      p.percent = Math.min(100, Math.round((1000 * counts[basis]) / this.totalBytes) / 10);
    }
    try {
      this.listener(p);
    } catch {
      // a listener's bug must not break a backup
    }
  }
}
