/** Text edits against an original text, and the small layout facts edits need to match their neighbours. */

/** 1-based line and column of an offset, for messages (the one line index, in core). */
export { positionOf } from '../core/text-lines';

export interface TextEdit {
  /** Offset in the original text (UTF-16 code units, BOM included). */
  offset: number;
  length: number;
  text: string;
}

/**
 * Applies non-overlapping edits; offsets refer to the original text. Insertions at the same offset land
 * in the order they are listed.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.offset - b.e.offset || a.i - b.i);
  let out = '';
  let cursor = 0;
  for (const { e } of sorted) {
    if (e.offset < cursor) throw new Error('overlapping edits');
    out += text.slice(cursor, e.offset) + e.text;
    cursor = e.offset + e.length;
  }
  return out + text.slice(cursor);
}

/** The file's line ending: CRLF when its first line break is one. */
export function detectEol(text: string): '\n' | '\r\n' {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the line break of the line holding `offset` (text.length on the last line). */
export function nextLineStart(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** Column (0-based, in characters) of `offset` on its line. */
export function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** Walks back from `offset` over white space and line breaks to just after the last content character. */
export function contentEnd(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  return i;
}

/** The leading white space of the line holding `offset`. */
export function lineIndent(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start))![0];
}
