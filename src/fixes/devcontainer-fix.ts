import { isDeepStrictEqual } from 'node:util';
import {
  findNodeAtLocation,
  modify,
  parse,
  parseTree,
  printParseErrorCode,
  type FormattingOptions,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { normalizePosix } from '../core/paths';
import { parseMountString } from '../sources/devcontainer/index';
import { decideExisting, type EnvPlan, type EnvRequest } from './compose-env';
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
  return trailingComma
    ? [{ offset: insertAt, length: 0, text: prefix + item }]
    : [
        { offset: end, length: 0, text: ',' },
        { offset: insertAt, length: 0, text: prefix + item },
      ];
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
  if (entry && typeof entry === 'object' && typeof (entry as { target?: unknown }).target === 'string')
    return normalizePosix((entry as { target: string }).target);
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
    throw new FixRefusal(
      `the mount for ${JSON.stringify(target)} cannot be written so that Docker reads back this path; nothing was changed`,
    );
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
    throw new FixRefusal(`no "mounts" entry mounts ${req.path}: it is declared elsewhere (runArgs?)`, {
      file: req.file,
      line: 1,
      column: 1,
    });
  }
  const last = mountsNode?.children?.[mountsNode.children.length - 1];
  let edits: TextEdit[];
  if (replaced) {
    const lineStart = req.text.lastIndexOf('\n', replaced.offset - 1) + 1;
    const indent = /^[ \t]*/.exec(req.text.slice(lineStart))![0];
    const rendered =
      typeof existing[sameTarget] === 'string'
        ? JSON.stringify(asString)
        : renderValue({ source, target: req.path, type }, replaced, req.text, indent, formattingOptions);
    edits = [{ offset: replaced.offset, length: replaced.length, text: rendered }];
  } else if (last) edits = appendToArray(req.text, last, value, formattingOptions);
  else
    edits = modify(req.text, ['mounts'], [value], { formattingOptions }).map((e) => ({
      offset: e.offset,
      length: e.length,
      text: e.content,
    }));
  const newText = applyEdits(req.text, edits);

  const after = parse(newText, [], PARSE_OPTIONS) as Record<string, unknown>;
  const replacement = replaced ? (typeof existing[sameTarget] === 'string' ? asString : { source, target: req.path, type }) : undefined;
  const expected = { ...data, mounts: replaced ? existing.map((m, i) => (i === sameTarget ? replacement : m)) : [...existing, value] };
  if (!isDeepStrictEqual(after, expected)) {
    throw new FixRefusal('the planned edit would change more than the intended mount; nothing was changed', {
      file: req.file,
      line: 1,
      column: 1,
    });
  }
  return {
    file: req.file,
    title: `${replaced ? 'Replace the mount of ' + req.path + ' with ' : ''}${
      type === 'bind'
        ? replaced
          ? `host folder ${source}`
          : `Bind ${req.path} to host folder ${source}`
        : replaced
          ? `volume "${source}"`
          : `Add volume "${source}" for ${req.path}`
    }`,
    kind: 'devcontainer-mount',
    edits,
    originalText: req.text,
    newText,
    ...(type === 'volume' ? { volumeName: source } : { bindSource: source }),
  };
}

/**
 * Adds a property after the last one of an object, the way the object is already written: on a line of its
 * own (keeping a trailing-comma style and the comment at the end of the last line where they were) or on the
 * same line. jsonc-parser's `modify` would lay out the previous property again and move its comment.
 */
export function addProperty(text: string, object: Node, key: string, valueText: string, fmt: FormattingOptions): TextEdit[] {
  const property = `${JSON.stringify(key)}: ${valueText}`;
  const last = object.children?.[object.children.length - 1];
  if (!last) {
    const inner = text.slice(object.offset + 1, object.offset + object.length - 1);
    return [{ offset: object.offset + 1, length: inner.length, text: inner.trim() === '' ? property : `${inner}${property}` }];
  }
  const end = last.offset + last.length;
  const lineStart = text.lastIndexOf('\n', last.offset - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const lineEnd = text.indexOf('\n', end);
  const rest = text.slice(end, lineEnd < 0 ? text.length : lineEnd);
  const trailingComma = /^[ \t]*,/.test(rest);
  // Own line only when the last property starts its line and nothing but a comma and a comment follows it.
  const ownLine = indent.length === last.offset - lineStart && /^[ \t]*,?[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?\r?$/.test(rest) && lineEnd >= 0;
  if (!ownLine) return [{ offset: end, length: 0, text: `, ${property}` }];
  const item = `${indent}${property}${trailingComma ? ',' : ''}${fmt.eol}`;
  return trailingComma
    ? [{ offset: lineEnd + 1, length: 0, text: item }]
    : [
        { offset: end, length: 0, text: ',' },
        { offset: lineEnd + 1, length: 0, text: item },
      ];
}

/**
 * Sets `variable` in a devcontainer.json's `containerEnv` (creating it when absent), keeping comments and
 * layout. A value already there is kept when it is the target, replaced when it names the file at risk, and
 * otherwise refused; so is a different value in `remoteEnv`, which wins for the editor's processes.
 */
export function planDevcontainerEnv(req: EnvRequest): EnvPlan {
  const at = { file: req.file, line: 1, column: 1 };
  const { root, data } = parseStrict(req.file, req.text);
  if (data.dockerComposeFile !== undefined)
    throw new FixRefusal('this dev container is compose-based: set the variable in the compose service it names', at);
  const remote = (data.remoteEnv as Record<string, unknown> | undefined)?.[req.variable];
  if (remote !== undefined && remote !== null && !(typeof remote === 'string' && normalizePosix(remote) === normalizePosix(req.value))) {
    throw new FixRefusal(
      `${req.variable} is set to ${JSON.stringify(remote)} in remoteEnv, which wins over containerEnv: that is the user's choice and is left as it is; nothing was changed`,
      at,
    );
  }
  const envNode = findNodeAtLocation(root, ['containerEnv']);
  if (envNode && envNode.type !== 'object')
    throw new FixRefusal('"containerEnv" is not an object', { file: req.file, ...positionOf(req.text, envNode.offset) });
  const fmt = formattingOf(req.text, root);
  const env = (data.containerEnv as Record<string, unknown> | undefined) ?? {};
  let change: EnvPlan['change'] = 'added';
  let edits: TextEdit[];
  const valueNode = envNode ? findNodeAtLocation(envNode, [req.variable]) : undefined;
  if (valueNode) {
    change = decideExisting(req, env[req.variable], 'containerEnv');
    if (change === 'kept') return { change, edits: [], newText: req.text };
    edits = [{ offset: valueNode.offset, length: valueNode.length, text: JSON.stringify(req.value) }];
  } else if (envNode) {
    edits = addProperty(req.text, envNode, req.variable, JSON.stringify(req.value), fmt);
  } else {
    const first = root.children?.[0];
    const lineStart = first ? req.text.lastIndexOf('\n', first.offset - 1) + 1 : 0;
    const indent = first ? /^[ \t]*/.exec(req.text.slice(lineStart))![0] : '';
    const multiLine = !!first && indent.length === first.offset - lineStart;
    const unit = fmt.insertSpaces ? ' '.repeat(fmt.tabSize ?? 2) : '\t';
    const object = multiLine
      ? `{${fmt.eol}${indent}${unit}${JSON.stringify(req.variable)}: ${JSON.stringify(req.value)}${fmt.eol}${indent}}`
      : `{ ${JSON.stringify(req.variable)}: ${JSON.stringify(req.value)} }`;
    edits = addProperty(req.text, root, 'containerEnv', object, fmt);
  }
  const newText = applyEdits(req.text, edits);
  const after = parse(newText, [], PARSE_OPTIONS) as Record<string, unknown>;
  const expected = { ...data, containerEnv: { ...env, [req.variable]: req.value } };
  if (!isDeepStrictEqual(after, expected))
    throw new FixRefusal(`the planned edit would change more than ${req.variable}; nothing was changed`, at);
  return { change, edits, newText };
}

/** Whether a `mounts` entry of the file keeps `path` exactly: a volume or a bind with a source. */
export function devcontainerPersistsAt(text: string, path: string): boolean {
  const data = parse(text, [], PARSE_OPTIONS) as { mounts?: unknown } | undefined;
  const mounts = Array.isArray(data?.mounts) ? (data.mounts as unknown[]) : [];
  return mounts.some((m) => {
    if (mountTarget(m) !== normalizePosix(path)) return false;
    const spec = typeof m === 'string' ? parseMountString(m) : (m as { type?: unknown; source?: unknown });
    return (
      typeof spec !== 'string' && (spec.type === 'volume' || spec.type === 'bind') && typeof spec.source === 'string' && spec.source !== ''
    );
  });
}
