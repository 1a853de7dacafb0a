import type * as vscode from 'vscode';
import { registerScanReportCommand } from './vscode/scan-report-command';

/** Composition only: every feature registers itself; nothing here touches Docker or the file system. */
export function activate(context: vscode.ExtensionContext): void {
  registerScanReportCommand(context);
}

export function deactivate(): void {}
