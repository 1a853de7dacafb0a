import * as vscode from 'vscode';
import type { Progress } from '../../backup';
import type { Confirmation } from './describe';
import type { BackupUi, MessageLevel } from './ui';

/**
 * What the editor tests may supply, through a command that exists only when the extension host runs tests
 * (`ExtensionMode.Test`): a modal confirmation cannot be clicked from the extension host, nor a
 * notification's Cancel button. Everything else stays real: the commands, the engine, the progress
 * notification, the messages (which are still shown).
 *
 * In-process command arguments are passed by reference, so the test hands over functions and a token.
 */
export const TEST_HOOKS_COMMAND = 'persistenceLens.test.backupHooks';

export interface BackupTestHooks {
  /** Answers a confirmation instead of the modal (which is not shown). */
  confirm?: (c: Confirmation) => boolean | Promise<boolean>;
  /** Cancels a running operation the way the notification's Cancel button does. */
  cancellation?: vscode.CancellationToken;
  /** Sees the engine's progress of every operation. */
  onProgress?: (p: Progress) => void;
  /** Sees every message shown, with its actions. */
  onMessage?: (m: { level: MessageLevel; text: string; actions: string[] }) => void;
  /** Labels for the helper containers and volumes the engine creates (tests remove what they made). */
  helperLabels?: Record<string, string>;
  /** The schedule's timer waits this long instead of minutes (the due/not-due decision is unchanged). */
  scheduleDelayMs?: number;
}

/** The UI with the hooks' answers in front of it. */
export function hookedUi(ui: BackupUi, hooks: () => BackupTestHooks | undefined): BackupUi {
  return {
    ...ui,
    async confirm(c) {
      const answer = hooks()?.confirm;
      return answer ? !!(await answer(c)) : ui.confirm(c);
    },
    show(level, text, ...actions) {
      hooks()?.onMessage?.({ level, text, actions });
      return ui.show(level, text, ...actions);
    },
  };
}

/** Registers the hook command in test runs only; returns the current hooks' getter. */
export function registerTestHooks(context: vscode.ExtensionContext): () => BackupTestHooks | undefined {
  let current: BackupTestHooks | undefined;
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    context.subscriptions.push(
      vscode.commands.registerCommand(TEST_HOOKS_COMMAND, (hooks?: BackupTestHooks) => {
        current = hooks;
      }),
    );
  }
  return () => current;
}
