import * as vscode from 'vscode';
import type { PersistenceLensExports } from '../../../src/extension';
import type { PathsNode } from '../../../src/vscode/tree/nodes';
import { EXTENSION_ID, waitFor } from './harness';

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

/**
 * Inserts text at the top of the editor's document and saves it. An edit made while the workbench still
 * reloads a file the test has just written (its watcher can report the write seconds late on a busy machine)
 * is refused, as made against an older version, and changes nothing: it is made again until it applies. A
 * save that then does not happen fails the test.
 */
export async function editAndSave(editor: vscode.TextEditor, text: string): Promise<void> {
  const name = editor.document.fileName;
  await waitFor(`an edit of ${name} to apply`, 20_000, async () =>
    (await editor.edit((b) => b.insert(new vscode.Position(0, 0), text))) ? true : undefined,
  );
  if (!(await editor.document.save())) throw new Error(`${name} was not saved (dirty: ${editor.document.isDirty})`);
}
