import * as vscode from 'vscode';
import type { PersistenceLensExports } from '../../../src/extension';
import type { PathsNode } from '../../../src/vscode/tree/nodes';
import { EXTENSION_ID } from './harness';

/** The extension's exports, activating it when it is not active yet. */
export async function extensionApi(): Promise<PersistenceLensExports> {
  const ext = vscode.extensions.getExtension<PersistenceLensExports>(EXTENSION_ID)!;
  return ext.isActive ? ext.exports : ext.activate();
}

/** Every node under `node`, depth first, through the real TreeDataProvider. */
export function treeDescendants(paths: PersistenceLensExports['paths'], node?: PathsNode): PathsNode[] {
  const out: PathsNode[] = [];
  for (const child of paths.view.provider.getChildren(node)) out.push(child, ...treeDescendants(paths, child));
  return out;
}
