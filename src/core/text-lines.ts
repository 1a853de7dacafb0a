/**
 * Offsets in a text as lines and columns: the one line index that the readers (devcontainer.json), the fixes
 * (a refusal's location) and the diagnostics (a finding's range) share. A line ends at `\n`; a `\r` before it
 * belongs to the line, as it does for the editor's column count.
 */

/**
 * The lines of a text, found once: a large file has a finding on many of its lines, and walking from the top
 * for each would cost the file's length per finding.
 */
export class TextLines {
  /** The offset at which each line starts; line 0 starts at 0. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) this.starts.push(nl + 1);
  }

  /** 1-based line and column of an offset (UTF-16 code units, counted from the line's start). */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  /** The text of a 0-based line without its line break (CR included), or undefined past the end. */
  line(n: number): string | undefined {
    const start = this.starts[n];
    if (start === undefined) return undefined;
    const next = this.starts[n + 1];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1).replace(/\r$/, '');
  }
}

/** 1-based line and column of one offset, for a message: {@link TextLines} when there are many. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  return new TextLines(text).position(offset);
}
