import type { TextEdit } from '../fixes/text';

/**
 * A unified diff (`diff -u`, what `patch` and `git apply` take) of planned edits, built from the edits
 * themselves rather than by diffing two texts: the fix planner knows exactly which characters change, so the
 * hunks are exact and cost nothing on a 9,000-line compose file.
 */

interface Region {
  /** First old line (0-based) the region replaces, and how many. */
  oldStart: number;
  oldCount: number;
  newLines: string[];
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 0-based line an offset lies on. */
function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Lines without their '\n'; a text that ends in '\n' has no empty last line. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function regionsOf(text: string, edits: readonly TextEdit[]): Region[] {
  const starts = lineStarts(text);
  const lineEnd = (line: number): number => (line + 1 < starts.length ? starts[line + 1]! : text.length);
  // Whole old lines each edit touches (an insertion of whole lines at a line start touches none).
  const spans = [...edits]
    .sort((a, b) => a.offset - b.offset)
    .map((e) => {
      const first = lineAt(starts, e.offset);
      const wholeLineInsert = e.length === 0 && e.offset === starts[first] && e.text.endsWith('\n');
      const last = wholeLineInsert ? first - 1 : lineAt(starts, Math.max(e.offset, e.offset + e.length - 1));
      return { edit: e, first, last };
    });
  const regions: Region[] = [];
  let i = 0;
  while (i < spans.length) {
    const group = [spans[i]!];
    let last = spans[i]!.last;
    while (i + 1 < spans.length && spans[i + 1]!.first <= last) {
      i++;
      group.push(spans[i]!);
      last = Math.max(last, spans[i]!.last);
    }
    const first = group[0]!.first;
    const from = starts[first] ?? text.length;
    const to = last >= first ? lineEnd(last) : from;
    let replaced = '';
    let at = from;
    for (const { edit } of group) {
      replaced += text.slice(at, edit.offset) + edit.text;
      at = edit.offset + edit.length;
    }
    replaced += text.slice(at, to);
    regions.push({ oldStart: first, oldCount: Math.max(0, last - first + 1), newLines: splitLines(replaced) });
    i++;
  }
  return regions;
}

export function unifiedDiff(
  oldText: string,
  newText: string,
  edits: readonly TextEdit[],
  names: { old: string; new: string },
  context = 3,
): string {
  const oldLines = splitLines(oldText);
  const newLineCount = splitLines(newText).length;
  const NO_NEWLINE = '\\ No newline at end of file';
  const oldOpenEnd = oldText !== '' && !oldText.endsWith('\n');
  const newOpenEnd = newText !== '' && !newText.endsWith('\n');
  const regions = regionsOf(oldText, edits);
  if (regions.length === 0) return '';
  const out = [`--- ${names.old}`, `+++ ${names.new}`];
  let shift = 0; // new line number minus old line number, before the current hunk
  let r = 0;
  while (r < regions.length) {
    // a hunk: regions whose context windows touch
    const hunk = [regions[r]!];
    while (
      r + 1 < regions.length &&
      regions[r + 1]!.oldStart - (hunk[hunk.length - 1]!.oldStart + hunk[hunk.length - 1]!.oldCount) <= 2 * context
    ) {
      hunk.push(regions[++r]!);
    }
    const start = Math.max(0, hunk[0]!.oldStart - context);
    const lastRegion = hunk[hunk.length - 1]!;
    const end = Math.min(oldLines.length, lastRegion.oldStart + lastRegion.oldCount + context);
    const body: string[] = [];
    let line = start;
    let oldCount = 0;
    let newCount = 0;
    let hunkShift = 0;
    // the last line of a text without a final newline is followed by a marker, on each side it ends
    const context_ = (l: number): void => {
      body.push(` ${oldLines[l]}`);
      if (l === oldLines.length - 1 && oldOpenEnd) body.push(NO_NEWLINE);
    };
    for (const region of hunk) {
      for (; line < region.oldStart; line++, oldCount++, newCount++) context_(line);
      for (let k = 0; k < region.oldCount; k++, line++, oldCount++) {
        body.push(`-${oldLines[line]}`);
        if (line === oldLines.length - 1 && oldOpenEnd) body.push(NO_NEWLINE);
      }
      region.newLines.forEach((l, k) => {
        body.push(`+${l}`);
        if (start + shift + newCount + k === newLineCount - 1 && newOpenEnd) body.push(NO_NEWLINE);
      });
      newCount += region.newLines.length;
      hunkShift += region.newLines.length - region.oldCount;
    }
    for (; line < end; line++, oldCount++, newCount++) context_(line);
    // `diff -u` numbers an empty side at the line before it
    const oldFrom = oldCount === 0 ? start : start + 1;
    const newFrom = newCount === 0 ? start + shift : start + shift + 1;
    out.push(`@@ -${oldFrom},${oldCount} +${newFrom},${newCount} @@`, ...body);
    shift += hunkShift;
    r++;
  }
  return `${out.join('\n')}\n`;
}
