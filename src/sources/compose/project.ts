/**
 * Files mode for compose: a project's files read into one {@link TargetInput} per service, before
 * anything runs and without asking Docker (an optional {@link ImageInfoLookup} lets a caller add what
 * it knows about local images).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatLocation, isInputError } from '../../core/errors';
import { definedOnly } from '../../core/env';
import { userNamePart } from '../../core/user';
import { InputError, type Mount, type SourceLocation, type TargetInput } from '../../core/types';
import { readDotenv } from './dotenv';
import { DEFAULT_COMPOSE_FILES, DEFAULT_OVERRIDE_FILES } from './file-names';
import { chooseHome, imageInfoCache, imageUser, type ImageInfoLookup } from './image-info';
import { checkEntries } from './limits';
import { keyValuesAsMap, LoadContext, loadLayer, mergeModels, type EnvVars, type TextOverlay } from './load';
import { describe, expectBool, expectMapOrNull, expectString, get, isAbsent, isReset, optionalString, type LMap, type LNode } from './node';
import { parseServiceTmpfs, parseServiceVolume, resolveHostPath, type VolumeSpec } from './volumes';

export interface ComposeLoadOptions {
  /** `--project-directory`: where relative paths and `.env` are looked up; default the first file's directory. */
  projectDirectory?: string;
  /** Variables for interpolation; default `process.env`. They win over the project's `.env` file. */
  env?: Record<string, string | undefined>;
  imageInfo?: ImageInfoLookup;
  /** `-p`: the project name, over COMPOSE_PROJECT_NAME and `name:` (the dev container CLI passes one). */
  projectName?: string;
  /**
   * Whether a single default-named file (compose.yaml, docker-compose.yml...) brings in the
   * compose.override.yml / docker-compose.override.yml beside it, as `docker compose` does when it
   * finds the files itself. Default true; the dev container CLI passes its files with `-f`, which does not.
   */
  autoOverride?: boolean;
  /** Unsaved texts by absolute path, read instead of the files on disk (an editor's open buffers). */
  overlay?: TextOverlay;
}

export interface ComposeServiceModel {
  name: string;
  declaredAt: SourceLocation;
  file: string;
  volumes: Array<{ raw: unknown; target: string; declaredAt: SourceLocation; file: string }>;
  tmpfs: Array<{ target: string; declaredAt: SourceLocation; file: string }>;
  /** Where `image:` is written (possibly in an `extends` base), for diagnostics about the image's data. */
  imageAt?: SourceLocation;
  /** Where each `environment` variable is written, for diagnostics about the paths they point at. */
  environmentAt: Record<string, SourceLocation>;
}

export interface ComposeProject {
  name: string;
  /** The files read as `-f` layers, in order (including an automatically found override file). */
  files: string[];
  targets: TargetInput[];
  warnings: string[];
  /** For the quick-fix engine: per service, where it and its volumes are declared. */
  services: ComposeServiceModel[];
  volumes: Record<string, { name?: string; external: boolean; declaredAt?: SourceLocation }>;
}

/** Compose's project name rule: lower case, only [a-z0-9_-], not starting with - or _. */
export function normalizeProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[-_]+/, '');
}

export async function loadComposeProject(files: string[], opts: ComposeLoadOptions = {}): Promise<ComposeProject> {
  if (files.length === 0) throw new InputError('no compose file given');
  const layers = files.map((f) => resolve(f));
  if (layers.length === 1 && opts.autoOverride !== false && DEFAULT_COMPOSE_FILES.includes(basename(layers[0]!))) {
    const dir = dirname(layers[0]!);
    const override = DEFAULT_OVERRIDE_FILES.map((n) => join(dir, n)).find((f) => opts.overlay?.has(f) || existsSync(f));
    if (override) layers.push(override);
  }
  const projectDir = opts.projectDirectory ? resolve(opts.projectDirectory) : dirname(layers[0]!);
  const processEnv = definedOnly(Object.entries(opts.env ?? process.env));
  const dotenv = (await readDotenv(join(projectDir, '.env'), (k) => processEnv[k])) ?? {};
  const env: EnvVars = { ...dotenv, ...processEnv };

  const ctx = new LoadContext(opts.overlay);
  let model: LMap | undefined;
  for (const file of layers) {
    const layer = await loadLayer(ctx, file, projectDir, env, [file]);
    model = model ? mergeModels(model, layer) : layer;
  }
  return buildProject(model!, layers, projectDir, env, ctx, opts);
}

interface TopVolume {
  name?: string;
  external: boolean;
  declaredAt?: SourceLocation;
}

function readTopVolumes(model: LMap): Record<string, TopVolume> {
  const out: Record<string, TopVolume> = {};
  const node = get(model, 'volumes');
  if (!node) return out;
  const volumes = expectMapOrNull(node, 'volumes');
  for (const [key, e] of volumes.entries) {
    const v = e.value;
    if (isReset(v)) continue;
    if (isAbsent(v)) {
      out[key] = { external: false, declaredAt: e.keyLoc };
      continue;
    }
    if (v.kind !== 'map') throw new InputError(`volume "${key}" must be a mapping, not ${describe(v)}`, v.loc);
    let name = optionalString(v, 'name', `volumes.${key}.name`);
    let external = false;
    const ext = get(v, 'external');
    if (ext) {
      if (ext.kind === 'map') {
        // Legacy `external: {name: x}`.
        external = true;
        name = optionalString(ext, 'name', `volumes.${key}.external.name`) ?? name;
      } else external = expectBool(ext, `volumes.${key}.external`);
    }
    out[key] = { ...(name ? { name } : {}), external, declaredAt: e.keyLoc };
  }
  return out;
}

interface ServiceDraft {
  name: string;
  keyLoc: SourceLocation;
  image?: string;
  user?: string;
  workingDir?: string;
  env: Record<string, string>;
  mounts: Mount[];
  readOnlyRoot: boolean;
  volumesFrom: Array<{ ref: string; readOnly: boolean; loc: SourceLocation }>;
  model: ComposeServiceModel;
}

async function buildProject(
  model: LMap,
  files: string[],
  projectDir: string,
  env: EnvVars,
  ctx: LoadContext,
  opts: ComposeLoadOptions,
): Promise<ComposeProject> {
  const warn = (m: string): void => ctx.warn(m);

  // Project name: -p, then COMPOSE_PROJECT_NAME, then `name:`, then the project directory's name.
  const nameNode = get(model, 'name');
  const declaredName = !isAbsent(nameNode) ? expectString(nameNode, 'name') : undefined;
  const explicit = [opts.projectName, env.COMPOSE_PROJECT_NAME, declaredName];
  let projectName = '';
  for (const c of explicit) {
    if (!c) continue;
    projectName = normalizeProjectName(c);
    if (projectName !== c) warn(`project name "${c}" is not a valid compose project name; read as "${projectName}"`);
    if (projectName) break;
  }
  // The directory's name is normalized silently, as compose does.
  if (!projectName) projectName = normalizeProjectName(basename(projectDir)) || 'default';

  const topVolumes = readTopVolumes(model);
  const servicesNode = get(model, 'services');
  const services = servicesNode ? expectMapOrNull(servicesNode, 'services') : undefined;
  if (!services || services.entries.size === 0) warn(`${files[0]}: no services defined`);

  const lookupEnv = (k: string): string | undefined => env[k];
  const drafts: ServiceDraft[] = [];
  for (const [name, entry] of services?.entries ?? []) {
    let node: LMap;
    const v = entry.value;
    if (isReset(v)) continue; // `name: !reset` removes the service
    if (isAbsent(v)) {
      warn(`${formatLocation(entry.keyLoc)}: service "${name}" is empty`);
      node = { kind: 'map', loc: entry.keyLoc, base: v.base, entries: new Map() };
    } else if (v.kind !== 'map') throw new InputError(`service "${name}" must be a mapping, not ${describe(v)}`, v.loc);
    else node = v;
    drafts.push(await readService(name, entry.keyLoc, node, topVolumes, lookupEnv, warn));
  }

  resolveVolumesFrom(drafts, warn);

  const info = imageInfoCache(opts.imageInfo, warn);
  const targets = await Promise.all(
    drafts.map(async (d): Promise<TargetInput> => {
      const i = await info(d.image);
      const env = { ...(i?.env ?? {}), ...d.env };
      const user = d.user ?? imageUser(i);
      const home = chooseHome(env, d.user, i);
      const workingDir = d.workingDir ?? i?.workingDir;
      return {
        kind: 'compose-service',
        name: d.name,
        file: d.keyLoc.file,
        ...(d.image ? { image: d.image } : {}),
        ...(home ? { home } : {}),
        ...(user ? { user } : {}),
        env,
        ...(workingDir ? { workingDir } : {}),
        mounts: d.mounts,
        imageVolumes: i?.volumes ?? [],
        rootStatus: 'writable-layer',
        ...(d.readOnlyRoot ? { rootReadOnly: true } : {}),
        declaredAt: d.keyLoc,
        labels: { 'com.docker.compose.project': projectName, 'com.docker.compose.service': d.name },
      };
    }),
  );

  const volumes: ComposeProject['volumes'] = {};
  for (const [k, v] of Object.entries(topVolumes)) volumes[k] = v;
  return { name: projectName, files, targets, warnings: ctx.warnings, services: drafts.map((d) => d.model), volumes };
}

async function readService(
  name: string,
  keyLoc: SourceLocation,
  node: LMap,
  topVolumes: Record<string, TopVolume>,
  lookupEnv: (k: string) => string | undefined,
  warn: (m: string) => void,
): Promise<ServiceDraft> {
  const image = optionalString(node, 'image', `services.${name}.image`) || undefined;
  const userRaw = get(node, 'user');
  let user: string | undefined;
  if (!isAbsent(userRaw)) user = userNamePart(expectString(userRaw, `services.${name}.user`)) || undefined;
  const workingDir = optionalString(node, 'working_dir', `services.${name}.working_dir`) || undefined;
  const ro = get(node, 'read_only');
  const readOnlyRoot = ro ? expectBool(ro, `services.${name}.read_only`) : false;

  const env = await readServiceEnv(name, node, lookupEnv, warn);

  const imageNode = get(node, 'image');
  const model: ComposeServiceModel = {
    name,
    declaredAt: keyLoc,
    file: keyLoc.file,
    volumes: [],
    tmpfs: [],
    ...(imageNode ? { imageAt: imageNode.loc } : {}),
    environmentAt: environmentLocations(node),
  };
  const mounts: Mount[] = [];
  const volumesNode = get(node, 'volumes');
  if (!isAbsent(volumesNode)) {
    if (volumesNode.kind !== 'seq')
      throw new InputError(`services.${name}.volumes must be a list, not ${describe(volumesNode)}`, volumesNode.loc);
    checkEntries(`services.${name}.volumes`, volumesNode.items.length, volumesNode.loc);
    for (const item of volumesNode.items) {
      const spec = parseServiceVolume(item, warn);
      if (!spec) continue;
      model.volumes.push({ raw: spec.raw, target: spec.target, declaredAt: spec.declaredAt, file: spec.declaredAt.file });
      mounts.push(toMount(spec, name, topVolumes, warn));
    }
  }
  const tmpfsNode = get(node, 'tmpfs');
  if (!isAbsent(tmpfsNode)) {
    if (tmpfsNode.kind === 'map') throw new InputError(`services.${name}.tmpfs must be a string or a list, not a mapping`, tmpfsNode.loc);
    if (tmpfsNode.kind === 'seq') checkEntries(`services.${name}.tmpfs`, tmpfsNode.items.length, tmpfsNode.loc);
    for (const t of parseServiceTmpfs(tmpfsNode)) {
      model.tmpfs.push({ target: t.target, declaredAt: t.declaredAt, file: t.declaredAt.file });
      mounts.push({ target: t.target, status: 'tmpfs', readOnly: false, declaredAt: t.declaredAt, origin: 'compose tmpfs' });
    }
  }

  const volumesFrom: ServiceDraft['volumesFrom'] = [];
  const vf = get(node, 'volumes_from');
  if (!isAbsent(vf)) {
    if (vf.kind !== 'seq') throw new InputError(`services.${name}.volumes_from must be a list, not ${describe(vf)}`, vf.loc);
    for (const item of vf.items) {
      const s = expectString(item, 'a volumes_from entry', false);
      const parts = s.split(':');
      let ref = parts[0]!;
      let mode = parts[1];
      if ((ref === 'service' || ref === 'container') && parts.length > 1) {
        if (ref === 'container') {
          warn(`${formatLocation(item.loc)}: volumes_from a container (${parts[1]}) cannot be resolved from files`);
          continue;
        }
        ref = parts[1]!;
        mode = parts[2];
      }
      volumesFrom.push({ ref, readOnly: mode === 'ro', loc: item.loc });
    }
  }

  return {
    name,
    keyLoc,
    ...(image ? { image } : {}),
    ...(user ? { user } : {}),
    ...(workingDir ? { workingDir } : {}),
    env,
    mounts,
    readOnlyRoot,
    volumesFrom,
    model,
  };
}

function toMount(spec: VolumeSpec, service: string, topVolumes: Record<string, TopVolume>, warn: (m: string) => void): Mount {
  const { target, readOnly, declaredAt } = spec;
  const origin = 'compose volumes';
  if (spec.type === 'tmpfs') return { target, status: 'tmpfs', readOnly, declaredAt, origin };
  if (spec.type === 'bind') return { target, status: 'bind-mount', source: spec.source!, readOnly, declaredAt, origin };
  if (!spec.source) return { target, status: 'anonymous-volume', readOnly, declaredAt, origin };
  const top = Object.prototype.hasOwnProperty.call(topVolumes, spec.source) ? topVolumes[spec.source] : undefined;
  if (!top) {
    warn(
      `${formatLocation(declaredAt)}: service "${service}" refers to undefined volume ${spec.source} (compose refuses this project until it is declared under the top-level volumes:)`,
    );
    return { target, status: 'named-volume', source: spec.source, readOnly, declaredAt, origin };
  }
  const mount: Mount = { target, status: 'named-volume', source: top.name ?? spec.source, readOnly, declaredAt, origin };
  if (top.external) mount.external = true;
  return mount;
}

async function readServiceEnv(
  name: string,
  node: LMap,
  lookupEnv: (k: string) => string | undefined,
  warn: (m: string) => void,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const envFile = get(node, 'env_file');
  if (!isAbsent(envFile)) {
    const items = envFile.kind === 'seq' ? envFile.items : [envFile];
    for (const item of items) {
      let pathNode: LNode = item;
      let required = true;
      if (item.kind === 'map') {
        const p = get(item, 'path');
        if (!p) throw new InputError('an env_file entry needs a "path"', item.loc);
        pathNode = p;
        const r = get(item, 'required');
        if (r) required = expectBool(r, 'env_file.required');
      }
      const file = resolveHostPath(expectString(pathNode, `services.${name}.env_file`, false), pathNode.base);
      try {
        const vars = await readDotenv(file, lookupEnv);
        if (vars) Object.assign(env, vars);
        else if (required)
          warn(`${formatLocation(pathNode.loc)}: env file ${file} not found (compose refuses to start the service without it)`);
      } catch (e) {
        if (!isInputError(e)) throw e;
        warn(`${e.message} (env file skipped)`);
      }
    }
  }
  const environment = get(node, 'environment');
  if (!isAbsent(environment)) {
    if (environment.kind === 'scalar') {
      throw new InputError(`services.${name}.environment must be a mapping or a list, not ${describe(environment)}`, environment.loc);
    }
    if (environment.kind === 'seq') {
      for (const item of environment.items) {
        if (item.kind !== 'scalar' || item.value === null || typeof item.value === 'boolean') {
          throw new InputError(`an environment entry must be a string, not ${describe(item)}`, item.loc);
        }
      }
    }
    for (const [key, e] of keyValuesAsMap(environment).entries) {
      const v = e.value;
      if (isReset(v)) {
        delete env[key];
        continue;
      }
      if (v.kind !== 'scalar') throw new InputError(`environment variable ${key} must be a string, not ${describe(v)}`, v.loc);
      if (isAbsent(v)) {
        // `- KEY` or `KEY:` with no value: taken from the environment compose runs in, else unset.
        const fromEnv = lookupEnv(key);
        if (fromEnv !== undefined) env[key] = fromEnv;
        else delete env[key];
      } else env[key] = String(v.value);
    }
  }
  return env;
}

function environmentLocations(node: LMap): Record<string, SourceLocation> {
  const out: Record<string, SourceLocation> = {};
  const environment = get(node, 'environment');
  if (!environment || environment.kind === 'scalar') return out;
  for (const [key, e] of keyValuesAsMap(environment).entries) out[key] = e.keyLoc;
  return out;
}

/** `volumes_from: [other]` gives a service the other's volumes and binds at the same paths. */
function resolveVolumesFrom(drafts: ServiceDraft[], warn: (m: string) => void): void {
  const byName = new Map(drafts.map((d) => [d.name, d]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (d: ServiceDraft): void => {
    if (done.has(d.name)) return;
    if (visiting.has(d.name)) {
      warn(`${formatLocation(d.keyLoc)}: volumes_from cycle through service "${d.name}"`);
      return;
    }
    visiting.add(d.name);
    for (const vf of d.volumesFrom) {
      const other = byName.get(vf.ref);
      if (!other) {
        warn(`${formatLocation(vf.loc)}: volumes_from refers to undefined service "${vf.ref}"`);
        continue;
      }
      visit(other);
      const own = new Set(d.mounts.map((m) => m.target));
      for (const m of other.mounts) {
        if (m.status === 'tmpfs' || own.has(m.target)) continue;
        d.mounts.push({ ...m, readOnly: m.readOnly || vf.readOnly, origin: `volumes_from ${other.name}` });
      }
    }
    visiting.delete(d.name);
    done.add(d.name);
  };
  for (const d of drafts) visit(d);
}
