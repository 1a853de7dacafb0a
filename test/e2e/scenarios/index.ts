import type { ScenarioFactory } from '../harness/runner';
import { backupVolume, rescueRecreateRestore } from './backup';
import { browseVolume } from './browse';
import { composeQuickFix } from './compose-fix';
import { bindStatus, saveWarning } from './editing';
import { pathsWithSocket, pathsWithoutSocket } from './paths';
import { persistMove } from './persist-move';
import { untrustedWorkspace } from './untrusted';

/** Every scenario, in the order they run. Each is independent: its own container, volume, workspace and browser. */
export const scenarios: ScenarioFactory[] = [
  pathsWithoutSocket,
  pathsWithSocket,
  saveWarning,
  bindStatus,
  composeQuickFix,
  untrustedWorkspace,
  backupVolume,
  rescueRecreateRestore,
  persistMove,
  browseVolume,
];
