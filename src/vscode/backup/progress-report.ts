import type { Phase, Progress } from '../../backup';
import { formatBytes } from './describe';

/**
 * Turns the backend's progress (per phase: bytes, entries, and a percentage when the total is known) into what
 * a VS Code progress notification takes: a message, and increments of one bar that only moves forward.
 *
 * The backend's percentage restarts with every phase, so each phase owns a slice of the bar: a restore checks
 * the archive (sha256, then every entry) before it writes, and the writing is most of the work. A phase
 * whose total is unknown (a safety backup, a volume whose size the engine could not learn) moves the message,
 * not the bar. Pure: unit-tested.
 */

type Slice = readonly [from: number, to: number];

const SLICES: Record<Progress['operation'], Partial<Record<Phase, Slice>>> = {
  backup: { archiving: [0, 100] },
  rescue: { archiving: [0, 100] },
  restore: { verifying: [0, 15], validating: [15, 30], restoring: [30, 100] },
};

const PHASE_TEXT: Record<Phase, string> = {
  preparing: 'preparing',
  archiving: 'archiving',
  verifying: 'checking the sha256',
  validating: 'checking every entry',
  'safety-backup': 'backing up what is there first',
  restoring: 'writing',
  finishing: 'finishing',
};

export interface ProgressStep {
  message: string;
  /** Percentage points to add to the bar (VS Code's `increment`); absent when it does not move. */
  increment?: number;
}

export class ProgressTranslator {
  /** Where the bar is, 0..100. */
  private shown = 0;

  next(p: Progress): ProgressStep {
    const slice = SLICES[p.operation][p.phase];
    let at = this.shown;
    if (p.phase === 'finishing') at = 100;
    else if (slice && p.percent !== undefined) at = slice[0] + ((slice[1] - slice[0]) * Math.min(100, Math.max(0, p.percent))) / 100;
    const increment = at > this.shown ? at - this.shown : 0;
    this.shown = Math.max(this.shown, at);
    return { message: progressMessage(p), ...(increment > 0 ? { increment: Math.round(increment * 100) / 100 } : {}) };
  }

  /** The bar's position (tests). */
  get position(): number {
    return this.shown;
  }
}

/** `archiving: 12.3 MB of 64.0 MB (19%), 1,204 entries`. Checking counts the archive's bytes; the rest count file content. */
export function progressMessage(p: Progress): string {
  const compressed = p.phase === 'verifying' || p.phase === 'validating';
  const done = compressed ? p.compressedBytes : p.bytes;
  const total = p.totalBytes !== undefined ? ` of ${formatBytes(p.totalBytes)}` : '';
  const pct = p.percent !== undefined ? ` (${Math.floor(p.percent)}%)` : '';
  const entries = p.phase === 'verifying' ? '' : `, ${p.entries.toLocaleString('en-US')} ${p.entries === 1 ? 'entry' : 'entries'}`;
  if (p.phase === 'preparing') return PHASE_TEXT.preparing;
  return `${PHASE_TEXT[p.phase]}: ${formatBytes(done)}${total}${pct}${entries}`;
}
