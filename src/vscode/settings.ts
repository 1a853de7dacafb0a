import * as vscode from 'vscode';
import { isCriticality } from '../core/survival';
import type { Criticality } from '../core/types';
import type { SaveWarningSettings } from './save/policy';
import { SETTING } from './ids';

/** Typed reads of the extension's settings: the one place that knows their keys and defaults. */
function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SETTING.section);
}

export function dockerHost(): string | undefined {
  return config().get<string>(SETTING.dockerHost)?.trim() || undefined;
}

export function extraComposeFiles(): string[] {
  return (config().get<string[]>(SETTING.composeFiles) ?? []).filter((f) => typeof f === 'string' && f.trim() !== '');
}

export function saveWarningSettings(): SaveWarningSettings {
  const c = config();
  const minimum = c.get<string>(SETTING.saveWarningsMinimumCriticality) ?? 'medium';
  return {
    enabled: c.get<boolean>(SETTING.saveWarningsEnabled) ?? true,
    ignoredFolders: (c.get<string[]>(SETTING.saveWarningsIgnoredFolders) ?? []).filter((f) => typeof f === 'string'),
    minimumCriticality: (isCriticality(minimum) ? minimum : 'medium') as Criticality,
  };
}

/**
 * Where a change to a window-scoped setting goes: the workspace when one is open and trusted, else the user
 * settings (in an untrusted workspace the extension writes nothing into it, not even .vscode/settings.json).
 */
function target(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length && vscode.workspace.isTrusted
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
}

export async function setSaveWarningsEnabled(enabled: boolean): Promise<void> {
  await config().update(SETTING.saveWarningsEnabled, enabled, target());
}

/** Adds a folder to the ignored ones: in the workspace's settings, or (scope 'user') the user's. */
export async function ignoreFolderForSaveWarnings(folder: string, scope?: 'workspace' | 'user'): Promise<void> {
  const where = scope === 'user' ? vscode.ConfigurationTarget.Global : target();
  const inspected = config().inspect<string[]>(SETTING.saveWarningsIgnoredFolders);
  const current = (where === vscode.ConfigurationTarget.Global ? inspected?.globalValue : inspected?.workspaceValue) ?? [];
  if (current.includes(folder)) return;
  await config().update(SETTING.saveWarningsIgnoredFolders, [...current, folder], where);
}

export function affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
  return e.affectsConfiguration(`${SETTING.section}.${key}`);
}

/**
 * Opens a machine-scoped setting where it can be edited: in a remote window (code-server, a dev container)
 * machine settings live on the Remote tab, and the User tab would show "No Settings Found".
 */
export function openMachineSetting(id: string): Thenable<unknown> {
  // openRemoteSettings takes its search only in the options object; openSettings takes a plain string.
  if (vscode.env.remoteName) return vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query: id });
  return vscode.commands.executeCommand('workbench.action.openSettings', id);
}
