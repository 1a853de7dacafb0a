/**
 * Files mode for dev containers: a devcontainer.json (JSONC) read into a {@link TargetInput}, without
 * building or running anything. A compose-based configuration (`dockerComposeFile` + `service`) is the
 * compose service, plus what the dev container CLI adds to it (mounts, environment, user).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { normalizePosix } from '../../core/paths';
import { formatLocation } from '../../core/errors';
import { InputError, type Mount, type SourceLocation, type TargetInput } from '../../core/types';
import {
  chooseHome,
  imageInfoCache,
  imageUser,
  loadComposeProject,
  type ComposeLoadOptions,
  type ComposeProject,
  type ImageInfo,
} from '../compose/index';
import { checkEntries, checkTextSize, readConfigFile } from '../compose/limits';
import { definedOnly } from '../../core/env';
import { isHostPath, resolveHostPath, splitShortSyntax } from '../compose/volumes';
import { boundDevice, isReadOnlyRootFlag, parseMountString, storageFlagAt, tmpfsTarget, type MountSpec } from './docker-args';
import { isNull, keyOf, parseJsonc, prop, typeName, type JsonDoc, type JsonNode } from './json-reader';
import { substitute, type SubstitutionContext } from './substitute';
import { userNamePart } from '../../core/user';

export { parseMountString } from './docker-args';

export interface DevcontainerLoadOptions extends ComposeLoadOptions {
  /** The local folder opened in the dev container; default the folder that holds `.devcontainer/`. */
  localWorkspaceFolder?: string;
}

export interface DevcontainerResult {
  /**
   * The dev container first. For a compose-based configuration, the other services the dev container
   * CLI starts (`runServices`, else all) follow as compose-service targets.
   */
  targets: TargetInput[];
  warnings: string[];
  compose?: ComposeProject;
  /** Where the dev container's own properties are written, for diagnostics (as compose's ComposeServiceModel). */
  model: DevcontainerModel;
}

export interface DevcontainerModel {
  /** Where `image:` is written (its key), in an image-based configuration. */
  imageAt?: SourceLocation;
  /**
   * Where each `containerEnv` and `remoteEnv` variable is written (its key). remoteEnv is applied after
   * containerEnv: a variable set in both takes remoteEnv's value, so its place.
   */
  environmentAt: Record<string, SourceLocation>;
}

/**
 * What a devcontainer.json says of its container, read before the image-based and compose-based
 * configurations part ways.
 */
interface DevcontainerSettings {
  name: string;
  /** `workspaceFolder`, when it is written. */
  workspaceFolder: string | undefined;
  /** Where the workspace is in the container: `workspaceFolder`, else the Dev Containers CLI's default. */
  containerWorkspaceFolder: string;
  /** The `mounts`, each where it is written. */
  mounts: Mount[];
  containerEnv: Map<string, string | null>;
  remoteEnv: Map<string, string | null>;
  remoteUser: string | undefined;
  containerUser: string | undefined;
  labels: Record<string, string>;
}

export async function loadDevcontainer(file: string, opts: DevcontainerLoadOptions = {}): Promise<DevcontainerResult> {
  const path = resolve(file);
  // Not a FIFO or a device (a read that never ends), and at most 8 MB: refused before it is read.
  const unsaved = opts.overlay?.get(path);
  const text = unsaved !== undefined ? checkTextSize(path, unsaved) : await readConfigFile(path);
  const { doc, root } = parseJsonc(path, text);
  if (!root || root.type !== 'object') {
    throw new InputError(`a devcontainer.json must hold an object, not ${root ? typeName(root) : 'nothing'}`, doc.loc(root?.offset ?? 0));
  }
  return new DevcontainerReader(doc, root, opts).read();
}

function defaultWorkspaceFolder(configFile: string): string {
  const dir = dirname(configFile);
  if (basename(dir) === '.devcontainer') return dirname(dir);
  if (basename(dirname(dir)) === '.devcontainer') return dirname(dirname(dir));
  return dir;
}

/** The folder name a dev container is known by when its config has no `name`. */
function defaultName(configFile: string, workspace: string): string {
  const dir = dirname(configFile);
  if (basename(dirname(dir)) === '.devcontainer') return basename(dir);
  return basename(workspace);
}

class DevcontainerReader {
  private readonly warnings: string[] = [];
  private readonly localWorkspaceFolder: string;
  /** What `${...}` variables stand for; the container's workspace folder is known once `workspaceFolder` is read. */
  private readonly vars: SubstitutionContext;
  private readonly environmentAt: Record<string, SourceLocation> = {};
  /**
   * For a compose-based configuration: the compose project directory (the folder of the first
   * `dockerComposeFile`), against which compose resolves the `mounts` the CLI writes into its override.
   */
  private composeProjectDir: string | undefined;

  constructor(
    private readonly doc: JsonDoc,
    private readonly root: JsonNode,
    private readonly opts: DevcontainerLoadOptions,
  ) {
    this.localWorkspaceFolder = opts.localWorkspaceFolder ? resolve(opts.localWorkspaceFolder) : defaultWorkspaceFolder(doc.file);
    this.vars = { localWorkspaceFolder: this.localWorkspaceFolder, localEnv: opts.env ?? process.env };
  }

  private warn(message: string, node?: JsonNode): void {
    const w = node ? `${formatLocation(this.doc.at(node))}: ${message}` : message;
    if (!this.warnings.includes(w)) this.warnings.push(w);
  }

  private string(node: JsonNode | undefined, what: string): string | undefined {
    if (isNull(node)) return undefined;
    if (node!.type !== 'string') throw new InputError(`${what} must be a string, not ${typeName(node!)}`, this.doc.at(node!));
    return substitute(node!.value as string, this.vars);
  }

  /** `containerEnv` or `remoteEnv`: null removes a variable. Each variable's place goes to {@link environmentAt}. */
  private envMap(node: JsonNode | undefined, what: string, containerEnv: Record<string, string> = {}): Map<string, string | null> {
    const out = new Map<string, string | null>();
    if (isNull(node)) return out;
    if (node!.type !== 'object') throw new InputError(`${what} must be an object, not ${typeName(node!)}`, this.doc.at(node!));
    for (const p of node!.children ?? []) {
      const keyNode = p.children?.[0];
      const key = keyNode?.value as string;
      if (keyNode) this.environmentAt[key] = this.doc.at(keyNode);
      const v = p.children?.[1];
      if (!v || v.type === 'null') out.set(key, null);
      else if (v.type === 'string') out.set(key, substitute(v.value as string, this.vars, containerEnv));
      else if (v.type === 'number' || v.type === 'boolean') out.set(key, String(v.value));
      else throw new InputError(`${what}.${key} must be a string, not ${typeName(v)}`, this.doc.at(v));
    }
    return out;
  }

  async read(): Promise<DevcontainerResult> {
    const root = this.root;
    const name = this.string(prop(root, 'name'), 'name') || defaultName(this.doc.file, this.localWorkspaceFolder);
    const composeFileNode = prop(root, 'dockerComposeFile');
    const workspaceFolderNode = prop(root, 'workspaceFolder');
    const workspaceFolder = this.string(workspaceFolderNode, 'workspaceFolder');
    const isCompose = !isNull(composeFileNode);
    const containerWorkspaceFolder = workspaceFolder ?? (isCompose ? '/' : `/workspaces/${basename(this.localWorkspaceFolder)}`);
    this.vars.containerWorkspaceFolder = containerWorkspaceFolder;

    const containerEnv = this.envMap(prop(root, 'containerEnv'), 'containerEnv');
    const remoteEnv = this.envMap(prop(root, 'remoteEnv'), 'remoteEnv', definedOnly(containerEnv));
    const remoteUser = this.string(prop(root, 'remoteUser'), 'remoteUser');
    const containerUser = this.string(prop(root, 'containerUser'), 'containerUser');

    if (isCompose) {
      const first = composeFileNode!.type === 'array' ? composeFileNode!.children?.[0] : composeFileNode;
      const rel = first?.type === 'string' ? (first.value as string) : undefined;
      if (rel) this.composeProjectDir = dirname(resolve(dirname(this.doc.file), rel));
    }

    const mounts: Mount[] = [];
    const mountsNode = prop(root, 'mounts');
    if (!isNull(mountsNode)) {
      if (mountsNode!.type !== 'array')
        throw new InputError(`mounts must be an array, not ${typeName(mountsNode!)}`, this.doc.at(mountsNode!));
      checkEntries('mounts', mountsNode!.children?.length ?? 0, this.doc.at(mountsNode!));
      for (const item of mountsNode!.children ?? []) {
        const m = this.readMount(item, 'a mounts entry');
        if (m) mounts.push(m);
      }
    }
    const labels = { 'devcontainer.local_folder': this.localWorkspaceFolder, 'devcontainer.config_file': this.doc.file };
    const settings: DevcontainerSettings = {
      name,
      workspaceFolder,
      containerWorkspaceFolder,
      mounts,
      containerEnv,
      remoteEnv,
      remoteUser,
      containerUser,
      labels,
    };
    return isCompose ? this.readCompose(composeFileNode!, settings) : this.readContainer(settings);
  }

  /** An image- or Dockerfile-based configuration: the container the Dev Containers CLI runs itself. */
  private async readContainer(settings: DevcontainerSettings): Promise<DevcontainerResult> {
    const { name, mounts, containerEnv, remoteEnv, remoteUser, containerUser, labels } = settings;
    const root = this.root;
    const allMounts: Mount[] = [];
    const wsNode = prop(root, 'workspaceMount');
    if (isNull(wsNode)) {
      allMounts.push({
        target: `/workspaces/${basename(this.localWorkspaceFolder)}`,
        status: 'bind-mount',
        source: this.localWorkspaceFolder,
        readOnly: false,
        origin: 'devcontainer default workspace mount',
      });
    } else if (wsNode!.type === 'string' && (wsNode!.value as string).trim() === '') {
      this.warn('workspaceMount is empty: no workspace folder is mounted', wsNode);
    } else {
      const m = this.readMount(wsNode!, 'workspaceMount');
      if (m) allMounts.push({ ...m, origin: 'devcontainer workspaceMount' });
    }
    // One at a time: `push(...list)` passes every entry as an argument, and a long list overflows the stack.
    for (const m of mounts) allMounts.push(m);
    const run = this.readRunArgs();
    for (const m of run.mounts) allMounts.push(m);

    const build = prop(root, 'build');
    const dockerFile = prop(root, 'dockerFile') ?? prop(root, 'dockerfile');
    const imageNode = prop(root, 'image');
    const imageKey = imageNode && keyOf(imageNode);
    let image = this.string(imageNode, 'image') || undefined;
    if (!isNull(build) || !isNull(dockerFile)) image = undefined;
    if (!image && isNull(build) && isNull(dockerFile)) this.warn('no image, build or dockerComposeFile: the container cannot be created');

    const info = await imageInfoCache(this.opts.imageInfo, (m) => this.warn(m))(image);
    const env = applyEnv({ ...(info?.env ?? {}) }, containerEnv, remoteEnv);
    const { user, home } = userAndHome(env, remoteUser ?? containerUser, info);
    const target: TargetInput = {
      kind: 'devcontainer',
      name,
      file: this.doc.file,
      ...(image ? { image } : {}),
      ...(home ? { home } : {}),
      ...(user ? { user } : {}),
      env,
      workingDir: settings.containerWorkspaceFolder,
      mounts: dedupeByTarget(allMounts),
      imageVolumes: info?.volumes ?? [],
      rootStatus: 'writable-layer',
      ...(run.readOnlyRoot ? { rootReadOnly: true } : {}),
      declaredAt: this.doc.at(root),
      labels,
    };
    const model = { ...(imageKey ? { imageAt: this.doc.at(imageKey) } : {}), environmentAt: this.environmentAt };
    return { targets: [target], warnings: this.warnings, model };
  }

  private readMount(item: JsonNode, what: string): Mount | undefined {
    const loc = this.doc.at(item);
    let spec: MountSpec;
    if (item.type === 'string') {
      const parsed = parseMountString(substitute(item.value as string, this.vars));
      if (typeof parsed === 'string') throw new InputError(`invalid mount "${item.value as string}": ${parsed}`, loc);
      spec = parsed;
    } else if (item.type === 'object') {
      const type = this.string(prop(item, 'type'), `${what}.type`);
      const source = this.string(prop(item, 'source'), `${what}.source`);
      const target = this.string(prop(item, 'target'), `${what}.target`);
      const ro = prop(item, 'readonly') ?? prop(item, 'readOnly');
      spec = {
        type: (type ?? 'volume').toLowerCase(),
        ...(source !== undefined ? { source } : {}),
        ...(target !== undefined ? { target } : {}),
        readOnly: ro?.type === 'boolean' ? (ro.value as boolean) : false,
      };
    } else {
      throw new InputError(`${what} must be a string or an object, not ${typeName(item)}`, loc);
    }
    return this.toMount(spec, loc, item.type === 'string' ? (item.value as string) : what);
  }

  private toMount(spec: MountSpec, loc: SourceLocation, written: string): Mount | undefined {
    if (!spec.target) throw new InputError(`mount "${written}" has no target`, loc);
    if (!spec.target.startsWith('/')) throw new InputError(`mount target "${spec.target}" must be an absolute container path`, loc);
    const target = normalizePosix(spec.target);
    if (this.composeProjectDir !== undefined) return this.toComposeOverrideMount(spec, target, loc, this.composeProjectDir);
    const common = { target, readOnly: spec.readOnly, declaredAt: loc, origin: 'devcontainer mounts' };
    switch (spec.type) {
      case 'volume': {
        const device = boundDevice(spec.volumeOpts);
        if (device !== undefined) {
          // The local driver with `o=bind` (or `type=none`) and `device=` mounts that host path: a bind, whatever the name says.
          this.warn(
            `the volume "${spec.source ?? ''}" at ${target} is a bind of the host's ${device} (volume-opt device=${device} with o=bind)`,
          );
          return { ...common, status: 'bind-mount', source: resolveHostPath(device, this.localWorkspaceFolder) };
        }
        return spec.source ? { ...common, status: 'named-volume', source: spec.source } : { ...common, status: 'anonymous-volume' };
      }
      case 'bind': {
        if (!spec.source) throw new InputError(`bind mount "${written}" has no source`, loc);
        if (!spec.source.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(spec.source)) {
          this.warn(
            `bind source "${spec.source}" is not an absolute path; Docker refuses it (read relative to ${this.localWorkspaceFolder})`,
          );
        }
        return { ...common, status: 'bind-mount', source: resolveHostPath(spec.source, this.localWorkspaceFolder) };
      }
      case 'tmpfs':
        return { ...common, status: 'tmpfs' };
      case 'npipe':
      case 'image':
      case 'cluster':
        this.warn(`mount of type "${spec.type}" at ${target} is not analyzed`);
        return undefined;
      default:
        throw new InputError(`unknown mount type "${spec.type}" (expected volume, bind or tmpfs)`, loc);
    }
  }

  /** Storage declared in `runArgs`: -v/--volume, --mount, --tmpfs, and --read-only. */
  private readRunArgs(): { mounts: Mount[]; readOnlyRoot: boolean } {
    const node = prop(this.root, 'runArgs');
    const mounts: Mount[] = [];
    let readOnlyRoot = false;
    if (isNull(node)) return { mounts, readOnlyRoot };
    if (node!.type !== 'array') throw new InputError(`runArgs must be an array, not ${typeName(node!)}`, this.doc.at(node!));
    const args = node!.children ?? [];
    checkEntries('runArgs', args.length, this.doc.at(node!));
    const strings = args.map((a) => (a.type === 'string' ? (a.value as string) : undefined));
    for (let i = 0; i < args.length; i++) {
      const s = strings[i];
      if (s === undefined) throw new InputError(`runArgs entries must be strings, not ${typeName(args[i]!)}`, this.doc.at(args[i]!));
      if (isReadOnlyRootFlag(s)) readOnlyRoot = true;
      const found = storageFlagAt(strings, i);
      if (!found) continue;
      i = found.valueAt;
      const value = substitute(found.value, this.vars);
      const loc = this.doc.at(args[found.valueAt]!);
      const flag = found.flag;
      if (flag === '--mount') {
        const parsed = parseMountString(value);
        if (typeof parsed === 'string') throw new InputError(`invalid --mount "${value}": ${parsed}`, loc);
        const mount = this.toMount(parsed, loc, value);
        if (mount) mounts.push({ ...mount, origin: 'devcontainer runArgs' });
      } else if (flag === '--tmpfs') {
        const target = tmpfsTarget(value);
        if (!target.startsWith('/')) throw new InputError(`--tmpfs target "${target}" must be an absolute container path`, loc);
        mounts.push({ target: normalizePosix(target), status: 'tmpfs', readOnly: false, declaredAt: loc, origin: 'devcontainer runArgs' });
      } else {
        const parts = splitShortSyntax(value);
        if (typeof parts === 'string') throw new InputError(`invalid volume "${value}": ${parts}`, loc);
        if (!parts.target.startsWith('/')) throw new InputError(`volume target "${parts.target}" must be an absolute container path`, loc);
        const readOnly = parts.options.includes('ro');
        const common = { target: normalizePosix(parts.target), readOnly, declaredAt: loc, origin: 'devcontainer runArgs' };
        if (!parts.source) mounts.push({ ...common, status: 'anonymous-volume' });
        else if (isHostPath(parts.source))
          mounts.push({ ...common, status: 'bind-mount', source: resolveHostPath(parts.source, this.localWorkspaceFolder) });
        else mounts.push({ ...common, status: 'named-volume', source: parts.source });
      }
    }
    return { mounts, readOnlyRoot };
  }

  /**
   * What a `mounts` entry of a compose-based configuration really gives the container. The Dev Containers CLI
   * writes each one into its compose override as the short form `source:target`, or just `target` without a
   * source (`@devcontainers/cli` 0.89, src/spec-node/dockerCompose.ts, `convertMountToVolume`, minified `nW`
   * in dist/spec-node/devContainersSpecCLI.js). So compose reads it: a source starting with `.`, `/` or `~` is
   * a bind resolved against the project directory, any other source a named volume, no source an anonymous
   * volume; the type (a tmpfs too) and `readonly` are lost.
   */
  private toComposeOverrideMount(spec: MountSpec, target: string, loc: SourceLocation, projectDir: string): Mount | undefined {
    if (spec.type === 'npipe' || spec.type === 'image' || spec.type === 'cluster') {
      this.warn(`mount of type "${spec.type}" at ${target} is not analyzed`);
      return undefined;
    }
    if (!['volume', 'bind', 'tmpfs'].includes(spec.type))
      throw new InputError(`unknown mount type "${spec.type}" (expected volume, bind or tmpfs)`, loc);
    const common = { target, readOnly: false, declaredAt: loc, origin: 'devcontainer mounts (compose override)' };
    const source = spec.source;
    const mount: Mount = !source
      ? { ...common, status: 'anonymous-volume' }
      : isHostPath(source)
        ? { ...common, status: 'bind-mount', source: resolveHostPath(source, projectDir) }
        : { ...common, status: 'named-volume', source };
    const became =
      mount.status === 'anonymous-volume'
        ? 'an anonymous volume'
        : mount.status === 'bind-mount'
          ? `a bind of ${mount.source}`
          : `the named volume "${source}"`;
    if (spec.type === 'tmpfs') {
      this.warn(
        `the tmpfs mount at ${target} becomes ${became}: the Dev Containers CLI writes compose mounts as source:target, which has no tmpfs form (use the service's tmpfs: in the compose file)`,
      );
    } else if (spec.type === 'bind' && mount.status !== 'bind-mount') {
      this.warn(
        `the bind mount at ${target} becomes ${became}: its source "${source ?? ''}" does not start with ".", "/" or "~", so compose reads it as a volume`,
      );
    }
    if (spec.readOnly) {
      this.warn(
        `the mount at ${target} is read-write, not read-only: the Dev Containers CLI drops "readonly" when it writes compose mounts (set :ro on the service's volume in the compose file)`,
      );
    }
    return mount;
  }

  private async readCompose(composeFileNode: JsonNode, settings: DevcontainerSettings): Promise<DevcontainerResult> {
    const { name, workspaceFolder, mounts, containerEnv, remoteEnv, remoteUser, containerUser, labels } = settings;
    const fileNodes = composeFileNode.type === 'array' ? (composeFileNode.children ?? []) : [composeFileNode];
    const configDir = dirname(this.doc.file);
    const files: string[] = [];
    for (const n of fileNodes) {
      const rel = this.string(n, 'dockerComposeFile');
      if (!rel) throw new InputError('dockerComposeFile entries must not be empty', this.doc.at(n));
      const f = resolve(configDir, rel);
      if (!this.opts.overlay?.has(f) && !existsSync(f)) throw new InputError(`compose file ${f} not found`, this.doc.at(n));
      files.push(f);
    }
    if (files.length === 0) throw new InputError('dockerComposeFile lists no file', this.doc.at(composeFileNode));
    const serviceNode = prop(this.root, 'service');
    const service = this.string(serviceNode, 'service');
    if (!service) throw new InputError('a compose-based devcontainer.json needs a "service"', this.doc.at(serviceNode ?? this.root));

    const compose = await loadComposeProject(files, {
      ...this.opts,
      projectName: this.opts.projectName ?? this.composeProjectName(files),
      autoOverride: false,
    });
    const base = compose.targets.find((t) => t.name === service);
    if (!base) {
      throw new InputError(`service "${service}" not found in ${files.join(', ')}`, this.doc.at(serviceNode!));
    }

    // The dev container CLI adds its own compose override: mounts (replacing the service's at the same path), environment, user.
    const overridden = new Set(mounts.map((m) => m.target));
    const allMounts = [...base.mounts.filter((m) => !overridden.has(m.target)), ...mounts];
    const env = applyEnv({ ...base.env }, containerEnv, remoteEnv);
    const configured = remoteUser ?? containerUser;
    let user = base.user;
    let home = base.home;
    if (configured) {
      const info = await imageInfoCache(this.opts.imageInfo, (m) => this.warn(m))(base.image);
      ({ user, home } = userAndHome(env, configured, info));
    } else if (env.HOME?.startsWith('/')) home = env.HOME;
    const workingDir = workspaceFolder ?? base.workingDir;

    const target: TargetInput = {
      ...base,
      kind: 'devcontainer',
      name,
      env,
      mounts: allMounts,
      labels: { ...(base.labels ?? {}), ...labels },
    };
    delete target.user;
    delete target.home;
    delete target.workingDir;
    if (user) target.user = user;
    if (home) target.home = home;
    if (workingDir) target.workingDir = workingDir;

    const runServices = this.readRunServices();
    const others = compose.targets.filter((t) => t.name !== service && (!runServices || runServices.includes(t.name)));
    return {
      targets: [target, ...others],
      warnings: [...compose.warnings, ...this.warnings],
      compose,
      model: { environmentAt: this.environmentAt },
    };
  }

  private readRunServices(): string[] | undefined {
    const node = prop(this.root, 'runServices');
    if (isNull(node)) return undefined;
    if (node!.type !== 'array') throw new InputError(`runServices must be an array, not ${typeName(node!)}`, this.doc.at(node!));
    return (node!.children ?? []).map((n) => this.string(n, 'runServices entry') ?? '');
  }

  /**
   * The project name the dev container CLI gives compose (it passes `--project-name`). `toName` is the CLI's
   * `toProjectName` (@devcontainers/cli 0.89, src/spec-node/dockerCompose.ts): unlike compose's own rule
   * (`normalizeProjectName` in compose/index.ts) it keeps a leading `-` or `_`, and so must we to name the same project.
   */
  private composeProjectName(files: string[]): string {
    const toName = (s: string): string => s.toLowerCase().replace(/[^-_a-z0-9]/g, '');
    const fromEnv = this.vars.localEnv.COMPOSE_PROJECT_NAME;
    if (fromEnv && toName(fromEnv)) return toName(fromEnv);
    const workingDir = dirname(files[0]!);
    if (workingDir === join(this.localWorkspaceFolder, '.devcontainer'))
      return toName(`${basename(this.localWorkspaceFolder)}_devcontainer`);
    return toName(basename(workingDir));
  }
}

/**
 * The user the dev container's tools run as (`remoteUser`, else `containerUser`, else the image's) and its
 * home: HOME from the environment; the image's home when the image runs as that same user; else root's,
 * none for a bare uid, or /home/<user>.
 */
function userAndHome(
  env: Record<string, string>,
  configured: string | undefined,
  info: ImageInfo | undefined,
): { user?: string; home?: string } {
  const infoUser = imageUser(info);
  if (configured) {
    const user = userNamePart(configured);
    if (env.HOME?.startsWith('/')) return { user, home: env.HOME };
    if (info?.home && infoUser === user) return { user, home: info.home };
    if (user === 'root' || user === '0') return { user, home: '/root' };
    if (/^\d+$/.test(user)) return { user };
    return { user, home: `/home/${user}` };
  }
  const home = chooseHome(env, undefined, info);
  return { ...(infoUser ? { user: infoUser } : {}), ...(home ? { home } : {}) };
}

function applyEnv(env: Record<string, string>, ...layers: Array<Map<string, string | null>>): Record<string, string> {
  for (const layer of layers) {
    for (const [k, v] of layer) {
      if (v === null) delete env[k];
      else env[k] = v;
    }
  }
  return env;
}

/** A later mount at the same container path hides an earlier one; keep the one that wins. */
function dedupeByTarget(mounts: Mount[]): Mount[] {
  const byTarget = new Map<string, Mount>();
  for (const m of mounts) {
    byTarget.delete(m.target);
    byTarget.set(m.target, m);
  }
  return [...byTarget.values()];
}
