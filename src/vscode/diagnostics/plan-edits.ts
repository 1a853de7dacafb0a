/**
 * A plan's edits in the shape an editor applies safely. Pure (no `vscode`): unit-tested against the
 * backend's own applyEdits.
 */
import type { TextEdit } from '../../fixes/text';

/**
 * Sorted, with insertions at the same offset joined into one in the plan's order. The backend applies them
 * in list order; an editor applying a batch of edits need not keep that order for equal positions (a new
 * service `volumes:` and the top-level `volumes:` both appended at the end of the file), one edit has none.
 */
export function editorEdits(edits: readonly TextEdit[]): TextEdit[] {
  const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.offset - b.e.offset || a.i - b.i);
  const out: TextEdit[] = [];
  for (const { e } of sorted) {
    const last = out[out.length - 1];
    if (last && last.offset === e.offset && last.length === 0)
      out[out.length - 1] = { offset: e.offset, length: e.length, text: last.text + e.text };
    else out.push({ ...e });
  }
  return out;
}
