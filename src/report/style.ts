/** Terminal styling for the human report: colors only when asked, columns padded before styling. */
const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Style = keyof typeof CODES;

export function paint(enabled: boolean, style: Style, text: string): string {
  return enabled ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

/** Pads plain text to a width; styling is applied after padding so escape codes never skew columns. */
export function table(rows: string[][], gap = 2): string[][] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length + gap))));
}
