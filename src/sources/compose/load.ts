/**
 * Reading compose files into one merged model, as `docker compose -f a -f b config` would: every file
 * is parsed and interpolated, its `include:` entries are loaded (each relative to itself) and imported,
 * its services' `extends:` are resolved, then the files are merged in order.
 *
 * Nodes are never copied: a merged model is made of the nodes of the files that wrote them, so every
 * value still knows its file, line and column.
 */
import { dirname, relative, resolve } from 'node:path';
import { InputError, type SourceLocation } from '../../core/types';
import { readDotenv } from './dotenv';
import { interpolate } from './interpolate';
import {
  describe,
  expectMap,
  expectMapOrNull,
  expectString,
  get,
  isAbsent,
  parseYaml,
  sameValue,
  type LEntry,
  type LMap,
  type LNode,
  type LScalar,
  type LSeq,
} from './node';
import { checkTextSize, MAX_PROJECT_FILES, readConfigFile } from './limits';
import { volumeTargetOf } from './volumes';
import { definedOnly } from '../../core/env';

/** Variables visible to interpolation: a plain record, undefined meaning unset. */
export type EnvVars = Readonly<Record<string, string | undefined>>;

/**
 * Texts that win over the disk, by absolute path: an editor's unsaved buffers, so a project can be read
 * as the user is typing it.
 */
export type TextOverlay = ReadonlyMap<string, string>;

export class LoadContext {
  readonly warnings: string[] = [];
  private readonly warned = new Set<string>();
  private readonly texts = new Map<string, Promise<string>>();
  private readonly parsed = new Map<string, Promise<LMap>>();
  private readonly envIds = new WeakMap<EnvVars, number>();
  private nextEnvId = 0;

  constructor(private readonly overlay?: TextOverlay) {}

  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnings.push(message);
  }

  readText(file: string, from?: SourceLocation): Promise<string> {
    let p = this.texts.get(file);
    if (!p) {
      if (this.texts.size >= MAX_PROJECT_FILES) {
        // Includes and extends pulling in file after file (or one chain hundreds deep): refused, not followed.
        return Promise.reject(
          new InputError(
            `${file} would be file number ${MAX_PROJECT_FILES + 1} of this project (includes and extends); more than ${MAX_PROJECT_FILES} files are not read`,
            from,
          ),
        );
      }
      const unsaved = this.overlay?.get(file);
      // A FIFO, a device or a huge file is refused before it is read: a read that never ends blocks for good.
      p = unsaved !== undefined ? Promise.resolve().then(() => checkTextSize(file, unsaved, from)) : readConfigFile(file, from);
      this.texts.set(file, p);
    }
    return p;
  }

  private envId(env: EnvVars): number {
    let id = this.envIds.get(env);
    if (id === undefined) {
      id = this.nextEnvId++;
      this.envIds.set(env, id);
    }
    return id;
  }

  /** A file parsed and interpolated with `env`; relative paths in it resolve against `base`. */
  parse(file: string, base: string, env: EnvVars, from?: SourceLocation): Promise<LMap> {
    const key = `${this.envId(env)}\0${base}\0${file}`;
    let p = this.parsed.get(key);
    if (!p) {
      p = this.readText(file, from).then((text) => {
        const ctx = {
          lookup: (name: string) => env[name],
          onUnset: (name: string) => this.warn(`The "${name}" variable is not set. Defaulting to a blank string.`),
        };
        return parseYaml(text, file, base, (s, loc) => interpolate(s, ctx, loc));
      });
      this.parsed.set(key, p);
    }
    return p;
  }
}

/** Services one `extends` chain may go through (each level is a nested call). */
const MAX_EXTENDS_DEPTH = 64;

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|oci:\/\/|remote:)/i;

function checkLocal(path: string, loc: SourceLocation, what: string): void {
  if (REMOTE.test(path)) throw new InputError(`${what} "${path}" is a remote resource, which is not supported`, loc);
}

/** Reads `file` as one layer of a project: includes imported, extends resolved, `include` removed. */
export async function loadLayer(
  ctx: LoadContext,
  file: string,
  base: string,
  env: EnvVars,
  includeChain: string[],
  from?: SourceLocation,
): Promise<LMap> {
  const model = await ctx.parse(file, base, env, from);
  const withIncludes = await applyIncludes(ctx, model, base, env, includeChain);
  return applyExtends(ctx, withIncludes, file, env);
}

// ---------------------------------------------------------------------------------------------
// include

const IMPORTED = ['services', 'volumes', 'networks', 'secrets', 'configs'];

async function applyIncludes(ctx: LoadContext, model: LMap, base: string, env: EnvVars, chain: string[]): Promise<LMap> {
  const inc = get(model, 'include');
  const entries = new Map(model.entries);
  entries.delete('include');
  const out: LMap = { kind: 'map', loc: model.loc, base: model.base, entries };
  if (isAbsent(inc)) return out;
  if (inc.kind !== 'seq') throw new InputError(`include must be a list, not ${describe(inc)}`, inc.loc);
  for (const item of inc.items) {
    let paths: LNode[];
    let projectDirNode: LNode | undefined;
    let envFileNode: LNode | undefined;
    if (item.kind === 'scalar') paths = [item];
    else if (item.kind === 'map') {
      const p = get(item, 'path');
      if (!p) throw new InputError('an include entry needs a "path"', item.loc);
      paths = p.kind === 'seq' ? p.items : [p];
      projectDirNode = get(item, 'project_directory');
      envFileNode = get(item, 'env_file');
    } else throw new InputError(`an include entry must be a string or a mapping, not ${describe(item)}`, item.loc);
    if (paths.length === 0) throw new InputError('an include entry needs a "path"', item.loc);

    const files = paths.map((p) => {
      const s = expectString(p, 'include path', false);
      checkLocal(s, p.loc, 'include path');
      return { path: resolve(base, s), loc: p.loc };
    });
    const main = files[0]!;
    const cycleAt = chain.indexOf(main.path);
    if (cycleAt !== -1) {
      const cycle = [...chain.slice(cycleAt), main.path].map((f) => relative(dirname(chain[0]!), f) || f).join(' -> ');
      throw new InputError(`include cycle: ${cycle}`, main.loc);
    }
    let projectDir = dirname(main.path);
    if (!isAbsent(projectDirNode)) {
      projectDir = resolve(base, expectString(projectDirNode, 'include project_directory', false));
    }

    // The included project's variables: ours first, then its env files (or its own .env).
    let fileVars: Record<string, string> = {};
    if (!isAbsent(envFileNode)) {
      const list = envFileNode.kind === 'seq' ? envFileNode.items : [envFileNode];
      for (const n of list) {
        const f = resolve(base, expectString(n, 'include env_file', false));
        const vars = await readDotenv(f, (k) => env[k] ?? fileVars[k]);
        if (!vars) throw new InputError(`env file ${f} not found`, n.loc);
        fileVars = { ...fileVars, ...vars };
      }
    } else {
      fileVars = (await readDotenv(resolve(projectDir, '.env'), (k) => env[k])) ?? {};
    }
    const includeEnv: EnvVars = Object.keys(fileVars).length ? { ...fileVars, ...definedOnly(Object.entries(env)) } : env;

    const subChain = [...chain, main.path];
    let imported = await loadLayer(ctx, main.path, projectDir, includeEnv, subChain, main.loc);
    for (const extra of files.slice(1)) {
      const layer = await loadLayer(ctx, extra.path, projectDir, includeEnv, subChain, extra.loc);
      imported = mergeModels(imported, layer);
    }
    importResources(imported, out);
  }
  return out;
}

/** Copies the included project's resources into `target`; a different definition under the same name is an error. */
function importResources(source: LMap, target: LMap): void {
  for (const section of IMPORTED) {
    const from = get(source, section);
    if (!from || from.kind !== 'map') continue;
    const existing = target.entries.get(section);
    const to = existing && existing.value.kind === 'map' ? existing.value : undefined;
    const merged = new Map(to?.entries ?? []);
    for (const [name, e] of from.entries) {
      const conflict = merged.get(name);
      if (conflict) {
        if (sameValue(conflict.value, e.value)) continue;
        throw new InputError(`${section}.${name} conflicts with the one imported from ${e.keyLoc.file}`, conflict.keyLoc);
      }
      merged.set(name, e);
    }
    const loc = to?.loc ?? from.loc;
    target.entries.set(section, {
      key: section,
      keyLoc: existing?.keyLoc ?? source.entries.get(section)!.keyLoc,
      value: { kind: 'map', loc, base: to?.base ?? from.base, entries: merged },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// extends

async function applyExtends(ctx: LoadContext, model: LMap, file: string, env: EnvVars): Promise<LMap> {
  const servicesNode = get(model, 'services');
  if (!servicesNode) return model;
  const services = expectMapOrNull(servicesNode, 'services');
  let any = false;
  for (const e of services.entries.values()) if (e.value.kind === 'map' && e.value.entries.has('extends')) any = true;
  if (!any) return model;
  const resolver = new ExtendsResolver(ctx, env);
  const entries = new Map<string, LEntry>();
  for (const [name, e] of services.entries) {
    entries.set(name, { ...e, value: await resolver.resolve(name, services, file, []) });
  }
  const out = new Map(model.entries);
  const key = model.entries.get('services')!;
  out.set('services', { ...key, value: { ...services, entries } });
  return { ...model, entries: out };
}

class ExtendsResolver {
  private readonly memo = new Map<string, LNode>();

  constructor(
    private readonly ctx: LoadContext,
    private readonly env: EnvVars,
  ) {}

  async resolve(name: string, services: LMap, file: string, chain: string[]): Promise<LNode> {
    const id = `${file}\0${name}`;
    const done = this.memo.get(id);
    if (done) return done;
    const node = services.entries.get(name)!.value;
    if (node.kind !== 'map') return node;
    const ext = get(node, 'extends');
    if (!ext) return node;

    let ref: string;
    let refFile: string | undefined;
    if (ext.kind === 'map') {
      const s = get(ext, 'service');
      if (!s) throw new InputError(`extends of service "${name}" needs a "service"`, ext.loc);
      ref = expectString(s, 'extends.service');
      const f = get(ext, 'file');
      if (!isAbsent(f)) refFile = expectString(f, 'extends.file', false);
    } else ref = expectString(ext, 'extends');

    if (chain.includes(id)) {
      const names = [...chain.slice(chain.indexOf(id)), id].map((c) => c.split('\0')[1]).join(' -> ');
      throw new InputError(`extends cycle: ${names}`, ext.loc);
    }
    const subChain = [...chain, id];
    if (subChain.length > MAX_EXTENDS_DEPTH) {
      throw new InputError(
        `service "${name}" extends through more than ${MAX_EXTENDS_DEPTH} services; longer chains are not followed`,
        ext.loc,
      );
    }

    let baseService: LNode;
    if (refFile !== undefined) {
      checkLocal(refFile, ext.loc, 'extends file');
      const path = resolve(dirname(ext.loc.file), refFile);
      // The extended file's relative paths are its own; its includes are not processed (compose-go does the same).
      const other = await this.ctx.parse(path, dirname(path), this.env, ext.loc);
      const otherServicesNode = get(other, 'services');
      const otherServices = otherServicesNode ? expectMapOrNull(otherServicesNode, 'services') : undefined;
      if (!otherServices?.entries.has(ref)) {
        throw new InputError(`cannot extend service "${name}": service "${ref}" not found in ${path}`, ext.loc);
      }
      baseService = await this.resolve(ref, otherServices, path, subChain);
    } else {
      if (!services.entries.has(ref)) throw new InputError(`cannot extend service "${name}": service "${ref}" not found`, ext.loc);
      baseService = await this.resolve(ref, services, file, subChain);
    }

    const own = new Map(node.entries);
    own.delete('extends');
    const ownNode: LMap = { ...node, entries: own };
    let merged: LNode;
    if (isAbsent(baseService)) merged = ownNode;
    else merged = mergeNode(expectMap(baseService, `service "${ref}"`), ownNode, ['services', name]);
    this.memo.set(id, merged);
    return merged;
  }
}

// ---------------------------------------------------------------------------------------------
// merging

/** Merges two project models: `b` overrides `a`, with compose's rules for the keys that have some. */
export function mergeModels(a: LMap, b: LMap): LMap {
  return mergeMaps(a, b, []);
}

function pathIs(path: string[], ...pattern: string[]): boolean {
  if (path.length !== pattern.length) return false;
  return pattern.every((p, i) => p === '*' || p === path[i]);
}

function mergeNode(a: LNode, b: LNode, path: string[]): LNode {
  if (b.tag === '!override' || b.tag === '!reset') return b;
  if (isAbsent(a)) return b;
  if (path.length === 3 && path[0] === 'services') {
    switch (path[2]) {
      case 'volumes':
        if (a.kind === 'seq' && b.kind === 'seq') return mergeByKey(a, b, volumeTargetOf);
        return b;
      case 'environment':
      case 'labels':
      case 'annotations':
        return mergeKeyValues(a, b);
      case 'tmpfs':
      case 'env_file':
      case 'dns':
      case 'dns_search':
        return mergeByKey(asSeq(a), asSeq(b), (n) => (n.kind === 'scalar' ? String(n.value) : undefined));
      case 'command':
      case 'entrypoint':
        return b;
    }
  }
  if (pathIs(path, 'services', '*', 'healthcheck', 'test')) return b;
  if (path.length === 2 && path[0] === 'services' && (isAbsent(b) || b.kind !== 'map')) return isAbsent(b) ? a : b;
  if (path.length >= 1 && path[path.length - 1]!.startsWith('x-')) return b;
  if (a.kind === 'map' && b.kind === 'map') return mergeMaps(a, b, path);
  if (a.kind === 'seq' && b.kind === 'seq') return { kind: 'seq', loc: a.loc, base: a.base, items: [...a.items, ...b.items] };
  return b;
}

function mergeMaps(a: LMap, b: LMap, path: string[]): LMap {
  const entries = new Map(a.entries);
  for (const [k, eb] of b.entries) {
    if (eb.value.tag === '!reset') {
      entries.delete(k);
      continue;
    }
    const ea = entries.get(k);
    if (!ea) entries.set(k, eb);
    else entries.set(k, { key: k, keyLoc: ea.keyLoc, value: mergeNode(ea.value, eb.value, [...path, k]) });
  }
  return { kind: 'map', loc: a.loc, base: a.base, entries };
}

function asSeq(n: LNode): LSeq {
  if (n.kind === 'seq') return n;
  if (isAbsent(n)) return { kind: 'seq', loc: n.loc, base: n.base, items: [] };
  return { kind: 'seq', loc: n.loc, base: n.base, items: [n] };
}

/** Lists merged item by item: a later item with the same key replaces the earlier one in place. */
function mergeByKey(a: LSeq, b: LSeq, keyOf: (n: LNode) => string | undefined): LSeq {
  const items = [...a.items];
  const index = new Map<string, number>();
  items.forEach((n, i) => {
    const k = keyOf(n);
    if (k !== undefined) index.set(k, i);
  });
  for (const n of b.items) {
    const k = keyOf(n);
    const at = k === undefined ? undefined : index.get(k);
    if (at !== undefined) items[at] = n;
    else {
      if (k !== undefined) index.set(k, items.length);
      items.push(n);
    }
  }
  return { kind: 'seq', loc: a.loc, base: a.base, items };
}

/**
 * `environment` (and labels) as a mapping whatever syntax each side used: `- A=b` becomes A: "b",
 * a bare `- A` becomes A: null (to be taken from the environment).
 */
export function keyValuesAsMap(n: LNode): LMap {
  if (n.kind === 'map') return n;
  const entries = new Map<string, LEntry>();
  if (n.kind === 'seq') {
    for (const item of n.items) {
      if (item.kind !== 'scalar' || item.value === null) continue;
      const s = String(item.value);
      const eq = s.indexOf('=');
      const key = eq === -1 ? s : s.slice(0, eq);
      const value: LScalar = { kind: 'scalar', loc: item.loc, base: item.base, value: eq === -1 ? null : s.slice(eq + 1) };
      entries.set(key, { key, keyLoc: item.loc, value });
    }
  }
  return { kind: 'map', loc: n.loc, base: n.base, entries };
}

function mergeKeyValues(a: LNode, b: LNode): LNode {
  const am = keyValuesAsMap(a);
  const bm = keyValuesAsMap(b);
  const entries = new Map(am.entries);
  for (const [k, e] of bm.entries) entries.set(k, e);
  return { kind: 'map', loc: am.loc, base: am.base, entries };
}
