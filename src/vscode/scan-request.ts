import * as vscode from 'vscode';
import type { ScanRequest } from '../engine';
import { isInsideContainer } from '../sources/self';
import { dockerHost, extraComposeFiles } from './settings';

/**
 * What this window scans: the container it runs in, the Docker Engine and the workspace's compose and
 * devcontainer files. Untrusted, only the mount table of the container we run in (asked for explicitly,
 * which turns the engine and the files off): the Paths view and the scan report show the same world.
 */
export function windowScanRequest(): ScanRequest {
  if (!vscode.workspace.isTrusted) return { self: isInsideContainer() };
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  const host = dockerHost();
  return {
    ...(folder ? { cwd: folder, extraComposeFiles: extraComposeFiles() } : { discover: false }),
    ...(host ? { dockerHost: host } : {}),
  };
}
