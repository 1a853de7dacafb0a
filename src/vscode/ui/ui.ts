import type * as vscode from 'vscode';

/**
 * Everything the commands ask of the user or show to them, behind one small interface: the commands hold the
 * policy, this holds the widgets (like vscode-python's application shell). The real one is vscode-ui.ts; the
 * editor tests answer its modal confirmations, quick picks, input boxes and folder dialogs through
 * test-hooks.ts, since no widget can be clicked from the extension host.
 */

export type MessageLevel = 'info' | 'warning' | 'error';

/** A modal question with one button that goes ahead (Cancel is always there). */
export interface Confirmation {
  /** What kind of question, for the tests and the logs ('overwrite', 'delete', ...). */
  kind: string;
  message: string;
  detail: string;
  /** The button that goes ahead. */
  action: string;
}

/** A modal question with several ways to go on (Cancel is always there): remove, or back it up first, or... */
export interface Choice {
  /** What kind of question, for the tests and the logs ('remove-volume', ...). */
  kind: string;
  message: string;
  detail: string;
  /** The buttons, in the order shown; the answer is one of them or undefined for Cancel. */
  actions: string[];
}

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface ProgressUpdate {
  message?: string;
  increment?: number;
}

export interface ProgressOptions {
  title: string;
  /** A notification with a Cancel button, or the status bar (scheduled backups: no interruption). */
  location: 'notification' | 'window';
  cancellable: boolean;
}

/** An editor terminal that shows what the extension runs, line by line (a pseudoterminal: no shell). */
export interface TerminalLog {
  line(text: string): void;
  /** Shows the terminal panel with this terminal in front (without taking the focus from the editor). */
  show(): void;
}

export interface Ui {
  /** A modal question; true only when the user chose `action`. */
  confirm(c: Confirmation): Promise<boolean>;
  /** A modal question with several buttons: the one chosen, or undefined for Cancel (or Escape). */
  choose(c: Choice): Promise<string | undefined>;
  /**
   * A message with optional buttons. Resolves when the user clicks one or the message goes away: callers that
   * only offer actions must not await it, or a command would not end until the notification is dismissed.
   */
  show(level: MessageLevel, text: string, ...actions: string[]): Promise<string | undefined>;
  withProgress<T>(
    opts: ProgressOptions,
    work: (report: (u: ProgressUpdate) => void, token: vscode.CancellationToken) => Promise<T>,
  ): Promise<T>;
  pick<T>(items: readonly PickItem<T>[], opts: { title: string; placeholder?: string }): Promise<T | undefined>;
  input(opts: { title: string; prompt: string; value?: string; validate?: (v: string) => string | undefined }): Promise<string | undefined>;
  /** A folder of this machine (the extension host's), or undefined when cancelled. */
  pickFolder(opts: { title: string; action: string }): Promise<string | undefined>;
  /** The terminal named `name`, made on first use and kept while it is open. */
  terminal(name: string): TerminalLog;
  /** Runs an editor command when it exists (another extension's may not be installed); false when it does not. */
  runCommandIfPresent(id: string, ...args: unknown[]): Promise<boolean>;
}
