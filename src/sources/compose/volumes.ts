/**
 * A service's `volumes:` entries (short `SOURCE:TARGET[:MODE]` and long `{type, source, target...}`
 * syntax) and `tmpfs:` entries, as compose-go's loader reads them.
 */
import { homedir } from 'node:os';
import { resolve as resolveNative, isAbsolute as isAbsoluteNative } from 'node:path';
import { normalizePosix } from '../../core/paths';
import { formatLocation } from '../../core/errors';
import { InputError, type SourceLocation } from '../../core/types';
import { describe, expectBool, expectMap, get, optionalString, toJS, type LNode } from './node';

export type VolumeType = 'volume' | 'bind' | 'tmpfs';

export interface VolumeSpec {
  type: VolumeType;
  /** Volume name, or host path (resolved to an absolute path) of a bind; absent for anonymous volumes and tmpfs. */
  source?: string;
  /** Container path, normalized. */
  target: string;
  readOnly: boolean;
  declaredAt: SourceLocation;
  /** The entry as written (after interpolation): a string or an object. */
  raw: unknown;
}

function isWindowsDrive(buffer: string, char: string): boolean {
  return char === ':' && buffer.length === 1 && /\p{L}/u.test(buffer);
}

/** compose-go's isFilePath: what makes a short-syntax source a bind rather than a volume name. */
export function isHostPath(source: string): boolean {
  if (!source) return false;
  const c = source[0];
  if (c === '.' || c === '/' || c === '~') return true;
  if (source.startsWith('\\\\')) return true;
  return source.length > 1 && isWindowsDrive(source[0]!, source[1]!);
}

interface ShortParts {
  source: string;
  target: string;
  options: string[];
}

/** Splits `SOURCE:TARGET[:MODE]` like compose-go's ParseVolume (Windows drive letters kept whole). */
export function splitShortSyntax(spec: string): ShortParts | string {
  if (spec.length === 0) return 'empty volume specification';
  if (spec.length <= 2) return { source: '', target: spec, options: [] };
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < spec.length; i++) {
    if (spec.charCodeAt(i) !== 58 /* : */) continue;
    // A drive letter (`C:`) is part of the field, as compose-go reads it.
    if (i - start === 1 && isWindowsDrive(spec[start]!, ':')) continue;
    if (i === start) return 'empty section between colons';
    if (fields.length === 2) return 'too many colons';
    fields.push(spec.slice(start, i));
    start = i + 1;
  }
  if (start === spec.length) return 'empty section between colons';
  fields.push(spec.slice(start));
  if (fields.length === 1) return { source: '', target: fields[0]!, options: [] };
  return { source: fields[0]!, target: fields[1]!, options: fields[2] ? fields[2].split(',') : [] };
}

/** The container path an entry mounts at, or undefined when it cannot be read (for merging by target). */
export function volumeTargetOf(node: LNode): string | undefined {
  if (node.kind === 'scalar' && typeof node.value === 'string') {
    const parts = splitShortSyntax(node.value);
    return typeof parts === 'string' ? undefined : normalizeTarget(parts.target);
  }
  if (node.kind === 'map') {
    const t = get(node, 'target');
    if (t?.kind === 'scalar' && typeof t.value === 'string') return normalizeTarget(t.value);
  }
  return undefined;
}

function normalizeTarget(target: string): string {
  return target.startsWith('/') ? normalizeMountTarget(target) : target;
}

function checkTarget(target: string, loc: SourceLocation): string {
  if (!target) throw new InputError('a volume needs a target (the container path)', loc);
  if (!target.startsWith('/')) throw new InputError(`volume target "${target}" must be an absolute container path`, loc);
  return normalizeMountTarget(target);
}

/** normalizePosix, skipping the work for the usual already-normal path. */
export function normalizeMountTarget(path: string): string {
  if (path.length > 1 && !path.endsWith('/') && !path.includes('//') && !path.includes('/.')) return path;
  return normalizePosix(path);
}

/** A bind's host path, made absolute: `~` is the local user's home, relative paths start at `base`. */
export function resolveHostPath(source: string, base: string): string {
  if (source === '~' || source.startsWith('~/')) return resolveNative(homedir(), source.slice(2) || '.');
  if (/^[A-Za-z]:[\\/]/.test(source) || source.startsWith('\\\\')) return source; // a Windows host path
  if (source.startsWith('/')) return normalizePosix(source);
  return isAbsoluteNative(source) ? source : resolveNative(base, source);
}

/** Parses one entry of a service's `volumes:` list. */
export function parseServiceVolume(node: LNode, warn: (message: string) => void): VolumeSpec | undefined {
  if (node.kind === 'scalar') {
    if (typeof node.value !== 'string') {
      throw new InputError(`a volume entry must be a string or a mapping, not ${describe(node)}`, node.loc);
    }
    const parts = splitShortSyntax(node.value);
    if (typeof parts === 'string') throw new InputError(`invalid volume "${node.value}": ${parts}`, node.loc);
    if (!parts.target.startsWith('/')) {
      throw new InputError(`invalid volume "${node.value}": the target "${parts.target}" must be an absolute container path`, node.loc);
    }
    const target = checkTarget(parts.target, node.loc);
    let readOnly = false;
    for (const o of parts.options) {
      if (o === 'ro') readOnly = true;
      else if (o === 'rw') readOnly = false;
    }
    if (!parts.source) return { type: 'volume', target, readOnly, declaredAt: node.loc, raw: node.value };
    if (isHostPath(parts.source)) {
      return { type: 'bind', source: resolveHostPath(parts.source, node.base), target, readOnly, declaredAt: node.loc, raw: node.value };
    }
    return { type: 'volume', source: parts.source, target, readOnly, declaredAt: node.loc, raw: node.value };
  }
  const map = expectMap(node, 'a volume entry');
  const raw = toJS(map);
  const typeNode = get(map, 'type');
  let type = optionalString(map, 'type', 'volume type');
  const source = optionalString(map, 'source', 'volume source') || undefined;
  const targetNode = get(map, 'target');
  if (!targetNode) throw new InputError('a volume entry needs a "target"', map.loc);
  const target = checkTarget(optionalString(map, 'target', 'volume target') ?? '', targetNode.loc);
  const ro = get(map, 'read_only');
  const readOnly = ro ? expectBool(ro, 'read_only') : false;
  if (!type) {
    type = source ? (isHostPath(source) ? 'bind' : 'volume') : 'volume';
    warn(`${formatLocation(map.loc)}: volume entry without "type", read as type ${type}`);
  }
  switch (type) {
    case 'volume':
      if (source && isHostPath(source)) {
        throw new InputError(`a volume of type "volume" needs a volume name as source, not the path "${source}"`, get(map, 'source')!.loc);
      }
      return { type: 'volume', ...(source ? { source } : {}), target, readOnly, declaredAt: map.loc, raw };
    case 'bind':
      if (!source) throw new InputError('a bind mount needs a "source"', map.loc);
      return { type: 'bind', source: resolveHostPath(source, get(map, 'source')!.base), target, readOnly, declaredAt: map.loc, raw };
    case 'tmpfs':
      return { type: 'tmpfs', target, readOnly, declaredAt: map.loc, raw };
    case 'npipe':
    case 'cluster':
    case 'image':
      warn(`${formatLocation(map.loc)}: volume of type "${type}" at ${target} is not analyzed`);
      return undefined;
    default:
      throw new InputError(`unknown volume type "${type}" (expected volume, bind or tmpfs)`, typeNode!.loc);
  }
}

export interface TmpfsSpec {
  target: string;
  declaredAt: SourceLocation;
}

/** A service's `tmpfs:`: one path or a list, each possibly followed by `:size=...` options. */
export function parseServiceTmpfs(node: LNode): TmpfsSpec[] {
  const items = node.kind === 'seq' ? node.items : [node];
  const out: TmpfsSpec[] = [];
  for (const item of items) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string') {
      throw new InputError(`a tmpfs entry must be a string, not ${describe(item)}`, item.loc);
    }
    const value = item.value.trim();
    if (!value) continue;
    const colon = value.indexOf(':');
    const target = colon === -1 ? value : value.slice(0, colon);
    out.push({ target: checkTarget(target, item.loc), declaredAt: item.loc });
  }
  return out;
}
