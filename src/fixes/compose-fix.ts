import { isDeepStrictEqual } from 'node:util';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { InputError } from '../core/types';
import {
  defaultVolumeName,
  isNullNode,
  keyOf,
  podmanSuffix,
  quoteScalar,
  quoteStyleOf,
  rangeOf,
  sanitizeVolumeName,
  tmpfsTarget,
  volumeItemInfo,
  type QuoteStyle,
} from './compose-syntax';
import { checkAliasExpansion, checkTextSize, MAX_ALIAS_EXPANSION } from '../sources/compose/limits';
import { serviceLayout, toOriginal, type ServiceLayout } from './compose-regions';
import { checkBindSource, checkContainerPath } from './paths';
import { contentEnd, detectEol, lineStart, nextLineStart, positionOf, applyEdits, type TextEdit } from './text';
import { FixRefusal, type FixOutcome, type FixPlan } from './types';

export interface ComposeFixRequest {
  file: string;
  text: string;
  service: string;
  /** Absolute container path to persist. */
  path: string;
  /** A named volume (default) or a bind of a host folder. */
  mode: 'volume' | 'bind';
  volumeName?: string;
  /** Host folder for a bind, as it should appear in the file (default `./.persist/<name>`). */
  bindSource?: string;
  /** Volume names used anywhere in the project (every file), so a new name collides with none. */
  takenNames?: ReadonlySet<string>;
  /**
   * The caller has read this very text with the compose loader (it parses, its aliases are bounded): the plan
   * may parse only the service's own lines (compose-regions.ts), which gives the same edits far faster.
   */
  textAlreadyLoaded?: boolean;
}

/** The facts a plan reads beyond its own service: the other services' volumes, the file's first block list. */
interface FileLookups {
  /** Each service's `volumes` value, in the order of the file. */
  serviceVolumes(): Iterable<unknown>;
  /** The file's documents (one, or its parts in order) with the text their offsets refer to. */
  documents(): Iterable<{ doc: Document; text: string }>;
}

/** Everything about the file the edit planners need, parsed once. */
interface Ctx {
  req: ComposeFixRequest;
  text: string;
  doc: Document.Parsed;
  eol: string;
  /** One indentation step of the file (the column of the first key under `services:`). */
  unit: string;
  service: YAMLMap;
  lookups: FileLookups;
  /** A file that ends without a line break gets one, once, before the first lines appended at its end. */
  eofBreakAdded?: boolean;
}

const PARSE_OPTIONS = { merge: true, keepSourceTokens: true, uniqueKeys: false } as const;

/**
 * The `yaml` library's own bound on aliases, behind ours (checkAliasExpansion, which also counts merge keys):
 * never -1, so no document can make `toJS` expand without end.
 */
const TO_JS = { maxAliasCount: MAX_ALIAS_EXPANSION } as const;

function parse(text: string, file: string): Document.Parsed {
  checkTextSize(file, text);
  const doc = parseDocument(text, PARSE_OPTIONS);
  const err = doc.errors[0];
  if (err) {
    const { line, column } = positionOf(text, err.pos[0]);
    throw new InputError(`not valid YAML: ${err.message.split('\n')[0]}`, { file, line, column });
  }
  try {
    checkAliasExpansion(doc, file, (offset) => ({ file, ...positionOf(text, offset) }));
  } catch (e) {
    if (e instanceof RangeError) throw new FixRefusal('YAML nested too deeply; nothing was changed', { file, line: 1, column: 1 });
    throw e;
  }
  return doc;
}

/** The document as plain data, within the alias bound. */
function dataOf(doc: Document, file: string): unknown {
  try {
    return doc.toJS(TO_JS);
  } catch (e) {
    if (e instanceof ReferenceError || e instanceof RangeError)
      throw new FixRefusal(`${e.message}; nothing was changed`, { file, line: 1, column: 1 });
    throw e;
  }
}

function refuse(ctx: Pick<Ctx, 'text' | 'req'>, message: string, node?: Node | null): never {
  const at = node?.range ? positionOf(ctx.text, node.range[0]) : { line: 1, column: 1 };
  throw new FixRefusal(message, { file: ctx.req.file, ...at });
}

function pairOf(map: YAMLMap, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((p) => keyOf(p.key) === key);
}

/** The source range of a pair's value, or just past its key when the value is empty. */
function valueNode(pair: Pair<unknown, unknown>): Node | undefined {
  const v = pair.value;
  return v && typeof v === 'object' && 'range' in (v as object) && (v as Node).range ? (v as Node) : undefined;
}

/** Offset just after the last content of a node (its trailing comment included), then past that line. */
function afterNodeLine(ctx: Ctx, node: Node): number {
  return nextLineStart(ctx.text, contentEnd(ctx.text, rangeOf(node)[2]));
}

/** Text to insert at `offset` as whole lines; adds the missing line break when the file ends without one. */
function linesAt(ctx: Ctx, offset: number, lines: string[]): TextEdit {
  const body = lines.map((l) => l + ctx.eol).join('');
  const needsBreak = offset === ctx.text.length && ctx.text.length > 0 && !ctx.text.endsWith('\n') && !ctx.eofBreakAdded;
  if (needsBreak) ctx.eofBreakAdded = true;
  return { offset, length: 0, text: (needsBreak ? ctx.eol : '') + body };
}

function columnOfNode(ctx: Ctx, node: Node): number {
  return rangeOf(node)[0] - lineStart(ctx.text, rangeOf(node)[0]);
}

/** The new `volumes:` entry in the style of its neighbours. */
interface EntryStyle {
  long: boolean;
  quote: QuoteStyle;
}

/** The style of the service's own volumes, else of any service's volumes in the file, else short and plain. */
function entryStyle(ctx: Ctx, own: YAMLSeq | undefined): EntryStyle {
  const fromSeq = (seq: YAMLSeq | undefined): EntryStyle | undefined => {
    const last = seq?.items[seq.items.length - 1];
    if (!last) return undefined;
    return isMap(last) ? { long: true, quote: 'plain' } : { long: false, quote: quoteStyleOf(last) };
  };
  const mine = fromSeq(own);
  if (mine) return mine;
  for (const v of ctx.lookups.serviceVolumes()) {
    const style = isSeq(v) ? fromSeq(v) : undefined;
    if (style) return style;
  }
  return { long: false, quote: 'plain' };
}

interface NewEntry {
  /** Lines of the entry after `- `, the first without indentation, the others relative to the first. */
  render(style: EntryStyle, keyIndent: string): string[];
}

/**
 * `options` are Podman's volume options the file already uses (`U`, `z`, `Z`): a short entry carries them as
 * its mode (`name:/path:U`); the long syntax has no `U`, and SELinux labels only for binds (`bind.selinux`).
 */
function newEntry(source: string, target: string, type: 'volume' | 'bind', options: readonly string[] = []): NewEntry {
  return {
    render(style, keyIndent) {
      if (style.long) {
        const selinux = longSelinux(type, options);
        return [
          `type: ${type}`,
          `${keyIndent}source: ${quoteScalar(source, 'plain')}`,
          `${keyIndent}target: ${quoteScalar(target, 'plain')}`,
          ...(selinux ? [`${keyIndent}bind:`, `${keyIndent}  selinux: ${selinux}`] : []),
        ];
      }
      return [quoteScalar(shortEntry(source, target, options), style.quote)];
    },
  };
}

function shortEntry(source: string, target: string, options: readonly string[]): string {
  return options.length > 0 ? `${source}:${target}:${options.join(',')}` : `${source}:${target}`;
}

function longSelinux(type: 'volume' | 'bind', options: readonly string[]): string | undefined {
  return type === 'bind' ? options.find((o) => o === 'z' || o === 'Z') : undefined;
}

function entryJs(source: string, target: string, type: 'volume' | 'bind', style: EntryStyle, options: readonly string[] = []): unknown {
  if (!style.long) return shortEntry(source, target, options);
  const selinux = longSelinux(type, options);
  return selinux ? { type, source, target, bind: { selinux } } : { type, source, target };
}

/** Column offset between a key and the dashes of its block sequences, as the file writes them. */
function sequenceIndent(ctx: Ctx): number {
  let found: number | undefined;
  for (const { doc, text } of ctx.lookups.documents()) {
    visit(doc, {
      Pair(_, pair) {
        if (found !== undefined) return visit.BREAK;
        const v = pair.value;
        if (isSeq(v) && !v.flow && v.items.length > 0 && isScalar(pair.key) && pair.key.range) {
          const first = v.items[0] as Node;
          const dashLine = text.slice(lineStart(text, rangeOf(first)[0]), rangeOf(first)[0]);
          const dash = dashLine.lastIndexOf('-');
          found = Math.max(0, dash - columnOfNode({ text } as Ctx, pair.key));
        }
        return undefined;
      },
    });
    if (found !== undefined) break;
  }
  return found ?? ctx.unit.length;
}

/** Where a plan is made: the whole file, or the compact text of one service (compose-regions.ts). */
interface PlanningView {
  text: string;
  doc: Document.Parsed;
  /** The document as data (read when first asked: the structure is checked before). */
  before(): Record<string, unknown>;
  lookups: FileLookups;
  /** The view's edits as edits of the original text; undefined when one cannot be placed there. */
  toOriginal(edits: TextEdit[]): TextEdit[] | undefined;
}

/** Planning in one service's lines could not go on: the whole file is read instead. */
class WholeFileNeeded extends Error {}

function wholeLookups(doc: Document, text: string): FileLookups {
  return {
    *serviceVolumes() {
      const services = doc.get('services', true);
      if (!isMap(services)) return;
      for (const p of services.items) if (isMap(p.value)) yield pairOf(p.value, 'volumes')?.value;
    },
    documents: () => [{ doc, text }],
  };
}

/**
 * The last texts parsed, by file: the volume and the bind plan of one finding (and a second finding of the
 * same text) share one parse. Never mutated: plans read the documents and clone `before`.
 */
interface Parsed {
  text: string;
  whole?: PlanningView;
  layouts: Map<string, ServiceLayout | undefined>;
  views: Map<string, PlanningView>;
  /** Each service's lines parsed alone (with the `services:` line), by region index: the lookups of a view. */
  regionDocs: Map<number, Document.Parsed>;
}
const parsedTexts = new Map<string, Parsed>();
const MAX_PARSED_TEXTS = 4;

function parsedOf(file: string, text: string): Parsed {
  let p = parsedTexts.get(file);
  if (p?.text !== text) {
    p = { text, layouts: new Map(), views: new Map(), regionDocs: new Map() };
    parsedTexts.delete(file);
    parsedTexts.set(file, p);
    if (parsedTexts.size > MAX_PARSED_TEXTS) parsedTexts.delete(parsedTexts.keys().next().value!);
  }
  return p;
}

function wholeView(req: ComposeFixRequest): PlanningView {
  const p = parsedOf(req.file, req.text);
  if (p.whole) return p.whole;
  const doc = parse(req.text, req.file);
  let data: Record<string, unknown> | undefined;
  const before = (): Record<string, unknown> => (data ??= dataOf(doc, req.file) as Record<string, unknown>);
  p.whole = { text: req.text, doc, before, lookups: wholeLookups(doc, req.text), toOriginal: (edits) => edits };
  return p.whole;
}

/** A fragment of the file parsed alone; anything but a clean parse means the whole file is needed. */
function parseFragment(text: string): Document.Parsed {
  const doc = parseDocument(text, PARSE_OPTIONS);
  if (doc.errors.length > 0) throw new WholeFileNeeded();
  return doc;
}

function regionView(req: ComposeFixRequest): PlanningView | undefined {
  const p = parsedOf(req.file, req.text);
  const cached = p.views.get(req.service);
  if (cached) return cached;
  if (!p.layouts.has(req.service)) p.layouts.set(req.service, serviceLayout(req.text, req.service));
  const layout = p.layouts.get(req.service);
  if (!layout) return undefined;
  const doc = parseFragment(layout.compact);
  checkAliasExpansion(doc, req.file, () => ({ file: req.file, line: 1, column: 1 }));
  const data = dataOf(doc, req.file) as Record<string, unknown>;
  const before = (): Record<string, unknown> => data;
  const text = req.text;
  const regionDoc = (i: number): Document.Parsed => {
    let d = p.regionDocs.get(i);
    if (!d) {
      // the `services:` line, then the region's lines: offsets and columns within each line are the file's
      d = parseFragment(layout.header + text.slice(layout.regions[i]!.start, layout.regions[i]!.end));
      p.regionDocs.set(i, d);
    }
    return d;
  };
  const lookups: FileLookups = {
    *serviceVolumes() {
      for (let i = 0; i < layout.regions.length; i++) {
        const services = regionDoc(i).get('services', true);
        if (!isMap(services) || services.items.length !== 1) throw new WholeFileNeeded();
        const v = services.items[0]!.value;
        if (isMap(v)) yield pairOf(v, 'volumes')?.value;
      }
    },
    *documents() {
      const prefix = text.slice(0, layout.prefixEnd);
      yield { doc: parseFragment(prefix), text: prefix };
      for (let i = 0; i < layout.regions.length; i++)
        yield { doc: regionDoc(i), text: layout.header + text.slice(layout.regions[i]!.start, layout.regions[i]!.end) };
      const tail = text.slice(layout.tailStart);
      yield { doc: parseFragment(tail), text: tail };
    },
  };
  const view: PlanningView = {
    text: layout.compact,
    doc,
    before,
    lookups,
    toOriginal(edits) {
      const out: TextEdit[] = [];
      for (const e of edits) {
        const offset = toOriginal(layout, e.offset, e.length);
        if (offset === undefined) return undefined;
        out.push({ ...e, offset });
      }
      return out;
    },
  };
  p.views.set(req.service, view);
  return view;
}

/** The edits that make `req.path` persistent in the service, or that the service keeps it already. */
export function planComposeFix(req: ComposeFixRequest): FixOutcome {
  checkContainerPath(req.path, { file: req.file, line: 1, column: 1 });
  if (req.bindSource !== undefined) checkBindSource(req.bindSource, { file: req.file, line: 1, column: 1 });
  if (req.textAlreadyLoaded) {
    // In the service's lines alone; a refusal or anything unexpected there is decided by the whole file.
    try {
      const view = regionView(req);
      const outcome = view ? planIn(req, view) : undefined;
      if (outcome) return outcome;
    } catch {
      // the whole file decides
    }
  }
  const outcome = planIn(req, wholeView(req));
  if (!outcome) throw new Error('a whole-file plan maps its own edits');
  return outcome;
}

function planIn(req: ComposeFixRequest, view: PlanningView): FixOutcome | undefined {
  const text = view.text;
  const doc = view.doc;
  if (!isMap(doc.contents)) refuse({ text, req }, 'the file is not a compose mapping', doc.contents);
  const services = doc.get('services', true);
  if (!isMap(services)) refuse({ text, req }, 'the file has no services: mapping', services as Node);
  const servicePair = pairOf(services, req.service);
  if (!servicePair) refuse({ text, req }, `service "${req.service}" is not declared in this file`, services);
  if (!isMap(servicePair.value) || servicePair.value.flow) {
    refuse({ text, req }, `service "${req.service}" is not a block mapping; edit it by hand`, servicePair.value as Node);
  }
  const firstService = services.items[0]!;
  const unit = ' '.repeat(Math.max(1, columnOfNode({ text } as Ctx, firstService.key as Node)));
  const ctx: Ctx = { req, text, doc, eol: detectEol(text), unit, service: servicePair.value, lookups: view.lookups };

  const before = view.before();
  const taken = new Set(req.takenNames ?? []);
  for (const k of Object.keys((before.volumes as object | null) ?? {})) taken.add(k);
  const name = req.volumeName ? sanitizeVolumeName(req.volumeName) : defaultVolumeName(req.service, req.path, taken);
  if (req.volumeName && name !== req.volumeName)
    refuse(ctx, `"${req.volumeName}" is not a valid volume name (letters, digits, _ . - ; first a letter or digit)`);
  const bindSource = req.bindSource ?? `./.persist/${name}`;
  const source = req.mode === 'bind' ? bindSource : name;
  const type = req.mode === 'bind' ? 'bind' : 'volume';
  // The container path is a path, not a compose expression: `$` is written `$$`, or compose interpolates it.
  // (A bind source is written as given: it may use variables on purpose.)
  const target = req.path.replace(/\$/g, '$$$$');
  // Short syntax splits at every `:` (`/x:ro` would become a read-only /x) and reads a one-letter source as a
  // Windows drive (`a:/data`): such entries are written in long syntax.
  const needsLong = target.includes(':') || source.includes(':') || /^[A-Za-z]$/.test(source);

  const edits: TextEdit[] = [];
  const expected = structuredClone(before);
  const svcJs = (expected.services as Record<string, Record<string, unknown>>)[req.service]!;

  // 1. The service's volumes: replace an entry at the path, or add one.
  const volumesPair = pairOf(ctx.service, 'volumes');
  const ownSeq = volumesPair && isSeq(volumesPair.value) ? volumesPair.value : undefined;
  const neighbours = entryStyle(ctx, ownSeq);
  const style = needsLong ? { ...neighbours, long: true } : neighbours;
  if (needsLong && ownSeq?.flow)
    refuse(
      ctx,
      `${req.path} needs the long volume syntax (a ":" in a short entry splits it), which a flow list cannot take here; edit it by hand`,
      ownSeq,
    );
  // A file written for Podman (`:U`, `:z`/`:Z` on its entries, an `x-podman` key) gets the same options.
  const options = podmanSuffix(doc, req.service, type);
  const entry = newEntry(source, target, type, options);
  const js = entryJs(source, target, type, style, options);
  let title: string;

  const existingIndex = ownSeq ? ownSeq.items.findIndex((i) => volumeItemInfo(i)?.target === target) : -1;
  const existing = existingIndex >= 0 ? volumeItemInfo(ownSeq!.items[existingIndex]) : undefined;
  if (existing && (existing.type === 'volume' || existing.type === 'bind')) {
    return {
      status: 'already-persisted',
      file: req.file,
      message: `${req.path} is already persisted by the ${existing.type === 'bind' ? `bind of ${existing.source}` : `named volume "${existing.source}"`} in service "${req.service}"`,
    };
  }
  if (existing && ownSeq) {
    const item = ownSeq.items[existingIndex] as Node;
    edits.push(...replaceSeqItem(ctx, ownSeq, item, entry, style));
    (svcJs.volumes as unknown[])[existingIndex] = js;
    title =
      existing.type === 'anonymous'
        ? req.mode === 'bind'
          ? `Bind the anonymous volume at ${req.path} to host folder ${bindSource}`
          : `Name the anonymous volume at ${req.path} "${name}"`
        : `Replace the ${existing.type} at ${req.path} by ${req.mode === 'bind' ? `host folder ${bindSource}` : `named volume "${name}"`}`;
  } else {
    edits.push(...addVolumeEntry(ctx, volumesPair, entry, style));
    svcJs.volumes = [...((svcJs.volumes as unknown[] | undefined) ?? []), js];
    title = req.mode === 'bind' ? `Bind ${req.path} to host folder ${bindSource}` : `Add named volume "${name}" for ${req.path}`;
  }

  // 2. A tmpfs on the same path would hide the new storage: it goes.
  const tmpfsPair = pairOf(ctx.service, 'tmpfs');
  const replacedTmpfs = tmpfsPair !== undefined && removeTmpfs(ctx, tmpfsPair, edits, svcJs);
  if (replacedTmpfs) {
    title =
      req.mode === 'bind'
        ? `Replace the tmpfs at ${req.path} by host folder ${bindSource}`
        : `Replace the tmpfs at ${req.path} by named volume "${name}"`;
  }

  // 3. A named volume must be declared at the top level.
  if (req.mode === 'volume') edits.push(...declareTopLevelVolume(ctx, name, expected));

  verify(ctx, applyEdits(text, edits), expected);
  const originalEdits = view.toOriginal(edits);
  if (!originalEdits) return undefined;
  const newText = applyEdits(req.text, originalEdits);
  const plan: FixPlan = {
    file: req.file,
    title,
    kind:
      req.mode === 'bind'
        ? 'bind-host-folder'
        : existing?.type === 'anonymous'
          ? 'name-anonymous-volume'
          : replacedTmpfs || existing?.type === 'tmpfs'
            ? 'replace-tmpfs'
            : 'add-named-volume',
    edits: originalEdits,
    originalText: req.text,
    newText,
    ...(req.mode === 'volume' ? { volumeName: name } : { bindSource }),
  };
  return { status: 'planned', plan };
}

/** The parser and data reader the other compose planners share (the same options and alias bounds). */
export { parse as parseComposeText, dataOf as composeDataOf, PARSE_OPTIONS as COMPOSE_PARSE_OPTIONS };

function addVolumeEntry(ctx: Ctx, pair: Pair<unknown, unknown> | undefined, entry: NewEntry, style: EntryStyle): TextEdit[] {
  const value = pair?.value;
  if (isAlias(value)) return replaceAliasWithCopy(ctx, pair!, value.resolve(ctx.doc) as Node | undefined, entry, style);
  if (pair && isSeq(value)) {
    if (value.anchor && isAliased(ctx, value.anchor)) {
      refuse(
        ctx,
        `the volumes of service "${ctx.req.service}" are shared through the anchor &${value.anchor}; adding to them would change every service that uses *${value.anchor}. Give "${ctx.req.service}" its own volumes list first`,
        value,
      );
    }
    return value.flow ? addToFlowSeq(ctx, value, entry, style) : addToBlockSeq(ctx, value, entry, style);
  }
  if (pair && !isNullNode(value)) refuse(ctx, `volumes of service "${ctx.req.service}" is not a list`, value as Node);

  // No own list: a merge key (`<<: *defaults`) may bring one; a new key would hide those items, so copy them.
  const merged = mergedVolumes(ctx);
  const keyCol = columnOfNode(ctx, ctx.service.items[0]!.key as Node);
  const keyIndent = ' '.repeat(keyCol);
  const dashIndent = ' '.repeat(keyCol + sequenceIndent(ctx));
  const items = [...(merged ? copiedItems(ctx, merged) : []), ...itemLines(entry, style, dashIndent)];
  if (pair) {
    // `volumes:` with no value: the list goes on the lines below it.
    return [linesAt(ctx, nextLineStart(ctx.text, contentEnd(ctx.text, rangeOf(pair.key as Node)[1])), items)];
  }
  const last = ctx.service.items[ctx.service.items.length - 1]!;
  const anchor = (valueNode(last) ?? (last.key as Node))!;
  return [linesAt(ctx, afterNodeLine(ctx, anchor), [`${keyIndent}volumes:`, ...items])];
}

function itemLines(entry: NewEntry, style: EntryStyle, dashIndent: string): string[] {
  const lines = entry.render(style, `${dashIndent}  `);
  return [`${dashIndent}- ${lines[0]}`, ...lines.slice(1)];
}

function addToBlockSeq(ctx: Ctx, seq: YAMLSeq, entry: NewEntry, style: EntryStyle): TextEdit[] {
  const last = seq.items[seq.items.length - 1] as Node;
  const start = rangeOf(last)[0];
  const before = ctx.text.slice(lineStart(ctx.text, start), start);
  const dash = before.lastIndexOf('-');
  const dashIndent = ' '.repeat(dash);
  const keyIndent = ' '.repeat(before.length);
  const lines = entry.render(style, keyIndent);
  return [linesAt(ctx, afterNodeLine(ctx, last), [`${dashIndent}- ${lines[0]}`, ...lines.slice(1)])];
}

function addToFlowSeq(ctx: Ctx, seq: YAMLSeq, entry: NewEntry, style: EntryStyle): TextEdit[] {
  const flowStyle = { ...style, long: false };
  if (style.long) refuse(ctx, 'a flow list of long-syntax volumes; edit it by hand', seq);
  const text = entry.render(flowStyle, '')[0]!;
  const last = seq.items[seq.items.length - 1] as Node | undefined;
  if (!last) return [{ offset: rangeOf(seq)[0] + 1, length: 0, text }];
  return [{ offset: rangeOf(last)[1], length: 0, text: `, ${text}` }];
}

function replaceSeqItem(ctx: Ctx, seq: YAMLSeq, item: Node, entry: NewEntry, style: EntryStyle): TextEdit[] {
  const [start, valueEnd] = rangeOf(item);
  if (seq.flow) {
    return [{ offset: start, length: valueEnd - start, text: entry.render({ ...style, long: false }, '')[0]! }];
  }
  const prefix = ctx.text.slice(lineStart(ctx.text, start), start);
  const lines = entry.render({ ...style, long: isMap(item) ? true : style.long }, ' '.repeat(prefix.length));
  return [{ offset: start, length: contentEnd(ctx.text, valueEnd) - start, text: lines.join(ctx.eol) }];
}

/** `volumes: *shared` → this service's own list: the shared items copied, then the new one. */
function replaceAliasWithCopy(
  ctx: Ctx,
  pair: Pair<unknown, unknown>,
  target: Node | undefined,
  entry: NewEntry,
  style: EntryStyle,
): TextEdit[] {
  if (!isSeq(target))
    refuse(ctx, `volumes of service "${ctx.req.service}" is an alias to something that is not a list`, pair.value as Node);
  const keyNode = pair.key as Node;
  const keyCol = columnOfNode(ctx, keyNode);
  const dashIndent = ' '.repeat(keyCol + sequenceIndent(ctx));
  const alias = pair.value as Node;
  const afterColon = rangeOf(keyNode)[1] + 1;
  return [
    { offset: afterColon, length: rangeOf(alias)[1] - afterColon, text: '' },
    linesAt(ctx, afterNodeLine(ctx, alias), [...copiedItems(ctx, target, dashIndent), ...itemLines(entry, style, dashIndent)]),
  ];
}

/** Source text of shared items, re-indented under this service; only single-line scalars can be copied faithfully. */
function copiedItems(ctx: Ctx, seq: YAMLSeq, dashIndent?: string): string[] {
  const indent = dashIndent ?? ' '.repeat(columnOfNode(ctx, ctx.service.items[0]!.key as Node) + sequenceIndent(ctx));
  return seq.items.map((item) => {
    const [s, e] = rangeOf(item as Node);
    const source = ctx.text.slice(s, e);
    if (!isScalar(item) || source.includes('\n')) {
      refuse(
        ctx,
        `the shared volumes list holds an entry that cannot be copied safely; give service "${ctx.req.service}" its own volumes list first`,
        item as Node,
      );
    }
    return `${indent}- ${source}`;
  });
}

/** The `volumes` list a merge key gives the service, when it has none of its own. */
function mergedVolumes(ctx: Ctx): YAMLSeq | undefined {
  for (const p of ctx.service.items) {
    if (keyOf(p.key) !== '<<') continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const s of sources) {
      const map = isAlias(s) ? s.resolve(ctx.doc) : s;
      if (!isMap(map)) continue;
      const v = pairOf(map, 'volumes')?.value;
      const seq = isAlias(v) ? v.resolve(ctx.doc) : v;
      if (isSeq(seq)) return seq;
    }
  }
  return undefined;
}

function isAliased(ctx: Ctx, anchor: string): boolean {
  let used = false;
  visit(ctx.doc, {
    Alias(_, node) {
      if (node.source === anchor) {
        used = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return used;
}

/** Removes the service's tmpfs entry on the path (the whole key when it was the only one). */
function removeTmpfs(ctx: Ctx, pair: Pair<unknown, unknown>, edits: TextEdit[], svcJs: Record<string, unknown>): boolean {
  const path = ctx.req.path;
  const v = pair.value;
  const wholePair = (): TextEdit => {
    const start = lineStart(ctx.text, rangeOf(pair.key as Node)[0]);
    const end = afterNodeLine(ctx, valueNode(pair) ?? (pair.key as Node));
    return { offset: start, length: end - start, text: '' };
  };
  if (isScalar(v)) {
    if (tmpfsTarget(v) !== path) return false;
    edits.push(wholePair());
    delete svcJs.tmpfs;
    return true;
  }
  if (!isSeq(v) || isAlias(v)) return false;
  const index = v.items.findIndex((i) => tmpfsTarget(i) === path);
  if (index < 0) return false;
  if (v.items.length === 1) {
    edits.push(wholePair());
    delete svcJs.tmpfs;
    return true;
  }
  const item = v.items[index] as Node;
  if (v.flow) {
    const neighbour = v.items[index === 0 ? 1 : index - 1] as Node;
    edits.push(
      index === 0
        ? { offset: rangeOf(item)[0], length: rangeOf(neighbour)[0] - rangeOf(item)[0], text: '' }
        : { offset: rangeOf(neighbour)[1], length: rangeOf(item)[1] - rangeOf(neighbour)[1], text: '' },
    );
  } else {
    const start = lineStart(ctx.text, rangeOf(item)[0]);
    edits.push({ offset: start, length: afterNodeLine(ctx, item) - start, text: '' });
  }
  svcJs.tmpfs = (svcJs.tmpfs as unknown[]).filter((_, i) => i !== index);
  return true;
}

function declareTopLevelVolume(ctx: Ctx, name: string, expected: Record<string, unknown>): TextEdit[] {
  const root = ctx.doc.contents as YAMLMap;
  const pair = pairOf(root, 'volumes');
  const declared = (expected.volumes ?? null) as Record<string, unknown> | null;
  if (declared && Object.prototype.hasOwnProperty.call(declared, name)) return [];
  const value = pair?.value;
  if (pair && isMap(value) && value.items.length > 0) {
    const last = value.items[value.items.length - 1]!;
    const keyIndent = ' '.repeat(columnOfNode(ctx, value.items[0]!.key as Node));
    const lastValue = last.value;
    const suffix = isMap(lastValue) && lastValue.flow && lastValue.items.length === 0 ? ' {}' : '';
    expected.volumes = { ...declared, [name]: suffix ? {} : null };
    if (value.flow) {
      expected.volumes = { ...declared, [name]: {} };
      return [{ offset: rangeOf((valueNode(last) ?? last.key) as Node)[1], length: 0, text: `, ${name}: {}` }];
    }
    return [linesAt(ctx, afterNodeLine(ctx, (valueNode(last) ?? (last.key as Node))!), [`${keyIndent}${name}:${suffix}`])];
  }
  if (pair && isMap(value) && value.flow) {
    expected.volumes = { [name]: {} };
    return [{ offset: rangeOf(value)[0] + 1, length: 0, text: `${name}: {}` }];
  }
  if (pair && !isNullNode(value)) refuse(ctx, 'the top-level volumes: is not a mapping', value as Node);
  expected.volumes = { [name]: null };
  if (pair) return [linesAt(ctx, nextLineStart(ctx.text, contentEnd(ctx.text, rangeOf(pair.key as Node)[1])), [`${ctx.unit}${name}:`])];
  const blank = /\n\s*\n\s*$/.test(ctx.text) || ctx.text.length === 0 ? [] : [''];
  return [linesAt(ctx, ctx.text.length, [...blank, 'volumes:', `${ctx.unit}${name}:`])];
}

/** The edit must give back exactly the old data plus the intended change; otherwise it is not returned. */
function verify(ctx: Ctx, newText: string, expected: unknown): void {
  const after = parseDocument(newText, PARSE_OPTIONS);
  if (after.errors.length > 0) {
    refuse(ctx, `the planned edit would not parse (${after.errors[0]!.message.split('\n')[0]}); nothing was changed`);
  }
  checkAliasExpansion(after, ctx.req.file, () => ({ file: ctx.req.file, line: 1, column: 1 }));
  if (!isDeepStrictEqual(dataOf(after, ctx.req.file), expected)) {
    refuse(ctx, 'the planned edit would change more than the intended volume; nothing was changed');
  }
}
