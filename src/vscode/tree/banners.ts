import type { ScanResult } from '../../core/types';
import { COMMAND } from '../ids';
import type { MessageNode } from './nodes';

/** What the Paths view shows when it has no items: package.json's viewsWelcome read it as `persistenceLens.state`. */
export type ViewState = 'loading' | 'ready' | 'empty' | 'dockerUnreachable';

/** What went wrong while scanning, in the order it happened (the reading of the files, then the scan itself). */
export interface ScanProblem {
  text: string;
  detail: string;
}

/**
 * The messages above the tree and the view's state, decided from one scan (no vscode here: unit-tested).
 * A message is shown only when there are targets to show it above; an empty view says the same through its
 * welcome text, which `state` selects.
 */
export function scanBanners(
  scan: ScanResult,
  opts: { trusted: boolean; problems?: ScanProblem[] },
): { messages: MessageNode[]; state: ViewState } {
  const messages: MessageNode[] = (opts.problems ?? []).map((p) => ({
    kind: 'message',
    text: p.text,
    detail: p.detail,
    severity: 'error',
  }));
  const docker = scan.docker;
  const unreachable = docker?.asked === true && !docker.reachable;
  if (unreachable && scan.targets.length > 0) {
    messages.unshift({
      kind: 'message',
      text: 'No Docker Engine answered',
      detail: docker.error ?? `tried ${docker.endpoint ?? 'the default socket'}`,
      severity: 'warning',
      command: COMMAND.openDockerSetting,
    });
  }
  if (!opts.trusted && scan.targets.length > 0) {
    // The view's welcome text says this only when the view is empty; inside a container it never is.
    messages.unshift({
      kind: 'message',
      text: 'Restricted Mode: only the mount table is read',
      detail: "Trust this workspace to see the Docker Engine's containers and the compose and devcontainer files",
      severity: 'info',
      command: 'workbench.trust.manage',
    });
  }
  const state: ViewState = scan.targets.length > 0 || messages.length > 0 ? 'ready' : unreachable ? 'dockerUnreachable' : 'empty';
  return { messages, state };
}
