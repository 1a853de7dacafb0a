/**
 * The config files of a whole workspace, at any depth, from a list of candidate paths the editor found
 * (`vscode.workspace.findFiles`, which honours the user's excludes): grouped the way the tools that use them
 * would take them. Pure: the caller lists the files.
 */
import { basename, dirname } from 'node:path';
import { DEFAULT_COMPOSE_FILES } from './compose/file-names';

export interface WorkspaceConfigFiles {
  /** One compose file per folder: the one `docker compose` picks there with no `-f` (its override is added by the loader). */
  compose: string[];
  /** Every devcontainer.json VS Code offers to open: `.devcontainer/devcontainer.json`, `.devcontainer/<name>/devcontainer.json`, `.devcontainer.json`. */
  devcontainers: string[];
  /** Kubernetes manifests (YAML with a top-level `apiVersion` and `kind`), each read with the pod table. */
  kubernetes?: string[];
}

/**
 * Where Kubernetes manifests live in a repository (a YAML file anywhere could be one, so only these are looked
 * at, and each is then read for a top-level `apiVersion` and `kind`): folders named for them, and files named for
 * a workload.
 */
export const KUBERNETES_CANDIDATE_GLOB =
  '**/{k8s,kubernetes,manifests,deploy,deployment,deployments,kustomize,helm-rendered}/**/*.{yaml,yml}';

/** Whether a YAML text is a Kubernetes manifest: a top-level `apiVersion:` and `kind:`. */
export function isKubernetesManifest(text: string): boolean {
  return /^apiVersion\s*:/m.test(text) && /^kind\s*:/m.test(text);
}

/** Globs for `findFiles` and file watchers: every file {@link groupWorkspaceConfigFiles} may take. */
export const WORKSPACE_CONFIG_GLOB = `**/{${[...DEFAULT_COMPOSE_FILES, 'devcontainer.json', '.devcontainer.json'].join(',')}}`;

function isDevcontainerConfig(file: string): boolean {
  const name = basename(file);
  if (name === '.devcontainer.json') return true;
  if (name !== 'devcontainer.json') return false;
  const parent = dirname(file);
  return basename(parent) === '.devcontainer' || basename(dirname(parent)) === '.devcontainer';
}

export function groupWorkspaceConfigFiles(files: readonly string[]): WorkspaceConfigFiles {
  const byFolder = new Map<string, string[]>();
  const devcontainers: string[] = [];
  for (const f of new Set(files)) {
    if (isDevcontainerConfig(f)) {
      devcontainers.push(f);
      continue;
    }
    if (!DEFAULT_COMPOSE_FILES.includes(basename(f))) continue;
    const dir = dirname(f);
    byFolder.set(dir, [...(byFolder.get(dir) ?? []), f]);
  }
  const compose: string[] = [];
  for (const candidates of byFolder.values()) {
    // docker compose takes the first of its default names that exists in the folder
    const picked = DEFAULT_COMPOSE_FILES.map((name) => candidates.find((c) => basename(c) === name)).find((c) => c !== undefined);
    if (picked) compose.push(picked);
  }
  return { compose: compose.sort(), devcontainers: devcontainers.sort() };
}
