/**
 * Diagnostics for a compose file or a devcontainer.json as the user is typing it: warnings on the lines
 * that put data at risk, each with its quick fixes already planned against that text, and information
 * about mounts that expose the host. A file that cannot be read (a syntax error halfway through a word)
 * is one error at the place the reader stopped, never an exception.
 */
import { resolve } from 'node:path';
import { isInputError } from '../../core/errors';
import { isDevcontainerFile } from '../persist';
import { diagnoseCompose } from './compose';
import { diagnoseDevcontainer } from './devcontainer';
import { diagnoseKubernetes } from './kubernetes';
import { looksLikeKubernetes } from '../../sources/kubernetes/read';
import { planNoFixes } from './fixes';
import { declarationRange, firstLineRange, TextLines } from './ranges';
import type { DiagnoseRequest, Finding } from './types';

export type { DiagnoseRequest, Finding, FindingCode, FindingSeverity, PlannedFixes, QuickFix, TextPosition, TextRange } from './types';

export async function diagnoseConfigFile(req: DiagnoseRequest): Promise<Finding[]> {
  const file = resolve(req.file);
  const overlay = new Map(req.overlay ?? []);
  overlay.set(file, req.text);
  const inputs = {
    file,
    text: req.text,
    overlay,
    minimumCriticality: req.minimumCriticality ?? 'medium',
    ...(req.env ? { env: req.env } : {}),
  };
  try {
    const findings = isDevcontainerFile(file)
      ? await diagnoseDevcontainer(inputs)
      : looksLikeKubernetes(req.text)
        ? await diagnoseKubernetes(inputs)
        : await diagnoseCompose(inputs);
    return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  } catch (e) {
    return [unreadable(e, file, req.text)];
  }
}

/** The reader's complaint, where it points when that is in this file, else on the first line naming the file. */
function unreadable(e: unknown, file: string, text: string): Finding {
  const input = isInputError(e);
  const loc = input ? e.location : undefined;
  const here = loc && loc.file === file;
  // The squiggle already says where: the reason alone, without the file:line:column the message starts with.
  const message = here && input && e.reason !== undefined ? e.reason : e instanceof Error ? e.message : String(e);
  return {
    severity: 'error',
    code: 'config-error',
    message: input ? message : `Persistence Lens could not read this file: ${message}`,
    range: here ? declarationRange(new TextLines(text), loc) : firstLineRange(new TextLines(text)),
    planFixes: planNoFixes,
  };
}
