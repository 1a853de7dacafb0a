import type * as vscode from 'vscode';
import { hookedUi, registerTestHooks, type UiTestHooks } from './test-hooks';
import type { Ui } from './ui';
import { vscodeUi } from './vscode-ui';
import { ReadOnlyDocuments } from './documents';

/** The one Ui every feature gets, with the test hooks in front of it (registered in test runs only). */
export interface UiSeam {
  ui: Ui;
  hooks(): UiTestHooks | undefined;
  /** Read-only Markdown documents (survival details, the scan report). */
  documents: ReadOnlyDocuments;
}

export function createUi(context: vscode.ExtensionContext): UiSeam {
  const hooks = registerTestHooks(context);
  const documents = new ReadOnlyDocuments();
  context.subscriptions.push(documents);
  return { ui: hookedUi(vscodeUi, hooks), hooks, documents };
}
