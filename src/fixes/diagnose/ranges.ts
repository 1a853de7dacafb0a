/** Where on its line a finding is drawn: from the declaration to the end of what is written there. */
import type { TextLines } from '../../core/text-lines';
import type { SourceLocation } from '../../core/types';
import type { TextRange } from './types';

/** The lines a range is drawn in, found once per text (the one line index, in core). */
export { TextLines } from '../../core/text-lines';

/**
 * The length of a quoted string starting at `start` (JSON, or YAML's "..." and '...'), closing quote
 * included; for a JSON property key, up to the end of its quoted value.
 */
function quotedLength(content: string, start: number, orProperty: boolean): number | undefined {
  const quote = content[start];
  if (quote !== '"' && quote !== "'") return undefined;
  for (let i = start + 1; i < content.length; i++) {
    if (quote === '"' && content[i] === '\\') i++;
    else if (content[i] === quote) {
      if (quote === "'" && content[i + 1] === "'") {
        i++; // YAML's '' is an escaped quote
        continue;
      }
      const end = i + 1;
      const colon = orProperty ? /^\s*:\s*/.exec(content.slice(end)) : null;
      if (!colon) return end - start;
      // A key: through its quoted value; an unquoted value (a number, plain YAML) is the rest of the line.
      const value = quotedLength(content, end + colon[0].length, false);
      return value === undefined ? undefined : end + colon[0].length + value - start;
    }
  }
  return undefined; // unterminated (the user is typing it): up to the end of the content
}

/**
 * From a 1-based location to the end of the content on its line: trailing white space, a trailing comment
 * (`# ...` in YAML, `// ...` in JSONC) and a JSON comma are not underlined. Never an empty range, so the
 * squiggle shows even on an empty line; clamped to the text, so a location from a stale parse never throws.
 */
export function declarationRange(lines: TextLines, loc: Pick<SourceLocation, 'line' | 'column'>): TextRange {
  const line = Math.max(0, loc.line - 1);
  const content = lines.line(line);
  if (content === undefined) return { start: { line, character: 0 }, end: { line, character: 1 } };
  const start = Math.min(Math.max(0, loc.column - 1), content.length);
  const quoted = quotedLength(content, start, true);
  const rest = content
    .slice(start)
    .replace(/\s+(#|\/\/).*$/, '')
    .replace(/[\s,]+$/, '');
  const end = start + Math.max(quoted ?? rest.length, 1);
  return { start: { line, character: start }, end: { line, character: end } };
}

/** The first line, for findings that belong to the whole file (an error in a file it includes). */
export function firstLineRange(lines: TextLines): TextRange {
  return declarationRange(lines, { line: 1, column: 1 });
}
