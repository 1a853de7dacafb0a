import * as vscode from 'vscode';
import type { MessageLevel, PickItem, TerminalLog, Ui } from './ui';

const terminals = new Map<string, { terminal: vscode.Terminal; write: (text: string) => void }>();

/** A pseudoterminal that only prints: the lines of what the extension runs, as the user would see them in a shell. */
function terminalLog(name: string): TerminalLog {
  let entry = terminals.get(name);
  if (!entry || entry.terminal.exitStatus !== undefined || !vscode.window.terminals.includes(entry.terminal)) {
    const emitter = new vscode.EventEmitter<string>();
    // What is written before the terminal opens would be dropped (Pseudoterminal.open): it waits until then.
    let pending: string[] | undefined = [];
    const write = (text: string): void => (pending ? void pending.push(text) : emitter.fire(text));
    const terminal = vscode.window.createTerminal({
      name,
      pty: {
        onDidWrite: emitter.event,
        open: () => {
          const queued = pending ?? [];
          pending = undefined;
          for (const t of queued) emitter.fire(t);
        },
        close: () => terminals.delete(name),
      },
    });
    entry = { terminal, write };
    terminals.set(name, entry);
  }
  const { terminal, write } = entry;
  return {
    line: (text) => write(`${text.replace(/\r?\n/g, '\r\n')}\r\n`),
    show: () => terminal.show(true),
  };
}

/** The real Ui: thin calls into vscode.window, no decisions. */
export const vscodeUi: Ui = {
  async confirm(c) {
    const answer = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, c.action);
    return answer === c.action;
  },

  async choose(c) {
    const answer = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, ...c.actions);
    return answer !== undefined && c.actions.includes(answer) ? answer : undefined;
  },

  async show(level: MessageLevel, text: string, ...actions: string[]) {
    const fn =
      level === 'error'
        ? vscode.window.showErrorMessage
        : level === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    return fn(text, ...actions);
  },

  withProgress(opts, work) {
    const location = opts.location === 'notification' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    return Promise.resolve(
      vscode.window.withProgress({ location, title: opts.title, cancellable: opts.cancellable }, (progress, token) =>
        work((u) => progress.report(u), token),
      ),
    );
  },

  async pick<T>(items: readonly PickItem<T>[], opts: { title: string; placeholder?: string }) {
    const chosen = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value })),
      { title: opts.title, placeHolder: opts.placeholder, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
    );
    return chosen?.value;
  },

  async input(opts) {
    return vscode.window.showInputBox({
      title: opts.title,
      prompt: opts.prompt,
      value: opts.value,
      ignoreFocusOut: true,
      validateInput: (v) => opts.validate?.(v),
    });
  },

  async pickFolder(opts) {
    const uris = await vscode.window.showOpenDialog({
      title: opts.title,
      openLabel: opts.action,
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
    });
    const uri = uris?.[0];
    // The extension runs where the files are (extensionKind workspace): only a file: URI is a folder the backend can read.
    return uri?.scheme === 'file' ? uri.fsPath : undefined;
  },

  terminal: terminalLog,

  async runCommandIfPresent(id, ...args) {
    if (!(await vscode.commands.getCommands(true)).includes(id)) return false;
    await vscode.commands.executeCommand(id, ...args);
    return true;
  },
};
