import { promises as fsp } from 'node:fs';
import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import type { Progress } from '../../backup';
import type { MoveProgress } from '../../move/index';
import type { Choice, Confirmation, MessageLevel, PickItem, Ui } from './ui';

/**
 * What the editor tests may supply, through a command that exists only when the extension host runs tests
 * (`ExtensionMode.Test`): a modal confirmation cannot be clicked from the extension host, nor a
 * notification's Cancel button, nor an item of a quick pick the palette commands show, nor a folder in the
 * native folder dialog. Everything else stays real: the commands, the questions they ask and what they offer,
 * the backend, the progress notification, the messages (which are still shown).
 *
 * In-process command arguments are passed by reference, so the test hands over functions and a token.
 */
export const TEST_HOOKS_COMMAND = 'persistenceLens.test.uiHooks';

export interface UiTestHooks {
  /** Answers a confirmation instead of the modal (which is not shown). */
  confirm?: (c: Confirmation) => boolean | Promise<boolean>;
  /**
   * Answers a modal choice instead of the modal (which is not shown): one of its actions, or undefined for
   * Cancel. An answer that is not one of its buttons is an error.
   */
  choose?: (c: Choice) => string | undefined | Promise<string | undefined>;
  /**
   * Answers a quick pick instead of showing it: one of the items offered (that very object), or undefined
   * for Escape. An answer that is not one of them is an error, as no click could choose it.
   */
  pick?: (q: PickQuestion) => PickItem<unknown> | undefined | Promise<PickItem<unknown> | undefined>;
  /**
   * Answers an input box instead of showing it: the text accepted, or undefined for Escape. A text the box's
   * validation rejects is an error, as the box would not accept it.
   */
  input?: (q: InputQuestion) => string | undefined | Promise<string | undefined>;
  /**
   * Answers a folder dialog instead of showing it: the absolute path of the folder chosen, or undefined for
   * Cancel. Anything else (a relative path, a path that does not exist or is not a directory) is an error, as
   * the dialog could not return it.
   */
  folder?: (q: FolderQuestion) => string | undefined | Promise<string | undefined>;
  /** Cancels a running operation the way the notification's Cancel button does. */
  cancellation?: vscode.CancellationToken;
  /** Sees the backend's progress of every backup operation. */
  onProgress?: (p: Progress) => void;
  /** Sees the backend's progress of every move (Persist Path… with the data). */
  onMoveProgress?: (p: MoveProgress) => void;
  /** Sees every line written to an extension terminal, with the terminal's name. */
  onTerminalLine?: (t: { terminal: string; text: string }) => void;
  /**
   * Answers whether an editor command exists instead of asking the editor (the Dev Containers extension's
   * Rebuild Container is not installed in the test editor): false means it does not, true that it ran.
   */
  runCommand?: (id: string, args: unknown[]) => boolean | Promise<boolean>;
  /**
   * Clicks a button of a message (one of its actions, or undefined for closing it) instead of waiting for the
   * user; the message is still shown. An answer that is not one of its buttons is an error.
   */
  answer?: (m: { level: MessageLevel; text: string; actions: string[] }) => string | undefined | Promise<string | undefined>;
  /** Sees every message shown, with its actions. */
  onMessage?: (m: { level: MessageLevel; text: string; actions: string[] }) => void;
  /** Labels for the helper containers and volumes the backend creates (tests remove what they made). */
  helperLabels?: Record<string, string>;
  /**
   * Prune Unused (the Volumes view) considers only the volumes with these labels: the test engine is shared, and
   * a test must not prune what it did not make. The view itself still shows every volume.
   */
  pruneScope?: Record<string, string>;
  /** The schedule's timer waits this long instead of minutes (the due/not-due decision is unchanged). */
  scheduleDelayMs?: number;
}

/** A quick pick as the hooks see it: what it asks and everything it offers, in order. */
export interface PickQuestion {
  title: string;
  placeholder?: string;
  items: readonly PickItem<unknown>[];
}

/** An input box as the hooks see it, with its validation. */
export interface InputQuestion {
  title: string;
  prompt: string;
  value?: string;
  validate?: (v: string) => string | undefined;
}

/** A folder dialog as the hooks see it: its title and the label of its open button. */
export interface FolderQuestion {
  title: string;
  action: string;
}

/** The backup features' name for the hooks (they came first). */
export type BackupTestHooks = UiTestHooks;

/** The UI with the hooks' answers in front of it. */
export function hookedUi(ui: Ui, hooks: () => UiTestHooks | undefined): Ui {
  return {
    ...ui,
    async confirm(c) {
      const answer = hooks()?.confirm;
      return answer ? !!(await answer(c)) : ui.confirm(c);
    },
    async choose(c) {
      const answer = hooks()?.choose;
      if (!answer) return ui.choose(c);
      const chosen = await answer(c);
      if (chosen !== undefined && !c.actions.includes(chosen))
        throw new Error(`test hooks: the question "${c.message}" has no button "${chosen}"`);
      return chosen;
    },
    async pick<T>(items: readonly PickItem<T>[], opts: { title: string; placeholder?: string }) {
      const answer = hooks()?.pick;
      if (!answer) return ui.pick(items, opts);
      const chosen = (await answer({ ...opts, items })) as PickItem<T> | undefined;
      if (chosen === undefined) return undefined;
      if (!items.includes(chosen))
        throw new Error(`test hooks: the answer to the quick pick "${opts.title}" is not one of the items it offered`);
      return chosen.value;
    },
    async input(opts) {
      const answer = hooks()?.input;
      if (!answer) return ui.input(opts);
      const text = await answer(opts);
      if (text === undefined) return undefined;
      const invalid = opts.validate?.(text);
      if (invalid !== undefined) throw new Error(`test hooks: the input box "${opts.title}" would not accept "${text}": ${invalid}`);
      return text;
    },
    async pickFolder(opts) {
      const answer = hooks()?.folder;
      if (!answer) return ui.pickFolder(opts);
      const path = await answer({ ...opts });
      if (path === undefined) return undefined;
      const refuse = (why: string): Error => new Error(`test hooks: the folder dialog "${opts.title}" could not return "${path}": ${why}`);
      if (typeof path !== 'string' || !isAbsolute(path)) throw refuse('it is not an absolute path');
      const st = await fsp.stat(path).catch(() => undefined);
      if (!st) throw refuse('it does not exist');
      if (!st.isDirectory()) throw refuse('it is not a directory');
      return path;
    },
    async show(level, text, ...actions) {
      const h = hooks();
      h?.onMessage?.({ level, text, actions });
      const shown = ui.show(level, text, ...actions);
      if (!h?.answer || actions.length === 0) return shown;
      const clicked = await h.answer({ level, text, actions });
      if (clicked !== undefined && !actions.includes(clicked))
        throw new Error(`test hooks: the message "${text}" has no button "${clicked}"`);
      return clicked;
    },
    terminal(name) {
      const real = ui.terminal(name);
      return {
        line: (text) => {
          hooks()?.onTerminalLine?.({ terminal: name, text });
          real.line(text);
        },
        show: () => real.show(),
      };
    },
    async runCommandIfPresent(id, ...args) {
      const answer = hooks()?.runCommand;
      return answer ? !!(await answer(id, args)) : ui.runCommandIfPresent(id, ...args);
    },
  };
}

/** Registers the hook command in test runs only; returns the current hooks' getter. */
export function registerTestHooks(context: vscode.ExtensionContext): () => UiTestHooks | undefined {
  let current: UiTestHooks | undefined;
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    context.subscriptions.push(
      vscode.commands.registerCommand(TEST_HOOKS_COMMAND, (hooks?: UiTestHooks) => {
        current = hooks;
      }),
    );
  }
  return () => current;
}
