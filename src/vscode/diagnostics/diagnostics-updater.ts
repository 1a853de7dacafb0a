import * as vscode from 'vscode';
import type { DiagnoseRequest, Finding } from '../../backend';
import { backend } from '../backend';
import { configKind, DIAGNOSED_LANGUAGES } from './config-documents';
import { KeyedDebouncer } from './keyed-debouncer';
import { findingKey, toDiagnostic } from './to-diagnostic';

/** Pause in typing after which a document is diagnosed again. */
export const TYPING_DELAY_MS = 300;
/** A document just opened: soon, but out of the event that opened it (and out of activation). */
const OPEN_DELAY_MS = 50;

export interface DiagnosedEntry {
  diagnostic: vscode.Diagnostic;
  finding: Finding;
  key: string;
}

/** What a document was diagnosed as, at which version. */
export interface DocumentDiagnosis {
  version: number;
  entries: DiagnosedEntry[];
}

/** A diagnosis just published; `opened`: the document's first since it was opened. */
export interface PublishedDiagnosis {
  doc: vscode.TextDocument;
  diagnosis: DocumentDiagnosis;
  opened: boolean;
}

function isDiagnosable(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && configKind(doc.uri.fsPath, doc.languageId, () => doc.getText()) !== undefined;
}

/** Unsaved texts of the other config-like documents: the project is read as the editor shows it. */
function unsavedOverlay(except: vscode.TextDocument): Map<string, string> {
  const overlay = new Map<string, string>();
  for (const d of vscode.workspace.textDocuments) {
    if (d === except || !d.isDirty || d.uri.scheme !== 'file') continue;
    if ((DIAGNOSED_LANGUAGES as readonly string[]).includes(d.languageId) || isDiagnosable(d)) overlay.set(d.uri.fsPath, d.getText());
  }
  return overlay;
}

/**
 * Keeps the 'persistenceLens' diagnostics of open compose files and devcontainer.json current: debounced
 * on typing, dropped on close, none at all in an untrusted workspace. Each diagnostic keeps the finding
 * (and its planned fixes) it came from, for the code action provider.
 */
export class DiagnosticsUpdater implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('persistenceLens');
  private readonly debouncer = new KeyedDebouncer<string>();
  private readonly diagnoses = new Map<string, DocumentDiagnosis>();
  /** Which finding a diagnostic object came from (the code action context may hand back the same objects). */
  private readonly keys = new WeakMap<vscode.Diagnostic, string>();
  private backendFailed = false;
  private readonly published = new vscode.EventEmitter<PublishedDiagnosis>();
  /** Fires after a document's diagnostics are published (for the quick fixes to be planned ahead). */
  readonly onDidPublish = this.published.event;

  /** Schedules a diagnosis of the document if it is one we diagnose. */
  schedule(doc: vscode.TextDocument, delayMs = TYPING_DELAY_MS): void {
    if (!vscode.workspace.isTrusted) return;
    const uri = doc.uri.toString();
    if (!isDiagnosable(doc)) {
      // No longer a compose file (its `services:` deleted): what was said about it no longer holds.
      if (this.diagnoses.has(uri)) this.forget(doc);
      return;
    }
    this.debouncer.schedule(uri, delayMs, () => {
      void this.diagnose(doc);
    });
  }

  scheduleOpen(doc: vscode.TextDocument): void {
    this.schedule(doc, OPEN_DELAY_MS);
  }

  /** Every open document again (trust granted, a file the others depend on saved). */
  scheduleAll(except?: vscode.TextDocument): void {
    for (const doc of vscode.workspace.textDocuments) if (doc !== except) this.schedule(doc);
  }

  forget(doc: vscode.TextDocument): void {
    const uri = doc.uri.toString();
    this.debouncer.cancel(uri);
    this.diagnoses.delete(uri);
    this.collection.delete(doc.uri);
  }

  /** The diagnosis of the document's current text: the stored one, or a new one when the text moved on. */
  async current(doc: vscode.TextDocument): Promise<DocumentDiagnosis | undefined> {
    const stored = this.diagnoses.get(doc.uri.toString());
    if (stored && stored.version === doc.version) return stored;
    return this.diagnose(doc);
  }

  keyOf(diagnostic: vscode.Diagnostic): string | undefined {
    return this.keys.get(diagnostic);
  }

  /** Stored diagnosis, whatever its version (matching a diagnostic the user clicked on). */
  stored(doc: vscode.TextDocument): DocumentDiagnosis | undefined {
    return this.diagnoses.get(doc.uri.toString());
  }

  private async diagnose(doc: vscode.TextDocument): Promise<DocumentDiagnosis | undefined> {
    if (!vscode.workspace.isTrusted || doc.isClosed || this.backendFailed) return undefined;
    const version = doc.version;
    let diagnoseConfigFile: (req: DiagnoseRequest) => Promise<Finding[]>;
    try {
      // The backend bundle loads here the first time: in a timer after a document was seen, never in activate().
      ({ diagnoseConfigFile } = backend());
    } catch (err) {
      this.backendFailed = true; // a broken install: say it once, not on every keystroke
      console.error('Persistence Lens: the backend bundle could not be loaded; no diagnostics.', err);
      return undefined;
    }
    let findings: Finding[];
    try {
      findings = await diagnoseConfigFile({ file: doc.uri.fsPath, text: doc.getText(), overlay: unsavedOverlay(doc) });
    } catch (err) {
      // Bad input is a finding, not an exception: this is a bug. Keep the last diagnostics rather than none.
      console.error('Persistence Lens diagnostics:', err);
      return undefined;
    }
    // A newer text, a close or a lost trust while the backend ran: this result describes nothing on screen.
    if (doc.isClosed || doc.version !== version || !vscode.workspace.isTrusted) return undefined;
    const entries = findings.map((finding) => ({ diagnostic: toDiagnostic(finding), finding, key: findingKey(finding) }));
    for (const e of entries) this.keys.set(e.diagnostic, e.key);
    const diagnosis = { version, entries };
    const opened = !this.diagnoses.has(doc.uri.toString());
    this.diagnoses.set(doc.uri.toString(), diagnosis);
    this.collection.set(
      doc.uri,
      entries.map((e) => e.diagnostic),
    );
    this.published.fire({ doc, diagnosis, opened });
    return diagnosis;
  }

  dispose(): void {
    this.debouncer.dispose();
    this.collection.dispose();
    this.published.dispose();
  }
}
