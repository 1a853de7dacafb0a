import * as vscode from 'vscode';
import type { Finding } from '../../backend';

/** What the Problems panel shows as the source of these diagnostics. */
export const DIAGNOSTIC_SOURCE = 'Persistence Lens';

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(f: Finding): vscode.Diagnostic {
  const range = new vscode.Range(f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character);
  const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = f.code;
  return d;
}

/** Stable across edits that move lines: what a diagnostic is about, not where it is. */
export function findingKey(f: Finding): string {
  return `${f.code}\0${f.service ?? ''}\0${f.path ?? ''}`;
}
