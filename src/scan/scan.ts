import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyzeTarget } from '../core/analyze';
import { PersistenceLensError } from '../core/errors';
import type { DockerReach, ScanResult, TargetInput } from '../core/types';
import { loadComposeProject, type ImageInfoLookup } from '../sources/compose/index';
import { loadDevcontainer } from '../sources/devcontainer';
import { discoverConfigFiles } from '../sources/discover';
import type { ChangesCache } from '../sources/docker/changes-cache';
import { isInsideContainer, readSelfTarget } from '../sources/self';
import type { WorkspaceConfigFiles } from '../sources/workspace-files';
import { connectForScan, localImageInfoLookup, scanDockerTargets } from './docker';

/**
 * Which sources a scan reads. Every field left undefined means "decide from the environment":
 * the container we run in, a daemon if one answers, and the config files in `cwd`.
 */
export interface ScanRequest {
  self?: boolean;
  mountinfoFile?: string;
  /** true: the daemon is required (unreachable is an error); undefined: used when it answers. */
  docker?: boolean;
  dockerHost?: string;
  containers?: string[];
  composeFiles?: string[];
  devcontainerFile?: string;
  /** Kubernetes manifests: files or folders of multi-document YAML (`scan --kubernetes`). */
  kubernetesPaths?: string[];
  cwd?: string;
  /** Compose files read besides the ones discovered in `cwd` (the editor's setting); does not turn discovery off. */
  extraComposeFiles?: string[];
  /** false: look for no compose or devcontainer files in `cwd` (an editor window without a folder). Default true. */
  discover?: boolean;
  /**
   * The workspace's config files at any depth, found by the editor (which honours the user's excludes): each
   * compose file is its own project, and a file that fails to load becomes a warning instead of failing the
   * scan. Replaces the discovery in `cwd`.
   */
  workspaceFiles?: WorkspaceConfigFiles;
  /** Stopped containers' changes lists kept between scans (the editor, which follows the engine's events). */
  changesCache?: ChangesCache;
  /** false: no container's changes list is asked (the volume inventory needs only the mounts). Default true. */
  includeChanges?: boolean;
}

export class ScanInputError extends PersistenceLensError<'input'> {
  constructor(message: string) {
    super('input', message);
    this.name = 'ScanInputError';
  }
}

/** Reads every requested source and analyzes each target. Sources run concurrently. */
export async function scan(request: ScanRequest): Promise<ScanResult> {
  const cwd = request.cwd ?? process.cwd();
  const explicit =
    request.self !== undefined ||
    request.mountinfoFile !== undefined ||
    request.docker !== undefined ||
    (request.containers?.length ?? 0) > 0 ||
    (request.composeFiles?.length ?? 0) > 0 ||
    (request.kubernetesPaths?.length ?? 0) > 0 ||
    request.devcontainerFile !== undefined;

  const wantSelf = explicit ? request.self === true || request.mountinfoFile !== undefined : isInsideContainer();
  const dockerMode: 'required' | 'optional' | 'off' =
    request.docker === true || (request.containers?.length ?? 0) > 0 ? 'required' : explicit ? 'off' : 'optional';

  let composeFiles = (request.composeFiles ?? []).map((f) => resolve(cwd, f));
  let devcontainerFiles = request.devcontainerFile ? [resolve(cwd, request.devcontainerFile)] : [];
  const workspace = request.workspaceFiles;
  if (!explicit && !workspace && request.discover !== false) {
    const found = await discoverConfigFiles(cwd);
    composeFiles = found.compose;
    devcontainerFiles = found.devcontainers;
  }
  for (const f of request.extraComposeFiles ?? []) {
    const file = resolve(cwd, f);
    if (!composeFiles.includes(file)) composeFiles.push(file);
  }
  for (const f of [...composeFiles, ...devcontainerFiles]) {
    if (!existsSync(f)) throw new ScanInputError(`${f}: no such file`);
  }

  const warnings: string[] = [];
  const reach: DockerReach = { asked: dockerMode !== 'off', reachable: false };
  const docker = dockerMode === 'off' ? undefined : await connectForScan(request.dockerHost, dockerMode, warnings, reach);
  const imageInfo = docker ? await localImageInfoLookup(docker) : undefined;

  const kubernetesTargets = (request.kubernetesPaths?.length ?? 0) > 0 ? await loadKubernetes(request.kubernetesPaths!, cwd, warnings) : [];
  const [selfTarget, dockerTargets, composeTargets, devcontainerTargets, workspaceTargets] = await Promise.all([
    wantSelf ? readSelfTarget(request.mountinfoFile ? { mountinfoFile: request.mountinfoFile } : {}) : undefined,
    docker ? scanDockerTargets(docker, request, warnings) : [],
    composeFiles.length > 0
      ? loadComposeProject(composeFiles, { ...(imageInfo ? { imageInfo } : {}) }).then((p) => {
          warnings.push(...p.warnings);
          return p.targets;
        })
      : [],
    Promise.all(
      devcontainerFiles.map(async (f) => {
        const r = await loadDevcontainer(f, { ...(imageInfo ? { imageInfo } : {}) });
        warnings.push(...r.warnings);
        return r.targets;
      }),
    ).then((lists) => lists.flat()),
    workspace ? loadWorkspaceFiles(workspace, imageInfo, warnings) : [],
  ]);

  const inputs: TargetInput[] = [];
  let containers = dockerTargets;
  if (selfTarget && inPod(selfTarget, request.mountinfoFile === undefined)) selfTarget.platform = 'kubernetes';
  if (selfTarget) {
    // The container we run in, seen through the engine too: one target with the engine's richer view
    // (image, labels, changes) and what only the inside can see (paths that exist).
    const same = selfTarget.id ? containers.find((c) => c.id === selfTarget.id) : undefined;
    if (same) {
      containers = containers.filter((c) => c !== same);
      inputs.push(mergeSelfWithEngine(selfTarget, same));
    } else inputs.push(selfTarget);
  }
  inputs.push(...containers, ...composeTargets, ...devcontainerTargets, ...workspaceTargets, ...kubernetesTargets);
  return { targets: inputs.map(analyzeTarget), warnings, docker: reach };
}

/**
 * Every compose project and devcontainer.json of a workspace, each on its own: one broken file is a warning
 * naming it, never a scan that shows nothing.
 */
async function loadWorkspaceFiles(
  files: WorkspaceConfigFiles,
  imageInfo: ImageInfoLookup | undefined,
  warnings: string[],
): Promise<TargetInput[]> {
  const opts = imageInfo ? { imageInfo } : {};
  const loaded = await Promise.all(
    [
      ...files.compose.map((f) => loadComposeProject([f], opts).then((p) => ({ targets: p.targets, warnings: p.warnings }))),
      ...files.devcontainers.map((f) => loadDevcontainer(f, opts).then((r) => ({ targets: r.targets, warnings: r.warnings }))),
      ...(files.kubernetes ?? []).map(async (f) => {
        const warnings: string[] = [];
        return { targets: await loadKubernetes([f], dirname(f), warnings), warnings };
      }),
    ].map((p) => p.catch((err: unknown) => ({ targets: [] as TargetInput[], warnings: [(err as Error).message] }))),
  );
  for (const l of loaded) warnings.push(...l.warnings);
  return loaded.flatMap((l) => l.targets);
}

/**
 * The container we look at is a pod's: the mount table shows kubelet volumes (mountinfo.ts gives them pod storage),
 * or, for the live table only, the kubelet's KUBERNETES_SERVICE_HOST is in our environment.
 */
function inPod(self: TargetInput, live: boolean): boolean {
  return self.mounts.some((m) => m.pod !== undefined) || (live && !!self.env.KUBERNETES_SERVICE_HOST);
}

async function loadKubernetes(paths: string[], cwd: string, warnings: string[]): Promise<TargetInput[]> {
  const { loadKubernetesManifests } = await import('../sources/kubernetes/index');
  const project = await loadKubernetesManifests(paths, { cwd });
  warnings.push(...project.warnings);
  return project.targets;
}

function mergeSelfWithEngine(self: TargetInput, engine: TargetInput): TargetInput {
  const existing = new Set([...(self.existingPaths ?? []), ...(engine.existingPaths ?? [])]);
  return { ...engine, kind: 'self', home: self.home ?? engine.home, env: { ...engine.env, ...self.env }, existingPaths: existing };
}
