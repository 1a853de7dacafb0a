import * as vscode from 'vscode';
import { backend } from './backend';
import { scanReportMarkdown } from './scan-report-markdown';
import { windowScanRequest } from './scan-request';
import type { ReadOnlyDocuments } from './ui/documents';

/** The report's document name (its tab's title). */
export const SCAN_REPORT_NAME = 'Persistence Lens Scan Report.md';

/**
 * "Persistence Lens: Show Scan Report": the backend's report for this window (this container, the Docker
 * Engine when it answers, and the workspace's compose and devcontainer files; untrusted, the mount table
 * alone) as a read-only Markdown document, a table per target, opened in its rendered preview.
 */
export function registerScanReportCommand(context: vscode.ExtensionContext, documents: ReadOnlyDocuments): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('persistenceLens.showScanReport', async () => {
      const request = await windowScanRequest();
      return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Persistence Lens: scanning' }, async () => {
        // The backend (and dockerode with it) loads on first use, never during activation.
        const { scan, summaryLine } = backend();
        let text: string;
        try {
          const result = await scan(request);
          text = scanReportMarkdown(result, summaryLine(result, false));
        } catch (err) {
          text = `# Persistence Lens: scan report\n\nThe scan failed: ${(err as Error).message}\n`;
        }
        const doc = await documents.show(SCAN_REPORT_NAME, text);
        // the rendered view beside the source, when the built-in Markdown extension is there
        await vscode.commands.executeCommand('markdown.showPreview', doc.uri).then(undefined, () => undefined);
        return doc;
      });
    }),
  );
}
