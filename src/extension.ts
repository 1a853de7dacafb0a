import type * as vscode from 'vscode';
import { registerPathsFeatures, type PathsFeatures } from './vscode/paths/index';
import { registerScanReportCommand } from './vscode/scan-report-command';
import { registerDiagnostics } from './vscode/diagnostics/index';
import { registerBackupFeatures } from './vscode/backup/index';
import { registerBrowseFeatures, type BrowseFeatures } from './vscode/browse/index';
import { createUi } from './vscode/ui/index';
import { registerVolumesFeatures, type VolumesFeatures } from './vscode/volumes/index';

/** What activate() returns: used by the editor tests only (vscode.extensions.getExtension(id).exports). */
export interface PersistenceLensExports {
  paths: PathsFeatures;
  browse: BrowseFeatures;
  volumes: VolumesFeatures;
}

let browse: BrowseFeatures | undefined;

/** Composition only: every feature registers itself; nothing here touches Docker or the file system. */
export function activate(context: vscode.ExtensionContext): PersistenceLensExports {
  const ui = createUi(context);
  registerScanReportCommand(context, ui.documents);
  registerDiagnostics(context);
  registerBackupFeatures(context, ui);
  browse = registerBrowseFeatures(context, ui);
  const paths = registerPathsFeatures(context, ui);
  const volumes = registerVolumesFeatures(context, ui);
  return { paths, browse, volumes };
}

/** Browse sessions end here: their helper containers are removed before the extension host goes. */
export async function deactivate(): Promise<void> {
  await browse?.closeAll();
  browse = undefined;
}
