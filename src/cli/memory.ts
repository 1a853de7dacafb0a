import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Memory settings of the CLI's archive commands (issue 13 point 20: a backup's peak RSS under 120 MB).
 *
 * Set in this process, at start-up, for the commands that stream archives; every other command (scan above
 * all) starts exactly as before. No re-execution with node flags: a second Node process waiting for the first
 * would hold its own 40-50 MB, more than this saves, and a measurement of the child alone would hide it.
 *
 * - `--semi-space-growth-factor=1`: V8 grows its young generation from 1 MiB semi-spaces up to 16 MiB ones
 *   when scavenges come often, as they do while chunks stream; each grown semi-space is resident memory.
 *   V8 reads this flag whenever it would grow, so setting it after start-up works (unlike
 *   `--max-semi-space-size`, read once when the heap is made).
 * - a young-generation collection on demand (`globalThis.gc`, what `--expose-gc` gives): the archive
 *   pipeline asks for one every 4 MiB of data (src/backup/reclaim.ts), which frees the bytes of dead Buffers.
 *   The flag is set only while a new context is made, whose `gc` function is then kept; the flag is cleared
 *   again at once.
 */
const ARCHIVE_COMMANDS = new Set(['backup', 'restore', 'rescue', 'backups']);

/** Whether `command` gets the archive settings. */
export function isArchiveCommand(command: string | undefined): boolean {
  return command !== undefined && ARCHIVE_COMMANDS.has(command);
}

/** Applies the archive settings when `command` streams archives; returns whether it did. */
export function tuneMemoryFor(command: string | undefined): boolean {
  if (!isArchiveCommand(command)) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  exposeGc();
  return true;
}

/** Makes `globalThis.gc` available (as `--expose-gc` does) without restarting Node. */
export function exposeGc(): NodeJS.GCFunction {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  try {
    const gc = runInNewContext('gc') as NodeJS.GCFunction;
    globalThis.gc = gc;
    return gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
