import * as vscode from 'vscode';
import { COMPOSE_FILE_GLOB, DEVCONTAINER_FILE_GLOB, DIAGNOSED_LANGUAGES } from './config-documents';
import { PersistenceCodeActions } from './code-actions';
import { DiagnosticsUpdater } from './diagnostics-updater';

/**
 * Diagnostics and quick fixes on compose files and devcontainer.json. Registering costs nothing: the
 * backend loads in a timer the first time a matching document is seen, and only in a trusted workspace.
 */
export function registerDiagnostics(context: vscode.ExtensionContext): void {
  const updater = new DiagnosticsUpdater();
  const codeActions = new PersistenceCodeActions(updater);
  const selector: vscode.DocumentSelector = [
    ...DIAGNOSED_LANGUAGES.map((language) => ({ scheme: 'file', language })),
    { scheme: 'file', pattern: COMPOSE_FILE_GLOB },
    { scheme: 'file', pattern: DEVCONTAINER_FILE_GLOB },
  ];
  context.subscriptions.push(
    updater,
    vscode.languages.registerCodeActionsProvider(selector, codeActions, PersistenceCodeActions.metadata),
    updater.onDidPublish((published) => codeActions.planAhead(published)),
    vscode.workspace.onDidOpenTextDocument((doc) => updater.scheduleOpen(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) updater.schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => updater.forget(doc)),
    // A saved file may be included, extended or used by another open one: their view of it changed.
    vscode.workspace.onDidSaveTextDocument((doc) => updater.scheduleAll(doc)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => updater.scheduleAll()),
  );
  for (const doc of vscode.workspace.textDocuments) updater.scheduleOpen(doc);
}
