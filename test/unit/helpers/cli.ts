import type { Output } from '../../../src/cli/output';

/** An Output that keeps what the CLI writes, without a TTY (so no color). */
export function capture(): { io: Output; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => void out.push(t), err: (t) => void err.push(t), color: false }, out, err };
}
