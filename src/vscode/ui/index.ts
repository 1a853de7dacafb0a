import type * as vscode from 'vscode';
import { hookedUi, registerTestHooks, type UiTestHooks } from './test-hooks';
import type { Ui } from './ui';
import { vscodeUi } from './vscode-ui';

/** The one Ui every feature gets, with the test hooks in front of it (registered in test runs only). */
export interface UiSeam {
  ui: Ui;
  hooks(): UiTestHooks | undefined;
}

export function createUi(context: vscode.ExtensionContext): UiSeam {
  const hooks = registerTestHooks(context);
  return { ui: hookedUi(vscodeUi, hooks), hooks };
}
