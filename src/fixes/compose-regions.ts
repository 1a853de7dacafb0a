/**
 * The lines of one compose service, so that a quick fix on a 9,000-line file parses tens of lines, not all of
 * them (issue #14). A text scan, by YAML's indentation rules: under a block `services:` every line indented
 * exactly as the first service key starts the next key (block scalars, multi-line quoted scalars and flow
 * collections of a service are indented deeper). The planner parses the "compact" text: everything but the
 * other services' lines, and maps its edits back. Anything the scan is not sure of gives undefined, and the
 * caller plans against the whole file, as before.
 */

export interface Segment {
  /** Where the segment starts in the original text, where in the compact text, and its length. */
  from: number;
  at: number;
  length: number;
}

export interface ServiceLayout {
  /** The text without the other services, and its segments (in order). */
  compact: string;
  segments: Segment[];
  /** Every service's lines (`[start, end)` in the original), in order, and the `services:` line. */
  regions: Array<{ start: number; end: number }>;
  header: string;
  /** What precedes the first service (top-level keys, the `services:` line) and what follows the last. */
  prefixEnd: number;
  tailStart: number;
}

const KEY = /^( +)(?:([A-Za-z0-9_.-]+)|"([^"\\]*)"|'([^']*)')[ \t]*:(?:[ \t]|\r?$)/;
const ANCHOR_OR_ALIAS = /(?:^|[\s[{,])([&*])([^\s,[\]{}]+)/gm;
/** A Podman option (`U`, `z`, `Z`) at the end of a short entry: the planner then reads every service's entries. */
const PODMAN_OPTION = /:(?:[^\s:,'"\]}]*,)*[UzZ](?![^\s,'"\]}#])/;

/** The layout for planning in `service` alone, or undefined when the whole file must be read. */
export function serviceLayout(text: string, service: string): ServiceLayout | undefined {
  if (/^(?:---|\.\.\.|%)/m.test(text) || /^["']services["']\s*:/m.test(text) || /^x-podman\s*:/m.test(text)) return undefined;
  const headers = text.match(/^services[ \t]*:.*$/gm);
  if (headers?.length !== 1 || !/^services[ \t]*:[ \t]*(#.*)?\r?$/.test(headers[0]!)) return undefined;
  const headerStart = text.search(/^services[ \t]*:/m);
  let pos = text.indexOf('\n', headerStart);
  if (pos < 0) return undefined;
  pos++;
  let unit = 0;
  const keys: Array<{ start: number; name: string }> = [];
  let blockEnd = text.length;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let i = pos;
    while (i < nl && text.charCodeAt(i) === 32) i++;
    const c = text[i];
    if (c === '\t') return undefined; // a tab where indentation is read
    if (i < nl && c !== '#' && c !== '\r') {
      const indent = i - pos;
      if (indent === 0) {
        blockEnd = pos;
        break;
      }
      unit ||= indent;
      if (indent < unit) return undefined;
      if (indent === unit) {
        const m = KEY.exec(text.slice(pos, nl));
        if (!m) return undefined;
        keys.push({ start: pos, name: m[2] ?? m[3] ?? m[4]! });
      }
    }
    pos = nl + 1;
  }
  if (keys.length < 2 || keys[0]!.start !== firstContentLine(text, headerStart)) return undefined;
  const regions = keys.map((k, i) => ({ start: k.start, end: i + 1 < keys.length ? keys[i + 1]!.start : blockEnd }));
  const mine = keys.flatMap((k, i) => (k.name === service ? [i] : []));
  if (mine.length !== 1) return undefined;
  const target = mine[0]!;

  // Kept: what precedes the services, the service, what follows them; and the last service when the file
  // ends with it, so that the compact text ends as the file does.
  const kept = [{ start: 0, end: regions[0]!.start }, regions[target]!];
  const last = regions.length - 1;
  if (blockEnd === text.length && target !== last) kept.push(regions[last]!);
  kept.push({ start: blockEnd, end: text.length });

  // No alias may cross between kept and left-out lines, no anchor be defined twice, no Podman option be left out.
  const isKept = (offset: number): boolean => kept.some((r) => offset >= r.start && offset < r.end);
  if (text.includes('&') || text.includes('*')) {
    const anchors = new Map<string, boolean>();
    const aliases: Array<{ name: string; kept: boolean }> = [];
    for (const m of text.matchAll(ANCHOR_OR_ALIAS)) {
      const k = isKept(m.index + m[0].length - m[2]!.length - 1);
      if (m[1] === '&') {
        if (anchors.has(m[2]!)) return undefined;
        anchors.set(m[2]!, k);
      } else aliases.push({ name: m[2]!, kept: k });
    }
    if (aliases.some((a) => anchors.has(a.name) && anchors.get(a.name) !== a.kept)) return undefined;
  }
  for (let r = 0; r < regions.length; r++) {
    if (!kept.includes(regions[r]!) && PODMAN_OPTION.test(text.slice(regions[r]!.start, regions[r]!.end))) return undefined;
  }

  const segments: Segment[] = [];
  let compact = '';
  for (const r of kept) {
    if (r.end <= r.start) continue;
    segments.push({ from: r.start, at: compact.length, length: r.end - r.start });
    compact += text.slice(r.start, r.end);
  }
  return { compact, segments, regions, header: headers[0]! + '\n', prefixEnd: regions[0]!.start, tailStart: blockEnd };
}

/** The first line after the `services:` line that is neither blank nor a comment. */
function firstContentLine(text: string, headerStart: number): number {
  let pos = text.indexOf('\n', headerStart) + 1;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const line = text.slice(pos, nl < 0 ? text.length : nl).trim();
    if (line !== '' && !line.startsWith('#')) return pos;
    pos = nl < 0 ? text.length : nl + 1;
  }
  return -1;
}

/**
 * An offset of the compact text in the original one. One between two segments is the end of the first (an
 * insertion after a service's last line lands before the next service); an edit that spans a left-out part
 * gives undefined.
 */
export function toOriginal(layout: ServiceLayout, offset: number, length: number): number | undefined {
  for (const s of layout.segments) {
    if (offset >= s.at && offset + length <= s.at + s.length) return s.from + (offset - s.at);
  }
  return undefined;
}
