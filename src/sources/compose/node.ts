/**
 * A YAML document as a small tree of located values: every node remembers the file, line and column
 * it was written at, and the directory its relative paths are resolved against. Merging (`-f a -f b`,
 * `extends`, `include`) builds new trees out of these nodes without copying them, so a volume keeps
 * the position where it was actually written whatever chain brought it into the project.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { InputError, type SourceLocation } from '../../core/types';
import { parseYamlFast } from './yaml-fast-path';
import { checkAliasExpansion, checkNodeExpansion } from './limits';

interface NodeBase {
  loc: SourceLocation;
  /** Directory that relative host paths written in this node are resolved against. */
  base: string;
  /** `!reset` or `!override` (compose's merge tags), when present. */
  tag?: '!reset' | '!override';
}

export interface LEntry {
  key: string;
  keyLoc: SourceLocation;
  value: LNode;
}

export interface LMap extends NodeBase {
  kind: 'map';
  entries: Map<string, LEntry>;
}

export interface LSeq extends NodeBase {
  kind: 'seq';
  items: LNode[];
}

export type ScalarValue = string | number | boolean | null;

export interface LScalar extends NodeBase {
  kind: 'scalar';
  value: ScalarValue;
}

export type LNode = LMap | LSeq | LScalar;

export type Interpolate = (text: string, loc: SourceLocation) => string;

/** Parses YAML text into located nodes; every string scalar goes through `interpolate`. */
export function parseYaml(text: string, file: string, base: string, interpolate: Interpolate): LMap {
  let fast: LMap | null | undefined;
  try {
    fast = parseYamlFast(text, file, base, interpolate);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e; // nested too deeply for the fast reader: let the library say
  }
  try {
    const root =
      fast !== undefined ? (fast ?? emptyMap({ file, line: 1, column: 1 }, base)) : parseYamlWithLibrary(text, file, base, interpolate);
    // Aliases share their node: reading is linear, but whatever walks the tree (merging, `raw` values) is not.
    checkNodeExpansion(root, childrenOf, (n) => (n as LNode).loc);
    return root;
  } catch (e) {
    if (e instanceof RangeError) throw new InputError('YAML nested too deeply', { file, line: 1, column: 1 });
    throw e;
  }
}

function* childrenOf(n: object): Iterable<object> {
  const node = n as LNode;
  if (node.kind === 'seq') yield* node.items;
  else if (node.kind === 'map') for (const e of node.entries.values()) yield e.value;
}

/** The `yaml` library path: every YAML the fast reader does not take, and the syntax errors. */
export function parseYamlWithLibrary(text: string, file: string, base: string, interpolate: Interpolate): LMap {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number): SourceLocation => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  // An empty stream comes back as an EmptyStream: no documents.
  const list: Document[] = Array.isArray(docs) ? docs : [];
  const streamError = list.length === 0 ? (docs as { errors?: Array<{ message: string; pos: [number, number] }> }).errors?.[0] : undefined;
  if (streamError) throw new InputError(`invalid YAML: ${firstLine(streamError.message)}`, at(streamError.pos[0]));
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw new InputError(`invalid YAML: ${firstLine(err.message)}`, at(err.pos[0]));
    checkAliasExpansion(doc, file, at);
  }
  let root: LMap | undefined;
  for (const doc of list) {
    if (doc.contents === null || doc.contents === undefined) continue;
    const converted = new Converter(doc, file, base, at, interpolate).convert(doc.contents as YamlNode);
    if (isAbsent(converted)) continue;
    if (converted.kind !== 'map') throw new InputError('the top level of a compose file must be a mapping', converted.loc);
    root = root ? mergeDocuments(root, converted) : converted;
  }
  return root ?? emptyMap({ file, line: 1, column: 1 }, base);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Several `---` documents in one file merge like several files. */
function mergeDocuments(a: LMap, b: LMap): LMap {
  const entries = new Map(a.entries);
  for (const [k, e] of b.entries) entries.set(k, e);
  return { ...a, entries };
}

export function emptyMap(loc: SourceLocation, base: string): LMap {
  return { kind: 'map', loc, base, entries: new Map() };
}

class Converter {
  private readonly cache = new Map<YamlNode, LNode>();
  private readonly inProgress = new Set<YamlNode>();

  constructor(
    private readonly doc: Document,
    private readonly file: string,
    private readonly base: string,
    private readonly at: (offset: number) => SourceLocation,
    private readonly interpolate: Interpolate,
  ) {}

  private locOf(node: YamlNode | null | undefined, fallback: SourceLocation): SourceLocation {
    const r = node?.range;
    return r ? this.at(r[0]) : fallback;
  }

  convert(node: YamlNode, fallback: SourceLocation = { file: this.file, line: 1, column: 1 }): LNode {
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) throw new InputError(`unresolved alias *${node.source}`, this.locOf(node, fallback));
      return this.convert(target as YamlNode, fallback);
    }
    const cached = this.cache.get(node);
    if (cached) return cached;
    if (this.inProgress.has(node)) throw new InputError('recursive alias', this.locOf(node, fallback));
    this.inProgress.add(node);
    try {
      const out = this.convertFresh(node, fallback);
      this.cache.set(node, out);
      return out;
    } finally {
      this.inProgress.delete(node);
    }
  }

  private convertFresh(node: YamlNode, fallback: SourceLocation): LNode {
    const loc = this.locOf(node, fallback);
    const tag: NodeBase['tag'] = node.tag === '!reset' || node.tag === '!override' ? node.tag : undefined;
    const common: NodeBase = { loc, base: this.base, ...(tag ? { tag } : {}) };
    if (isMap(node)) {
      const entries = new Map<string, LEntry>();
      const merges: LMap[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const keyLoc = this.locOf(keyNode, loc);
        if (isScalar(keyNode) && (typeof keyNode.value === 'symbol' || (keyNode.source === '<<' && keyNode.type === 'PLAIN'))) {
          // YAML merge key: `<<: *anchor` or `<<: [*a, *b]`.
          const v = pair.value as YamlNode | null;
          const sources = v && isSeq(v) ? (v.items as YamlNode[]) : v ? [v] : [];
          for (const s of sources) {
            const m = this.convert(s, keyLoc);
            if (m.kind !== 'map') throw new InputError('a merge key (<<) must refer to a mapping', m.loc);
            merges.push(m);
          }
          continue;
        }
        let key: string;
        if (keyNode === null || keyNode === undefined) key = '';
        else if (isScalar(keyNode)) key = keyNode.value === null ? '' : String(keyNode.value);
        else if (isAlias(keyNode)) {
          const t = keyNode.resolve(this.doc);
          if (!t || !isScalar(t)) throw new InputError('a mapping key must be a scalar', keyLoc);
          key = String(t.value);
        } else throw new InputError('a mapping key must be a scalar', keyLoc);
        const valueNode = pair.value as YamlNode | null;
        const value: LNode =
          valueNode === null || valueNode === undefined
            ? { kind: 'scalar', value: null, loc: keyLoc, base: this.base }
            : this.convert(valueNode, keyLoc);
        entries.set(key, { key, keyLoc, value });
      }
      // Explicit keys win over merged ones; earlier merge sources win over later ones.
      for (const m of merges) {
        for (const [k, e] of m.entries) if (!entries.has(k)) entries.set(k, e);
      }
      return { kind: 'map', ...common, entries };
    }
    if (isSeq(node)) {
      const items: LNode[] = [];
      for (const item of node.items as Array<YamlNode | null>) {
        items.push(item === null || item === undefined ? { kind: 'scalar', value: null, loc, base: this.base } : this.convert(item, loc));
      }
      return { kind: 'seq', ...common, items };
    }
    if (isScalar(node)) {
      const v = node.value;
      let value: ScalarValue;
      if (typeof v === 'string') value = this.interpolate(v, loc);
      else if (v === null || v === undefined) value = null;
      else if (typeof v === 'number' || typeof v === 'boolean') value = v;
      else if (typeof v === 'bigint') value = Number(v);
      else if (v instanceof Date) value = node.source ?? v.toISOString();
      else value = node.source ?? String(v);
      return { kind: 'scalar', ...common, value };
    }
    throw new InputError('unsupported YAML node', loc);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading helpers: typed access that fails with the position of the offending node.

/**
 * A value that is not there: a missing key, or one written as `null`, `~` or nothing at all (`volumes:` with
 * nothing after it), which YAML reads as null. A quoted empty string (`""`) is a value, not an absence.
 */
export function isAbsent(n: LNode | undefined): n is undefined | (LScalar & { value: null }) {
  return n === undefined || (n.kind === 'scalar' && n.value === null);
}

export function isReset(n: LNode | undefined): boolean {
  return n?.tag === '!reset';
}

/** The value at `key`, unless absent or `!reset`. */
export function get(map: LMap, key: string): LNode | undefined {
  const v = map.entries.get(key)?.value;
  return v && !isReset(v) ? v : undefined;
}

export function describe(n: LNode): string {
  if (n.kind === 'map') return 'a mapping';
  if (n.kind === 'seq') return 'a list';
  if (n.value === null) return 'null';
  return typeof n.value === 'string' ? 'a string' : `a ${typeof n.value}`;
}

export function expectMap(n: LNode, what: string): LMap {
  if (n.kind !== 'map') throw new InputError(`${what} must be a mapping, not ${describe(n)}`, n.loc);
  return n;
}

/** A mapping, or an empty one for null (`services:` with nothing under it). */
export function expectMapOrNull(n: LNode, what: string): LMap {
  if (isAbsent(n)) return emptyMap(n.loc, n.base);
  return expectMap(n, what);
}

export function expectSeq(n: LNode, what: string): LSeq {
  if (n.kind !== 'seq') throw new InputError(`${what} must be a list, not ${describe(n)}`, n.loc);
  return n;
}

/** A string scalar; numbers are accepted and turned into strings (YAML reads `user: 1000` as a number). */
export function expectString(n: LNode, what: string, allowNumber = true): string {
  if (n.kind === 'scalar') {
    if (typeof n.value === 'string') return n.value;
    if (allowNumber && typeof n.value === 'number') return String(n.value);
  }
  throw new InputError(`${what} must be a string, not ${describe(n)}`, n.loc);
}

export function optionalString(map: LMap, key: string, what: string): string | undefined {
  const n = get(map, key);
  if (isAbsent(n)) return undefined;
  return expectString(n, what);
}

/** A boolean, also written as a string after interpolation ("true", "false"). */
export function expectBool(n: LNode, what: string): boolean {
  if (n.kind === 'scalar') {
    if (typeof n.value === 'boolean') return n.value;
    if (n.value === null) return false;
    if (typeof n.value === 'string') {
      const s = n.value.trim().toLowerCase();
      if (s === 'true' || s === 'yes' || s === 'on' || s === '1') return true;
      if (s === 'false' || s === 'no' || s === 'off' || s === '0' || s === '') return false;
    }
  }
  throw new InputError(`${what} must be a boolean, not ${describe(n)}`, n.loc);
}

/** Plain JavaScript value of a node (for `raw` fields and equality checks). */
export function toJS(n: LNode): unknown {
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'seq') return n.items.map(toJS);
  const out: Record<string, unknown> = {};
  for (const [k, e] of n.entries) out[k] = toJS(e.value);
  return out;
}

/** Structural equality, ignoring positions. */
export function sameValue(a: LNode, b: LNode): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar') return a.value === (b as LScalar).value;
  if (a.kind === 'seq') {
    const bi = (b as LSeq).items;
    return a.items.length === bi.length && a.items.every((x, i) => sameValue(x, bi[i]!));
  }
  const be = (b as LMap).entries;
  if (a.entries.size !== be.size) return false;
  for (const [k, e] of a.entries) {
    const o = be.get(k);
    if (!o || !sameValue(e.value, o.value)) return false;
  }
  return true;
}
