import * as vscode from 'vscode';
import type { ScanRequest } from '../backend';
import { isInsideContainer } from '../sources/self';
import { open } from 'node:fs/promises';
import {
  groupWorkspaceConfigFiles,
  isKubernetesManifest,
  KUBERNETES_CANDIDATE_GLOB,
  WORKSPACE_CONFIG_GLOB,
  type WorkspaceConfigFiles,
} from '../sources/workspace-files';
import { dockerHost, extraComposeFiles } from './settings';

/** More config files than this in one workspace is a vendored tree, not the user's own: the rest are left out. */
const MAX_CONFIG_FILES = 500;

/**
 * What this window scans: the container it runs in, the Docker Engine and the workspace's compose and
 * devcontainer files at any depth. Untrusted, only the mount table of the container we run in (asked for
 * explicitly, which turns the engine and the files off): the Paths view and the scan report show the same world.
 */
export async function windowScanRequest(): Promise<ScanRequest> {
  if (!vscode.workspace.isTrusted) return { self: isInsideContainer() };
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  const host = dockerHost();
  return {
    ...(folder
      ? { cwd: folder, extraComposeFiles: extraComposeFiles(), workspaceFiles: await findWorkspaceConfigFiles() }
      : { discover: false }),
    ...(host ? { dockerHost: host } : {}),
  };
}

/**
 * The compose files and devcontainer.json of every folder of the workspace, at any depth, skipping what the
 * user excludes from the explorer (`files.exclude`) and from search (`search.exclude`), and `node_modules`.
 */
export async function findWorkspaceConfigFiles(): Promise<WorkspaceConfigFiles> {
  const exclude = excludeGlob();
  const [uris, manifests] = await Promise.all([
    vscode.workspace.findFiles(WORKSPACE_CONFIG_GLOB, exclude, MAX_CONFIG_FILES),
    vscode.workspace.findFiles(KUBERNETES_CANDIDATE_GLOB, exclude, MAX_CONFIG_FILES),
  ]);
  const found = groupWorkspaceConfigFiles(uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath));
  const kubernetes = await kubernetesManifests(manifests.filter((u) => u.scheme === 'file').map((u) => u.fsPath));
  return kubernetes.length > 0 ? { ...found, kubernetes } : found;
}

/** The candidates that really are manifests (a top-level apiVersion and kind), read at most 1 MB each. */
async function kubernetesManifests(files: string[]): Promise<string[]> {
  const checked = await Promise.all(
    files.map(async (f) => {
      try {
        const fh = await open(f, 'r');
        try {
          const { buffer, bytesRead } = await fh.read(Buffer.alloc(1024 * 1024), 0, 1024 * 1024, 0);
          return isKubernetesManifest(buffer.subarray(0, bytesRead).toString('utf8')) ? f : undefined;
        } finally {
          await fh.close();
        }
      } catch {
        return undefined;
      }
    }),
  );
  return checked.filter((f): f is string => f !== undefined).sort();
}

/** One glob of every exclude the user turned on; giving findFiles an exclude replaces its default (files.exclude). */
export function excludeGlob(): string {
  const globs = new Set(['**/node_modules']);
  for (const section of ['files', 'search']) {
    const patterns = vscode.workspace.getConfiguration(section).get<Record<string, unknown>>('exclude') ?? {};
    // `true` excludes; `{ when: … }` (a sibling condition) cannot be expressed in one glob and is left out
    for (const [glob, on] of Object.entries(patterns)) if (on === true) globs.add(glob);
  }
  return `{${[...globs].join(',')}}`;
}
