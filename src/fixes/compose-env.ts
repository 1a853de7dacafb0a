import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { normalizePosix } from '../core/paths';
import { checkAliasExpansion } from '../sources/compose/limits';
import { COMPOSE_PARSE_OPTIONS, composeDataOf, parseComposeText } from './compose-fix';
import { isNullNode, keyOf, quoteScalar, quoteStyleOf, rangeOf, type QuoteStyle } from './compose-syntax';
import { applyEdits, contentEnd, detectEol, lineStart, nextLineStart, positionOf, type TextEdit } from './text';
import { FixRefusal } from './types';

/** One variable to set in a service's `environment` (or a dev container's `containerEnv`). */
export interface EnvRequest {
  file: string;
  text: string;
  variable: string;
  value: string;
  /**
   * The path the value moves away from (the file at risk): a variable already naming it is changed. Any other
   * value already there is the user's choice and is never overwritten.
   */
  replaces?: string;
}

export interface ComposeEnvRequest extends EnvRequest {
  service: string;
}

/** The planned change of one variable, already checked by parsing the new text. */
export interface EnvPlan {
  /** `kept`: the variable already has the value (no edit). */
  change: 'added' | 'replaced' | 'kept';
  edits: TextEdit[];
  newText: string;
}

/** What to do with a value already set: keep it (the target already), replace it (the file at risk), or refuse. */
export function decideExisting(req: EnvRequest, current: unknown, where: string): 'kept' | 'replaced' {
  if (typeof current === 'string' && current !== '' && normalizePosix(current) === normalizePosix(req.value)) return 'kept';
  if (
    typeof current === 'string' &&
    req.replaces !== undefined &&
    current !== '' &&
    normalizePosix(current) === normalizePosix(req.replaces)
  )
    return 'replaced';
  const said =
    typeof current === 'string'
      ? `is already set to ${JSON.stringify(current)}`
      : current === undefined || current === null
        ? 'is already listed without a value (taken from the environment compose runs in)'
        : `is already set to ${JSON.stringify(current)}`;
  throw new FixRefusal(
    `${req.variable} ${said} in ${where}: that is the user's choice and is left as it is; nothing was changed. Persist the folder it names, or set ${req.variable}=${req.value} by hand`,
    {
      file: req.file,
      line: 1,
      column: 1,
    },
  );
}

function pairOf(map: YAMLMap, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((p) => keyOf(p.key) === key);
}

function hasRange(v: unknown): v is Node {
  return !!v && typeof v === 'object' && 'range' in v && !!(v as Node).range;
}

function isAliased(doc: Document, anchor: string): boolean {
  let used = false;
  visit(doc, {
    Alias(_, node) {
      if (node.source !== anchor) return undefined;
      used = true;
      return visit.BREAK;
    },
  });
  return used;
}

/** The style new entries take when the service has no `environment` yet: another service's, else a map. */
function styleOfFile(services: YAMLMap): 'list' | 'map' {
  for (const p of services.items) {
    const env = isMap(p.value) ? pairOf(p.value, 'environment')?.value : undefined;
    if (isSeq(env) && !env.flow) return 'list';
    if (isMap(env) && !env.flow) return 'map';
  }
  return 'map';
}

/**
 * Sets `variable` in a compose service's `environment`, in the form the file already writes it (a list of
 * `- K=V` or a map of `K: V`; a new `environment:` when there is none), keeping comments and layout.
 */
export function planComposeEnv(req: ComposeEnvRequest): EnvPlan {
  const { file, text, service, variable } = req;
  const doc = parseComposeText(text, file);
  const refuse = (message: string, node?: unknown): never => {
    const at = hasRange(node) ? positionOf(text, rangeOf(node)[0]) : { line: 1, column: 1 };
    throw new FixRefusal(message, { file, ...at });
  };
  if (!isMap(doc.contents)) return refuse('the file is not a compose mapping', doc.contents);
  const services = doc.get('services', true);
  if (!isMap(services)) return refuse('the file has no services: mapping', services);
  const svcPair = pairOf(services, service);
  if (!svcPair) return refuse(`service "${service}" is not declared in this file`, services);
  const svc = svcPair.value;
  if (!isMap(svc) || svc.flow) return refuse(`service "${service}" is not a block mapping; edit it by hand`, svc);

  const eol = detectEol(text);
  // The container sees the value after compose's interpolation: a `$` is written `$$`.
  const written = req.value.replace(/\$/g, '$$$$');
  const before = composeDataOf(doc, file) as { services: Record<string, Record<string, unknown>> };
  const expected = structuredClone(before);
  const svcJs = expected.services[service]!;
  const where = `service "${service}"`;
  const envPair = pairOf(svc, 'environment');
  const env = envPair?.value;
  let eofBreakAdded = false;
  const linesAt = (offset: number, lines: string[]): TextEdit => {
    const needsBreak = offset === text.length && text.length > 0 && !text.endsWith('\n') && !eofBreakAdded;
    if (needsBreak) eofBreakAdded = true;
    return { offset, length: 0, text: (needsBreak ? eol : '') + lines.map((l) => l + eol).join('') };
  };
  const afterLine = (node: Node): number => nextLineStart(text, contentEnd(text, rangeOf(node)[2]));
  const column = (node: Node): number => rangeOf(node)[0] - lineStart(text, rangeOf(node)[0]);

  if (isAlias(env))
    return refuse(
      `the environment of service "${service}" is shared through the alias *${env.source}: give "${service}" its own environment first`,
      env,
    );
  if ((isMap(env) || isSeq(env)) && env.anchor && isAliased(doc, env.anchor)) {
    return refuse(
      `the environment of service "${service}" is shared through the anchor &${env.anchor}; a new variable would change every service that uses *${env.anchor}. Give "${service}" its own environment first`,
      env,
    );
  }

  let change: EnvPlan['change'] = 'added';
  let edits: TextEdit[];
  if (isMap(env)) {
    const existing = pairOf(env, variable);
    const envJs = svcJs.environment as Record<string, unknown>;
    if (existing) {
      const current = isScalar(existing.value) ? existing.value.value : existing.value;
      change = decideExisting(req, current, where);
      if (change === 'kept') return { change, edits: [], newText: text };
      const node = existing.value as Node;
      edits = [{ offset: rangeOf(node)[0], length: rangeOf(node)[1] - rangeOf(node)[0], text: quoteScalar(written, quoteStyleOf(node)) }];
    } else if (env.flow) {
      const last = env.items[env.items.length - 1];
      const entry = `${variable}: ${quoteScalar(written, 'plain')}`;
      const end = last ? rangeOf((hasRange(last.value) ? last.value : last.key) as Node)[1] : undefined;
      edits = [
        end === undefined ? { offset: rangeOf(env)[0] + 1, length: 0, text: entry } : { offset: end, length: 0, text: `, ${entry}` },
      ];
    } else {
      const last = env.items[env.items.length - 1]!;
      const indent = ' '.repeat(column(env.items[0]!.key as Node));
      edits = [
        linesAt(afterLine((hasRange(last.value) ? last.value : last.key) as Node), [
          `${indent}${variable}: ${quoteScalar(written, 'plain')}`,
        ]),
      ];
    }
    envJs[variable] = written;
  } else if (isSeq(env)) {
    const envJs = svcJs.environment as unknown[];
    const index = env.items.findIndex(
      (i) => isScalar(i) && typeof i.value === 'string' && (i.value === variable || i.value.startsWith(`${variable}=`)),
    );
    const entry = `${variable}=${written}`;
    if (index >= 0) {
      const node = env.items[index] as Node & { value: string };
      const current = node.value.includes('=') ? node.value.slice(variable.length + 1) : undefined;
      change = decideExisting(req, current, where);
      if (change === 'kept') return { change, edits: [], newText: text };
      edits = [{ offset: rangeOf(node)[0], length: rangeOf(node)[1] - rangeOf(node)[0], text: quoteScalar(entry, quoteStyleOf(node)) }];
      envJs[index] = entry;
    } else {
      const last = env.items[env.items.length - 1] as Node | undefined;
      const style: QuoteStyle = last ? quoteStyleOf(last) : 'plain';
      if (env.flow) {
        edits = [
          last
            ? { offset: rangeOf(last)[1], length: 0, text: `, ${quoteScalar(entry, style)}` }
            : { offset: rangeOf(env)[0] + 1, length: 0, text: quoteScalar(entry, style) },
        ];
      } else {
        const start = rangeOf(last!)[0];
        const dashIndent = ' '.repeat(text.slice(lineStart(text, start), start).lastIndexOf('-'));
        edits = [linesAt(afterLine(last!), [`${dashIndent}- ${quoteScalar(entry, style)}`])];
      }
      envJs.push(entry);
    }
  } else {
    if (envPair && !isNullNode(env)) return refuse(`the environment of service "${service}" is neither a list nor a map`, env);
    // A merge key (`<<: *defaults`) may bring an environment that a new key of the service's own would hide.
    const merged = svc.items.some((p) => keyOf(p.key) === '<<') && svcJs.environment !== undefined && svcJs.environment !== null;
    if (merged)
      return refuse(
        `service "${service}" takes its environment from a merge key (<<); an environment of its own would hide it. Give "${service}" its own environment first`,
        svc,
      );
    const keyIndent = ' '.repeat(column(svc.items[0]!.key as Node));
    const unit = ' '.repeat(Math.max(2, column(svc.items[0]!.key as Node) - column(services.items[0]!.key as Node)));
    const style = styleOfFile(services);
    const line =
      style === 'list'
        ? `${keyIndent}${unit}- ${quoteScalar(`${variable}=${written}`, 'plain')}`
        : `${keyIndent}${unit}${variable}: ${quoteScalar(written, 'plain')}`;
    if (envPair) {
      edits = [linesAt(nextLineStart(text, contentEnd(text, rangeOf(envPair.key as Node)[1])), [line])];
    } else {
      const last = svc.items[svc.items.length - 1]!;
      edits = [linesAt(afterLine((hasRange(last.value) ? last.value : last.key) as Node), [`${keyIndent}environment:`, line])];
    }
    svcJs.environment = style === 'list' ? [`${variable}=${written}`] : { [variable]: written };
  }

  const newText = applyEdits(text, edits);
  const after = parseDocument(newText, COMPOSE_PARSE_OPTIONS);
  if (after.errors.length > 0)
    return refuse(`the planned edit would not parse (${after.errors[0]!.message.split('\n')[0]}); nothing was changed`);
  checkAliasExpansion(after, file, () => ({ file, line: 1, column: 1 }));
  if (!isDeepStrictEqual(composeDataOf(after, file), expected))
    return refuse(`the planned edit would change more than ${variable}; nothing was changed`);
  return { change, edits, newText };
}
