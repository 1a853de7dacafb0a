/**
 * A fast reader for the YAML that compose files are made of: block mappings and sequences (also
 * indentless ones), one-line plain, quoted and flow scalars, literal and folded block scalars,
 * anchors, aliases, merge keys and compose's `!reset` / `!override` tags.
 *
 * It builds the same located nodes as the `yaml` library path (see node.ts), about ten times faster.
 * Anything outside that subset (multi-line plain or quoted scalars, multi-line flow collections,
 * complex keys, other tags, several documents, tabs in indentation...) and anything invalid makes it
 * give up, returning undefined: the caller then uses the `yaml` library, which also produces the
 * error messages. A differential test keeps both paths in agreement.
 */
import type { SourceLocation } from '../../core/types';
import type { Interpolate, LEntry, LMap, LNode, LScalar, LSeq, ScalarValue } from './node';

class GiveUp {}

/** Character classes, by char code (ASCII only). */
function charSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}
const NOT_A_PLAIN_KEY_START = charSet('[]{}#&*!|>%@`,');
const NOT_A_PLAIN_VALUE_START = charSet('#&!%@`,]}?:-');
const NOT_A_FLOW_PLAIN_START = charSet('#&!%@`,[]{}|>?');
const inSet = (set: Uint8Array, c: number): boolean => c >= 0 && c < 128 && set[c] === 1;
const GIVE_UP = new GiveUp();

function giveUp(): never {
  throw GIVE_UP;
}

/** Core schema resolution of a plain scalar, as the `yaml` library does it (YAML 1.2 core schema). */
export function resolvePlain(s: string): ScalarValue {
  const c = s.charCodeAt(0);
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (c === 116 || c === 84 || c === 102 || c === 70) {
    // t T f F
    if (s === 'true' || s === 'True' || s === 'TRUE') return true;
    if (s === 'false' || s === 'False' || s === 'FALSE') return false;
    return s;
  }
  // Only strings starting with a digit, a sign or a dot can be numbers.
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return s;
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) {
    return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

const DOUBLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

export function parseYamlFast(text: string, file: string, base: string, interpolate: Interpolate): LMap | null | undefined {
  try {
    return new FastParser(text, file, base, interpolate).parseDocument();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

class FastParser {
  /** Per line: start offset, content end (without \n and a trailing \r), indent (-1: blank or comment only). */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly indents: number[] = [];
  private readonly n: number;
  /** Index of the first line not consumed yet. */
  private li = 0;
  private readonly anchors = new Map<string, LNode>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly base: string,
    private readonly interpolate: Interpolate,
  ) {
    if (text.charCodeAt(0) === 0xfeff) giveUp();
    let start = 0;
    const len = text.length;
    // Lines; the empty "line" after a final newline is not one.
    while (start < len || (start === 0 && len === 0)) {
      let nl = text.indexOf('\n', start);
      if (nl === -1) nl = len;
      let end = nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      let i = start;
      while (i < end && text.charCodeAt(i) === 32) i++;
      let indent = i - start;
      if (i < end && text.charCodeAt(i) === 9) {
        // A tab before the content: fine on blank lines, not in indentation.
        let j = i;
        while (j < end && (text.charCodeAt(j) === 9 || text.charCodeAt(j) === 32)) j++;
        if (j < end && text.charCodeAt(j) !== 35) indent = -2;
        else indent = -1;
      } else if (i === end || text.charCodeAt(i) === 35) indent = -1;
      this.starts.push(start);
      this.ends.push(end);
      this.indents.push(indent);
      if (nl === len) break;
      start = nl + 1;
    }
    this.n = this.starts.length;
  }

  private loc(line: number, col: number): SourceLocation {
    return { file: this.file, line: line + 1, column: col + 1 };
  }

  private ch(line: number, col: number): number {
    const p = this.starts[line]! + col;
    return p < this.ends[line]! ? this.text.charCodeAt(p) : -1;
  }

  private lineLen(line: number): number {
    return this.ends[line]! - this.starts[line]!;
  }

  private slice(line: number, from: number, to?: number): string {
    const s = this.starts[line]!;
    return this.text.slice(s + from, to === undefined ? this.ends[line]! : s + to);
  }

  /** The next line at or after `from` that holds content; `n` when none. Gives up on tab indentation. */
  private nextContent(from: number): number {
    for (let i = from; i < this.n; i++) {
      const ind = this.indents[i]!;
      if (ind === -2) giveUp();
      if (ind >= 0) return i;
    }
    return this.n;
  }

  private skipSpaces(line: number, col: number): number {
    while (this.ch(line, col) === 32) col++;
    if (this.ch(line, col) === 9) giveUp();
    return col;
  }

  /** Position is at the end of the line or at a comment (which must follow white space). */
  private atEnd(line: number, col: number): boolean {
    const c = this.ch(line, col);
    if (c === 35 && col > 0) {
      const before = this.ch(line, col - 1);
      if (before !== 32 && before !== 9) giveUp();
    }
    return c === -1 || c === 35;
  }

  parseDocument(): LMap | null {
    let first = this.nextContent(0);
    if (first === this.n) return null;
    const head = this.slice(first, this.indents[first]!);
    if (this.indents[first] === 0 && (head.startsWith('%') || head.startsWith('---'))) {
      if (/^---\s*(#.*)?$/.test(head)) first = this.nextContent(first + 1);
      else giveUp();
      if (first === this.n) return null;
    }
    const node = this.parseBlockAt(first, this.indents[first]!, -1);
    if (this.nextContent(this.li) !== this.n) giveUp();
    if (node.kind !== 'map' || node.tag) giveUp();
    for (const s of this.pending) s.value = this.interpolate(s.value as string, s.loc);
    return node;
  }

  private isDash(line: number, col: number): boolean {
    if (this.ch(line, col) !== 45) return false;
    const next = this.ch(line, col + 1);
    return next === -1 || next === 32 || next === 9;
  }

  /** A node starting at (line, col), whose owner (mapping or sequence) is at `ownerIndent`. */
  private parseBlockAt(line: number, col: number, ownerIndent: number): LNode {
    if (col === 0) {
      // Document markers inside the document.
      const s = this.slice(line, 0, 3);
      if (s === '---' || s === '...') giveUp();
    }
    if (this.isDash(line, col)) return this.parseSeq(line, col);
    if (this.isKeyAt(line, col)) return this.parseMap(line, col);
    return this.parseInlineValue(line, col, ownerIndent);
  }

  private parseSeq(line: number, indent: number): LSeq {
    const items: LNode[] = [];
    const seq: LSeq = { kind: 'seq', loc: this.loc(line, indent), base: this.base, items };
    let cur = line;
    for (;;) {
      const c = this.skipSpaces(cur, indent + 1);
      if (this.atEnd(cur, c)) {
        const nxt = this.nextContent(cur + 1);
        if (nxt < this.n && this.indents[nxt]! > indent) items.push(this.parseBlockAt(nxt, this.indents[nxt]!, indent));
        else {
          items.push(this.scalar(null, cur, c));
          this.li = cur + 1;
        }
      } else {
        if (this.isDash(cur, c)) giveUp(); // `- - a`
        items.push(this.parseNodeInline(cur, c, indent));
      }
      const nxt = this.nextContent(this.li);
      if (nxt === this.n || this.indents[nxt]! < indent) break;
      if (this.indents[nxt] === indent) {
        if (this.isDash(nxt, indent)) {
          cur = nxt;
          continue;
        }
        break; // an indentless sequence ends where its mapping goes on
      }
      giveUp();
    }
    return seq;
  }

  /** Content that starts mid-line (after `- `): a compact mapping, or a value. */
  private parseNodeInline(line: number, col: number, ownerIndent: number): LNode {
    if (this.isKeyAt(line, col)) return this.parseMap(line, col);
    return this.parseInlineValue(line, col, ownerIndent);
  }

  /** Whether a mapping entry `key: ...` starts at (line, col). */
  private isKeyAt(line: number, col: number): boolean {
    const c = this.ch(line, col);
    if (c === 34 || c === 39) {
      const close = this.findQuoteEnd(line, col);
      if (close === -1) return false;
      const after = this.skipSpacesNoTab(line, close + 1);
      return this.ch(line, after) === 58 && this.isSep(line, after + 1);
    }
    if (c === -1 || inSet(NOT_A_PLAIN_KEY_START, c)) return false;
    if ((c === 45 || c === 63 || c === 58) && this.isSep(line, col + 1)) {
      if (c === 63) giveUp(); // complex key
      return false;
    }
    const len = this.lineLen(line);
    for (let i = col; i < len; i++) {
      const x = this.ch(line, i);
      if (x === 58 && this.isSep(line, i + 1)) return true;
      if (x === 35 && i > col && (this.ch(line, i - 1) === 32 || this.ch(line, i - 1) === 9)) return false;
    }
    return false;
  }

  private skipSpacesNoTab(line: number, col: number): number {
    while (this.ch(line, col) === 32) col++;
    return col;
  }

  private isSep(line: number, col: number): boolean {
    const x = this.ch(line, col);
    return x === -1 || x === 32 || x === 9;
  }

  /** Index of the closing quote of a quoted scalar starting at col, on the same line; -1 if none. */
  private findQuoteEnd(line: number, col: number): number {
    const q = this.ch(line, col);
    const len = this.lineLen(line);
    for (let i = col + 1; i < len; i++) {
      const x = this.ch(line, i);
      if (q === 34 && x === 92) {
        i++;
        continue;
      }
      if (x === q) {
        if (q === 39 && this.ch(line, i + 1) === 39) {
          i++;
          continue;
        }
        return i;
      }
    }
    return -1;
  }

  private unquote(line: number, col: number, close: number): string {
    const raw = this.slice(line, col + 1, close);
    if (this.ch(line, col) === 39) return raw.includes("''") ? raw.replace(/''/g, "'") : raw;
    if (!raw.includes('\\')) return raw;
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = raw[++i]!;
      const simple = DOUBLE_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (!width) giveUp();
      const hex = raw.slice(i + 1, i + 1 + width);
      if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) giveUp();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) giveUp();
      out += String.fromCodePoint(code);
      i += width;
    }
    return out;
  }

  private parseMap(line: number, indent: number): LMap {
    const entries = new Map<string, LEntry>();
    const merges: LMap[] = [];
    const map: LMap = { kind: 'map', loc: this.loc(line, indent), base: this.base, entries };
    let cur = line;
    for (;;) {
      const { key, keyLoc, after, merge } = this.parseKey(cur, indent);
      const value = this.parseValueAfter(cur, after, indent, true);
      if (merge) {
        const sources = value.kind === 'seq' ? value.items : [value];
        for (const s of sources) {
          if (s.kind !== 'map') giveUp();
          merges.push(s);
        }
      } else {
        if (entries.has(key)) giveUp();
        entries.set(key, { key, keyLoc, value });
      }
      const nxt = this.nextContent(this.li);
      if (nxt === this.n || this.indents[nxt]! < indent) break;
      if (this.indents[nxt] === indent && !this.isDash(nxt, indent) && this.isKeyAt(nxt, indent)) {
        cur = nxt;
        continue;
      }
      giveUp();
    }
    for (const m of merges) for (const [k, e] of m.entries) if (!entries.has(k)) entries.set(k, e);
    return map;
  }

  private parseKey(line: number, col: number): { key: string; keyLoc: SourceLocation; after: number; merge: boolean } {
    const keyLoc = this.loc(line, col);
    const c = this.ch(line, col);
    if (c === 34 || c === 39) {
      const close = this.findQuoteEnd(line, col);
      const key = this.unquote(line, col, close);
      const colon = this.skipSpacesNoTab(line, close + 1);
      return { key, keyLoc, after: colon + 1, merge: false };
    }
    const len = this.lineLen(line);
    let i = col;
    while (i < len && !(this.ch(line, i) === 58 && this.isSep(line, i + 1))) i++;
    const raw = this.slice(line, col, i).trimEnd();
    if (raw === '<<') return { key: raw, keyLoc, after: i + 1, merge: true };
    const v = resolvePlain(raw);
    return { key: v === null ? '' : String(v), keyLoc, after: i + 1, merge: false };
  }

  /** The value after `key:` (or after `- ` props), at (line, col), owned by a collection at ownerIndent. */
  private parseValueAfter(line: number, col: number, ownerIndent: number, allowIndentless: boolean): LNode {
    let c = this.skipSpaces(line, col);
    let anchor: string | undefined;
    let tag: '!reset' | '!override' | undefined;
    for (;;) {
      const x = this.ch(line, c);
      if (x !== 38 && x !== 33) break; // & !
      let e = c + 1;
      while (!this.isSep(line, e)) e++;
      const word = this.slice(line, c + 1, e);
      if (x === 38) {
        if (anchor !== undefined || !/^[^\s[\]{},]+$/.test(word)) giveUp();
        anchor = word;
      } else {
        if (tag !== undefined || (word !== 'reset' && word !== 'override')) giveUp();
        tag = word === 'reset' ? '!reset' : '!override';
      }
      c = this.skipSpaces(line, e);
    }
    let node: LNode;
    if (this.atEnd(line, c)) {
      const nxt = this.nextContent(line + 1);
      if (nxt < this.n && this.indents[nxt]! > ownerIndent) node = this.parseBlockAt(nxt, this.indents[nxt]!, ownerIndent);
      else if (allowIndentless && nxt < this.n && this.indents[nxt] === ownerIndent && this.isDash(nxt, ownerIndent)) {
        node = this.parseSeq(nxt, ownerIndent);
      } else {
        node = tag ? this.scalar('', line, c) : this.scalar(null, line, c);
        this.li = line + 1;
      }
    } else {
      if (this.isDash(line, c) || (this.ch(line, c) === 42 /* * */ && (anchor || tag))) giveUp();
      node = this.parseInlineValue(line, c, ownerIndent);
      if (tag && node.kind === 'scalar') giveUp(); // `!reset value`: the library types it differently
    }
    if (tag) {
      if (node.tag && node.tag !== tag) giveUp();
      node.tag = tag;
    }
    if (anchor !== undefined) this.anchors.set(anchor, node);
    return node;
  }

  /** String scalars are interpolated once the whole document has been read (nothing happens when we give up). */
  private readonly pending: LScalar[] = [];

  private scalarAt(value: ScalarValue, loc: SourceLocation, interpolateIt = true): LScalar {
    const node: LScalar = { kind: 'scalar', loc, base: this.base, value };
    if (interpolateIt && typeof value === 'string') this.pending.push(node);
    return node;
  }

  private scalar(value: ScalarValue, line: number, col: number): LScalar {
    return this.scalarAt(value, this.loc(line, col));
  }

  /** No more content may follow on the line; a more indented next line would continue the scalar. */
  private endOfScalar(line: number, col: number, ownerIndent: number): void {
    const c = this.skipSpaces(line, col);
    if (!this.atEnd(line, c)) giveUp();
    const nxt = this.nextContent(line + 1);
    if (nxt < this.n && this.indents[nxt]! > ownerIndent) giveUp();
    this.li = line + 1;
  }

  private parseInlineValue(line: number, col: number, ownerIndent: number): LNode {
    const c = this.ch(line, col);
    switch (c) {
      case 124: // |
      case 62: // >
        return this.parseBlockScalar(line, col, ownerIndent);
      case 42: {
        // *alias
        let e = col + 1;
        while (!this.isSep(line, e)) e++;
        const target = this.anchors.get(this.slice(line, col + 1, e));
        if (!target) giveUp();
        this.endOfScalar(line, e, ownerIndent);
        return target;
      }
      case 91: // [
      case 123: {
        // {
        const [node, end] = this.parseFlow(line, col);
        this.endOfScalar(line, end, ownerIndent);
        return node;
      }
      case 34: // "
      case 39: {
        // '
        const close = this.findQuoteEnd(line, col);
        if (close === -1) giveUp();
        const value = this.unquote(line, col, close);
        this.endOfScalar(line, close + 1, ownerIndent);
        return this.scalar(value, line, col);
      }
      default: {
        if (c === -1 || inSet(NOT_A_PLAIN_VALUE_START, c)) {
          // A plain scalar may start with - ? : only when no space follows.
          if (!((c === 45 || c === 63 || c === 58) && !this.isSep(line, col + 1))) giveUp();
        }
        const len = this.lineLen(line);
        let end = len;
        for (let i = col; i < len; i++) {
          const x = this.ch(line, i);
          if (x === 35 && (this.ch(line, i - 1) === 32 || this.ch(line, i - 1) === 9)) {
            end = i;
            break;
          }
          if (x === 58 && this.isSep(line, i + 1)) giveUp(); // `a: b: c`
          if (x === 9) giveUp();
        }
        const raw = this.slice(line, col, end).trimEnd();
        this.endOfScalar(line, end, ownerIndent);
        return this.scalar(resolvePlain(raw), line, col);
      }
    }
  }

  private parseBlockScalar(line: number, col: number, ownerIndent: number): LScalar {
    const folded = this.ch(line, col) === 62;
    let c = col + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    const ind = this.ch(line, c);
    if (ind === 45) {
      chomp = 'strip';
      c++;
    } else if (ind === 43) {
      chomp = 'keep';
      c++;
    }
    if (!this.isSep(line, c)) giveUp(); // indentation indicators and the like
    c = this.skipSpaces(line, c);
    if (!this.atEnd(line, c)) giveUp();

    // Content lines: from the next line, indented more than the owner.
    let contentIndent = -1;
    const lines: string[] = [];
    let j = line + 1;
    for (; j < this.n; j++) {
      const s = this.starts[j]!;
      const e = this.ends[j]!;
      let k = s;
      while (k < e && this.text.charCodeAt(k) === 32) k++;
      const lead = k - s;
      const blank = k === e || /^[ \t]*$/.test(this.text.slice(k, e));
      if (contentIndent === -1) {
        if (blank) {
          if (e - s > 0) giveUp(); // whitespace before the first line: leave the subtleties to the library
          lines.push('');
          continue;
        }
        if (this.text.charCodeAt(k) === 9 || lead <= ownerIndent) break;
        contentIndent = lead;
      }
      if (blank) {
        if (e - s > contentIndent) {
          if (folded) giveUp();
          lines.push(this.text.slice(s + contentIndent, e));
        } else lines.push('');
        continue;
      }
      if (lead < contentIndent) break;
      const content = this.text.slice(s + contentIndent, e);
      if (folded && (content[0] === ' ' || content[0] === '\t')) giveUp();
      lines.push(content);
    }
    this.li = j;
    if (contentIndent === -1) {
      // No content line at all.
      if (chomp === 'keep') giveUp();
      return this.scalar('', line, col);
    }
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    const trailing = lines.length - last;
    const body = lines.slice(0, last);
    let value: string;
    if (!folded) value = body.join('\n');
    else {
      if (body[0] === '') giveUp();
      value = body[0] ?? '';
      let empty = 0;
      for (let i = 1; i < body.length; i++) {
        if (body[i] === '') empty++;
        else {
          value += empty ? '\n'.repeat(empty) : ' ';
          value += body[i];
          empty = 0;
        }
      }
    }
    if (chomp === 'clip') value += '\n';
    else if (chomp === 'keep') value += '\n'.repeat(trailing + 1);
    return this.scalar(value, line, col);
  }

  /** A flow collection that opens and closes on this line; returns the node and the column after it. */
  private parseFlow(line: number, col: number): [LNode, number] {
    const open = this.ch(line, col);
    const loc = this.loc(line, col);
    let i = col + 1;
    if (open === 91) {
      const items: LNode[] = [];
      for (;;) {
        i = this.skipSpaces(line, i);
        if (this.ch(line, i) === 93) return [{ kind: 'seq', loc, base: this.base, items }, i + 1];
        const [item, end] = this.parseFlowItem(line, i, true);
        items.push(item);
        i = this.skipSpaces(line, end);
        const x = this.ch(line, i);
        if (x === 44) i++;
        else if (x !== 93) giveUp();
      }
    }
    const entries = new Map<string, LEntry>();
    for (;;) {
      i = this.skipSpaces(line, i);
      if (this.ch(line, i) === 125) return [{ kind: 'map', loc, base: this.base, entries }, i + 1];
      const keyLoc = this.loc(line, i);
      const [keyNode, keyEnd] = this.parseFlowItem(line, i, false);
      if (keyNode.kind !== 'scalar' || keyNode.tag) giveUp();
      i = this.skipSpaces(line, keyEnd);
      if (this.ch(line, i) !== 58) giveUp();
      i = this.skipSpaces(line, i + 1);
      const x = this.ch(line, i);
      if (x === 44 || x === 125) giveUp(); // empty value: rare, leave it to the library
      const [value, end] = this.parseFlowItem(line, i, true);
      const key = keyNode.value === null ? '' : String(keyNode.value);
      if (key === '<<' || entries.has(key)) giveUp();
      entries.set(key, { key, keyLoc, value });
      i = this.skipSpaces(line, end);
      const y = this.ch(line, i);
      if (y === 44) i++;
      else if (y !== 125) giveUp();
    }
  }

  private parseFlowItem(line: number, col: number, interpolateIt: boolean): [LNode, number] {
    const c = this.ch(line, col);
    if (c === 91 || c === 123) return this.parseFlow(line, col);
    const loc = this.loc(line, col);
    if (c === 42) {
      let e = col + 1;
      while (e < this.lineLen(line) && !' \t,]}'.includes(this.text[this.starts[line]! + e]!)) e++;
      const target = this.anchors.get(this.slice(line, col + 1, e));
      if (!target) giveUp();
      return [target, e];
    }
    if (c === 34 || c === 39) {
      const close = this.findQuoteEnd(line, col);
      if (close === -1) giveUp();
      return [this.scalarAt(this.unquote(line, col, close), loc, interpolateIt), close + 1];
    }
    if (c === -1 || inSet(NOT_A_FLOW_PLAIN_START, c) || ((c === 45 || c === 58) && this.isSep(line, col + 1))) giveUp();
    const len = this.lineLen(line);
    let e = col;
    for (; e < len; e++) {
      const x = this.ch(line, e);
      if (x === 44 || x === 93 || x === 125) break;
      if (x === 91 || x === 123) giveUp();
      if (x === 58) {
        const y = this.ch(line, e + 1);
        if (y === -1 || y === 32 || y === 9 || y === 44 || y === 93 || y === 125 || y === 91 || y === 123) break;
      }
      if (x === 35 && (this.ch(line, e - 1) === 32 || this.ch(line, e - 1) === 9)) giveUp();
      if (x === 9) giveUp();
    }
    const raw = this.slice(line, col, e).trimEnd();
    return [this.scalarAt(resolvePlain(raw), loc, interpolateIt), e];
  }
}
