import { isDeepStrictEqual } from 'node:util';
import { findNodeAtLocation, modify, parse, parseTree, printParseErrorCode, type FormattingOptions, type Node, type ParseError } from 'jsonc-parser';
import { normalizePosix } from '../core/paths';
import { parseMountString } from '../sources/devcontainer';
import { sanitizeVolumeName } from './compose-syntax';
import { checkBindSource, checkContainerPath } from './paths';
import { applyEdits, detectEol, positionOf, type TextEdit } from './text';
import { FixRefusal, type FixPlan } from './types';

export interface DevcontainerFixRequest {
  file: string;
  text: string;
  path: string;
  /** Volume name before `-${devcontainerId}`; default: the last segment of the path. */
  volumeName?: string;
  /** Bind a host folder instead (e.g. `${localWorkspaceFolder}/.persist/x`). */
  bindSource?: string;
  /** Only replace a `mounts` entry already at this path (refuse rather than add one). */
  replaceOnly?: boolean;
}

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false };

/** Indentation and line breaks as the file already writes them, so jsonc-parser's insertion matches. */
function formattingOf(text: string, root: Node): FormattingOptions {
  const eol = detectEol(text);
  const firstProperty = root.children?.[0];
  let indent = '  ';
  if (firstProperty) {
    const lineStart = text.lastIndexOf('\n', firstProperty.offset - 1) + 1;
    indent = /^[ \t]*/.exec(text.slice(lineStart, firstProperty.offset))![0] || '  ';
  }
  const insertSpaces = !indent.startsWith('\t');
  return { insertSpaces, tabSize: insertSpaces ? indent.length : 1, eol, insertFinalNewline: false };
}

function parseStrict(file: string, text: string): { root: Node; data: Record<string, unknown> } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  if (errors.length > 0 || !root) {
    const e = errors[0];
    const at = e ? positionOf(text, e.offset) : { line: 1, column: 1 };
    throw new FixRefusal(`not valid JSONC: ${e ? printParseErrorCode(e.error) : 'empty file'}`, { file, ...at });
  }
  if (root.type !== 'object') throw new FixRefusal('devcontainer.json is not an object', { file, line: 1, column: 1 });
  return { root, data: parse(text, [], PARSE_OPTIONS) as Record<string, unknown> };
}

/**
 * Appends after the last element the way the array is already written: one element per line (keeping a
 * trailing comma style and the comment at the end of the last line where they were) or all on one line.
 */
function appendToArray(text: string, last: Node, value: unknown, fmt: FormattingOptions): TextEdit[] {
  const end = last.offset + last.length;
  const lineStart = text.lastIndexOf('\n', last.offset - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const multiLine = indent.length === last.offset - lineStart;
  const rest = text.slice(end);
  const trailingComma = /^[ \t]*,/.test(rest);
  if (!multiLine) return [{ offset: end, length: 0, text: `, ${renderValue(value, last, text, '', fmt)}` }];
  const lineEnd = text.indexOf('\n', end);
  const insertAt = lineEnd < 0 ? text.length : lineEnd + 1;
  const item = `${indent}${renderValue(value, last, text, indent, fmt)}${trailingComma ? ',' : ''}${fmt.eol}`;
  const prefix = lineEnd < 0 ? fmt.eol! : '';
  return trailingComma ? [{ offset: insertAt, length: 0, text: prefix + item }] : [{ offset: end, length: 0, text: ',' }, { offset: insertAt, length: 0, text: prefix + item }];
}

/** A new element written like its neighbour: a JSON string, or an object on one line or spread over lines. */
function renderValue(value: unknown, neighbour: Node, text: string, indent: string, fmt: FormattingOptions): string {
  if (typeof value === 'string' || neighbour.type !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const source = text.slice(neighbour.offset, neighbour.offset + neighbour.length);
  if (!source.includes('\n')) {
    const pad = source.startsWith('{ ') ? ' ' : '';
    return `{${pad}${entries.join(', ')}${pad}}`;
  }
  const unit = fmt.insertSpaces ? ' '.repeat(fmt.tabSize ?? 2) : '\t';
  return `{${fmt.eol}${entries.map((e) => `${indent}${unit}${e}`).join(`,${fmt.eol}`)}${fmt.eol}${indent}}`;
}

/** The container path a `mounts` entry (string or object form) mounts on, normalized; undefined when unreadable. */
function mountTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') {
    const spec = parseMountString(entry);
    return typeof spec === 'string' || !spec.target ? undefined : normalizePosix(spec.target);
  }
  if (entry && typeof entry === 'object' && typeof (entry as { target?: unknown }).target === 'string') return normalizePosix((entry as { target: string }).target);
  return undefined;
}

/**
 * `source=…,target=…,type=…` as `docker run --mount` reads it (CSV): a field holding a "," or a quote is
 * quoted, so it stays one field. Checked by reading it back.
 */
function mountString(source: string, target: string, type: string): string {
  const field = (k: string, v: string): string => {
    const f = `${k}=${v}`;
    return /[",]/.test(f) || f.trim() !== f ? `"${f.replace(/"/g, '""')}"` : f;
  };
  const s = `${field('source', source)},${field('target', target)},${field('type', type)}`;
  const back = parseMountString(s);
  if (typeof back === 'string' || back.source !== source || back.target !== target || back.type !== type || back.volumeOpts) {
    throw new FixRefusal(`the mount for ${JSON.stringify(target)} cannot be written so that Docker reads back this path; nothing was changed`);
  }
  return s;
}

/** The `mounts` entry for a path: a volume named stably across rebuilds, or a bind of a host folder. */
function mountSpec(req: DevcontainerFixRequest): { source: string; type: 'volume' | 'bind' } {
  if (req.bindSource) return { source: req.bindSource, type: 'bind' };
  const segment = req.path.split('/').filter(Boolean).pop()?.replace(/^\.+/, '') || 'root';
  const name = sanitizeVolumeName(req.volumeName ?? segment);
  return { source: `${name}-\${devcontainerId}`, type: 'volume' };
}

/**
 * Adds a `mounts` entry to a devcontainer.json (creating `mounts` when absent), in the string form unless
 * the file already uses objects. jsonc-parser plans the insertion, so comments and layout stay.
 */
export function planDevcontainerFix(req: DevcontainerFixRequest): FixPlan {
  const at = { file: req.file, line: 1, column: 1 };
  checkContainerPath(req.path, at);
  if (req.bindSource !== undefined) checkBindSource(req.bindSource, at);
  const { root, data } = parseStrict(req.file, req.text);
  if (data.dockerComposeFile !== undefined) {
    throw new FixRefusal('this dev container is compose-based: persist the path in the compose file that declares its service', {
      file: req.file,
      line: 1,
      column: 1,
    });
  }
  const mountsNode = findNodeAtLocation(root, ['mounts']);
  if (mountsNode && mountsNode.type !== 'array') {
    throw new FixRefusal('"mounts" is not an array', { file: req.file, ...positionOf(req.text, mountsNode.offset) });
  }
  const existing = (data.mounts as unknown[] | undefined) ?? [];
  const useObjects = existing.length > 0 && existing.every((m) => typeof m === 'object' && m !== null);
  const { source, type } = mountSpec(req);
  // The Dev Containers CLI turns an object entry into `type=…,src=…,dst=…` without quoting: a "," or a quote
  // in it would add fields of its own (`volume-opt=device=/` makes the "volume" a bind of the host's root).
  const splits = (v: string): boolean => /[",]/.test(v);
  const objectsUnsafe = splits(source) || splits(req.path);
  const sameTargetIndex = existing.findIndex((m) => mountTarget(m) === normalizePosix(req.path));
  const writesObject = sameTargetIndex >= 0 ? typeof existing[sameTargetIndex] !== 'string' : useObjects;
  if (writesObject && objectsUnsafe) {
    throw new FixRefusal(
      `${splits(req.path) ? `the container path ${JSON.stringify(req.path)}` : `the source ${JSON.stringify(source)}`} holds a "," or a quote, which the Dev Containers CLI would read as more mount options in an object entry of "mounts"; nothing was changed`,
      at,
    );
  }
  const asString = mountString(source, req.path, type);
  const value = useObjects ? { source, target: req.path, type } : asString;

  const formattingOptions = formattingOf(req.text, root);
  // An entry already at this path (an anonymous volume, a tmpfs) is replaced: Docker refuses two mounts on
  // one target ("Duplicate mount point").
  const sameTarget = sameTargetIndex;
  const replaced = sameTarget >= 0 ? mountsNode?.children?.[sameTarget] : undefined;
  if (!replaced && req.replaceOnly) {
    throw new FixRefusal(`no "mounts" entry mounts ${req.path}: it is declared elsewhere (runArgs?)`, { file: req.file, line: 1, column: 1 });
  }
  const last = mountsNode?.children?.[mountsNode.children.length - 1];
  let edits: TextEdit[];
  if (replaced) {
    const lineStart = req.text.lastIndexOf('\n', replaced.offset - 1) + 1;
    const indent = /^[ \t]*/.exec(req.text.slice(lineStart))![0];
    const rendered = typeof existing[sameTarget] === 'string' ? JSON.stringify(asString) : renderValue({ source, target: req.path, type }, replaced, req.text, indent, formattingOptions);
    edits = [{ offset: replaced.offset, length: replaced.length, text: rendered }];
  } else if (last) edits = appendToArray(req.text, last, value, formattingOptions);
  else edits = modify(req.text, ['mounts'], [value], { formattingOptions }).map((e) => ({ offset: e.offset, length: e.length, text: e.content }));
  const newText = applyEdits(req.text, edits);

  const after = parse(newText, [], PARSE_OPTIONS) as Record<string, unknown>;
  const replacement = replaced ? (typeof existing[sameTarget] === 'string' ? asString : { source, target: req.path, type }) : undefined;
  const expected = { ...data, mounts: replaced ? existing.map((m, i) => (i === sameTarget ? replacement : m)) : [...existing, value] };
  if (!isDeepStrictEqual(after, expected)) {
    throw new FixRefusal('the planned edit would change more than the intended mount; nothing was changed', { file: req.file, line: 1, column: 1 });
  }
  return {
    file: req.file,
    title: `${replaced ? 'Replace the mount of ' + req.path + ' with ' : ''}${
      type === 'bind' ? (replaced ? `host folder ${source}` : `Bind ${req.path} to host folder ${source}`) : replaced ? `volume "${source}"` : `Add volume "${source}" for ${req.path}`
    }`,
    kind: 'devcontainer-mount',
    edits,
    originalText: req.text,
    newText,
    ...(type === 'volume' ? { volumeName: source } : { bindSource: source }),
  };
}
