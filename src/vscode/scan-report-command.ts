import * as vscode from 'vscode';
import { engine } from './engine';
import { windowScanRequest } from './scan-request';

/**
 * "Persistence Lens: Show Scan Report": the engine's report for this window (this container, the Docker
 * Engine when it answers, and the workspace's compose and devcontainer files; untrusted, the mount table
 * alone) in an output channel.
 */
export function registerScanReportCommand(context: vscode.ExtensionContext): void {
  let channel: vscode.OutputChannel | undefined;
  context.subscriptions.push(
    vscode.commands.registerCommand('persistenceLens.showScanReport', async () => {
      channel ??= vscode.window.createOutputChannel('Persistence Lens');
      context.subscriptions.push(channel);
      const request = await windowScanRequest();
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Persistence Lens: scanning' }, async () => {
        // The engine (and dockerode with it) loads on first use, never during activation.
        const { scan, formatScan } = engine();
        try {
          const result = await scan(request);
          channel!.clear();
          channel!.append(formatScan(result, false));
        } catch (err) {
          channel!.appendLine(`Scan failed: ${(err as Error).message}`);
        }
        channel!.show(true);
      });
    }),
  );
}
