import * as vscode from 'vscode';

/** The scheme of the extension's read-only documents (survival details, the scan report). */
export const DETAILS_SCHEME = 'persistence-lens-details';

/**
 * Read-only Markdown documents served by a TextDocumentContentProvider: nothing to save, nothing that asks to
 * be saved on close (an untitled buffer would). Opening the same name again shows the new content.
 */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DETAILS_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** The document `name` (a file name ending in .md) with `markdown` as its text, shown in a preview tab. */
  async show(name: string, markdown: string): Promise<vscode.TextDocument> {
    const uri = vscode.Uri.from({ scheme: DETAILS_SCHEME, path: `/${name.replace(/[/\\]/g, '_')}` });
    const known = this.contents.has(uri.path);
    this.contents.set(uri.path, markdown);
    if (known) this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
